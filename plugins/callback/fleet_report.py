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

COLUMNS = ("agent", "machine", "result", "changed keys", "preflight s", "backup s", "rewrite s", "restart s",
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
        rows.append((agent["agent"], agent.get("machine") or "", agent["result"], ",".join(agent.get("changed_keys") or []))
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


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "aisystem.fleet.fleet_report"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_stats(self, stats):
        custom = (getattr(stats, "custom", None) or {}).get("_run") or {}
        if "fleet_plan" not in custom and "fleet_report" not in custom:
            return
        report = build_report(custom)
        self._display.banner("FLEET REPORT")
        for line in format_table(report):
            self._display.display(line)
        directory = self.get_option("report_dir")
        try:
            os.makedirs(directory, exist_ok=True)
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            text = json.dumps(report, indent=2, sort_keys=True, default=str)
            for name in ("fleet-report-%s-%s.json" % (report["batch"], stamp), "fleet-report-latest.json"):
                path = os.path.join(directory, name)
                tmp = path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, path)
            self._display.display("report written to %s" % os.path.join(directory, "fleet-report-latest.json"))
        except OSError as exc:
            self._display.warning("fleet_report: cannot write the report to %s: %s" % (directory, exc))
