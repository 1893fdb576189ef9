# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """GPU thresholds (the runbooks' values) and the NVML requirement."""

    DOCUMENTATION = r"""
options:
  memory_warning_percent:
    description: GPU memory used above this percent of the total is a warning.
    type: float
    default: 85
  memory_critical_percent:
    description: GPU memory used above this percent of the total is critical.
    type: float
    default: 95
  temperature_warning_c:
    description: GPU temperature above this many degrees C is a warning.
    type: float
    default: 80
  temperature_critical_c:
    description: GPU temperature above this many degrees C is critical.
    type: float
    default: 90
requirements:
  - nvidia-ml-py (C(pynvml)) and the NVIDIA driver's C(libnvidia-ml.so.1) for GPU readings;
    without them NVML is reported unavailable
"""
