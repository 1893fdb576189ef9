# -*- coding: utf-8 -*-
"""The analysis gate, run records and observe.yml on the sandbox: real supervisord, real agent
processes, real files, and the fake NVML driver as MainPC's RTX 4090 (sandbox_fake_gpu)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

import fake_nvml
from ansible_collections.aisystem.fleet.plugins.module_utils import _agent_config as ac
from ansible_collections.aisystem.fleet.plugins.module_utils import _backup, _health, _records
from conftest import REPO, VENV_BIN, ansible_env
from sandbox import running_sandbox

pytestmark = pytest.mark.sandbox

GEN2 = {"config": {"generation": 2}}
LONG = ["-e", "agent_migration_analysis_duration=30"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    root = tmp_path_factory.mktemp("analysis")
    with running_sandbox(root, ["-e", "sandbox_fake_gpu=true"], env={"FLEET_REPORT_DIR": str(root / "reports")}) as sandbox:
        yield sandbox


@pytest.fixture
def gpu_state(fleet):
    path = fleet.root / "mainpc" / "fake-nvml" / "state"
    fake_nvml.write_state(path, memory_used_percent=16.0)
    yield path
    fake_nvml.write_state(path, memory_used_percent=16.0)


def batch(machine, *agents, patch=None):
    return {"machine": machine, "serial": 1, "patch": patch or GEN2, "agents": list(agents)}


def command(fleet, playbook, name, spec, *args):
    cmd = [str(VENV_BIN / "ansible-playbook"), str(REPO / "playbooks" / playbook), *fleet.extra_vars,
           "-e", "fleet_batch=%s" % name, "-e", json.dumps({"fleet_batches": {name: spec}}), *args]
    return cmd, ansible_env(fleet.env)


def migrate(fleet, name, spec, *args):
    cmd, env = command(fleet, "migrate.yml", name, spec, *args)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc, report(fleet)


def start(fleet, name, spec, *args):
    cmd, env = command(fleet, "migrate.yml", name, spec, *args)
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def report(fleet):
    data = json.loads((fleet.root / "reports" / "fleet-report-latest.json").read_text())
    return {a["agent"]: a for a in data["agents"]}


def wait_for(predicate, timeout=120.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


def pid(fleet, machine, agent):
    return fleet.supervisor(machine).process(agent)["pid"]


def wait_restarted(fleet, machine, agent, before, proc):
    """Until supervisord runs a new process for ``agent`` (the migration restarted it)."""
    def restarted():
        assert proc.poll() is None, "the playbook ended early:\n%s" % proc.stdout.read()[-4000:]
        return pid(fleet, machine, agent) not in (before, 0)
    wait_for(restarted, what="%s to be restarted" % agent)


def records(fleet, machine):
    return _records.read_records(str(fleet.root / machine / "state" / "run-records.json"))["agents"]


def entry(fleet, machine, agent):
    return {a["name"]: a for a in fleet.agents(machine)["agents"]}[agent]


def health(fleet, machine, agent):
    return _health.probe_zmq("127.0.0.1", entry(fleet, machine, agent)["health_check_port"], timeout=5)


def finish(proc):
    out, _err = proc.communicate(timeout=300)
    return out


def test_gpu_memory_96_percent_during_analysis_rolls_back(fleet, gpu_state):
    agent = "MemoryClient"
    text = fleet.config_path("mainpc").read_text()
    before = pid(fleet, "mainpc", agent)
    proc = start(fleet, "gpu96", batch("mainpc", agent), *LONG)
    wait_restarted(fleet, "mainpc", agent, before, proc)
    fake_nvml.write_state(gpu_state, memory_used_percent=96.0)
    out = finish(proc)
    assert proc.returncode != 0, out
    got = report(fleet)[agent]
    assert got["result"] == "rolled_back", got
    assert any("GPU critical" in b and "memory" in b for b in got["breaches"]), got
    assert fleet.config_path("mainpc").read_text() == text
    assert records(fleet, "mainpc")[agent]["status"] == "rolled_back"
    assert health(fleet, "mainpc", agent)["status"] == "ok"


def test_gpu_memory_86_percent_warns_and_keeps_the_change(fleet, gpu_state):
    agent = "SessionMemoryAgent"
    fake_nvml.write_state(gpu_state, memory_used_percent=86.0)
    proc, got = migrate(fleet, "gpu86", batch("mainpc", agent))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert got[agent]["result"] == "completed" and got[agent]["gpu_available"] is True
    assert any("86" in w and "warning" in w for w in got[agent]["gpu_warnings"]), got[agent]
    assert "warning: GPU 0 memory 86" in proc.stdout
    assert health(fleet, "mainpc", agent)["reply"]["config"] == {"generation": 2}
    assert records(fleet, "mainpc")[agent]["status"] == "completed"


def test_no_driver_skips_the_gpu_gate_unless_required(fleet):
    # PC2 has no (fake) driver: NVML unavailable, the migration goes through without the GPU gate
    proc, got = migrate(fleet, "nodriver", batch("pc2", "AsyncProcessor"))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert got["AsyncProcessor"]["result"] == "completed" and got["AsyncProcessor"]["gpu_available"] is False
    text = fleet.config_path("pc2").read_text()
    proc, got = migrate(fleet, "required", batch("pc2", "TieredResponder"), "-e", "agent_migration_gpu_required=true")
    assert proc.returncode != 0
    assert got["TieredResponder"]["result"] == "preflight_failed"
    assert fleet.config_path("pc2").read_text() == text


def test_latency_30_percent_over_baseline_rolls_back(fleet):
    agent = "CacheManager"
    fault = fleet.fault_file("pc2", agent)
    fault.write_text(json.dumps({"latency_ms": 40}))
    try:
        text = fleet.config_path("pc2").read_text()
        before = pid(fleet, "pc2", agent)
        proc = start(fleet, "slow", batch("pc2", agent), *LONG)
        wait_restarted(fleet, "pc2", agent, before, proc)
        fault.write_text(json.dumps({"latency_ms": 52}))
        out = finish(proc)
    finally:
        fault.unlink()
    assert proc.returncode != 0, out
    got = report(fleet)[agent]
    assert got["result"] == "rolled_back"
    assert any("latency" in b and "over the baseline" in b for b in got["breaches"]), got
    assert fleet.config_path("pc2").read_text() == text
    assert health(fleet, "pc2", agent)["status"] == "ok"


def test_killed_controller_then_rerun_leaves_no_agent_changed_without_a_record(fleet):
    agents = ["ContextManager", "UnifiedMemoryReasoningAgent", "ExperienceTracker"]
    spec = batch("pc2", *agents)
    original = fleet.config_path("pc2").read_text()
    before = pid(fleet, "pc2", agents[0])
    proc = start(fleet, "killed", spec, *LONG)
    wait_restarted(fleet, "pc2", agents[0], before, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the controller and its workers, as a lost controller host
    proc.wait(30)
    left = {a: r["status"] for a, r in records(fleet, "pc2").items() if a in agents}
    assert left[agents[0]] == "in_progress", left
    # the dead run still holds the machine's lease: a plain rerun is refused and changes nothing
    record_file = fleet.root / "pc2" / "state" / "run-records.json"
    state = (record_file.read_text(), fleet.config_path("pc2").read_text())
    refused, _got = migrate(fleet, "killed", spec)
    assert refused.returncode != 0 and "is leased to run" in refused.stdout, refused.stdout[-4000:]
    assert "fleet_break_lease=true" in refused.stdout
    assert (record_file.read_text(), fleet.config_path("pc2").read_text()) == state
    rerun, got = migrate(fleet, "killed", spec, "-e", "fleet_break_lease=true")
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert "lease" not in _records.read_records(str(record_file))  # given back at the end
    # agents the dead run finished are left alone, the one it left half-way is recovered
    for agent in agents:
        assert got[agent]["result"] == ("unchanged" if left[agent] == "completed" else "completed"), got[agent]
    assert got[agents[0]]["recovered"]["action"] == "analysed"
    assert "recovered from run" in rerun.stdout
    rec = records(fleet, "pc2")
    assert all(rec[a]["status"] == "completed" for a in agents)
    text = fleet.config_path("pc2").read_text()
    for agent in agents:
        assert health(fleet, "pc2", agent)["reply"]["config"] == {"generation": 2}
        original = ac.plan_patch(original, agent, GEN2)["text"]
    assert text == original


def test_dead_run_before_the_rewrite_is_rolled_back_then_migrated(fleet):
    # A run that died right after recording in_progress (the entry not yet rewritten) left a real
    # snapshot and a record; the rerun puts the agent back from that snapshot, then migrates it.
    agent = "FileSystemAssistantAgent"
    item = entry(fleet, "pc2", agent)
    repo = fleet.root / "pc2" / "repo"
    store = _backup.BackupStore(str(fleet.root / "pc2" / "backups"), agent)
    _changed, snap = store.snapshot([(str(repo / item["script_path"]), "script"),
                                     (str(fleet.config_path("pc2")), "startup_config")])
    _records.update_records(str(fleet.root / "pc2" / "state" / "run-records.json"), [agent], "in_progress", "dead-run",
                            "dead", step="rewrite", fields={"backup_id": snap["backup_id"],
                                                            "baseline": {"latency_ms": {"p95": 2.0}}})
    proc, got = migrate(fleet, "dead", batch("pc2", agent))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert got[agent]["result"] == "completed"
    assert got[agent]["recovered"] == {"run_id": "dead-run", "step": "rewrite", "action": "rolled_back"}
    history = [h["status"] for h in records(fleet, "pc2")[agent]["history"]]
    assert history[-3:] == ["rolled_back", "in_progress", "completed"]
    assert health(fleet, "pc2", agent)["reply"]["config"] == {"generation": 2}


def test_observe_leaves_a_machine_another_run_is_migrating(fleet):
    record_file = fleet.root / "pc2" / "state" / "run-records.json"
    _records.update_records(str(record_file), [], None, "other-run", "pc2_batch9", lease="present")
    before = record_file.read_text()
    try:
        proc = fleet.playbook("observe.yml", check=False)
    finally:
        after = record_file.read_text()
        _records.update_records(str(record_file), [], None, "other-run", "pc2_batch9", lease="absent")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "Not observed this time" in proc.stdout and "leased to run other-run (batch pc2_batch9)" in proc.stdout
    assert after == before  # not one write on the busy machine
    got = report(fleet)
    assert got and not [a for a in got.values() if a["machine"] == "pc2"]  # mainpc was observed


def test_observe_rolls_back_a_completed_agent_that_breaches_later(fleet):
    agent = "AsyncProcessor"  # completed by test_no_driver_skips_the_gpu_gate_unless_required
    assert records(fleet, "pc2")[agent]["status"] == "completed"
    fault = fleet.fault_file("pc2", agent)
    # a latency fault of the new entry only: the rollback to the old entry cures it
    fault.write_text(json.dumps({"latency_ms": 60, "only_with_entry": GEN2}))
    try:
        proc = fleet.playbook("observe.yml", check=False)
    finally:
        fault.unlink()
    assert proc.returncode != 0
    got = report(fleet)
    assert got[agent]["result"] == "rolled_back", got[agent]
    assert "over the baseline" in " ".join(got[agent]["breaches"])
    assert got["ContextManager"]["result"] == "observed"
    assert records(fleet, "pc2")[agent]["status"] == "rolled_back"
    assert "config" not in health(fleet, "pc2", agent)["reply"]["entry"]
    assert health(fleet, "pc2", agent)["status"] == "ok"
