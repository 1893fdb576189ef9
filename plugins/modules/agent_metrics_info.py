#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_metrics_info
short_description: Sample an agent over a window; its summary is the agent's baseline
version_added: 0.2.0
description:
  - >-
    Samples one agent every O(interval) seconds for O(duration) seconds: BaseAgent health
    (O(probes) probes in a row, their latency in milliseconds), the supervisord program's state
    and pid, the process's CPU percent and RSS (psutil), and through NVML the GPU's memory
    percent and temperature and the GPU memory of the agent's pid.
  - >-
    RV(summary), taken before an agent is changed, is its baseline for
    M(aisystem.fleet.agent_analysis): latency p50/p95 over every probe, mean and highest CPU
    percent and RSS, highest GPU readings.
  - Never fails because the agent is unhealthy; test RV(healthy), RV(program) and RV(gpu) in the play.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes.info_module
  - aisystem.fleet.health_probe
  - aisystem.fleet.sampling
  - aisystem.fleet.supervisor
  - aisystem.fleet.gpu
requirements:
  - psutil
seealso:
  - module: aisystem.fleet.agent_analysis
  - module: aisystem.fleet.nvml_info
"""

EXAMPLES = r"""
- name: Baseline of TieredResponder over 10 s, before it is changed
  aisystem.fleet.agent_metrics_info:
    health_check_port: 7101
    name: TieredResponder
    supervisor_url: unix:///home/haymayndz/AI_System_Monorepo/supervisor/supervisor.sock
    duration: 10
    interval: 1
  register: baseline
  failed_when: not baseline.healthy or baseline.program.state != 'RUNNING'
"""

RETURN = r"""
healthy:
  description: Whether every sample was healthy.
  returned: always
  type: bool
summary:
  description:
    - The window in numbers; taken before a change it is the agent's baseline.
    - C(latency_ms) has C(count), C(p50), C(p95), C(min), C(max) in milliseconds over every probe;
      C(cpu_percent) (percent of one CPU) and C(rss_bytes) have C(mean) and C(max); C(gpu) has the
      highest C(device_memory_used_percent), C(temperature_c) and C(process_gpu_memory_bytes).
  returned: always
  type: dict
  sample: {"samples": 11, "healthy_samples": 11, "window_s": 10.0, "pid": 4242,
           "latency_ms": {"count": 55, "p50": 0.9, "p95": 1.6, "min": 0.7, "max": 2.1},
           "cpu_percent": {"mean": 0.4, "max": 1.0}, "rss_bytes": {"mean": 31457280, "max": 31457280},
           "gpu": {"available": true, "device_memory_used_percent": 16.7, "temperature_c": 52,
                   "process_gpu_memory_bytes": 1073741824}}
samples:
  description:
    - Every sample, in order, with C(t_s) (seconds since the start), C(healthy), C(status), C(error),
      C(latencies_ms), C(latency_ms), C(process) (C(state), C(pid), C(cpu_percent), C(rss_bytes))
      and C(gpu) (C(available), C(verdict), C(reasons), C(device_memory_used_percent),
      C(temperature_c), C(process_gpu_memory_bytes)).
  returned: always
  type: list
  elements: dict
program:
  description: The supervisord program at the last sample, C(name), C(state) and C(pid); null without O(name).
  returned: always
  type: dict
gpu:
  description: Whether NVML was readable (C(available), C(reason)) and the worst C(verdict) with its C(reasons).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _gpu, _metrics, _supervisor


def main():
    module = AnsibleModule(
        argument_spec=dict(
            **_metrics.SAMPLING_ARGUMENT_SPEC,
            **_supervisor.CONNECTION_ARGUMENT_SPEC,
            **_gpu.THRESHOLD_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    params = module.params
    for needed, error in _metrics.missing_libraries(params):
        module.fail_json(msg=missing_required_lib(needed), exception=str(error))
    try:
        result = _metrics.measure(params)
    except (ValueError, _supervisor.SupervisorError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
