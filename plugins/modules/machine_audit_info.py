#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: machine_audit_info
short_description: Audit one machine of the fleet before a migration, read-only
version_added: 0.2.0
description:
  - >-
    Checks, without changing anything: the startup_config.yaml against its schema, its ports
    (duplicates, HTTP health ports colliding with other agents' ports) and dependencies (unknown,
    cycles, and those on an agent of another machine, given O(other_machines)); that supervisord
    answers and has a program for every agent; the agents' ports that a process other than the
    agent's own (its supervisord program and children) listens on (psutil); that every script
    exists and compiles; credentials in sight - keys such as password, secret, token, api_key
    with literal values and URLs with user:password, in the YAML and in the running agents'
    command lines (psutil), with the values masked; free disk where backups go.
  - Each finding has a C(code), a C(severity) (C(error), C(warning), C(info)), the C(agent) and a
    C(message). The module never fails on findings; the play decides (see playbooks/preflight.yml).
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes.info_module
  - aisystem.fleet.supervisor
requirements:
  - psutil
  - PyYAML
  - jsonschema
options:
  startup_config:
    description: The machine's startup_config.yaml.
    type: path
    required: true
  variables:
    description: Values for C(${NAME}) in ports, for example C(PORT_OFFSET).
    type: dict
    default: {}
  repo_root:
    description: The repository root that the agents' C(script_path)s start from.
    type: path
    required: true
  backup_dir:
    description: Where snapshots go; its free space is checked.
    type: path
  min_free_bytes:
    description: Bytes that must be free for backups.
    type: int
    default: 1073741824
  check_ports:
    description: Look for other processes on the agents' ports.
    type: bool
    default: true
  other_machines:
    description: Agent names of the other machines, by machine, so that a dependency on one of them is reported as C(cross_machine_dependency).
    type: dict
    default: {}
seealso:
  - module: aisystem.fleet.startup_config_info
  - module: aisystem.fleet.agent_risk_info
"""

EXAMPLES = r"""
- name: Audit PC2
  aisystem.fleet.machine_audit_info:
    startup_config: /home/haymayndz/AI_System_Monorepo/pc2_code/config/startup_config.yaml
    repo_root: /home/haymayndz/AI_System_Monorepo
    supervisor_url: unix:///home/haymayndz/AI_System_Monorepo/supervisor/supervisor.sock
    backup_dir: /var/backups/aisystem-fleet
    other_machines:
      mainpc: "{{ hostvars['mainpc'].fleet_config.agents | map(attribute='name') | list }}"
  register: audit
"""

RETURN = r"""
findings:
  description: Every finding, C(code), C(severity), C(agent), C(message) and, by code, C(agents), C(lines), C(port), C(line), C(key_path), C(pid), C(path).
  returned: always
  type: list
  elements: dict
agents:
  description: The machine's agents, C(name) and C(dependencies).
  returned: always
  type: list
  elements: dict
free_bytes:
  description: Bytes free where backups go (null without O(backup_dir)).
  returned: always
  type: int
programs:
  description: How many programs supervisord runs (0 when it does not answer).
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _audit, _startup_config, _supervisor


def main():
    module = AnsibleModule(
        argument_spec=dict(
            startup_config=dict(type="path", required=True),
            variables=dict(type="dict", default={}),
            repo_root=dict(type="path", required=True),
            backup_dir=dict(type="path"),
            min_free_bytes=dict(type="int", default=_audit.DEFAULT_MIN_FREE_BYTES),
            check_ports=dict(type="bool", default=True),
            other_machines=dict(type="dict", default={}),
            **_supervisor.CONNECTION_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    params = module.params
    if _audit.psutil is None:
        module.fail_json(msg=missing_required_lib("psutil"))
    if not _startup_config.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=str(_startup_config.YAML_IMPORT_ERROR))
    if not _startup_config.HAS_JSONSCHEMA:
        module.fail_json(msg=missing_required_lib("jsonschema"), exception=str(_startup_config.JSONSCHEMA_IMPORT_ERROR))
    if not _supervisor.HAS_SUPERVISOR:
        module.fail_json(msg=missing_required_lib("supervisor"), exception=str(_supervisor.SUPERVISOR_IMPORT_ERROR))
    try:
        result = _audit.audit_machine(params["startup_config"], params["repo_root"],
                                      _supervisor.SupervisorClient.from_params(params), params["variables"],
                                      params["backup_dir"], params["min_free_bytes"], params["check_ports"],
                                      params["other_machines"])
    except (_startup_config.StartupConfigError, _supervisor.SupervisorError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
