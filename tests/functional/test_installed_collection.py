# -*- coding: utf-8 -*-
"""The published collection: build the tarball, install it into a temporary collections path, and
run its playbooks by FQCN (aisystem.fleet.sandbox_up, aisystem.fleet.migrate,
aisystem.fleet.sandbox_down) against a sandbox, away from the checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import REPO, VENV_BIN, ansible_env
from sandbox import Sandbox

pytestmark = pytest.mark.sandbox

CONFIG = """[defaults]
collections_path = {collections}
callbacks_enabled = aisystem.fleet.fleet_report
callback_result_format = yaml
interpreter_python = auto_silent
[callback_fleet_report]
report_dir = {reports}
[connection]
pipelining = true
"""


def test_migrate_by_fqcn_from_the_installed_collection(tmp_path):
    sandbox_root = Path(tempfile.mkdtemp(prefix="fleet-"))  # short: supervisord's unix socket path
    run = tmp_path / "run"
    run.mkdir()
    subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(REPO)],
                   cwd=run, env=ansible_env(), check=True, capture_output=True)
    (tarball,) = tmp_path.glob("aisystem-fleet-*.tar.gz")
    collections = tmp_path / "collections"
    (run / "ansible.cfg").write_text(CONFIG.format(collections=collections, reports=tmp_path / "reports"))
    # the operator's inventory: a copy of the sandbox example, outside the checkout
    shutil.copytree(REPO / "inventories" / "sandbox", run / "inventory")
    env = ansible_env({"ANSIBLE_CONFIG": str(run / "ansible.cfg"), "ANSIBLE_COLLECTIONS_PATH": str(collections),
                       "FLEET_SANDBOX_ROOT": str(sandbox_root)})
    subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "install", "-p", str(collections), str(tarball)],
                   cwd=run, env=env, check=True, capture_output=True)

    def playbook(name, *args):
        cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(run / "inventory"), "aisystem.fleet.%s" % name, *args]
        return subprocess.run(cmd, cwd=run, env=env, capture_output=True, text=True, check=False)

    try:
        up = playbook("sandbox_up")
        assert up.returncode == 0, up.stdout[-3000:]
        migrated = playbook("migrate", "-e", "fleet_batch=pc2_batch1", "-e",
                            json.dumps({"fleet_agents": ["MemoryOrchestratorService", "ResourceManager"]}))
        assert migrated.returncode == 0, migrated.stdout[-3000:]
        # the roles and plugins came from the installed copy, not the checkout
        assert str(collections) in subprocess.run(
            [str(VENV_BIN / "ansible-galaxy"), "collection", "list", "aisystem.fleet"], cwd=run, env=env,
            capture_output=True, text=True, check=True).stdout
        report = json.loads((tmp_path / "reports" / "fleet-report-latest.json").read_text())
        assert report["batch"] == "pc2_batch1"
        assert [(a["agent"], a["result"]) for a in report["agents"]][:2] == [
            ("MemoryOrchestratorService", "completed"), ("ResourceManager", "completed")]
    finally:
        playbook("sandbox_down")
        for proc in Sandbox(sandbox_root).processes():
            proc.kill()
        shutil.rmtree(sandbox_root, ignore_errors=True)
