# -*- coding: utf-8 -*-
"""molecule test --all over extensions/molecule/ (default, rollback, gpu) on localhost; molecule's
exit code decides, not its recap."""

from __future__ import annotations

import subprocess

import pytest

from conftest import REPO, VENV_BIN, ansible_env
from sandbox import Sandbox

pytestmark = pytest.mark.sandbox


def test_molecule_all_scenarios():
    try:
        proc = subprocess.run([str(VENV_BIN / "molecule"), "test", "--all"], cwd=REPO / "extensions",
                              env=ansible_env({"NO_COLOR": "1", "PY_COLORS": "0"}), capture_output=True, text=True,
                              timeout=1200, check=False)
    finally:
        # a scenario that fails before its cleanup leaves its sandbox (in molecule's ephemeral
        # directories, ANSIBLE_HOME/tmp/molecule.*) running: stop whatever is left
        for leftover in Sandbox(REPO / ".tmp" / "ansible-home" / "tmp").processes():
            leftover.kill()
    out = proc.stdout + proc.stderr
    # the failed tasks first (a recap alone does not say which task failed), then the tail
    failures = [line for line in out.splitlines() if line.startswith(("fatal:", "failed:", "ERROR!"))]
    assert proc.returncode == 0, "\n".join(failures)[:6000] + "\n...\n" + out[-4000:]
