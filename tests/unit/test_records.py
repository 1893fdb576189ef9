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


class FixedClock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def lease_of(path):
    return _records.read_records(path).get("lease")


def test_lease_is_taken_renewed_and_given_back_without_reporting_a_change(tmp_path):
    path = str(tmp_path / "run-records.json")
    clock = FixedClock(1000.0)
    got = _records.update_records(path, [], None, "run1", "b1", lease="present", lease_ttl=60, clock=clock)
    assert not got["changed"] and got["lease_replaced"] is None
    assert lease_of(path) == {"run_id": "run1", "batch": "b1", "acquired_at": 1000.0, "renewed_at": 1000.0, "ttl": 60.0}
    clock.now = 1050.0  # a write of the same run renews it, keeping when it was taken
    _records.update_records(path, ["A"], "pending", "run1", "b1", lease="present", lease_ttl=60, clock=clock)
    assert lease_of(path)["renewed_at"] == 1050.0 and lease_of(path)["acquired_at"] == 1000.0
    clock.now = 1055.0  # "renew" renews the lease this run holds
    _records.update_records(path, ["A"], "in_progress", "run1", "b1", step="s", lease="renew", clock=clock)
    assert lease_of(path)["renewed_at"] == 1055.0 and lease_of(path)["ttl"] == 60.0  # as taken
    got = _records.update_records(path, [], None, "run1", "b1", lease="absent", clock=clock)
    assert not got["changed"] and got["lease"] is None and lease_of(path) is None
    # once given back (a failed agent stops the batch), a later write of the run takes nothing
    got = _records.update_records(path, ["A"], "completed", "run1", "b1", lease="renew", clock=clock)
    assert got["changed"] and got["lease"] is None and lease_of(path) is None


@pytest.mark.parametrize("agents, lease, break_lease, refused, after_run", [
    (["A"], "present", False, True, "run1"),     # another run's write, while run1 migrates
    ([], "present", False, True, "run1"),        # another run taking the lease
    (["A"], None, False, True, "run1"),          # a write that leaves the lease alone is refused too
    ([], "absent", False, False, "run1"),        # giving back a lease it does not hold: nothing
    (["A"], "present", True, False, "run2"),     # break_lease takes it over
    ([], "absent", True, False, None),           # break_lease and absent: the operator's unlock
])
def test_a_live_lease_of_another_run(tmp_path, agents, lease, break_lease, refused, after_run):
    path = str(tmp_path / "run-records.json")
    clock = FixedClock(1000.0)
    _records.update_records(path, ["A"], "in_progress", "run1", "b1", step="analysis", lease="present",
                            lease_ttl=60, clock=clock)
    before = open(path, encoding="utf-8").read()
    clock.now = 1059.0  # 59 s after run1's last write: still live
    if refused:
        with pytest.raises(_records.LeaseHeld, match="leased to run run1 .batch b1.*renewed 59 s ago, for 1 s more"):
            _records.update_records(path, agents, "pending", "run2", "b1", lease=lease, clock=clock)
        assert open(path, encoding="utf-8").read() == before
        return
    got = _records.update_records(path, agents, "pending", "run2", "b1", lease=lease, break_lease=break_lease,
                                  clock=clock)
    assert (lease_of(path) or {}).get("run_id") == after_run
    assert (got["lease_replaced"] or {}).get("run_id") == ("run1" if break_lease else None)


def test_an_expired_lease_is_taken_over(tmp_path):
    path = str(tmp_path / "run-records.json")
    clock = FixedClock(1000.0)
    _records.update_records(path, ["A"], "in_progress", "dead", "b1", step="restart", lease="present",
                            lease_ttl=60, clock=clock)
    clock.now = 1061.0
    assert _records.live_lease(_records.read_records(path), clock.now) is None
    got = _records.update_records(path, ["A"], "pending", "new", "b1", lease="present", clock=clock)
    assert got["lease_replaced"]["run_id"] == "dead" and got["lease"]["run_id"] == "new"
    assert got["kept"] == ["A"]  # the dead run's in_progress record is still the evidence


def test_check_mode_refuses_a_held_lease_and_writes_no_lease(tmp_path):
    path = str(tmp_path / "run-records.json")
    clock = FixedClock(1000.0)
    got = _records.update_records(path, ["A"], "pending", "run1", "b1", lease="present", check_mode=True, clock=clock)
    assert got["lease"]["run_id"] == "run1" and not os.path.exists(path)
    _records.update_records(path, ["A"], "pending", "run1", "b1", lease="present", clock=clock)
    with pytest.raises(_records.LeaseHeld):
        _records.update_records(path, ["A"], "pending", "run2", "b1", lease="present", check_mode=True, clock=clock)


def test_unknown_lease_state_is_refused(tmp_path):
    with pytest.raises(_records.RecordError, match="lease must be one of present, renew, absent"):
        _records.update_records(str(tmp_path / "r.json"), [], None, "r", "b", lease="held")
