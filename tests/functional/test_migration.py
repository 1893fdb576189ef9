# -*- coding: utf-8 -*-
"""Batch migrations on the sandbox: real supervisord, real agent processes, real files.

The tests run in order on one sandbox (2025-07-23 configurations)."""

from __future__ import annotations

import copy
import hashlib
import json
import re

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _agent_config as ac
from ansible_collections.aisystem.fleet.plugins.module_utils import _health, _records
from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc
from conftest import fixture_text
from sandbox import running_sandbox

pytestmark = pytest.mark.sandbox

BATCH1 = ["MemoryOrchestratorService", "ResourceManager", "AdvancedRouter", "TaskScheduler", "AuthenticationAgent",
          "UnifiedUtilsAgent", "AgentTrustScorer"]
DUAL_HUB = {"dual_hub_enabled": True, "central_hub_endpoint": "http://192.168.100.16:9000",
            "edge_hub_endpoint": "http://192.168.100.17:9100", "failover_enabled": True, "health_sync_interval": 30}
EXIT_AT_START = {"config": {"sandbox_fault": {"exit_at_start": True}}}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    root = tmp_path_factory.mktemp("migration")
    with running_sandbox(root, env={"FLEET_REPORT_DIR": str(root / "reports")}) as sandbox:
        yield sandbox


def migrate(fleet, batch, *args, batches=None, check=False):
    extra = ["-e", "fleet_batch=%s" % batch]
    if batches is not None:
        extra += ["-e", json.dumps({"fleet_batches": batches})]
    proc = fleet.playbook("migrate.yml", *extra, *args, check=check)
    report = json.loads((fleet.root / "reports" / "fleet-report-latest.json").read_text())
    return proc, report


def results(report):
    return {a["agent"]: a for a in report["agents"]}


def pc2_text(fleet):
    return fleet.config_path("pc2").read_text()


def entries(text):
    data, root = sc.load_yaml(text, "pc2")
    return data, {e[0]: e[3] for e in sc.locate_entries(data, root)}


def pids(fleet, machine="pc2"):
    return {i["name"]: i["pid"] for i in fleet.supervisor(machine).all_processes()}


def comment_lines(text):
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def health(fleet, agent):
    port = {a["name"]: a for a in fleet.agents("pc2")["agents"]}[agent]["health_check_port"]
    return _health.probe_zmq("127.0.0.1", port, timeout=5)


def lease(fleet):
    return _records.read_records(str(fleet.root / "pc2" / "state" / "run-records.json")).get("lease")


def test_pc2_batch1_migrates(fleet):
    original = fixture_text("pc2_startup_config.2025-07-23.yaml")
    assert pc2_text(fleet) == original
    before = pids(fleet)
    proc, report = migrate(fleet, "pc2_batch1", check=True)
    text = pc2_text(fleet)
    data, agents = entries(text)
    old_data, _old = entries(original)
    for name in BATCH1:
        assert agents[name]["observability"] == DUAL_HUB
    # outside the seven entries' new key, the document is the same, and so is every comment line
    stripped = copy.deepcopy(data)
    for item in stripped["pc2_services"]:
        item.pop("observability", None)
    assert stripped == old_data
    assert comment_lines(text) == comment_lines(original)
    assert [ln for ln in text.splitlines() if "observability: {" not in ln] == original.splitlines()
    after = pids(fleet)
    for name in BATCH1:
        assert after[name] != before[name]
        assert health(fleet, name)["reply"]["entry"]["observability"] == DUAL_HUB
    untouched = set(before) - set(BATCH1)
    assert {n: after[n] for n in untouched} == {n: before[n] for n in untouched}
    got = results(report)
    in_dependency_order = ["MemoryOrchestratorService", "ResourceManager", "TaskScheduler", "UnifiedUtilsAgent",
                           "AuthenticationAgent", "AgentTrustScorer", "AdvancedRouter"]
    assert [a["agent"] for a in report["agents"]] == in_dependency_order
    assert {a["result"] for a in got.values()} == {"completed"}
    assert all(a["changed_keys"] == ["observability"] and a["durations"]["restart_s"] > 0 for a in got.values())
    assert "FLEET REPORT" in proc.stdout and "batch pc2_batch1: 7 completed" in proc.stdout
    assert lease(fleet) is None  # taken at the plan, given back at the end


def test_rerun_changes_nothing(fleet):
    text, before = pc2_text(fleet), pids(fleet)
    proc, report = migrate(fleet, "pc2_batch1", check=True)
    assert pc2_text(fleet) == text
    assert pids(fleet) == before
    assert {a["result"] for a in report["agents"]} == {"unchanged"}
    assert not re.findall(r"^pc2\.\S+\s+: ok=\d+\s+changed=[1-9]", proc.stdout, re.M)


