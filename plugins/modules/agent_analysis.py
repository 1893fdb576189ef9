#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_analysis
short_description: Judge a changed agent against its own baseline over an analysis window
version_added: 0.2.0
description:
  - >-
    The analysis-run idea of Argo Rollouts as one module call. Waits up to O(wait_timeout)
    seconds for a healthy reply (the health check), then samples the agent every O(interval)
    seconds for O(duration) seconds, as M(aisystem.fleet.agent_metrics_info) does, and judges
    every sample against the failure conditions and the agent's O(baseline).
  - >-
    Failure conditions: health not healthy O(failure_limit) samples in a row; the program not
    RUNNING or restarted (a new pid) in any sample; health latency p95 above the baseline's p95
    by more than O(max_latency_regression) percent and by more than O(latency_tolerance_ms),
    O(regression_limit) samples in a row; RSS above the baseline's mean by more than
    O(max_rss_growth) percent, O(regression_limit) samples in a row; the GPU critical (above
    O(memory_critical_percent) or O(temperature_critical_c)) or NVML lost when the baseline could
    read it, in any sample. GPU warnings are returned in RV(gpu_warnings) and fail nothing.
  - >-
    Stops at the first failed condition. No data is a result of its own: with no failure but
    fewer than O(min_samples) answered samples, or a baseline without a latency p95, the
    verdict is C(inconclusive), which fails unless O(inconclusive_fails=false).
  - >-
    Fails when the verdict does not pass, with every breach in the result; a play rolls the
    agent back in its rescue. Where NVML is unavailable GPU conditions are skipped, unless
    O(gpu_required=true).
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
options:
  baseline:
    description:
      - The agent's baseline, the RV(aisystem.fleet.agent_metrics_info#module:summary) taken before
        the change (or stored in its run record).
    type: dict
    required: true
  wait_timeout:
    description: Seconds to wait for the first healthy reply before the window starts.
    type: float
    default: 30
  failure_limit:
    description: Unhealthy samples in a row that fail the analysis.
    type: int
    default: 3
  regression_limit:
    description: Latency or RSS breaches in a row that fail the analysis.
    type: int
    default: 2
  max_latency_regression:
    description: Percent by which a sample's health latency p95 may exceed the baseline's p95.
    type: float
    default: 10
  latency_tolerance_ms:
    description: Milliseconds by which a p95 may always exceed the baseline's, whatever the percent (noise floor).
    type: float
    default: 5
  max_rss_growth:
    description: Percent by which the process's RSS may exceed the baseline's mean RSS.
    type: float
    default: 50
  min_samples:
    description: Samples with a health reply needed for a verdict other than C(inconclusive).
    type: int
    default: 1
  inconclusive_fails:
    description: Whether an C(inconclusive) verdict fails.
    type: bool
    default: true
  gpu_required:
    description: Fail when NVML is unavailable, instead of skipping the GPU conditions.
    type: bool
    default: false
seealso:
  - module: aisystem.fleet.agent_metrics_info
  - module: aisystem.fleet.nvml_info
  - name: Argo Rollouts analysis
    description: The analysis-run model this module follows.
    link: https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
"""

EXAMPLES = r"""
- name: Analyse TieredResponder for 5 minutes against its baseline
  aisystem.fleet.agent_analysis:
    health_check_port: 7101
    name: TieredResponder
    supervisor_url: unix:///home/haymayndz/AI_System_Monorepo/supervisor/supervisor.sock
    baseline: "{{ baseline.summary }}"
    duration: 300
    interval: 10
  register: analysis
"""

RETURN = r"""
verdict:
  description: C(successful), C(failed) or C(inconclusive).
  returned: always
  type: str
passed:
  description: Whether the verdict lets the agent through.
  returned: always
  type: bool
failed_conditions:
  description: Conditions that failed, of C(health), C(process), C(latency), C(rss), C(gpu).
  returned: always
  type: list
  elements: str
breaches:
  description: Every sample's breach, C(t_s) (seconds into the window), C(condition), C(value), C(limit), C(message).
  returned: always
  type: list
  elements: dict
gpu_warnings:
  description: GPU warnings seen (above a warning threshold, below the critical one).
  returned: always
  type: list
  elements: str
inconclusive_reasons:
  description: Why the verdict is C(inconclusive), else empty.
  returned: always
  type: list
  elements: str
samples:
  description: Every sample, as M(aisystem.fleet.agent_metrics_info) returns them.
  returned: always
  type: list
  elements: dict
summary:
  description: The window in numbers, in the shape of a baseline.
  returned: always
  type: dict
stopped_early:
  description: Whether the window ended before O(duration) (a failed condition).
  returned: always
  type: bool
waited_s:
  description: Seconds spent waiting for the first healthy reply.
  returned: always
  type: float
gpu:
  description: Whether NVML was readable (C(available), C(reason)), the worst C(verdict) and its C(reasons).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _analysis, _gpu, _metrics, _supervisor

CONDITIONS = list(_analysis.CONDITION_DEFAULTS)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            baseline=dict(type="dict", required=True),
            wait_timeout=dict(type="float", default=30.0),
            failure_limit=dict(type="int", default=3),
            regression_limit=dict(type="int", default=2),
            max_latency_regression=dict(type="float", default=10.0),
            latency_tolerance_ms=dict(type="float", default=5.0),
            max_rss_growth=dict(type="float", default=50.0),
            min_samples=dict(type="int", default=1),
            inconclusive_fails=dict(type="bool", default=True),
            gpu_required=dict(type="bool", default=False),
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
        result = _metrics.analyse(params, params["baseline"], {k: params[k] for k in CONDITIONS},
                                  params["wait_timeout"], params["gpu_required"], params["inconclusive_fails"])
    except (ValueError, _supervisor.SupervisorError) as exc:
        module.fail_json(msg=str(exc))
    except _gpu.NvmlUnavailable as exc:
        module.fail_json(msg="NVML is unavailable and gpu_required is set: %s" % exc.reason)
    if not result["passed"]:
        why = "; ".join(sorted({b["message"] for b in result["breaches"]
                                if b["condition"] in result["failed_conditions"]})[:5]
                        or result["inconclusive_reasons"])
        module.fail_json(msg="analysis %s: %s" % (result["verdict"], why), **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
