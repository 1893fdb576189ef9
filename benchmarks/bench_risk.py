"""agent_risk_info over 300 generated agent files of realistic sizes (target: all 300 in under 5 s
on 2 cores), printing files per second: once through the module in one Ansible task, once
in-process (the analysis alone).

The files: BaseAgent subclasses of 200 to 4000 lines (about 7 KB to 150 KB; most 200-1500 lines,
one in twenty 3000-4000) with ZMQ sockets,
threads, GPU and database use here and there; 2 in 3 are made not to compile (a Python 2 print,
a bad indent or an unclosed bracket), as in the real repository, so the token-level scan is
measured too.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / ".collections"), str(REPO / "tests")]

from ansible_collections.aisystem.fleet.plugins.module_utils import _risk  # noqa: E402
from conftest import VENV_BIN, ansible_env  # noqa: E402

HEAD = '''import threading
import zmq
{extra_imports}
from common.core.base_agent import BaseAgent


class Agent{n}(BaseAgent):
    def __init__(self, port={port}):
        super().__init__(name="Agent{n}", port=port, health_check_port=port + 1)
        self.socket = self.context.socket(zmq.REP)
        self.worker = threading.Thread(target=self.loop, daemon=True)

    def _get_health_status(self):
        return {{"status": "ok", "uptime": self.uptime()}}
'''
METHOD = '''
    def handle_{i}(self, request):
        """Handle request kind {i}."""
        value = request.get("value", {i})
        if value > {i}:
            return {{"status": "ok", "result": value * 2}}
        return {{"status": "error", "reason": "too small: %s" % value}}
'''
BREAKS = ["\nprint 'legacy python 2'\n", "\n  def broken(self):\n pass\n", "\nitems = [1, 2,\n"]


def generate(directory, count=300, seed=7):
    rng = random.Random(seed)
    paths = []
    for n in range(count):
        extra = rng.sample(["import torch", "import redis", "import sqlite3", "import pynvml",
                            "from concurrent.futures import ThreadPoolExecutor", "import socket"], rng.randint(0, 3))
        # most agents 200-1500 lines, one in twenty 3000-4000 (ModelManagerAgent-like)
        methods = rng.randint(430, 560) if rng.random() < 0.05 else rng.randint(25, 210)
        text = HEAD.format(n=n, port=7000 + n, extra_imports="\n".join(extra))
        text += "".join(METHOD.format(i=i) for i in range(methods))
        if n % 3:
            text += BREAKS[n % len(BREAKS)]
        path = Path(directory) / ("agent_%03d.py" % n)
        path.write_text(text)
        paths.append(path)
    return paths


def main():
    with tempfile.TemporaryDirectory(prefix="fleet-risk-") as root:
        paths = generate(root)
        sizes = [p.stat().st_size for p in paths]
        print("%d files, %.1f MB, %d to %d KB" % (len(paths), sum(sizes) / 1e6, min(sizes) // 1024, max(sizes) // 1024))
        start = time.perf_counter()
        results = [_risk.assess(str(p)) for p in paths]
        inproc = time.perf_counter() - start
        broken = sum(1 for r in results if not r["compiles"])
        print("in-process, one process: %.2f s, %.0f files/s (%d do not compile)" % (inproc, len(paths) / inproc, broken))
        playbook = Path(root) / "risk.yml"
        agents = [{"name": p.stem, "script_path": str(p)} for p in paths]
        playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
            {"aisystem.fleet.agent_risk_info": {"agents": agents}, "register": "risk"},
            {"ansible.builtin.assert": {"that": ["risk.agents | length == %d" % len(paths)]}}]}]))
        start = time.perf_counter()
        cmd = [str(VENV_BIN / "ansible-playbook"), str(playbook), "-e",
               "ansible_python_interpreter=%s" % (VENV_BIN / "python")]
        proc = subprocess.run(cmd, cwd=REPO, env=ansible_env(), check=False, capture_output=True, text=True)
        module = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit("the playbook failed:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
        print("through the module (one task, ansible-playbook start included): %.2f s, %.0f files/s "
              "(target: 300 in under 5 s): %s" % (module, len(paths) / module, "met" if module < 5 else "MISSED"))


if __name__ == "__main__":
    main()
