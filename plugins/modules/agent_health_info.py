#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_health_info
short_description: Probe BaseAgent health over ZMQ or HTTP
version_added: 0.1.0
description:
  - >-
    Probes an agent the BaseAgent way - a ZMQ REQ to O(health_check_port) sending
    C({"action": "health_check"}), or an HTTP C(GET /health) on O(health_check_port) + 1 - and
    reads the C(status) of the JSON reply. HTTP answers 200 even when degraded, so C(status)
    decides, never the HTTP code.
  - Each attempt uses a fresh ZMQ socket with LINGER 0 and a receive timeout of O(timeout).
  - With O(wait_timeout), polls with exponential backoff (50 ms doubling to 1 s) until
    healthy or out of time, in this one module call.
  - With O(agents), probes many agents at once (ZMQ requests go out together), which is how a
    whole machine is checked in one task.
  - Never fails because an agent is unhealthy; test RV(healthy) in the play.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes.info_module
  - aisystem.fleet.health_probe
options:
  health_check_port:
    description: The agent's C(health_check_port). One of O(health_check_port) or O(agents) is required.
    type: int
  agents:
    description:
      - Several agents to probe in one call, each a dict with C(name) and C(health_check_port)
        (and optionally C(host); a bind-all C(0.0.0.0) or none means O(host)). Extra keys,
        such as the rest of a M(aisystem.fleet.startup_config_info) agent, are ignored.
    type: list
    elements: dict
  wait_timeout:
    description: Seconds to keep retrying until healthy; C(0) makes one attempt.
    type: float
    default: 0
  samples:
    description: Probes per agent once it is healthy, for the latency percentiles.
    type: int
    default: 1
seealso:
  - module: aisystem.fleet.startup_config_info
"""

EXAMPLES = r"""
- name: Wait up to 30 s for TieredResponder to be healthy
  aisystem.fleet.agent_health_info:
    health_check_port: 8100
    wait_timeout: 30
  register: health
  failed_when: not health.healthy

- name: Probe every agent of a machine at once
  aisystem.fleet.agent_health_info:
    agents: "{{ machine_config.agents }}"
    wait_timeout: 20
  register: fleet_health

- name: Read latency over 20 HTTP probes
  aisystem.fleet.agent_health_info:
    health_check_port: 9110
    protocol: http
    samples: 20
  register: hub_latency
"""

RETURN = r"""
healthy:
  description: With O(health_check_port), whether the agent is healthy; with O(agents), whether all are.
  returned: always
  type: bool
status:
  description: The reply's C(status), or null when there was no reply.
  returned: with O(health_check_port)
  type: str
  sample: ok
reply:
  description: The JSON reply as a dict, or null.
  returned: with O(health_check_port)
  type: dict
error:
  description: Why the agent is not healthy (no reply, not JSON, unhealthy status), else null.
  returned: with O(health_check_port)
  type: str
attempts:
  description: Probes sent.
  returned: with O(health_check_port)
  type: int
latency_ms:
  description: Reply latency over the answered probes, in milliseconds.
  returned: with O(health_check_port)
  type: dict
  contains:
    count:
      description: Answered probes.
      type: int
    p50:
      description: Median (nearest rank), ms.
      type: float
    p95:
      description: 95th percentile (nearest rank), ms.
      type: float
    min:
      description: Fastest, ms.
      type: float
    max:
      description: Slowest, ms.
      type: float
waited_s:
  description: Seconds spent until healthy or until O(wait_timeout) ran out.
  returned: always
  type: float
agents:
  description: With O(agents), the result of each agent by name, each with the keys above.
  returned: with O(agents)
  type: dict
unhealthy:
  description: With O(agents), names of the agents that are not healthy.
  returned: with O(agents)
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _health


def main():
    module = AnsibleModule(
        argument_spec=dict(
            health_check_port=dict(type="int"),
            agents=dict(type="list", elements="dict"),
            wait_timeout=dict(type="float", default=0.0),
            samples=dict(type="int", default=1),
            **_health.PROBE_ARGUMENT_SPEC
        ),
        required_one_of=[("health_check_port", "agents")],
        mutually_exclusive=[("health_check_port", "agents")],
        supports_check_mode=True,
    )
    params = module.params
    if params["protocol"] == "zmq" and not _health.HAS_ZMQ:
        module.fail_json(msg=missing_required_lib("pyzmq"), exception=str(_health.ZMQ_IMPORT_ERROR))
    if params["timeout"] <= 0 or params["wait_timeout"] < 0 or params["samples"] < 1:
        module.fail_json(msg="timeout must be > 0, wait_timeout >= 0 and samples >= 1")
    checker = _health.HealthChecker(params["protocol"], params["timeout"], params["healthy_statuses"])

    if params["agents"] is None:
        result = checker.check(params["host"], params["health_check_port"], params["wait_timeout"], params["samples"])
        module.exit_json(changed=False, **result)

    names, targets = [], []
    for index, agent in enumerate(params["agents"]):
        try:
            host = agent.get("host")
            targets.append((params["host"] if host in (None, "", "0.0.0.0") else str(host), int(agent["health_check_port"])))
        except (KeyError, TypeError, ValueError):
            module.fail_json(msg="agents[%d] needs an integer health_check_port" % index)
        names.append(str(agent.get("name", "agents[%d]" % index)))
    results = checker.check_many(targets, params["wait_timeout"], params["samples"])
    by_name = dict(zip(names, results))
    unhealthy = [n for n, r in by_name.items() if not r["healthy"]]
    module.exit_json(changed=False, healthy=not unhealthy, unhealthy=unhealthy, agents=by_name,
                     waited_s=max([r["waited_s"] for r in results] or [0.0]))


if __name__ == "__main__":
    main()
