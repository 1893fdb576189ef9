#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: startup_config_info
short_description: Read a fleet machine's startup_config.yaml into one agent shape
version_added: 0.1.0
description:
  - >-
    Reads the C(startup_config.yaml) of one machine of the fleet and returns every agent in
    one normalized shape, whichever of the two layouts the file uses - MainPC's nested
    C(agent_groups: {group: {AgentName: {...}}}) or PC2's list C(pc2_services: [{name: ...}]).
  - An agent is a mapping that has C(script_path). Entries that are not agents (null groups,
    C(docker_groups), C({description, agents}) groups nested under C(agent_groups),
    C(group_config)) are skipped and listed under RV(skipped_entries) (not C(skipped),
    which Ansible reserves for skipped tasks).
  - Ports may be written as integers, quoted integers, C(${PORT_OFFSET}+7150) or
    C(${VAR:-default}); they are resolved with O(variables) and the raw text is kept beside
    the resolved integer. An unresolvable port is a finding, not a failure.
  - The YAML is loaded as the fleet's own launcher loads it (PyYAML, last duplicate key
    wins); each duplicate key is reported with both lines.
  - Reports findings (duplicate agents, port conflicts, HTTP health ports that equal another
    agent's port, dependencies on agents not in the file, dependency cycles, schema errors)
    and a dependency order.
  - Fails, naming the file, line and column, only when the file is not YAML, cannot be read,
    or holds no agents layout at all.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes.info_module
requirements:
  - PyYAML
  - jsonschema (when O(validate=true))
options:
  path:
    description: Path of the C(startup_config.yaml) on the managed node.
    type: path
    required: true
  variables:
    description:
      - 'Values for C(${NAME}) in port expressions, for example C({PORT_OFFSET: 20000}).'
      - C(PORT_OFFSET) defaults to C(0). A variable that is neither given nor has a
        C(:-default) in the file makes that port unresolvable (a finding).
      - The process environment is not read, so that a result does not depend on where the
        module runs.
    type: dict
    default: {}
  validate:
    description:
      - Validate the document against the layout's JSON Schema (draft 2020-12, shipped in the
        collection) and report each error with its path under RV(schema_errors) and as a
        C(schema_error) finding.
    type: bool
    default: true
notes:
  - Findings never make the module fail; act on RV(findings) by severity in the play.
seealso:
  - module: aisystem.fleet.agent_health_info
"""

EXAMPLES = r"""
- name: Read PC2's agents
  aisystem.fleet.startup_config_info:
    path: /srv/voice-assistant-prod/pc2_code/config/startup_config.yaml
  register: pc2

- name: Read MainPC's agents with ports shifted as on a shared host
  aisystem.fleet.startup_config_info:
    path: /srv/voice-assistant-prod/main_pc_code/config/startup_config.yaml
    variables:
      PORT_OFFSET: 20000
  register: mainpc

- name: Stop on error findings
  ansible.builtin.assert:
    that: mainpc.findings | selectattr('severity', 'eq', 'error') | list | length == 0
    fail_msg: "{{ mainpc.findings | selectattr('severity', 'eq', 'error') | map(attribute='message') | list }}"
"""

RETURN = r"""
path:
  description: The file that was read.
  returned: always
  type: str
schema:
  description: The layout found, C(agent_groups) (nested, MainPC) or C(services_list) (list, PC2).
  returned: always
  type: str
  sample: services_list
agents:
  description: Every agent, in file order; when a name is defined twice the last definition is kept.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Agent name (the key under its group, or its C(name) in a list).
      type: str
      sample: TieredResponder
    group:
      description: Its group under C(agent_groups), or the list key (C(pc2_services)).
      type: str
    path:
      description: YAML path of the entry, for example C(agent_groups.core_services.ServiceRegistry) or C(pc2_services[1]).
      type: str
    script_path:
      description: Script path as written, relative to the repository root.
      type: str
    host:
      description: Bind host as written, or null.
      type: str
    port:
      description: Resolved ZMQ port (int), or null when unresolvable.
      type: int
    port_raw:
      description: The port as written.
      type: str
      sample: "${PORT_OFFSET}+7100"
    health_check_port:
      description: Resolved ZMQ health port; C(port + 1) when the entry omits it, as BaseAgent binds.
      type: int
    health_check_port_raw:
      description: The health port as written, or null when omitted.
      type: str
    http_health_port:
      description: The HTTP C(/health) port BaseAgent serves, C(health_check_port + 1).
      type: int
    required:
      description: The entry's C(required) flag (false when absent).
      type: bool
    dependencies:
      description: Names of the agents it depends on.
      type: list
      elements: str
    config:
      description: The entry's C(config) block as written (empty when absent).
      type: dict
    source_line:
      description: 1-based line of the entry in the file.
      type: int
order:
  description: Agent names, dependencies first; ties keep file order; agents on a cycle come last.
  returned: always
  type: list
  elements: str
findings:
  description:
    - Problems found. C(code) is one of C(duplicate_key), C(duplicate_agent), C(unresolved_port),
      C(implicit_health_check_port), C(port_conflict), C(http_health_port_collision),
      C(unknown_dependency), C(dependency_cycle), C(schema_error).
  returned: always
  type: list
  elements: dict
  contains:
    code:
      description: What was found.
      type: str
    severity:
      description: C(error), C(warning) or C(info).
      type: str
    message:
      description: One line for a person.
      type: str
    agents:
      description: Agent names concerned; for C(http_health_port_collision) the agent whose HTTP port it is comes first.
      type: list
      elements: str
    lines:
      description: 1-based lines concerned.
      type: list
      elements: int
    port:
      description: The port number, for port findings.
      type: int
      returned: for port findings
skipped_entries:
  description: Entries where agents were expected that are not agents.
  returned: always
  type: list
  elements: dict
  sample:
    - path: agent_groups.docker_groups
      reason: "not an agent group (no entry has script_path; keys: infra_core)"
      line: 618
schema_errors:
  description: JSON Schema errors, each with C(path) and C(message); empty when O(validate=false).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            variables=dict(type="dict", default={}),
            validate=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if not sc.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=str(sc.YAML_IMPORT_ERROR))
    if module.params["validate"] and not sc.HAS_JSONSCHEMA:
        module.fail_json(msg=missing_required_lib("jsonschema"), exception=str(sc.JSONSCHEMA_IMPORT_ERROR))
    try:
        result = sc.read_startup_config(module.params["path"], module.params["variables"], module.params["validate"])
    except sc.StartupConfigError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
