# -*- coding: utf-8 -*-
"""Shared test set-up: the collection on sys.path, an isolated Ansible environment, paths.

Every test writes only below the work tree (.tmp/) or pytest's temp directories: HOME,
ANSIBLE_HOME, ANSIBLE_LOCAL_TEMP and ANSIBLE_REMOTE_TMP point there for every subprocess.
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLLECTIONS = REPO / ".collections"
FIXTURES = REPO / "roles" / "sandbox" / "files" / "startup_configs"
VENV_BIN = Path(sys.executable).parent


def _link_collection():
    link = COLLECTIONS / "ansible_collections" / "aisystem" / "fleet"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("../../.."), target_is_directory=True)


_link_collection()
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))


def ansible_env(extra=None):
    """Environment for ansible-* subprocesses: this venv first, state kept under .tmp/."""
    tmp = REPO / ".tmp"
    env = dict(os.environ)
    env.update({
        "PATH": "%s%s%s" % (VENV_BIN, os.pathsep, env.get("PATH", "")),
        "HOME": str(tmp / "home"),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_HOME": str(tmp / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-local"),
        "ANSIBLE_REMOTE_TMP": str(tmp / "ansible-remote"),
        "ANSIBLE_NOCOWS": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PYTHONUNBUFFERED": "1",
    })
    (tmp / "home").mkdir(parents=True, exist_ok=True)
    env.update(extra or {})
    return env


def run_playbook(playbook, *args, env=None, check=False, timeout=600):
    """Run ``ansible-playbook playbooks/<playbook>`` from the checkout; returns CompletedProcess."""
    cmd = [str(VENV_BIN / "ansible-playbook"), str(REPO / "playbooks" / playbook), *args]
    proc = subprocess.run(cmd, cwd=REPO, env=ansible_env(env), capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (rc=%d):\n%s\n%s" % (
            playbook, proc.returncode, proc.stdout[-6000:], proc.stderr[-3000:]))
    return proc


def fixture_text(name):
    """Text of a real startup_config.yaml (stored gzip-compressed, see its README)."""
    with gzip.open(FIXTURES / (name + ".gz"), "rt", encoding="utf-8") as handle:
        return handle.read()


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
