# -*- coding: utf-8 -*-
"""The report callback's pure parts: the migration table, the preflight findings, the risk table."""

from __future__ import annotations

from ansible_collections.aisystem.fleet.plugins.callback import fleet_report


def test_migration_report_orders_by_plan_and_marks_agents_not_reached():
    custom = {"fleet_plan": {"batch": "b", "machine": "pc2", "agents": ["A", "B", "C"]},
              "fleet_report": {"pc2.B": {"agent": "B", "machine": "pc2", "result": "rolled_back", "risk_level": "high",
                                         "error": "B: boom", "durations": {"rollback_s": 2.5}},
                               "pc2.A": {"agent": "A", "machine": "pc2", "result": "completed", "risk_level": "low",
                                         "gpu_warnings": ["GPU 0 memory 86 % is above the warning threshold 85 %"],
                                         "recovered": {"run_id": "r1", "step": "rewrite", "action": "analysed"},
                                         "durations": {"analysis_s": 2.0}}}}
    report = fleet_report.build_report(custom)
    assert [(a["agent"], a["result"]) for a in report["agents"]] == [
        ("A", "completed"), ("B", "rolled_back"), ("C", "not_reached")]
    assert report["counts"] == {"completed": 1, "not_reached": 1, "rolled_back": 1}
    lines = fleet_report.format_table(report)
    assert lines[0].split()[:4] == ["agent", "machine", "result", "risk"]
    assert "B: B: boom" in lines and "A: warning: GPU 0 memory 86 % is above the warning threshold 85 %" in lines
    assert "A: recovered from run r1 (left at step rewrite): analysed" in lines
    assert lines[-1] == "batch b: 1 completed, 1 not_reached, 1 rolled_back"


def test_audit_report_puts_errors_first_and_counts_severities():
    custom = {"fleet_audit": {
        "pc2": {"findings": [{"code": "http_health_port_collision", "severity": "warning", "machine": "pc2",
                              "agent": "A", "message": "m1"},
                             {"code": "credential_in_config", "severity": "error", "machine": "pc2", "agent": "B",
                              "message": "m2 <masked, 5 chars>"}], "programs": 23},
        "mainpc": {"findings": [{"code": "gpu_unavailable", "severity": "info", "machine": "mainpc", "agent": None,
                                 "message": "m3"}], "programs": 54}}}
    report = fleet_report.build_audit(custom)
    codes = [f["code"] for f in report["findings"]]
    assert codes == ["credential_in_config", "http_health_port_collision", "gpu_unavailable"]
    assert report["counts"] == {"error": 1, "warning": 1, "info": 1}
    assert report["machines"]["mainpc"] == {"programs": 54}
    assert fleet_report.format_audit(report)[-1] == "preflight: 1 error, 1 warning, 1 info"


def test_risk_report_sorted_by_score_with_markdown():
    def item(score, level, compiles=True):
        return {"score": score, "level": level, "compiles": compiles, "exists": True, "blocking": not compiles,
                "features": {"lines": 10, "gpu": [], "databases": [], "threads": 1, "thread_pools": 0, "processes": 0},
                "contributions": {k: {"contribution": 1.0} for k in fleet_report.RISK_FACTORS}}
    custom = {"fleet_risk": {"pc2": {"A": item(5.0, "low"), "B": item(30.0, "high", compiles=False)},
                             "mainpc": {"C": item(20.0, "medium")}}}
    report = fleet_report.build_risk(custom)
    assert [r["agent"] for r in report["agents"]] == ["B", "C", "A"]
    assert report["counts"] == {"high": 1, "medium": 1, "low": 1} and report["blocking"] == ["B"]
    markdown = fleet_report.risk_markdown(report)
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| agent | machine | score | level |") and len(rows) == 4
    assert rows[1].startswith("| B | pc2 | 30.0 | high | NO |")
