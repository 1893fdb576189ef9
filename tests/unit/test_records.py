# -*- coding: utf-8 -*-
"""The per-machine run record: statuses, merges, the in_progress evidence, atomic locked writes."""

from __future__ import annotations

import json
import threading
import os
import stat

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _records


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        self.now += 1
        return self.now


def test_lifecycle_merges_fields_and_keeps_history(tmp_path):
    path = str(tmp_path / "state" / "run-records.json")
    clock = Clock()
    got = _records.update_records(path, ["A", "B"], "pending", "run1", "b1", clock=clock)
    assert got["changed"] and got["before"] == {"A": None, "B": None}
    _records.update_records(path, ["A"], "in_progress", "run1", "b1", step="rewrite",
                            fields={"backup_id": "x1", "baseline": {"latency_ms": {"p95": 2.0}}}, clock=clock)
    got = _records.update_records(path, ["A"], "completed", "run1", "b1", fields={"completed_at": 5.0}, clock=clock)
    record = got["records"]["A"]
    assert record["status"] == "completed" and record["step"] is None
    assert record["backup_id"] == "x1" and record["baseline"] == {"latency_ms": {"p95": 2.0}}
    assert [h["status"] for h in record["history"]] == ["pending", "in_progress", "completed"]
    assert record["history"][1]["step"] == "rewrite"
    doc = json.loads(open(path, encoding="utf-8").read())
    assert doc["agents"]["B"]["status"] == "pending"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # a new run's pending keeps what the last run recorded; a None field removes it
    got = _records.update_records(path, ["A"], "pending", "run2", "b2", fields={"completed_at": None}, clock=clock)
    assert got["records"]["A"]["backup_id"] == "x1" and "completed_at" not in got["records"]["A"]


def test_same_status_and_fields_write_nothing(tmp_path):
    path = str(tmp_path / "run-records.json")
    _records.update_records(path, ["A"], "completed", "run1", "b1", fields={"x": 1})
    mtime = os.stat(path).st_mtime_ns
    got = _records.update_records(path, ["A"], "completed", "run1", "b1", fields={"x": 1})
    assert not got["changed"] and os.stat(path).st_mtime_ns == mtime


def test_pending_keeps_a_dead_runs_in_progress_record(tmp_path):
    path = str(tmp_path / "run-records.json")
    _records.update_records(path, ["A", "B"], "in_progress", "dead", "b1", step="restart")
    got = _records.update_records(path, ["A", "B"], "pending", "new", "b1")
    assert got["kept"] == ["A", "B"] and not got["changed"]
    assert _records.interrupted(got["records"]["A"], "new")
    assert not _records.interrupted(got["records"]["A"], "dead")
    # the same run may move its own record on
    assert _records.update_records(path, ["A"], "pending", "dead", "b1")["records"]["A"]["status"] == "pending"


def test_check_mode_writes_nothing(tmp_path):
    path = tmp_path / "state" / "run-records.json"
    got = _records.update_records(str(path), ["A"], "pending", "run1", "b1", check_mode=True)
    assert got["changed"] and got["records"]["A"]["status"] == "pending"
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize("content, message", [("{not json", "cannot be read"), ('["a"]', "not a run record")])
def test_unreadable_record_is_refused_and_left_alone(tmp_path, content, message):
    path = tmp_path / "run-records.json"
    path.write_text(content)
    with pytest.raises(_records.RecordError, match=message):
        _records.update_records(str(path), ["A"], "pending", "r", "b")
    assert path.read_text() == content


def test_bad_status_and_own_fields_are_refused(tmp_path):
    path = str(tmp_path / "run-records.json")
    with pytest.raises(_records.RecordError, match="status must be one of"):
        _records.update_records(path, ["A"], "done", "r", "b")
    with pytest.raises(_records.RecordError, match="record's own"):
        _records.update_records(path, ["A"], "pending", "r", "b", fields={"status": "completed"})
    assert not os.path.exists(path)


def _writer(path, agent, count):
    for index in range(count):
        _records.update_records(path, [agent], "in_progress", "run", "b", step="s%d" % index)


def test_concurrent_writers_lose_nothing(tmp_path):
    path = str(tmp_path / "run-records.json")
    # flock locks belong to open file descriptions, so writers in threads exclude each other too
    procs = [threading.Thread(target=_writer, args=(path, "agent%d" % i, 20)) for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    doc = _records.read_records(path)
    assert sorted(doc["agents"]) == ["agent0", "agent1", "agent2", "agent3"]
    assert all(len(r["history"]) == 20 and r["step"] == "s19" for r in doc["agents"].values())


def test_select_by_status_and_time(tmp_path):
    doc = {"agents": {"A": {"status": "completed", "completed_at": 100.0}, "B": {"status": "completed"},
                      "C": {"status": "rolled_back", "completed_at": 100.0},
                      "D": {"status": "completed", "completed_at": 100.0, "observe_period": 10}}}
    recent = _records.select(doc, statuses=["completed"], now=150.0, within=50.0, since_field="completed_at")
    assert list(recent) == ["A", "D"]
    assert list(_records.select(doc, statuses=["completed"], now=151.0, within=50.0, since_field="completed_at")) == []
    # a record's own period replaces within
    own = _records.select(doc, statuses=["completed"], now=150.0, within=86400.0, since_field="completed_at",
                          period_field="observe_period")
    assert list(own) == ["A"]
    assert list(_records.select(doc, agents=["B", "C"])) == ["B", "C"]


def test_pending_keeps_what_the_same_batch_completed(tmp_path):
    path = str(tmp_path / "run-records.json")
    _records.update_records(path, ["A"], "completed", "run1", "b1", fields={"backup_id": "x"})
    got = _records.update_records(path, ["A"], "pending", "run2", "b1")
    assert got["kept"] == ["A"] and not got["changed"]
    got = _records.update_records(path, ["A"], "pending", "run2", "b2")
    assert got["records"]["A"]["status"] == "pending" and got["records"]["A"]["backup_id"] == "x"
