# -*- coding: utf-8 -*-
"""The fake NVML driver for tests: build roles/sandbox/files/fake_nvml/fake_nvml.c with gcc into a
libnvidia-ml.so.1 that the real pynvml loads, and write the readings it serves."""

from __future__ import annotations

import subprocess
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "roles" / "sandbox" / "files" / "fake_nvml" / "fake_nvml.c"
RTX4090_BYTES = 25757220864  # 24564 MiB, as an RTX 4090 reports it


def build(directory):
    """Compile the library into ``directory``; returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    lib = directory / "libnvidia-ml.so.1"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", str(lib), str(SOURCE)], check=True)
    return lib


def write_state(path, memory_used_percent=16.0, temperature=45, processes=(), init_error=0, device_error=0,
                device_count=1):
    """Write the readings of ``device_count`` RTX 4090s (same values each) to ``path``."""
    lines = ["init_error %d" % init_error, "driver_version 550.54.14", "device_count %d" % device_count]
    for index in range(device_count):
        prefix = "device.%d." % index
        lines += [prefix + "name NVIDIA GeForce RTX 4090", prefix + "uuid GPU-fake-4090-%d" % index,
                  prefix + "memory_total %d" % RTX4090_BYTES,
                  prefix + "memory_used %d" % int(RTX4090_BYTES * memory_used_percent / 100.0),
                  prefix + "temperature %d" % temperature, prefix + "utilization_gpu 30",
                  prefix + "utilization_memory 20", prefix + "error %d" % device_error]
        lines += [prefix + "process %d %d" % (pid, used) for pid, used in processes]
    tmp = Path(str(path) + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)
