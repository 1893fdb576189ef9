# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_report
type: aggregate
short_description: Print and save the per-agent report of a migration run
version_added: 0.1.0
description:
  - At the end of a run - also one that a failed agent stopped - prints one line per agent of
    the batch (machine, result, changed keys, durations of preflight with the baseline, backup,
    rewrite, restart, analysis and rollback, in seconds), GPU warnings and agents recovered from
    an interrupted run, and writes the report as JSON.
  - Reads what the roles exported with C(set_stats) (C(fleet_plan), C(fleet_report)), which AWX
    also keeps as the job's artifacts. Agents of the plan that the run did not reach are
    reported as C(not_reached) and left untouched; agents the batch names that the
    configuration lacks are listed as C(not_in_config).
  - >-
    Also prints and saves the report of playbooks/preflight.yml (C(fleet_audit) - findings by
    severity, C(fleet-preflight-latest.json)) and of playbooks/risk_report.yml (C(fleet_risk) -
    every agent by score, C(risk-report-latest.json) and C(risk-report-latest.md)).
  - Enable it with C(callbacks_enabled = aisystem.fleet.fleet_report).
requirements:
  - enable in configuration
options:
  report_dir:
    description: Directory for the JSON reports (C(fleet-report-BATCH-TIME.json) and C(fleet-report-latest.json)).
    type: path
    default: ./fleet-reports
    env:
      - name: FLEET_REPORT_DIR
    ini:
      - section: callback_fleet_report
        key: report_dir
"""

import datetime
import json
import os

from ansible.plugins.callback import CallbackBase

COLUMNS = ("agent", "machine", "result", "risk", "changed keys", "preflight s", "backup s", "rewrite s", "restart s",
           "analysis s", "rollback s")
DURATIONS = ("preflight_s", "backup_s", "rewrite_s", "restart_s", "analysis_s", "rollback_s")


def build_report(custom):
    """The report from the run's custom stats (``stats.custom['_run']``)."""
    plan = custom.get("fleet_plan") or {}
    results = custom.get("fleet_report") or {}
    agents = []
    reached = set()
    for host, record in results.items():
        reached.add(record.get("agent"))
        agents.append(dict(record, host=host))
    for name in plan.get("agents", []):
        if name not in reached:
            agents.append({"agent": name, "machine": plan.get("machine"), "result": "not_reached", "durations": {}})
    order = {name: i for i, name in enumerate(plan.get("agents", []))}
    agents.sort(key=lambda a: order.get(a["agent"], len(order)))
    return {
        "batch": plan.get("batch"),
        "machine": plan.get("machine"),
        "check_mode": plan.get("check_mode", False),
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "agents": agents,
        "not_in_config": plan.get("not_in_config", []),
        "counts": {r: sum(1 for a in agents if a["result"] == r) for r in sorted({a["result"] for a in agents})},
    }


def format_table(report):
    """The report as text lines, one per agent."""
    rows = [COLUMNS]
    for agent in report["agents"]:
        d = agent.get("durations") or {}
        rows.append((agent["agent"], agent.get("machine") or "", agent["result"], agent.get("risk_level") or "",
                     ",".join(agent.get("changed_keys") or []))
                    + tuple(str(d.get(key, "")) for key in DURATIONS))
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    for agent in report["agents"]:
        if agent.get("error"):
            lines.append("%s: %s" % (agent["agent"], agent["error"]))
    for agent in report["agents"]:
        for warning in agent.get("gpu_warnings") or ():
            lines.append("%s: warning: %s" % (agent["agent"], warning))
        if agent.get("recovered"):
            lines.append("%s: recovered from run %s (left at step %s): %s" % (
                agent["agent"], agent["recovered"].get("run_id"), agent["recovered"].get("step"),
                agent["recovered"].get("action")))
    for agent in report["agents"]:
        if agent.get("also_in_batches"):
            lines.append("%s is listed in batch(es) %s too" % (agent["agent"], ", ".join(agent["also_in_batches"])))
    if report["not_in_config"]:
        lines.append("named by the batch but not in the configuration (left out): %s" % ", ".join(report["not_in_config"]))
    lines.append("batch %s: %s" % (report["batch"], ", ".join("%d %s" % (n, r) for r, n in report["counts"].items())))
    return lines


def _table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


SEVERITIES = ("error", "warning", "info")


def build_audit(custom):
    """The preflight report from ``fleet_audit`` (``{machine: {findings, free_bytes, programs, gpu}}``)."""
    machines = custom.get("fleet_audit") or {}
    findings = [f for m in sorted(machines) for f in machines[m].get("findings") or []]
    findings.sort(key=lambda f: (SEVERITIES.index(f.get("severity", "info")) if f.get("severity") in SEVERITIES
                                 else 3, f.get("machine") or "", f.get("code") or ""))
    return {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "machines": {m: {k: v for k, v in machines[m].items() if k != "findings"} for m in sorted(machines)},
        "findings": findings,
        "counts": {sev: sum(1 for f in findings if f.get("severity") == sev) for sev in SEVERITIES},
    }


