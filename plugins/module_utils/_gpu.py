# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPU readings through NVML (nvidia-ml-py, imported as ``pynvml``) and their verdicts.

Private to the collection.

Every number comes from NVML, as NVIDIA recommends over parsing ``nvidia-smi``:

* ``memory_total_bytes``/``memory_used_bytes``: ``nvmlDeviceGetMemoryInfo`` (bytes);
  ``memory_used_percent`` = used / total * 100;
* ``temperature_c``: ``nvmlDeviceGetTemperature(NVML_TEMPERATURE_GPU)`` (degrees C);
* ``utilization_gpu_percent``/``utilization_memory_percent``: ``nvmlDeviceGetUtilizationRates``
  (percent of the last sample period, as the driver measures it);
* ``processes``: ``nvmlDeviceGetComputeRunningProcesses`` as ``[{"pid", "used_gpu_memory_bytes"}]``
  (``used_gpu_memory_bytes`` is None where the driver cannot tell).

A GPU (a dict)::

    {"index": int, "name": str, "uuid": str, "memory_total_bytes": int, "memory_used_bytes": int,
     "memory_free_bytes": int, "memory_used_percent": float, "temperature_c": int|None,
     "utilization_gpu_percent": int|None, "utilization_memory_percent": int|None,
     "processes": [{"pid": int, "used_gpu_memory_bytes": int|None}]}

