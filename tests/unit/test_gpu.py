# -*- coding: utf-8 -*-
"""NVML readings and verdicts, with the NVML calls stubbed (the errors are pynvml's own classes).

The same code against the real pynvml loading a fake driver library is in
tests/functional/test_nvml.py."""

from __future__ import annotations

import types

import pynvml
import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _gpu

GIB = 1024 ** 3


class StubNvml:
    """The pynvml functions _gpu calls, over a list of device dicts; ``fail`` maps a function
    name to the NVML return code it raises as pynvml's exception class."""

    NVMLError = pynvml.NVMLError
    NVML_TEMPERATURE_GPU = pynvml.NVML_TEMPERATURE_GPU

    def __init__(self, devices, fail=None):
        self.devices = devices
        self.fail = fail or {}
        self.calls = []

    def _call(self, name):
        self.calls.append(name)
        if name in self.fail:
            raise pynvml.NVMLError(self.fail[name])

    def nvmlInit(self):
        self._call("nvmlInit")

    def nvmlShutdown(self):
        self._call("nvmlShutdown")

    def nvmlSystemGetDriverVersion(self):
        self._call("nvmlSystemGetDriverVersion")
        return "550.54.14"

    def nvmlDeviceGetCount(self):
        self._call("nvmlDeviceGetCount")
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index):
        self._call("nvmlDeviceGetHandleByIndex")
        return self.devices[index]

    def nvmlDeviceGetName(self, handle):
        return handle["name"]

    def nvmlDeviceGetUUID(self, handle):
        return handle["uuid"]

    def nvmlDeviceGetMemoryInfo(self, handle):
        self._call("nvmlDeviceGetMemoryInfo")
        return types.SimpleNamespace(total=handle["total"], used=handle["used"], free=handle["total"] - handle["used"])

    def nvmlDeviceGetTemperature(self, handle, sensor):
        assert sensor == pynvml.NVML_TEMPERATURE_GPU
        self._call("nvmlDeviceGetTemperature")
        return handle["temp"]

    def nvmlDeviceGetUtilizationRates(self, handle):
        self._call("nvmlDeviceGetUtilizationRates")
        return types.SimpleNamespace(gpu=handle.get("util", 10), memory=5)

    def nvmlDeviceGetComputeRunningProcesses(self, handle):
        self._call("nvmlDeviceGetComputeRunningProcesses")
        return [types.SimpleNamespace(pid=pid, usedGpuMemory=used) for pid, used in handle.get("procs", ())]


def rtx4090(used_gib=4.0, temp=50, procs=()):
    return {"name": "NVIDIA GeForce RTX 4090", "uuid": "GPU-4090", "total": 24 * GIB, "used": int(used_gib * GIB),
            "temp": temp, "procs": list(procs)}


def test_reads_every_field_and_shuts_down_once():
    stub = StubNvml([rtx4090(6.0, 55, [(4242, GIB), (77, 2 * GIB)])])
    got = _gpu.read_nvml(stub, pids=[4242, 9])
    assert got["available"] and got["verdict"] == "ok" and got["driver_version"] == "550.54.14"
    gpu = got["gpus"][0]
    assert gpu["memory_used_percent"] == 25.0 and gpu["memory_total_bytes"] == 24 * GIB
    assert gpu["temperature_c"] == 55 and gpu["utilization_gpu_percent"] == 10
    assert gpu["processes"] == [{"pid": 4242, "used_gpu_memory_bytes": GIB}, {"pid": 77, "used_gpu_memory_bytes": 2 * GIB}]
    assert got["pid_gpu_memory_bytes"] == {"4242": GIB, "9": 0}
    assert stub.calls.count("nvmlInit") == 1 and stub.calls.count("nvmlShutdown") == 1


