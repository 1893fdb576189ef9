# -*- coding: utf-8 -*-
"""The modules as Ansible runs them: results, check mode, and clean errors on bad input."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import REPO, VENV_BIN, ansible_env, fixture_text


def module(name, args, check=False):
    """Run ``aisystem.fleet.<name>`` on localhost; returns (failed, result dict)."""
    cmd = [str(VENV_BIN / "ansible"), "localhost", "-m", "aisystem.fleet.%s" % name, "-a", json.dumps(args),
           "-e", "ansible_python_interpreter=%s" % (VENV_BIN / "python")]
    if check:
        cmd.append("--check")
    proc = subprocess.run(cmd, cwd=REPO, env=ansible_env({"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal",
                                                          "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
                                                          "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}),
                          capture_output=True, text=True, timeout=120, check=False)
    head, _sep, body = proc.stdout.partition(" => ")
    assert body, proc.stdout + proc.stderr
    return "FAILED" in head, json.loads(body)


@pytest.fixture
def pc2_config(tmp_path):
    path = tmp_path / "startup_config.yaml"
    path.write_text(fixture_text("pc2_startup_config.2025-07-23.yaml"))
    return path


def test_startup_config_info_reads_a_real_file_in_check_mode(pc2_config):
    failed, result = module("startup_config_info", {"path": str(pc2_config)}, check=True)
    assert not failed and result["changed"] is False
    assert result["schema"] == "services_list" and len(result["agents"]) == 23
    assert result["order"][0] == "MemoryOrchestratorService"
    assert {"name", "group", "script_path", "port", "health_check_port", "http_health_port", "required",
            "dependencies", "config", "source_line"} <= set(result["agents"][0])
    assert result["skipped_entries"] == [] and result["schema_errors"] == []


def test_startup_config_info_variables(tmp_path):
    path = tmp_path / "startup_config.yaml"
    path.write_text(fixture_text("mainpc_startup_config.2025-08-19.yaml"))
    _failed, result = module("startup_config_info", {"path": str(path), "variables": {"PORT_OFFSET": 20000}})
    registry = [a for a in result["agents"] if a["name"] == "ServiceRegistry"][0]
    assert (registry["port"], registry["port_raw"]) == (27200, "${PORT_OFFSET}+7200")
    assert len(result["skipped_entries"]) == 13


@pytest.mark.parametrize("text, words", [
    ("pc2_services:\n  - {name: A, script_path: a.py, port: 7000\n", ":3:1: malformed YAML"),
    ("just a string\n", "expected a mapping"),
])
def test_startup_config_info_bad_yaml_fails_cleanly(tmp_path, text, words):
    path = tmp_path / "startup_config.yaml"
    path.write_text(text)
    failed, result = module("startup_config_info", {"path": str(path)})
    assert failed
    assert result["msg"].startswith(str(path)) and words in result["msg"]
    assert "Traceback" not in json.dumps(result) and "exception" not in result


def test_startup_config_info_missing_file(tmp_path):
    failed, result = module("startup_config_info", {"path": str(tmp_path / "nope.yaml")})
    assert failed and "cannot read" in result["msg"]


def test_supervisor_program_info_without_supervisord(tmp_path):
    url = "unix://%s" % (tmp_path / "supervisor.sock")
    failed, result = module("supervisor_program_info", {"supervisor_url": url})
    assert failed and "does not answer" in result["msg"]
    failed, result = module("supervisor_program_info", {"supervisor_url": url, "required": False})
    assert not failed and result["available"] is False and "does not answer" in result["reason"]


def test_agent_health_info_reports_a_dead_agent_without_failing():
    failed, result = module("agent_health_info", {"health_check_port": 1, "timeout": 0.2})
    assert not failed and result["healthy"] is False and result["attempts"] == 1
    assert result["error"] == "no reply within 0.2s"


def test_agent_health_info_needs_a_target():
    failed, result = module("agent_health_info", {"timeout": 0.2})
    assert failed and "one of the following is required: health_check_port, agents" in result["msg"]
