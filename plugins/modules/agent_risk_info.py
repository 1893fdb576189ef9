#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_risk_info
short_description: Assess an agent's migration risk from its source, without importing or running it
version_added: 0.2.0
description:
  - >-
    Reads an agent script with Python's C(ast) where it parses: BaseAgent subclass (a base whose
    name ends in C(BaseAgent)), C(super().__init__) called, C(_get_health_status) defined, C(port)
    and C(health_check_port) passed to BaseAgent (omitted, BaseAgent binds port + 1, which may not
    be what the config says), ZMQ sockets by type, raw C(socket.socket), threads, thread pools and
    processes, GPU use (C(torch.cuda), C(pynvml), C(cupy), C(nvidia-smi)), database use (C(redis),
    C(sqlite3), C(psycopg2), C(sqlalchemy), C(pymongo)), size in bytes and lines.
  - >-
    Where the file does not parse (a syntax or indentation error, Python 2): RV(compiles=false) with
    the error and its line, the same features from a token-level scan (RV(approximate=true)), and a
    blocking C(does_not_compile) finding, which stops the agent's migration in preflight.
  - >-
    Combines the features with the runbook's weighted matrix - file size 0.3, GPU 0.25, threading
    0.2, databases 0.15, criticality 0.1, each factor scaled to 0-100 - into RV(score), RV(level)
    (low 0-15, medium 16-25, high 26+) and a migration RV(strategy), showing each factor's
    contribution. Weights, bands, scales and strategies are options.
  - With O(agents), assesses many scripts in one call, spread over the CPUs this process may use.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes.info_module
options:
  path:
    description: The agent script. One of O(path) or O(agents) is required.
    type: path
  criticality:
    description: With O(path), the agent's criticality 0-100 (100 for one its config marks C(required)).
    type: float
    default: 0
  agents:
    description:
      - Several agents, each a dict with C(name), C(script_path) (relative to O(repo_root) unless
        absolute) and C(criticality) (0-100) or C(required) (true counts as 100); extra keys, such
        as the rest of a M(aisystem.fleet.startup_config_info) agent, are ignored.
    type: list
    elements: dict
  repo_root:
    description: Directory that relative C(script_path)s of O(agents) start from.
    type: path
  weights:
    description: Weights by factor (C(file_size), C(gpu), C(threading), C(databases), C(criticality)); missing ones keep the runbook's.
    type: dict
    default: {}
  bands:
    description: Highest rounded score of C(low) (15) and C(medium) (25); above is C(high).
    type: dict
    default: {}
  scales:
    description:
      - How factors reach 100 - C(lines_for_full_size) (1500 lines), C(per_concurrency_unit) (25 per
        thread, pool or process), C(per_database) (50 per database library).
    type: dict
    default: {}
  strategies:
    description:
      - Migration strategy by level, laid over the defaults - C(low) 60 s analysis, 1 h observation;
        C(medium) 300 s, 4 h; C(high) 900 s, 24 h, C(serial) 1 and C(alone) in its batch. Keys are
        C(analysis_duration), C(observe_period) (seconds), C(serial), C(alone).
    type: dict
    default: {}
seealso:
  - module: aisystem.fleet.startup_config_info
"""

EXAMPLES = r"""
- name: Risk of ModelManagerAgent
  aisystem.fleet.agent_risk_info:
    path: /home/haymayndz/AI_System_Monorepo/main_pc_code/agents/model_manager_agent.py
    criticality: 100
  register: risk

- name: Risk of every agent of a machine
  aisystem.fleet.agent_risk_info:
    agents: "{{ machine_config.agents }}"
    repo_root: /home/haymayndz/AI_System_Monorepo
  register: fleet_risk
"""

RETURN = r"""
compiles:
  description: Whether the file parses as Python 3.
  returned: with O(path)
  type: bool
error:
  description: Why it does not parse, C(type), C(message) and C(line); else null.
  returned: with O(path)
  type: dict
approximate:
  description: Whether the features come from the token-level scan (the file does not parse).
  returned: with O(path)
  type: bool
features:
  description:
    - C(size_bytes), C(lines), C(base_agent), C(classes), C(super_init_called), C(health_status_defined),
      C(passes_port), C(passes_health_check_port), C(zmq_sockets) (count by socket type),
      C(raw_sockets), C(threads), C(thread_pools), C(processes), C(gpu) (list), C(databases) (list).
  returned: with O(path)
  type: dict
findings:
  description: C(code), C(severity), C(blocking), C(message); C(does_not_compile) and C(script_missing) block.
  returned: with O(path)
  type: list
  elements: dict
blocking:
  description: Whether a finding blocks the agent's migration.
  returned: always
  type: raw
score:
  description: The weighted sum of the factors, 0-100.
  returned: with O(path)
  type: float
level:
  description: C(low), C(medium) or C(high).
  returned: with O(path)
  type: str
strategy:
  description: The level's migration strategy, C(level), C(analysis_duration), C(observe_period), C(serial), C(alone).
  returned: with O(path)
  type: dict
contributions:
  description: Per factor its C(factor_score) (0-100), C(weight) and C(contribution) (their product).
  returned: with O(path)
  type: dict
agents:
  description: With O(agents), each agent's assessment by name, with the keys above and C(path), C(exists).
  returned: with O(agents)
  type: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aisystem.fleet.plugins.module_utils import _risk


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path"),
            criticality=dict(type="float", default=0.0),
            agents=dict(type="list", elements="dict"),
            repo_root=dict(type="path"),
            weights=dict(type="dict", default={}),
            bands=dict(type="dict", default={}),
            scales=dict(type="dict", default={}),
            strategies=dict(type="dict", default={}),
        ),
        required_one_of=[("path", "agents")],
        mutually_exclusive=[("path", "agents")],
        supports_check_mode=True,
    )
    params = module.params
    options = {k: params[k] for k in ("weights", "bands", "strategies", "scales")}
    try:
        if params["path"]:
            module.exit_json(changed=False, **_risk.assess(params["path"], params["criticality"], **options))
        items = []
        for index, agent in enumerate(params["agents"]):
            if not agent.get("name") or not agent.get("script_path"):
                module.fail_json(msg="agents[%d] needs a name and a script_path" % index)
            items.append((os.path.join(params["repo_root"] or "", agent["script_path"]),
                          float(agent.get("criticality", 100.0 if agent.get("required") else 0.0))))
        assessed = _risk.assess_many(items, **options)
        results = dict(zip((a["name"] for a in params["agents"]), assessed))
    except (KeyError, TypeError, ValueError) as exc:
        module.fail_json(msg="bad weights, bands, scales or strategies: %s" % exc)
    module.exit_json(changed=False, agents=results, blocking=sorted(n for n, r in results.items() if r["blocking"]))


if __name__ == "__main__":
    main()
