# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-machine run record: where each agent's migration stands, kept across runs.

Private to the collection. One JSON file per machine (``run-records.json`` in the machine's
state directory), written atomically under a directory lock, so that a migration interrupted
half-way (a killed controller, a lost SSH link) leaves a record the next run can act on.

File shape::

    {"version": 1,
     "agents": {"<Agent>": {
         "status": "pending"|"in_progress"|"completed"|"failed"|"rolled_back",
         "step": str|None,            # with in_progress: the step under way
         "run_id": str, "batch": str, "updated_at": float,   # seconds since the epoch (UTC)
         ...fields the playbook adds: backup_id, baseline, patch_sha256, durations,
            completed_at, error, ...
         "history": [{"run_id", "batch", "status", "step", "at"}]}}}   # newest last, 50 kept

An update merges ``fields`` into the agent's record one level deep (a None value removes
the key), so what a run recorded (its backup and baseline) stays until replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import time

from ansible_collections.aisystem.fleet.plugins.module_utils._atomic import atomic_write, locked

STATUSES = ("pending", "in_progress", "completed", "failed", "rolled_back")
FILE_NAME = "run-records.json"
HISTORY_KEPT = 50
_OWN_KEYS = ("status", "step", "run_id", "batch", "updated_at", "history")


class RecordError(Exception):
    """The record file cannot be read or the update makes no sense."""


def record_path(state_dir):
    """The record file of a machine whose state directory is ``state_dir``."""
    return os.path.join(state_dir, FILE_NAME)


def read_records(path):
    """The file's document (``{"version": 1, "agents": {}}`` when there is none).

    :raises RecordError: the file is not a JSON record document.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except FileNotFoundError:
        return {"version": 1, "agents": {}}
    except (OSError, ValueError) as exc:
        raise RecordError("%s cannot be read as a run record: %s" % (path, exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("agents"), dict):
        raise RecordError("%s is not a run record (no 'agents' mapping)" % path)
    return doc


def interrupted(record, run_id):
    """Whether ``record`` is a migration left in progress by another (dead) run."""
    return bool(record) and record.get("status") == "in_progress" and record.get("run_id") != run_id


def _updated(record, status, run_id, batch, step, fields, now):
    new = dict(record or {})
    for key, value in (fields or {}).items():
        if key in _OWN_KEYS:
            raise RecordError("field %r is the record's own; set it through its option" % key)
        if value is None:
            new.pop(key, None)
        else:
            new[key] = value
    new.update(status=status, step=step if status == "in_progress" else None, run_id=run_id, batch=batch)
    comparable = {k: v for k, v in new.items() if k not in ("updated_at", "history")}
    if record and comparable == {k: v for k, v in record.items() if k not in ("updated_at", "history")}:
        return record
    history = list(new.get("history") or [])
    history.append({"run_id": run_id, "batch": batch, "status": status, "step": new["step"], "at": now})
    new.update(updated_at=now, history=history[-HISTORY_KEPT:])
    return new


def update_records(path, agents, status, run_id, batch, step=None, fields=None, check_mode=False,
                   clock=time.time):
    """Set ``agents``' records to ``status`` under the file's lock; one atomic write.

    ``pending`` leaves alone (``kept``) an agent whose record another run left ``in_progress``
    (the evidence the next run needs) or ``completed`` in the same batch (a rerun of a batch
    does not forget what it finished; the playbook checks the entry itself).

    :returns: ``{"changed": bool, "before": {agent: record|None}, "records": {agent: record},
        "kept": [agent]}``
    :raises RecordError: unknown status, unreadable file, a field that is the record's own.
    :raises OSError, TimeoutError: the write or the lock.
    """
    if status not in STATUSES:
        raise RecordError("status must be one of %s, got %r" % (", ".join(STATUSES), status))
    directory = os.path.dirname(os.path.abspath(path))
    if not check_mode:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    with locked(path) if os.path.isdir(directory) else contextlib.nullcontext():
        doc = read_records(path)
        before, after, kept = {}, {}, []
        now = round(clock(), 3)
        for agent in agents:
            old = doc["agents"].get(agent)
            before[agent] = old
            if status == "pending" and (interrupted(old, run_id) or (
                    old and old.get("status") == "completed" and old.get("batch") == batch)):
                kept.append(agent)
                after[agent] = old
                continue
            after[agent] = _updated(old, status, run_id, batch, step, fields, now)
        changed = any(after[a] is not before[a] for a in agents)
        if changed and not check_mode:
            doc["agents"].update(after)
            atomic_write(path, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode(), mode=0o600)
    return {"changed": changed, "before": before, "records": after, "kept": kept}


def select(doc, agents=None, statuses=None, now=None, within=None, since_field="updated_at", period_field=None):
    """Records of ``doc`` filtered by agent names, by status, and by age: with ``within``
    (seconds), only records whose ``since_field`` (seconds since the epoch) is at most that old
    at ``now``; a record's own ``period_field`` value, when it has one, replaces ``within`` for it.
    A record without ``since_field`` is left out then."""
    out = {}
    for name, record in sorted(doc["agents"].items()):
        if agents is not None and name not in agents:
            continue
        if statuses is not None and record.get("status") not in statuses:
            continue
        if within is not None:
            period = float(record.get(period_field) or within) if period_field else within
            if record.get(since_field) is None or now - float(record[since_field]) > period:
                continue
        out[name] = record
    return out
