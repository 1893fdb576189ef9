# -*- coding: utf-8 -*-
"""nvml_info and the NVML readings through the real pynvml, loading the fake driver library built
by the test suite (LD_LIBRARY_PATH is set before each Python process starts, as dlopen needs)."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

import fake_nvml
from conftest import COLLECTIONS, VENV_BIN, ansible_env

READ = """
import json, sys
from ansible_collections.aisystem.fleet.plugins.module_utils import _gpu
nvml, _ = _gpu.import_pynvml()
print(json.dumps(_gpu.read_nvml(nvml, pids=[int(p) for p in sys.argv[1:]])))
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fake-nvml")
    fake_nvml.build(directory)
    return directory


def read(driver, state, *pids, library=True):
    env = ansible_env({"PYTHONPATH": str(COLLECTIONS), "FLEET_FAKE_NVML_STATE": str(state)})
    env.pop("LD_LIBRARY_PATH", None)
    if library:
        env["LD_LIBRARY_PATH"] = str(driver)
    proc = subprocess.run([str(VENV_BIN / "python"), "-c", READ, *map(str, pids)], env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout)


def test_reads_the_fake_rtx4090_through_the_real_pynvml(driver, tmp_path):
    state = tmp_path / "state"
    fake_nvml.write_state(state, memory_used_percent=50.0, temperature=61, processes=[(4242, 2 * 1024 ** 3)])
    got = read(driver, state, 4242, 4243)
    assert got["available"] and got["driver_version"] == "550.54.14" and got["verdict"] == "ok"
    gpu = got["gpus"][0]
    assert gpu["name"] == "NVIDIA GeForce RTX 4090" and gpu["memory_total_bytes"] == fake_nvml.RTX4090_BYTES
    assert gpu["memory_used_percent"] == 50.0 and gpu["temperature_c"] == 61 and gpu["utilization_gpu_percent"] == 30
    assert got["pid_gpu_memory_bytes"] == {"4242": 2 * 1024 ** 3, "4243": 0}


@pytest.mark.parametrize("percent, temperature, verdict", [
    (86.0, 45, "warning"), (96.0, 45, "critical"), (40.0, 85, "warning"), (40.0, 91, "critical")])
def test_verdicts_through_the_real_pynvml(driver, tmp_path, percent, temperature, verdict):
    state = tmp_path / "state"
    fake_nvml.write_state(state, memory_used_percent=percent, temperature=temperature)
    assert read(driver, state)["verdict"] == verdict


@pytest.mark.parametrize("state_kwargs, library, error_class", [
    ({}, False, "NVMLError_LibraryNotFound"),
    ({"init_error": 9}, True, "NVMLError_DriverNotLoaded"),
    ({"device_error": 15}, True, "NVMLError_GpuIsLost"),
    ({"device_count": 0}, True, None),
])
def test_unavailable_nvml_through_the_real_pynvml(driver, tmp_path, state_kwargs, library, error_class):
    state = tmp_path / "state"
    fake_nvml.write_state(state, **state_kwargs)
    got = read(driver, state, library=library)
    assert not got["available"] and got["error_class"] == error_class and got["reason"]


def nvml_info(driver, state, *args, library=True):
    env = {"FLEET_FAKE_NVML_STATE": str(state)}
    if library:
        env["LD_LIBRARY_PATH"] = str(driver)
    cmd = [str(VENV_BIN / "ansible"), "localhost", "-m", "aisystem.fleet.nvml_info", "-a", " ".join(args),
           "-e", "ansible_python_interpreter=%s" % (VENV_BIN / "python")]
    full = ansible_env(env)
    if not library:
        full.pop("LD_LIBRARY_PATH", None)
    proc = subprocess.run(cmd, env=full, capture_output=True, text=True, check=False)
    return proc.returncode, yaml.safe_load(proc.stdout.split("=>", 1)[1])


def test_module_without_a_driver_is_unavailable_and_fails_only_when_required(driver, tmp_path):
    state = tmp_path / "state"
    fake_nvml.write_state(state)
    rc, got = nvml_info(driver, state, library=False)
    assert rc == 0 and got["available"] is False and got["error_class"] == "NVMLError_LibraryNotFound"
    rc, got = nvml_info(driver, state, "required=true", library=False)
    assert rc != 0 and got["msg"].startswith("NVML is unavailable")


def test_module_with_the_fake_driver(driver, tmp_path):
    state = tmp_path / "state"
    fake_nvml.write_state(state, memory_used_percent=90.0)
    rc, got = nvml_info(driver, state, "memory_warning_percent=91", "memory_critical_percent=99")
    assert rc == 0 and got["verdict"] == "ok" and got["gpus"][0]["memory_used_percent"] == 90.0
    rc, got = nvml_info(driver, state, "required=true")
    assert rc == 0 and got["verdict"] == "warning" and "above the warning threshold" in got["reasons"][0]
