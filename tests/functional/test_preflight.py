# -*- coding: utf-8 -*-
"""preflight.yml, risk_report.yml and the migration's risk gate on a sandbox of the 2025-08-19
pair (whose PC2 has a dependency on a MainPC agent), with credentials planted in a config and on
an agent's command line."""

from __future__ import annotations

import json

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _agent_config as ac
from sandbox import running_sandbox

pytestmark = pytest.mark.sandbox

DB_PASSWORD = "hunter2-db-pass"
API_KEY = "sk-live-4f3a9c0d1e2b"
PROGRAM_ARGS = {"sandbox_program_args": {"MemoryFusionHub": ["--db-url", "postgres://fleet:%s@db:5432/mem" % DB_PASSWORD]}}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    root = tmp_path_factory.mktemp("preflight")
    extra = ["-e", "sandbox_config_date=2025-08-19", "-e", json.dumps(PROGRAM_ARGS)]
    with running_sandbox(root, extra, env={"FLEET_REPORT_DIR": str(root / "reports")}) as sandbox:
        path = sandbox.config_path("pc2")
        path.write_text(ac.plan_patch(path.read_text(), "SpeechRelayService", {"config": {"api_key": API_KEY}})["text"])
        yield sandbox


def reports(fleet, name):
    return json.loads((fleet.root / "reports" / name).read_text())


def test_preflight_reports_the_fleets_standing_risks_and_fails(fleet):
    proc = fleet.playbook("preflight.yml", check=False)
    assert proc.returncode != 0
    report = reports(fleet, "fleet-preflight-latest.json")
    by_code = {}
    for item in report["findings"]:
        by_code.setdefault(item["code"], []).append(item)
    # the real configurations' HTTP health port collisions, on both machines
    assert {f["machine"] for f in by_code["http_health_port_collision"]} == {"mainpc", "pc2"}
    assert len(by_code["http_health_port_collision"]) == 8 + 19
    # PC2's SpeechRelayService depends on MainPC's StreamingTTSAgent
    cross = by_code["cross_machine_dependency"]
    assert [(f["machine"], f["agents"], f["machines"]) for f in cross] == [
        ("pc2", ["SpeechRelayService", "StreamingTTSAgent"], ["mainpc"])]
    assert "unknown_dependency" not in by_code
    # the planted credentials are found, and never shown
    config = by_code["credential_in_config"]
    assert [(f["machine"], f["agent"], f["key_path"].split(".")[-1]) for f in config] == [
        ("pc2", "SpeechRelayService", "api_key")]
    cmdline = by_code["credential_in_cmdline"]
    # (sandbox_program_args is by agent name, and both machines run a MemoryFusionHub)
    assert sorted((f["machine"], f["agent"]) for f in cmdline) == [("mainpc", "MemoryFusionHub"),
                                                                   ("pc2", "MemoryFusionHub")]
    assert all(f["severity"] == "error" for f in config + cmdline)
    everything = proc.stdout + proc.stderr + json.dumps(report)
    assert API_KEY not in everything and DB_PASSWORD not in everything
    assert "<masked, %d chars>" % len(API_KEY) in proc.stdout
    # supervisord, programs, scripts, disk and GPU were looked at
    assert report["machines"]["pc2"]["programs"] == 23 and report["machines"]["mainpc"]["programs"] == 49
    assert report["machines"]["pc2"]["free_bytes"] > 0
    assert {f["code"] for f in report["findings"] if f["severity"] == "error"} == {
        "credential_in_config", "credential_in_cmdline"}
    assert by_code["gpu_unavailable"][0]["severity"] == "info"
    assert "FLEET PREFLIGHT" in proc.stdout


def test_preflight_can_be_told_not_to_fail(fleet):
    proc = fleet.playbook("preflight.yml", "-e", "fleet_preflight_fail_on_error=false", check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_risk_report_of_every_agent_sorted_by_score(fleet):
    fleet.playbook("risk_report.yml")
    report = reports(fleet, "risk-report-latest.json")
    assert len(report["agents"]) == 49 + 23
    scores = [a["score"] for a in report["agents"]]
    assert scores == sorted(scores, reverse=True)
    markdown = (fleet.root / "reports" / "risk-report-latest.md").read_text()
    assert markdown.count("\n| ") == 1 + 72 and "| agent | machine | score | level |" in markdown


def test_a_script_that_does_not_compile_is_blocked_before_any_change(fleet):
    agent = "MemoryFusionHub"
    item = {a["name"]: a for a in fleet.agents("pc2")["agents"]}[agent]
    script = fleet.root / "pc2" / "repo" / item["script_path"]
    script.write_text(script.read_text() + "\nprint 'a Python 2 line'\n")
    text = fleet.config_path("pc2").read_text()
    pid = fleet.supervisor("pc2").process(agent)["pid"]
    batch = {"machine": "pc2", "agents": [agent], "patch": {"config": {"generation": 2}}}
    proc = fleet.playbook("migrate.yml", "-e", "fleet_batch=b", "-e", json.dumps({"fleet_batches": {"b": batch}}),
                          check=False)
    assert proc.returncode != 0
    got = {a["agent"]: a for a in reports(fleet, "fleet-report-latest.json")["agents"]}[agent]
    assert got["result"] == "preflight_failed" and "does not compile: SyntaxError" in got["error"]
    assert fleet.config_path("pc2").read_text() == text
    assert fleet.supervisor("pc2").process(agent)["pid"] == pid
    assert not (fleet.root / "pc2" / "backups" / agent).exists()
