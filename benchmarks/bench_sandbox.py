"""How long the sandbox fleet takes to come up (target: under 20 s) and to go down.

Builds it in a fresh temporary directory with playbooks/sandbox_up.yml (77 agents from the
2025-07-23 pair, until every agent is RUNNING and answers its ZMQ health check), times a
second, idempotent run, then sandbox_down.yml. Needs the project's environment (make venv).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / ".collections"), str(REPO / "tests"), str(REPO / "tests" / "functional")]

from sandbox import Sandbox  # noqa: E402

TARGET_S = 20.0


def timed(label, action):
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    print("%-34s %7.2f s" % (label, elapsed))
    return elapsed


def main():
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as root:
        sandbox = Sandbox(root)
        try:
            cold = timed("sandbox_up (cold, 77 agents)", sandbox.up)
            timed("sandbox_up (again, no change)", sandbox.up)
            timed("sandbox_down", sandbox.down)
        finally:
            sandbox.playbook("sandbox_down.yml", check=False)
    print("target: sandbox up in under %.0f s: %s" % (TARGET_S, "met" if cold < TARGET_S else "MISSED"))


if __name__ == "__main__":
    main()