def format_audit(report):
    rows = [("severity", "machine", "code", "agent", "message")]
    rows += [(f.get("severity"), f.get("machine") or "", f.get("code"), f.get("agent") or "", f.get("message"))
             for f in report["findings"]]
    lines = _table(rows)
    lines.append("preflight: %s" % ", ".join("%d %s" % (n, sev) for sev, n in report["counts"].items()))
    return lines


RISK_FACTORS = ("file_size", "gpu", "threading", "databases", "criticality")
RISK_COLUMNS = ("agent", "machine", "score", "level", "compiles", "lines", "gpu", "threads", "databases",
                "size pts", "gpu pts", "threading pts", "db pts", "criticality pts")


def build_risk(custom):
    """The risk table from ``fleet_risk`` (``{machine: {agent: agent_risk_info assessment}}``), by score."""
    rows = []
    for machine, agents in sorted((custom.get("fleet_risk") or {}).items()):
        for name, item in agents.items():
            rows.append(dict(item, agent=name, machine=machine))
    rows.sort(key=lambda r: (-(r.get("score") or 0), r["machine"], r["agent"]))
    return {"generated": datetime.datetime.now(datetime.timezone.utc).isoformat(), "agents": rows,
            "counts": {lvl: sum(1 for r in rows if r.get("level") == lvl) for lvl in ("high", "medium", "low")},
            "blocking": [r["agent"] for r in rows if r.get("blocking")]}


def _risk_row(row):
    feats = row.get("features") or {}
    contrib = row.get("contributions") or {}
    concurrency = sum(feats.get(k, 0) for k in ("threads", "thread_pools", "processes"))
    return (row["agent"], row["machine"], row.get("score"), row.get("level") or "-",
            "yes" if row.get("compiles") else ("missing" if not row.get("exists", True) else "NO"),
            feats.get("lines", ""), ",".join(feats.get("gpu") or []) or "-", concurrency,
            ",".join(feats.get("databases") or []) or "-") + tuple(
        (contrib.get(k) or {}).get("contribution", "") for k in RISK_FACTORS)


def format_risk(report):
    lines = _table([RISK_COLUMNS] + [_risk_row(r) for r in report["agents"]])
    lines.append("risk: %s; blocking (does not compile or missing): %d" % (
        ", ".join("%d %s" % (n, lvl) for lvl, n in report["counts"].items()), len(report["blocking"])))
    return lines


def risk_markdown(report):
    """The risk table as Markdown: one row per agent, sorted by score."""
    out = ["# Agent risk", "", "Score = 0.3 size + 0.25 GPU + 0.2 threading + 0.15 databases + 0.1 criticality "
           "(each factor 0-100); levels low 0-15, medium 16-25, high 26+.", "",
           "| " + " | ".join(RISK_COLUMNS) + " |", "|" + "---|" * len(RISK_COLUMNS)]
    for row in report["agents"]:
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in _risk_row(row)) + " |")
    return "\n".join(out) + "\n"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "aisystem.fleet.fleet_report"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, files, shown):
        directory = self.get_option("report_dir")
        try:
            os.makedirs(directory, exist_ok=True)
            for name, text in files:
                path = os.path.join(directory, name)
                tmp = path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, path)
            self._display.display("report written to %s" % os.path.join(directory, shown))
        except OSError as exc:
            self._display.warning("fleet_report: cannot write the report to %s: %s" % (directory, exc))

    def _show(self, title, lines):
        self._display.banner(title)
        for line in lines:
            self._display.display(line)

    def v2_playbook_on_stats(self, stats):
        custom = (getattr(stats, "custom", None) or {}).get("_run") or {}
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        if "fleet_plan" in custom or "fleet_report" in custom:
            report = build_report(custom)
            self._show("FLEET REPORT", format_table(report))
            text = json.dumps(report, indent=2, sort_keys=True, default=str)
            self._write([("fleet-report-%s-%s.json" % (report["batch"], stamp), text),
                         ("fleet-report-latest.json", text)], "fleet-report-latest.json")
        if "fleet_audit" in custom:
            report = build_audit(custom)
            self._show("FLEET PREFLIGHT", format_audit(report))
            text = json.dumps(report, indent=2, sort_keys=True, default=str)
            self._write([("fleet-preflight-%s.json" % stamp, text), ("fleet-preflight-latest.json", text)],
                        "fleet-preflight-latest.json")
        if "fleet_risk" in custom:
            report = build_risk(custom)
            self._show("FLEET RISK", format_risk(report))
            self._write([("risk-report-latest.json", json.dumps(report, indent=2, sort_keys=True, default=str)),
                         ("risk-report-latest.md", risk_markdown(report))], "risk-report-latest.md")
