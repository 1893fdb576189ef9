# -*- coding: utf-8 -*-
"""The sandbox's stand-in agent as a real process: config fault knobs and clean stop."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap

import psutil
import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _health
from conftest import REPO, free_port


@pytest.fixture
def standin(tmp_path):
    """Start a stand-in agent ``A`` with the given config block; yields a starter."""
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(REPO / "roles" / "sandbox" / "files" / "fleet_standin.py", lib)
    shutil.copy(REPO / "plugins" / "module_utils" / "_startup_config.py", lib / "fleet_startup_config.py")
    procs = []

    def start(config):
        port, health = free_port(), free_port()
        path = tmp_path / "startup_config.yaml"
        path.write_text(textwrap.dedent("""\
            pc2_services:
              - {name: A, script_path: a.py, port: %d, health_check_port: %d, config: %s}
            """) % (port, health, config))
        env = dict(os.environ, AGENT_NAME="A", STARTUP_CONFIG=str(path), FLEET_FAULT_FILE=str(tmp_path / "A.json"),
                   PYTHONPATH=str(lib))
        proc = subprocess.Popen([sys.executable, "-c", "import fleet_standin, sys; sys.exit(fleet_standin.main())",
                                 "--port", str(port), "--health_check_port", str(health), "--no-http"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        return proc, health

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_exit_at_start_from_config(standin):
    proc, _health_port = standin("{sandbox_fault: {exit_at_start: true}}")
    assert proc.wait(timeout=30) == 1
    assert "fault exit_at_start" in proc.stderr.read()


def test_degraded_and_memory_growth_from_config(standin):
    proc, health = standin("{sandbox_fault: {status: degraded, grow_memory_mb: 20}}")
    first = _health.HealthChecker(healthy_statuses=["degraded"]).check("127.0.0.1", health, wait_timeout=30)
    assert first["healthy"] and first["reply"]["config"]["sandbox_fault"]["status"] == "degraded"
    rss = psutil.Process(proc.pid).memory_info().rss
    for _probe in range(3):
        assert _health.probe_zmq("127.0.0.1", health, timeout=5)["status"] == "degraded"
    assert psutil.Process(proc.pid).memory_info().rss - rss >= 50 * 1024 * 1024


def test_sigterm_stops_it_cleanly(standin):
    proc, health = standin("{}")
    assert _health.HealthChecker().check("127.0.0.1", health, wait_timeout=30)["healthy"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=5) == 0, proc.stderr.read()


def test_fault_file_only_with_entry_applies_to_that_entry_only(standin, tmp_path):
    _proc, health = standin("{generation: 2}")
    assert _health.HealthChecker().check("127.0.0.1", health, wait_timeout=30)["healthy"]
    fault = tmp_path / "A.json"
    fault.write_text('{"status": "degraded", "only_with_entry": {"config": {"generation": 3}}}')
    assert _health.probe_zmq("127.0.0.1", health, timeout=5)["status"] == "ok"
    fault.write_text('{"status": "degraded", "only_with_entry": {"config": {"generation": 2}}}')
    assert _health.probe_zmq("127.0.0.1", health, timeout=5)["status"] == "degraded"