def test_check_diff_changes_nothing(fleet):
    text, before = pc2_text(fleet), pids(fleet)
    backups = sorted(p.name for p in (fleet.root / "pc2" / "backups").iterdir())
    proc, report = migrate(fleet, "pc2_batch3", "--check", "--diff", check=True)
    assert pc2_text(fleet) == text
    assert pids(fleet) == before
    assert sorted(p.name for p in (fleet.root / "pc2" / "backups").iterdir()) == backups
    assert proc.stdout.count("+      observability: {dual_hub_enabled: true") == 5
    assert {a["result"] for a in report["agents"]} == {"planned"}


def test_failing_second_agent_is_rolled_back_and_stops_the_batch(fleet):
    agents = ["CacheManager", "UnifiedMemoryReasoningAgent", "ContextManager"]
    batch = {"machine": "pc2", "serial": 1, "patch": {"observability": DUAL_HUB}, "agents": agents,
             "agent_patches": {"UnifiedMemoryReasoningAgent": EXIT_AT_START}}
    original = pc2_text(fleet)
    script = fleet.root / "pc2" / "repo" / "pc2_code" / "agents" / "unified_memory_reasoning_agent.py"
    script_sha = hashlib.sha256(script.read_bytes()).hexdigest()
    before = pids(fleet)
    proc, report = migrate(fleet, "broken", batches={"broken": batch})
    assert proc.returncode != 0
    got = results(report)
    assert [got[a]["result"] for a in agents] == ["completed", "rolled_back", "not_reached"]
    assert got["UnifiedMemoryReasoningAgent"]["durations"]["rollback_s"] > 0
    assert "FATAL" in got["UnifiedMemoryReasoningAgent"]["error"] or "EXITED" in got["UnifiedMemoryReasoningAgent"]["error"]
    # the file is exactly the original plus the first agent's change
    expected = ac.plan_patch(original, "CacheManager", {"observability": DUAL_HUB})["text"]
    assert pc2_text(fleet) == expected
    assert hashlib.sha256(script.read_bytes()).hexdigest() == script_sha
    after = pids(fleet)
    assert fleet.supervisor("pc2").process("UnifiedMemoryReasoningAgent")["statename"] == "RUNNING"
    assert health(fleet, "UnifiedMemoryReasoningAgent")["status"] == "ok"
    assert after["ContextManager"] == before["ContextManager"]
    assert "rolled_back" in proc.stdout
    assert lease(fleet) is None  # the batch stopped at the failed agent, which gave the lease back


def test_damaged_backup_is_refused_and_nothing_changes(fleet):
    snapshots = sorted((fleet.root / "pc2" / "backups" / "CacheManager").iterdir())
    stored = snapshots[-1] / "files" / str(fleet.config_path("pc2")).lstrip("/")
    stored.write_text(stored.read_text() + "# edited after the backup\n")
    text, before = pc2_text(fleet), pids(fleet)
    proc = fleet.playbook("rollback.yml", "-e", "fleet_batch=pc2_batch2", "-e",
                          json.dumps({"fleet_agents": ["CacheManager"]}), check=False)
    assert proc.returncode != 0
    assert "is damaged, refusing to restore it" in proc.stdout
    assert pc2_text(fleet) == text and pids(fleet) == before


def test_two_agents_of_one_file_at_once(fleet):
    both = {"machine": "pc2", "serial": 2, "patch": {"observability": DUAL_HUB},
            "agents": ["TieredResponder", "AsyncProcessor"]}
    migrate(fleet, "pair", batches={"pair": both}, check=True)
    _data, agents = entries(pc2_text(fleet))
    assert agents["TieredResponder"]["observability"] == DUAL_HUB
    assert agents["AsyncProcessor"]["observability"] == DUAL_HUB
    # one of two fails: its rollback keeps the other's change
    pair = {"machine": "pc2", "serial": 2, "patch": {"config": {"generation": 2}},
            "agents": ["FileSystemAssistantAgent", "RemoteConnectorAgent"],
            "agent_patches": {"RemoteConnectorAgent": EXIT_AT_START}}
    proc, report = migrate(fleet, "pair2", batches={"pair2": pair})
    assert proc.returncode != 0
    got = results(report)
    assert got["FileSystemAssistantAgent"]["result"] == "completed"
    assert got["RemoteConnectorAgent"]["result"] == "rolled_back"
    _data, agents = entries(pc2_text(fleet))
    assert agents["FileSystemAssistantAgent"]["config"] == {"generation": 2}
    assert "config" not in agents["RemoteConnectorAgent"]
    assert health(fleet, "RemoteConnectorAgent")["status"] == "ok"
    assert health(fleet, "FileSystemAssistantAgent")["reply"]["config"] == {"generation": 2}


def test_rollback_playbook_restores_a_migrated_agent(fleet):
    proc = fleet.playbook("rollback.yml", "-e", "fleet_batch=pc2_batch1", "-e",
                          json.dumps({"fleet_agents": ["TaskScheduler"]}))
    assert "restored" in proc.stdout
    _data, agents = entries(pc2_text(fleet))
    assert "observability" not in agents["TaskScheduler"]
    assert agents["ResourceManager"]["observability"] == DUAL_HUB
    assert "observability" not in health(fleet, "TaskScheduler")["reply"]["entry"]