@pytest.mark.parametrize("used_gib, temp, verdict, metrics", [
    (12.0, 50, "ok", []),
    (20.4, 50, "ok", []),                                   # 85.0 %: not above 85
    (20.64, 50, "warning", ["memory_used_percent"]),         # 86 %
    (23.04, 50, "critical", ["memory_used_percent"]),        # 96 %
    (12.0, 80, "ok", []),                                   # 80 C: not above 80
    (12.0, 81, "warning", ["temperature_c"]),
    (12.0, 91, "critical", ["temperature_c"]),
    (20.64, 91, "critical", ["memory_used_percent", "temperature_c"]),
])
def test_verdicts_from_the_runbook_thresholds(used_gib, temp, verdict, metrics):
    got = _gpu.read_nvml(StubNvml([rtx4090(used_gib, temp)]))
    assert got["verdict"] == verdict
    assert [b["metric"] for b in got["breaches"]] == metrics
    assert len(got["reasons"]) == len(metrics)


def test_worst_gpu_decides_and_thresholds_are_options():
    gpus = _gpu.NvmlSession(StubNvml([rtx4090(4.0), rtx4090(21.0)])).__enter__().read()
    assert _gpu.gpu_verdict(gpus)["verdict"] == "warning"
    assert _gpu.gpu_verdict(gpus, {"memory_critical_percent": 80.0, "memory_warning_percent": 70.0})["verdict"] == "critical"
    assert _gpu.gpu_verdict(gpus, {"memory_warning_percent": 90.0})["verdict"] == "ok"
    with pytest.raises(ValueError, match="memory_warning_percent is above"):
        _gpu.thresholds_from({"memory_warning_percent": 99.0})


@pytest.mark.parametrize("fail, error_class", [
    ({"nvmlInit": pynvml.NVML_ERROR_LIBRARY_NOT_FOUND}, "NVMLError_LibraryNotFound"),
    ({"nvmlInit": pynvml.NVML_ERROR_DRIVER_NOT_LOADED}, "NVMLError_DriverNotLoaded"),
    ({"nvmlInit": pynvml.NVML_ERROR_NO_PERMISSION}, "NVMLError_NoPermission"),
    ({"nvmlDeviceGetCount": pynvml.NVML_ERROR_UNKNOWN}, "NVMLError_Unknown"),
    ({"nvmlDeviceGetHandleByIndex": pynvml.NVML_ERROR_GPU_IS_LOST}, "NVMLError_GpuIsLost"),
    ({"nvmlDeviceGetMemoryInfo": pynvml.NVML_ERROR_GPU_IS_LOST}, "NVMLError_GpuIsLost"),
])
def test_each_nvml_error_class_makes_nvml_unavailable(fail, error_class):
    stub = StubNvml([rtx4090()], fail)
    got = _gpu.read_nvml(stub)
    assert not got["available"] and got["verdict"] is None and got["gpus"] == []
    assert got["error_class"] == error_class and error_class in got["reason"]
    # shut down once when initialised, never when not
    assert stub.calls.count("nvmlShutdown") == (0 if "nvmlInit" in fail else 1)


def test_no_gpu_and_no_pynvml_are_unavailable():
    got = _gpu.read_nvml(StubNvml([]))
    assert not got["available"] and got["reason"] == "NVML reports no GPU"
    got = _gpu.read_nvml(None)
    assert not got["available"] and got["error_class"] == "ImportError"


def test_unsupported_readings_are_none_not_unavailable():
    stub = StubNvml([rtx4090()], {"nvmlDeviceGetTemperature": pynvml.NVML_ERROR_NOT_SUPPORTED,
                                  "nvmlDeviceGetUtilizationRates": pynvml.NVML_ERROR_NOT_SUPPORTED,
                                  "nvmlDeviceGetComputeRunningProcesses": pynvml.NVML_ERROR_NOT_SUPPORTED})
    got = _gpu.read_nvml(stub)
    assert got["available"]
    gpu = got["gpus"][0]
    assert gpu["temperature_c"] is None and gpu["utilization_gpu_percent"] is None and gpu["processes"] == []


def test_process_memory_unknown_when_the_driver_cannot_tell():
    gpus = [{"processes": [{"pid": 1, "used_gpu_memory_bytes": None}]}]
    assert _gpu.process_gpu_memory(gpus, 1) is None
    assert _gpu.process_gpu_memory(gpus, 2) == 0
