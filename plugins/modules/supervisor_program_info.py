#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: supervisor_program_info
short_description: Read supervisord's programs and their process states over XML-RPC
version_added: 0.1.0
description:
  - Asks supervisord, through its XML-RPC interface (C([rpcinterface:supervisor])), for the
    state of its programs - never by parsing C(supervisorctl) output.
  - With O(wait_timeout), waits until every selected program is RUNNING (supervisord reports
    RUNNING once a process has stayed up for its C(startsecs)), and fails early, with the
    state, C(spawnerr) and the tail of the stderr log, when one ends FATAL or EXITED.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes.info_module
  - aisystem.fleet.supervisor
options:
  name:
    description: Programs to report (and wait for); all when empty.
    type: list
    elements: str
    default: []
  wait_timeout:
    description: Seconds to wait until every selected program is RUNNING; C(0) reads once.
    type: float
    default: 0
  timeout:
    description: Seconds for each XML-RPC call.
    type: float
    default: 10
  required:
    description:
      - When false, a supervisord that does not answer gives RV(available=false) instead of a
        failure (used to decide whether supervisord must be started).
    type: bool
    default: true
seealso:
  - module: aisystem.fleet.agent_health_info
"""

EXAMPLES = r"""
- name: Wait until every program of PC2's supervisord is RUNNING
  aisystem.fleet.supervisor_program_info:
    supervisor_url: unix:///var/run/supervisor.sock
    wait_timeout: 60

- name: Is supervisord up at all?
  aisystem.fleet.supervisor_program_info:
    supervisor_url: http://127.0.0.1:9001
    username: fleet
    password: "{{ vault_supervisor_password }}"
    required: false
  register: supervisord
"""

RETURN = r"""
available:
  description: Whether supervisord answered.
  returned: always
  type: bool
reason:
  description: Why supervisord is not available.
  returned: when RV(available) is false
  type: str
supervisord_pid:
  description: supervisord's own pid.
  returned: when RV(available) is true
  type: int
programs:
  description: supervisord's process info for each selected program (C(getProcessInfo)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Program name.
      type: str
    statename:
      description: STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL or UNKNOWN.
      type: str
    pid:
      description: Process id, 0 when not running.
      type: int
    start:
      description: When the process was last started, epoch seconds.
      type: int
    spawnerr:
      description: supervisord's last spawn error, empty when none.
      type: str
not_running:
  description: Names of the selected programs that are not RUNNING.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _supervisor


def main():
    module = AnsibleModule(
        argument_spec=dict(
            _supervisor.CONNECTION_ARGUMENT_SPEC,
            name=dict(type="list", elements="str", default=[]),
            wait_timeout=dict(type="float", default=0.0),
            timeout=dict(type="float", default=10.0),
            required=dict(type="bool", default=True),
        ),
        required_together=[("username", "password")],
        supports_check_mode=True,
    )
    if not _supervisor.HAS_SUPERVISOR:
        module.fail_json(msg=missing_required_lib("supervisor"), exception=str(_supervisor.SUPERVISOR_IMPORT_ERROR))
    params = module.params
    names = params["name"] or None
    try:
        client = _supervisor.SupervisorClient.from_params(params, params["timeout"])
        pid = client.pid()
        if params["wait_timeout"] > 0:
            programs = client.wait_running(names, params["wait_timeout"])
        else:
            programs = client.all_processes()
            if names:
                programs = [p for p in programs if p["name"] in names]
                missing = sorted(set(names) - {p["name"] for p in programs})
                if missing:
                    module.fail_json(msg="supervisord has no program %s" % ", ".join(missing))
    except _supervisor.SupervisorUnavailable as exc:
        if params["required"]:
            module.fail_json(msg=str(exc))
        module.exit_json(changed=False, available=False, reason=str(exc), programs=[], not_running=[])
    except _supervisor.SupervisorError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, available=True, supervisord_pid=pid, programs=programs,
                     not_running=[p["name"] for p in programs if p["statename"] != _supervisor.RUNNING])


if __name__ == "__main__":
    main()
