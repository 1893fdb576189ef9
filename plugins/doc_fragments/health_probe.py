# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How a BaseAgent health probe is sent and read (agent_health_info, agent_metrics_info, agent_analysis)."""

    DOCUMENTATION = r"""
options:
  host:
    description: Address the agent listens on, as seen from the managed node.
    type: str
    default: 127.0.0.1
  protocol:
    description: C(zmq) probes the agent's C(health_check_port); C(http) sends C(GET /health) to C(health_check_port) + 1.
    type: str
    choices: [zmq, http]
    default: zmq
  timeout:
    description: Seconds one probe waits for a reply.
    type: float
    default: 2.0
  healthy_statuses:
    description: Values of the reply's C(status) that count as healthy.
    type: list
    elements: str
    default: [ok]
requirements:
  - pyzmq (for O(protocol=zmq))
"""
