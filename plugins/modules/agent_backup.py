#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_backup
short_description: Checksummed snapshots of an agent's files - take, restore, prune
version_added: 0.1.0
description:
  - O(state=present) snapshots the agent's script, the machine's C(startup_config.yaml) and any
    O(extra_paths) into O(backup_dir)/AGENT/BACKUP_ID/ with a C(manifest.json) (path, sha256,
    size in bytes, mode, owner, group, mtime of every file; the backup id; when), then verifies
    every copy against its source. When the latest snapshot already holds the files exactly as
    they are, no new snapshot is taken (idempotent).
  - O(state=restored) checks every copy of the snapshot (the latest, or O(backup_id)) against the
    manifest and refuses, changing nothing, when one is damaged or missing; otherwise it puts the
    files back byte for byte, with their mode and mtime (and owner when run as root).
  - O(state=absent) deletes all but the newest O(keep) snapshots of the agent.
  - Backups are private - directories 0700, copies and manifests 0600.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    description: >-
      O(state=present) takes no new snapshot while the latest holds the files as they are;
      O(state=restored) and O(state=absent) change nothing the second time.
    support: full
options:
  agent:
    description: The agent's name; its snapshots live in O(backup_dir)/O(agent).
    type: str
    required: true
  backup_dir:
    description: Where snapshots are kept.
    type: path
    required: true
  state:
    description: C(present) takes a snapshot, C(restored) puts one back, C(absent) prunes old ones.
    type: str
    choices: [present, restored, absent]
    default: present
  script_path:
    description: The agent's script (absolute). Required with O(state=present).
    type: path
  startup_config:
    description: The machine's C(startup_config.yaml). Required with O(state=present).
    type: path
  extra_paths:
    description: More files to snapshot with the agent.
    type: list
    elements: path
    default: []
  backup_id:
    description: With O(state=restored), which snapshot; the latest when omitted.
    type: str
  restore_roles:
    description:
      - With O(state=restored), which files to put back - C(script), C(startup_config), C(extra).
      - A rollback of one agent usually leaves C(startup_config) out and puts back only that
        agent's entry with M(aisystem.fleet.agent_config) O(aisystem.fleet.agent_config#module:restore_from),
        so that other agents' changes made since stay.
    type: list
    elements: str
    choices: [script, startup_config, extra]
    default: [script, startup_config, extra]
  keep:
    description: With O(state=absent), how many of the newest snapshots to keep.
    type: int
    default: 5
seealso:
  - module: aisystem.fleet.agent_config
"""

EXAMPLES = r"""
- name: Snapshot TieredResponder before changing it
  aisystem.fleet.agent_backup:
    agent: TieredResponder
    backup_dir: /var/backups/aisystem-fleet/pc2
    script_path: /opt/voice-assistant/voice-assistant-prod/pc2_code/agents/tiered_responder.py
    startup_config: /opt/voice-assistant/voice-assistant-prod/pc2_code/config/startup_config.yaml
  register: backup

- name: Put its script back from that snapshot
  aisystem.fleet.agent_backup:
    agent: TieredResponder
    backup_dir: /var/backups/aisystem-fleet/pc2
    state: restored
    backup_id: "{{ backup.backup_id }}"
    restore_roles: [script, extra]

- name: Keep the three newest snapshots
  aisystem.fleet.agent_backup:
    agent: TieredResponder
    backup_dir: /var/backups/aisystem-fleet/pc2
    state: absent
    keep: 3
"""

RETURN = r"""
backup_id:
  description: The snapshot taken, found unchanged, or restored.
  returned: with O(state=present) or O(state=restored)
  type: str
  sample: 20261121T101500123456Z
backup_path:
  description: The snapshot's directory.
  returned: with O(state=present) or O(state=restored)
  type: str
manifest:
  description: The snapshot's manifest (see the description for its keys).
  returned: with O(state=present) or O(state=restored)
  type: dict
startup_config_copy:
  description: Path of the snapshot's copy of the C(startup_config.yaml), for M(aisystem.fleet.agent_config).
  returned: with O(state=present) or O(state=restored)
  type: str
restored:
  description: Files put back (would be, in check mode).
  returned: with O(state=restored)
  type: list
  elements: str
removed:
  description: Snapshot ids deleted (would be, in check mode).
  returned: with O(state=absent)
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aisystem.fleet.plugins.module_utils._backup import BackupError, BackupStore


def main():
    module = AnsibleModule(
        argument_spec=dict(
            agent=dict(type="str", required=True),
            backup_dir=dict(type="path", required=True),
            state=dict(type="str", choices=["present", "restored", "absent"], default="present"),
            script_path=dict(type="path"),
            startup_config=dict(type="path"),
            extra_paths=dict(type="list", elements="path", default=[]),
            backup_id=dict(type="str"),
            restore_roles=dict(type="list", elements="str", choices=["script", "startup_config", "extra"],
                               default=["script", "startup_config", "extra"]),
            keep=dict(type="int", default=5),
        ),
        required_if=[("state", "present", ("script_path", "startup_config"))],
        supports_check_mode=True,
    )
    params = module.params
    try:
        store = BackupStore(params["backup_dir"], params["agent"])
        if params["state"] == "absent":
            removed = store.prune(params["keep"], module.check_mode)
            module.exit_json(changed=bool(removed), removed=removed)
        if params["state"] == "present":
            files = [(params["script_path"], "script"), (params["startup_config"], "startup_config")]
            files += [(p, "extra") for p in params["extra_paths"]]
            changed, manifest = store.snapshot(files, module.check_mode)
            extra = {}
        else:
            restored, manifest = store.restore(params["backup_id"], set(params["restore_roles"]), module.check_mode)
            changed, extra = bool(restored), {"restored": restored}
    except (BackupError, OSError) as exc:
        module.fail_json(msg="%s: %s" % (params["agent"], exc))
    module.exit_json(changed=changed, backup_id=manifest["backup_id"],
                     backup_path=os.path.join(store.root, manifest["backup_id"]), manifest=manifest,
                     startup_config_copy=store.stored_path(manifest, "startup_config"), **extra)


if __name__ == "__main__":
    main()
