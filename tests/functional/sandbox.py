# -*- coding: utf-8 -*-
"""Helpers for tests that bring the sandbox fleet up on real supervisord and agent processes."""

from __future__ import annotations

import configparser
import contextlib
from pathlib import Path

import psutil

from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc
from ansible_collections.aisystem.fleet.plugins.module_utils._supervisor import SupervisorClient
from conftest import run_playbook

MACHINES = {
    "mainpc": {"config": "main_pc_code/config/startup_config.yaml", "variables": {"PORT_OFFSET": 0}},
    "pc2": {"config": "pc2_code/config/startup_config.yaml", "variables": {"PORT_OFFSET": 20000}},
}


class Sandbox:
    """A sandbox fleet below ``root``, built by playbooks/sandbox_up.yml."""

    def __init__(self, root, extra_vars=()):
        self.root = Path(root)
        self.extra_vars = list(extra_vars)
        self.env = {"FLEET_SANDBOX_ROOT": str(self.root)}

    def playbook(self, name, *args, check=True):
        return run_playbook(name, *self.extra_vars, *args, env=self.env, check=check)

    def up(self):
        return self.playbook("sandbox_up.yml")

    def down(self):
        return self.playbook("sandbox_down.yml")

    def config_path(self, machine):
        return self.root / machine / "repo" / MACHINES[machine]["config"]

    def fault_file(self, machine, agent):
        return self.root / machine / "faults" / ("%s.json" % agent)

    def agents(self, machine):
        parsed = sc.read_startup_config(str(self.config_path(machine)), MACHINES[machine]["variables"], validate=False)
        return parsed

    def supervisor_socket(self, machine):
        """The socket path the role wrote into the machine's supervisord.conf (a deep root's lies in
        the temp directory)."""
        conf = configparser.ConfigParser(interpolation=None)
        conf.read(self.root / machine / "supervisor" / "supervisord.conf")
        return conf["unix_http_server"]["file"]

    def supervisor(self, machine):
        return SupervisorClient("unix://%s" % self.supervisor_socket(machine), timeout=10)

    def processes(self):
        """Every live process whose command line mentions the sandbox root."""
        out = []
        for proc in psutil.process_iter(["pid", "cmdline", "status"]):
            with contextlib.suppress(psutil.Error):
                if proc.info["status"] != psutil.STATUS_ZOMBIE and any(
                        str(self.root) in part for part in proc.info["cmdline"] or ()):
                    out.append(proc)
        return out


@contextlib.contextmanager
def running_sandbox(root, extra_vars=(), env=None):
    """A sandbox brought up below ``root``; always brought down (and anything left killed) after."""
    sandbox = Sandbox(root, extra_vars)
    sandbox.env.update(env or {})
    try:
        sandbox.up()
        yield sandbox
    finally:
        sandbox.playbook("sandbox_down.yml", check=False)
        for proc in sandbox.processes():
            proc.kill()
