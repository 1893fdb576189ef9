#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_config
short_description: Change one agent's entry of a startup_config.yaml with a JSON merge patch
version_added: 0.1.0
description:
  - Applies O(patch), a JSON merge patch (RFC 7386), to the entry of agent O(agent) in the
    C(startup_config.yaml) at O(path), in either layout (nested C(agent_groups) or a
    C(pc2_services) list).
  - Only the patched keys of that entry change in the text; every other byte of the file stays
    as it was - comments (decommission notes, commented-out agents between flow items), key
    order, flow-style maps, quoting. The entry is located by the YAML parser's node positions,
    new values are rendered by ruamel.yaml (in flow style inside flow maps), and the edit is
    spliced into the original text.
  - The result is proven before it is written - read back, it must be the old document with
    only that entry changed - and it must not add JSON Schema errors.
  - A file with duplicate keys is ambiguous and refused, naming the key and both lines.
  - With O(restore_from), puts the agent's entry back as that snapshot of the file has it
    (a rollback that keeps other agents' changes made since); when nothing else changed, the
    file becomes byte-identical to the snapshot.
  - The write is atomic (temp file, fsync, rename), keeps the file's mode and owner, and holds
    a lock on the file's directory while reading, changing and writing, so two agents of one
    machine can be changed at once.
  - Unknown agent, invalid patch, malformed YAML, or a result failing its schema - a clear
    error, and the file is untouched.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    description: A second run with the same patch finds the entry already patched and changes nothing.
    support: full
requirements:
  - PyYAML
  - ruamel.yaml
  - jsonschema (when O(validate=true))
options:
  path:
    description: Path of the C(startup_config.yaml).
    type: path
    required: true
  agent:
    description: Name of the agent whose entry changes.
    type: str
    required: true
  patch:
    description:
      - JSON merge patch (RFC 7386) for the entry. A key set to null removes it; mappings merge.
      - One of O(patch) or O(restore_from) is required.
    type: dict
  restore_from:
    description: Path of an earlier copy of the file (a backup) whose entry for O(agent) is put back.
    type: path
  validate:
    description: Refuse a result that adds JSON Schema errors to the file.
    type: bool
    default: true
  lock_timeout:
    description: Seconds to wait for another task's lock on the file's directory.
    type: float
    default: 60
seealso:
  - module: aisystem.fleet.startup_config_info
  - module: aisystem.fleet.agent_backup
"""

EXAMPLES = r"""
- name: Turn on the dual observability hub for TieredResponder
  aisystem.fleet.agent_config:
    path: /opt/voice-assistant/voice-assistant-prod/pc2_code/config/startup_config.yaml
    agent: TieredResponder
    patch:
      observability:
        dual_hub_enabled: true
        central_hub_endpoint: tcp://192.168.100.16:9000

- name: Drop a key
  aisystem.fleet.agent_config:
    path: /opt/voice-assistant/voice-assistant-prod/main_pc_code/config/startup_config.yaml
    agent: ModelManagerSuite
    patch:
      config:
        idle_timeout: null

- name: Put TieredResponder's entry back as the backup has it
  aisystem.fleet.agent_config:
    path: /opt/voice-assistant/voice-assistant-prod/pc2_code/config/startup_config.yaml
    agent: TieredResponder
    restore_from: /var/backups/aisystem-fleet/pc2/TieredResponder/20261121T101500Z/files/startup_config.yaml
"""

RETURN = r"""
entry_path:
  description: YAML path of the agent's entry.
  returned: always
  type: str
  sample: pc2_services[1]
before:
  description: The entry before the change.
  returned: always
  type: dict
after:
  description: The entry after the change (what it would be in check mode).
  returned: always
  type: dict
changed_keys:
  description: Top-level keys of the entry whose value changed.
  returned: always
  type: list
  elements: str
  sample: [observability]
diff:
  description: The file's text before and after, when run with C(--diff).
  returned: when diff mode is on and something changed
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _agent_config as ac
from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc
from ansible_collections.aisystem.fleet.plugins.module_utils import _yaml_splice


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            agent=dict(type="str", required=True),
            patch=dict(type="dict"),
            restore_from=dict(type="path"),
            validate=dict(type="bool", default=True),
            lock_timeout=dict(type="float", default=60.0),
        ),
        required_one_of=[("patch", "restore_from")],
        mutually_exclusive=[("patch", "restore_from")],
        supports_check_mode=True,
    )
    if not sc.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=str(sc.YAML_IMPORT_ERROR))
    if not _yaml_splice.HAS_RUAMEL:
        module.fail_json(msg=missing_required_lib("ruamel.yaml"), exception=str(_yaml_splice.RUAMEL_IMPORT_ERROR))
    if module.params["validate"] and not sc.HAS_JSONSCHEMA:
        module.fail_json(msg=missing_required_lib("jsonschema"), exception=str(sc.JSONSCHEMA_IMPORT_ERROR))
    params = module.params
    try:
        plan = ac.edit_file(params["path"], params["agent"], patch=params["patch"],
                            restore_from=params["restore_from"], check_mode=module.check_mode,
                            validate=params["validate"], lock_timeout=params["lock_timeout"])
    except (ac.AgentConfigError, sc.StartupConfigError, _yaml_splice.SpliceError, TimeoutError) as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="cannot write %s: %s" % (params["path"], exc))
    result = dict(changed=plan["changed"], entry_path=plan["path"], before=plan["before"], after=plan["after"],
                  changed_keys=plan["changed_keys"])
    if module._diff and plan["changed"]:
        result["diff"] = dict(before=plan["before_text"], after=plan["text"],
                              before_header=params["path"], after_header=params["path"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
