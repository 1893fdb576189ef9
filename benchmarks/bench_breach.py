"""Time from a breach to the agent rolled back and healthy again (target: under the analysis
interval + 5 s), on a fresh temporary sandbox with the fake RTX 4090 on mainpc.

Two breaches, each switched on as soon as the restarted agent answers with its new entry (the
analysis may not have started yet, so the figure is an upper bound on breach-to-rollback):
* GPU memory to 96 % of the fake RTX 4090 (critical: fails at the first sample that sees it);
* a 60 ms reply latency fault of the new entry only (fails after regression_limit = 2 samples).
"Rolled back and healthy" is the run record's rolled_back_at, written after the rollback's health
check passed. Run with the project's environment (make venv).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / ".collections"), str(REPO / "tests"), str(REPO / "tests" / "functional")]

import fake_nvml  # noqa: E402
from ansible_collections.aisystem.fleet.plugins.module_utils import _health, _records  # noqa: E402
from conftest import VENV_BIN, ansible_env  # noqa: E402
from sandbox import Sandbox  # noqa: E402

INTERVAL = 1.0
PATCH = {"config": {"generation": 2}}


def measure(sandbox, machine, agent, switch_on):
    spec = {"machine": machine, "agents": [agent], "patch": PATCH}
    cmd = [str(VENV_BIN / "ansible-playbook"), str(REPO / "playbooks" / "migrate.yml"), *sandbox.extra_vars,
           "-e", "fleet_batch=b", "-e", json.dumps({"fleet_batches": {"b": spec}}),
           "-e", "agent_migration_analysis_duration=60", "-e", "agent_migration_analysis_interval=%s" % INTERVAL]
    client = sandbox.supervisor(machine)
    before = client.process(agent)["pid"]
    port = {a["name"]: a for a in sandbox.agents(machine)["agents"]}[agent]["health_check_port"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=ansible_env(sandbox.env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while client.process(agent)["pid"] in (before, 0) or \
            _health.probe_zmq("127.0.0.1", port, 2)["reply"].get("config") != PATCH["config"]:
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("%s was not restarted with the new entry" % agent)
        time.sleep(0.05)
    breach_at = time.time()
    switch_on()
    proc.wait(180)
    record = _records.read_records(str(sandbox.root / machine / "state" / "run-records.json"))["agents"][agent]
    if record["status"] != "rolled_back":
        raise SystemExit("%s was not rolled back: %s" % (agent, record["status"]))
    return record["rolled_back_at"] - breach_at


def main():
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as root:
        sandbox = Sandbox(root, ["-e", "sandbox_fake_gpu=true"])
        sandbox.env["FLEET_REPORT_DIR"] = str(sandbox.root / "reports")
        try:
            sandbox.up()
            state = sandbox.root / "mainpc" / "fake-nvml" / "state"
            fake_nvml.write_state(state, memory_used_percent=16.0)
            results = {"GPU memory 96 %": measure(sandbox, "mainpc", "MemoryClient",
                                                  lambda: fake_nvml.write_state(state, memory_used_percent=96.0))}
            fake_nvml.write_state(state, memory_used_percent=16.0)
            fault = sandbox.fault_file("pc2", "CacheManager")
            results["latency +60 ms"] = measure(sandbox, "pc2", "CacheManager", lambda: fault.write_text(
                json.dumps({"latency_ms": 60, "only_with_entry": PATCH})))
            target = INTERVAL + 5.0
            for name, seconds in results.items():
                print("%-16s breach to rolled back and healthy: %5.2f s (target < %.1f s): %s"
                      % (name, seconds, target, "met" if seconds < target else "MISSED"))
        finally:
            sandbox.playbook("sandbox_down.yml", check=False)


if __name__ == "__main__":
    main()