No library, no driver, no GPU or a lost GPU make NVML *unavailable*: ``NvmlUnavailable`` with
the reason and the pynvml error class (``NVMLError_LibraryNotFound``,
``NVMLError_DriverNotLoaded``, ``NVMLError_GpuIsLost``, ...). A reading a device does not
support (``NVMLError_NotSupported`` for temperature, utilization or processes) is None.
"""

from __future__ import annotations

import importlib

# Runbook thresholds: warning above 85 % memory or 80 degrees C, critical above 95 % or 90.
THRESHOLD_DEFAULTS = {
    "memory_warning_percent": 85.0,
    "memory_critical_percent": 95.0,
    "temperature_warning_c": 80.0,
    "temperature_critical_c": 90.0,
}
LEVELS = ("ok", "warning", "critical")
# Module options for the thresholds (doc fragment aisystem.fleet.gpu).
THRESHOLD_ARGUMENT_SPEC = {key: dict(type="float", default=value) for key, value in THRESHOLD_DEFAULTS.items()}


class NvmlUnavailable(Exception):
    """NVML cannot be read: ``reason`` (text) and ``error_class`` (pynvml's class name or None)."""

    def __init__(self, reason, error_class=None):
        super().__init__(reason)
        self.reason = reason
        self.error_class = error_class


def import_pynvml():
    """``(pynvml module, None)`` or ``(None, ImportError)``."""
    try:
        return importlib.import_module("pynvml"), None
    except ImportError as exc:
        return None, exc


def _unavailable(exc, what):
    name = type(exc).__name__
    return NvmlUnavailable("%s: %s (%s)" % (what, exc, name), name)


def _optional(nvml, call, *args):
    """A reading that some devices do not support: None for NVMLError_NotSupported."""
    try:
        return call(*args)
    except nvml.NVMLError as exc:
        if type(exc).__name__ == "NVMLError_NotSupported":
            return None
        raise


class NvmlSession:
    """One NVML session: ``nvmlInit`` on enter, ``nvmlShutdown`` on exit, ``read()`` in between.

    :param nvml: the ``pynvml`` module (or a stand-in with the same functions, for unit tests).
    :raises NvmlUnavailable: on enter, when NVML cannot be initialised.
    """

    def __init__(self, nvml):
        self.nvml = nvml
        self.driver_version = None
        self._open = False

    def __enter__(self):
        try:
            self.nvml.nvmlInit()
        except self.nvml.NVMLError as exc:
            raise _unavailable(exc, "NVML could not be initialised") from exc
        self._open = True
        try:
            self.driver_version = str(self.nvml.nvmlSystemGetDriverVersion())
        except self.nvml.NVMLError:
            self.driver_version = None
        return self

    def __exit__(self, *exc_info):
        if self._open:
            self._open = False
            try:
                self.nvml.nvmlShutdown()
            except self.nvml.NVMLError:
                pass
        return False

    def read(self):
        """Every GPU now, as a list of GPU dicts (module doc).

        :raises NvmlUnavailable: no GPU, or a GPU lost or unreadable.
        """
        nvml = self.nvml
        try:
            count = nvml.nvmlDeviceGetCount()
        except nvml.NVMLError as exc:
            raise _unavailable(exc, "NVML could not count the GPUs") from exc
        if count == 0:
            raise NvmlUnavailable("NVML reports no GPU", None)
        gpus = []
        for index in range(count):
            try:
                gpus.append(self._device(index))
            except nvml.NVMLError as exc:
                raise _unavailable(exc, "GPU %d could not be read" % index) from exc
        return gpus

    def _device(self, index):
        nvml = self.nvml
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        memory = nvml.nvmlDeviceGetMemoryInfo(handle)
        utilization = _optional(nvml, nvml.nvmlDeviceGetUtilizationRates, handle)
        processes = _optional(nvml, nvml.nvmlDeviceGetComputeRunningProcesses, handle) or []
        total, used = int(memory.total), int(memory.used)
        return {
            "index": index,
            "name": str(nvml.nvmlDeviceGetName(handle)),
            "uuid": str(nvml.nvmlDeviceGetUUID(handle)),
            "memory_total_bytes": total,
            "memory_used_bytes": used,
            "memory_free_bytes": int(memory.free),
            "memory_used_percent": round(used * 100.0 / total, 2) if total else None,
            "temperature_c": _optional(nvml, nvml.nvmlDeviceGetTemperature, handle, nvml.NVML_TEMPERATURE_GPU),
            "utilization_gpu_percent": None if utilization is None else int(utilization.gpu),
            "utilization_memory_percent": None if utilization is None else int(utilization.memory),
            "processes": [{"pid": int(p.pid), "used_gpu_memory_bytes": None if p.usedGpuMemory is None
                           else int(p.usedGpuMemory)} for p in processes],
        }


def thresholds_from(values=None):
    """The runbook thresholds with ``values`` (same keys; None keeps the default) laid over."""
    merged = dict(THRESHOLD_DEFAULTS)
    merged.update({k: float(v) for k, v in (values or {}).items() if v is not None and k in merged})
    if merged["memory_warning_percent"] > merged["memory_critical_percent"]:
        raise ValueError("memory_warning_percent is above memory_critical_percent")
    if merged["temperature_warning_c"] > merged["temperature_critical_c"]:
        raise ValueError("temperature_warning_c is above temperature_critical_c")
    return merged


# metric, words, unit; and its (warning, critical) threshold keys
_CHECKS = (("memory_used_percent", "memory", " %"), ("temperature_c", "temperature", " C"))
_CHECKS_LIMITS = {"memory_used_percent": ("memory_warning_percent", "memory_critical_percent"),
                  "temperature_c": ("temperature_warning_c", "temperature_critical_c")}


def _level(value, warning, critical):
    if value is None:
        return "ok"
    if value > critical:
        return "critical"
    if value > warning:
        return "warning"
    return "ok"


def gpu_verdict(gpus, thresholds=None):
    """Judge GPUs against thresholds; a level is reached when a value is *above* its threshold.

    :param gpus: GPU dicts (``NvmlSession.read``).
    :param thresholds: as ``THRESHOLD_DEFAULTS`` (percent, degrees C); missing keys: defaults.
    :returns: ``{"verdict": "ok"|"warning"|"critical", "reasons": [str], "breaches":
        [{"gpu", "metric", "value", "threshold", "level"}]}``, the worst level of all GPUs.
    """
    limits = thresholds_from(thresholds)
    breaches = []
    for gpu in gpus:
        for key, what, unit in _CHECKS:
            value = gpu.get(key)
            level = _level(value, limits[_CHECKS_LIMITS[key][0]], limits[_CHECKS_LIMITS[key][1]])
            if level != "ok":
                threshold = limits[_CHECKS_LIMITS[key][LEVELS.index(level) - 1]]
                breaches.append({"gpu": gpu["index"], "metric": key, "value": value, "threshold": threshold,
                                 "level": level,
                                 "reason": "GPU %d %s %s%s is above the %s threshold %s%s" % (
                                     gpu["index"], what, value, unit, level, threshold, unit)})
    verdict = max((b["level"] for b in breaches), key=LEVELS.index, default="ok")
    return {"verdict": verdict, "reasons": [b["reason"] for b in breaches], "breaches": breaches}


def process_gpu_memory(gpus, pid):
    """Bytes of GPU memory that ``pid`` holds over all GPUs (None when NVML cannot tell)."""
    found = [p["used_gpu_memory_bytes"] for gpu in gpus for p in gpu["processes"] if p["pid"] == pid]
    if any(v is None for v in found):
        return None
    return sum(found)


def read_nvml(nvml, thresholds=None, pids=None):
    """One call's reading: initialise NVML, read every GPU, judge, shut NVML down.

    :param nvml: the ``pynvml`` module, or None when it cannot be imported.
    :param pids: process ids whose GPU memory to sum (``pid_gpu_memory_bytes``).
    :returns: ``{"available": bool, "reason": str|None, "error_class": str|None,
        "driver_version": str|None, "gpus": [GPU], "verdict", "reasons", "breaches",
        "pid_gpu_memory_bytes": {pid: bytes|None}}``; unavailable NVML has ``verdict`` None.
    """
    result = {"available": False, "reason": None, "error_class": None, "driver_version": None, "gpus": [],
              "verdict": None, "reasons": [], "breaches": [], "pid_gpu_memory_bytes": {}}
    if nvml is None:
        result.update(reason="nvidia-ml-py (pynvml) is not installed", error_class="ImportError")
        return result
    try:
        with NvmlSession(nvml) as session:
            result["driver_version"] = session.driver_version
            gpus = session.read()
    except NvmlUnavailable as exc:
        result.update(reason=exc.reason, error_class=exc.error_class)
        return result
    result.update(available=True, gpus=gpus, **gpu_verdict(gpus, thresholds))
    result["pid_gpu_memory_bytes"] = {str(pid): process_gpu_memory(gpus, pid) for pid in pids or ()}
    return result
