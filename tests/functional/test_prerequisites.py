# -*- coding: utf-8 -*-
"""Modules on a Python that lacks their libraries fail with Ansible's missing_required_lib message;
the prerequisites role installs them (from the package index) into a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from conftest import REPO, VENV_BIN, ansible_env

BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv / "bin" / "python"


def adhoc(python, module, args=""):
    cmd = [str(VENV_BIN / "ansible"), "localhost", "-m", module, "-a", args,
           "-e", "ansible_python_interpreter=%s" % python]
    proc = subprocess.run(cmd, cwd=REPO, env=ansible_env(), capture_output=True, text=True, check=False)
    return proc.returncode, yaml.safe_load(proc.stdout.split("=>", 1)[1])


@pytest.mark.parametrize("module, args, library", [
    ("aisystem.fleet.startup_config_info", "path=/nonexistent.yaml", "PyYAML"),
    ("aisystem.fleet.agent_config", "path=/nonexistent.yaml agent=A patch={}", "PyYAML"),
    ("aisystem.fleet.agent_health_info", "health_check_port=1", "pyzmq"),
    ("aisystem.fleet.supervisor_program_info", "", "supervisor"),
    ("aisystem.fleet.supervisor_program", "name=A state=started", "supervisor"),
    ("aisystem.fleet.agent_metrics_info", "health_check_port=1 protocol=http", "psutil"),
    ("aisystem.fleet.agent_analysis", "health_check_port=1 protocol=http baseline={}", "psutil"),
    ("aisystem.fleet.machine_audit_info", "startup_config=/x.yaml repo_root=/x", "psutil"),
    ("aisystem.fleet.nvml_info", "required=true", "nvidia-ml-py"),
])
def test_a_missing_library_fails_with_missing_required_lib(bare_python, module, args, library):
    rc, got = adhoc(bare_python, module, args)
    assert rc != 0
    assert got["msg"].startswith("Failed to import the required Python library (%s)" % library), got["msg"]


def test_prerequisites_role_installs_them_and_a_rerun_changes_nothing(tmp_path):
    venv = tmp_path / "agents-venv"
    args = ["-e", "prerequisites_python=%s" % BASE_PYTHON, "-e", "prerequisites_virtualenv=%s" % venv,
            "--limit", "pc2"]
    cmd = [str(VENV_BIN / "ansible-playbook"), str(REPO / "playbooks" / "prerequisites.yml"), *args]
    first = subprocess.run(cmd, cwd=REPO, env=ansible_env(), capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stdout[-3000:]
    assert "changed=1" in first.stdout
    rc, got = adhoc(venv / "bin" / "python", "aisystem.fleet.nvml_info")
    assert rc == 0 and got["available"] is False  # the library imports; there is no driver here
    second = subprocess.run(cmd, cwd=REPO, env=ansible_env(), capture_output=True, text=True, check=False)
    assert second.returncode == 0 and "changed=0" in second.stdout, second.stdout[-3000:]
