#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: supervisor_program
short_description: Start, stop or restart a supervisord program over XML-RPC and wait for it
version_added: 0.1.0
description:
  - Talks to supervisord's XML-RPC interface (unix socket or HTTP), never to C(supervisorctl)'s
    text output.
  - O(state=started) and O(state=restarted) return once the program is RUNNING - supervisord
    reports RUNNING only after the process has stayed up for its C(startsecs) - and fail when it
    does not get there within O(timeout), or ends BACKOFF, FATAL or EXITED, with the state,
    supervisord's C(spawnerr) and the tail of the program's stderr log.
  - O(state=restarted) always restarts, so it is not idempotent.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes
  - aisystem.fleet.supervisor
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    description: Whether a second run with the same arguments changes nothing.
    support: partial
    details: O(state=started) and O(state=stopped) are idempotent; O(state=restarted) restarts every time.
options:
  name:
    description: The program (or C(group:name)).
    type: str
    required: true
  state:
    description: What the program should be.
    type: str
    choices: [started, stopped, restarted]
    required: true
  timeout:
    description: Seconds to wait for RUNNING after a start.
    type: float
    default: 60
seealso:
  - module: aisystem.fleet.supervisor_program_info
  - module: aisystem.fleet.agent_health_info
"""

EXAMPLES = r"""
- name: Restart TieredResponder and wait until RUNNING
  aisystem.fleet.supervisor_program:
    name: TieredResponder
    state: restarted
    supervisor_url: unix:///var/run/supervisor.sock
    timeout: 30
"""

RETURN = r"""
pid:
  description: The process id (0 when not running).
  returned: always
  type: int
statename:
  description: supervisord's state of the process after the change.
  returned: always
  type: str
  sample: RUNNING
start:
  description: When the process was last started, epoch seconds.
  returned: always
  type: int
spawnerr:
  description: supervisord's last spawn error, empty when none.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _supervisor


def main():
    module = AnsibleModule(
        argument_spec=dict(
            _supervisor.CONNECTION_ARGUMENT_SPEC,
            name=dict(type="str", required=True),
            state=dict(type="str", required=True, choices=["started", "stopped", "restarted"]),
            timeout=dict(type="float", default=60.0),
        ),
        required_together=[("username", "password")],
        supports_check_mode=True,
    )
    if not _supervisor.HAS_SUPERVISOR:
        module.fail_json(msg=missing_required_lib("supervisor"), exception=str(_supervisor.SUPERVISOR_IMPORT_ERROR))
    params = module.params
    try:
        client = _supervisor.SupervisorClient.from_params(params)
        changed, info = _supervisor.ensure_state(client, params["name"], params["state"], params["timeout"],
                                                 module.check_mode)
    except _supervisor.SupervisorError as exc:
        module.fail_json(msg="%s: %s" % (params["name"], exc))
    module.exit_json(changed=changed, pid=info.get("pid", 0), statename=info.get("statename"),
                     start=info.get("start", 0), spawnerr=info.get("spawnerr", ""))


if __name__ == "__main__":
    main()
