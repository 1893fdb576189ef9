#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: nvml_info
short_description: Read every GPU through NVML and judge it against the runbook thresholds
version_added: 0.2.0
description:
  - >-
    Reads each GPU through nvidia-ml-py (C(pynvml)), as NVIDIA recommends over parsing
    C(nvidia-smi): memory total, used and percent, temperature, utilization and the compute
    processes with their GPU memory, so an agent's own use can be read from its pid.
  - >-
    Judges every GPU against the thresholds: a value above a warning threshold gives
    RV(verdict=warning), above a critical one RV(verdict=critical); RV(reasons) say which.
  - >-
    No C(pynvml), no driver library (C(NVMLError_LibraryNotFound)), a driver not loaded
    (C(NVMLError_DriverNotLoaded)), no GPU or a lost GPU (C(NVMLError_GpuIsLost)) give
    RV(available=false) with the RV(reason); the module fails then only with O(required=true).
  - NVML is initialised and shut down once per call.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes.info_module
  - aisystem.fleet.gpu
options:
  required:
    description: Fail when NVML is unavailable, instead of returning RV(available=false).
    type: bool
    default: false
  pids:
    description: Process ids whose GPU memory to add up over all GPUs (RV(pid_gpu_memory_bytes)).
    type: list
    elements: int
    default: []
notes:
  - >-
    C(pynvml) loads C(libnvidia-ml.so.1) with dlopen, so a library outside the loader's path
    needs C(LD_LIBRARY_PATH) in the task's C(environment) (this is how the tests load a fake
    driver).
seealso:
  - module: aisystem.fleet.agent_analysis
"""

EXAMPLES = r"""
- name: Read the RTX 4090 on MainPC
  aisystem.fleet.nvml_info:
  register: gpu

- name: Stop when the GPU is critical or cannot be read
  aisystem.fleet.nvml_info:
    required: true
  register: gpu
  failed_when: gpu.verdict == 'critical'

- name: GPU memory of an agent's process, with stricter thresholds
  aisystem.fleet.nvml_info:
    pids: [4242]
    memory_warning_percent: 80
    memory_critical_percent: 90
  register: gpu
"""

RETURN = r"""
available:
  description: Whether NVML could be read.
  returned: always
  type: bool
reason:
  description: Why NVML is unavailable, else null.
  returned: always
  type: str
  sample: "NVML could not be initialised: Driver Not Loaded (NVMLError_DriverNotLoaded)"
error_class:
  description: The pynvml error class behind RV(reason), such as C(NVMLError_LibraryNotFound), else null.
  returned: always
  type: str
driver_version:
  description: The NVIDIA driver's version, from C(nvmlSystemGetDriverVersion).
  returned: always
  type: str
  sample: 550.54.14
verdict:
  description: The worst level over all GPUs, C(ok), C(warning) or C(critical); null when unavailable.
  returned: always
  type: str
reasons:
  description: One line per threshold exceeded.
  returned: always
  type: list
  elements: str
breaches:
  description: Each threshold exceeded.
  returned: always
  type: list
  elements: dict
  contains:
    gpu:
      description: GPU index.
      type: int
    metric:
      description: C(memory_used_percent) or C(temperature_c).
      type: str
    value:
      description: The reading (percent or degrees C).
      type: float
    threshold:
      description: The threshold it is above.
      type: float
    level:
      description: C(warning) or C(critical).
      type: str
    reason:
      description: The same in words.
      type: str
gpus:
  description: Every GPU.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: NVML index.
      type: int
    name:
      description: Product name.
      type: str
      sample: NVIDIA GeForce RTX 4090
    uuid:
      description: GPU UUID.
      type: str
    memory_total_bytes:
      description: Total memory, bytes.
      type: int
    memory_used_bytes:
      description: Used memory, bytes.
      type: int
    memory_free_bytes:
      description: Free memory, bytes.
      type: int
    memory_used_percent:
      description: Used / total * 100.
      type: float
    temperature_c:
      description: GPU core temperature, degrees C (null when not supported).
      type: int
    utilization_gpu_percent:
      description: Percent of time a kernel ran over the driver's last sample period (null when not supported).
      type: int
    utilization_memory_percent:
      description: Percent of time memory was read or written (null when not supported).
      type: int
    processes:
      description: Compute processes, each C(pid) and C(used_gpu_memory_bytes) (null when the driver cannot tell).
      type: list
      elements: dict
pid_gpu_memory_bytes:
  description: For each of O(pids) (as a string key), its GPU memory in bytes over all GPUs.
  returned: always
  type: dict
  sample: {"4242": 1073741824}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _gpu


def main():
    module = AnsibleModule(
        argument_spec=dict(
            required=dict(type="bool", default=False),
            pids=dict(type="list", elements="int", default=[]),
            **_gpu.THRESHOLD_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    params = module.params
    nvml, import_error = _gpu.import_pynvml()
    if nvml is None and params["required"]:
        module.fail_json(msg=missing_required_lib("nvidia-ml-py"), exception=str(import_error))
    try:
        thresholds = _gpu.thresholds_from({k: params[k] for k in _gpu.THRESHOLD_DEFAULTS})
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    result = _gpu.read_nvml(nvml, thresholds, params["pids"])
    if params["required"] and not result["available"]:
        module.fail_json(msg="NVML is unavailable: %s" % result["reason"], **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
