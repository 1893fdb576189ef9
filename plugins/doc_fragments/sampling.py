# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How an agent is sampled over a window (agent_metrics_info, agent_analysis), with aisystem.fleet.health_probe."""

    DOCUMENTATION = r"""
options:
  health_check_port:
    description: The agent's C(health_check_port) (HTTP probes go to this port + 1).
    type: int
    required: true
  name:
    description:
      - The agent's supervisord program. With it every sample reads the program's state and
        pid over XML-RPC, and the process's CPU percent and RSS through psutil.
      - Without it samples carry no process readings.
    type: str
  duration:
    description: Seconds of the window; samples are taken at 0, O(interval), 2 x O(interval), ... within it.
    type: float
    default: 10
  interval:
    description: Seconds between samples.
    type: float
    default: 1
  probes:
    description: Health probes per sample, one after the other; their latencies give the p50 and p95.
    type: int
    default: 5
  gpu:
    description:
      - Read the GPUs through NVML at every sample (device memory percent, temperature, and the
        GPU memory of the program's pid). Where NVML is unavailable the samples say so and GPU
        conditions are not judged.
    type: bool
    default: true
"""
