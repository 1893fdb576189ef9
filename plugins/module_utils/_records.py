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
         "history": [{"run_id", "batch", "status", "step", "at"}]}},   # newest last, 50 kept
     "lease": {"run_id": str, "batch": str, "acquired_at": float, "renewed_at": float,
               "ttl": float}}      # seconds; absent when no run holds the machine

An update merges ``fields`` into the agent's record one level deep (a None value removes
the key), so what a run recorded (its backup and baseline) stays until replaced.

The lease keeps two runs from migrating one machine at once. A run takes it with its first
write (``lease="present"``) and renews it with every write after (``"renew"``, which takes
nothing when the run holds no lease); it is live while ``now - renewed_at <= ttl``. While
another run's lease is live every write is refused (:class:`LeaseHeld`), unless ``break_lease``
is given (for a run known to be dead: a killed controller, a cancelled job); an expired lease is
taken over. A run gives it back with its last write (``lease="absent"``). Taking, renewing and
giving back the lease is not reported as a change.
"""

from __future__ import annotations

import contextlib
import json
import os
import time

from ansible_collections.aisystem.fleet.plugins.module_utils._atomic import atomic_write, locked

STATUSES = ("pending", "in_progress", "completed", "failed", "rolled_back")
HISTORY_KEPT = 50
LEASE_TTL = 3600.0
LEASE_STATES = ("present", "renew", "absent")
_OWN_KEYS = ("status", "step", "run_id", "batch", "updated_at", "history")


class RecordError(Exception):
    """The record file cannot be read or the update makes no sense."""


class LeaseHeld(RecordError):
    """Another run holds the machine's lease: it is migrating this machine now. ``lease`` is that
    run's lease (the document's ``lease`` mapping)."""

    def __init__(self, message, lease):
        super().__init__(message)
        self.lease = lease


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


def _age_and_ttl(lease, now):
    """Seconds since the lease's last renewal, and the seconds it stays live after one."""
    return now - float(lease.get("renewed_at") or 0), float(lease.get("ttl") or LEASE_TTL)


def live_lease(doc, now):
    """The document's lease while it is live at ``now`` (seconds since the epoch), else None."""
    lease = doc.get("lease")
    if not isinstance(lease, dict):
        return None
    age, ttl = _age_and_ttl(lease, now)
    return lease if age <= ttl else None


def describe_lease(lease, now, path):
    """One line saying who holds the machine, for an operator."""
    age, ttl = _age_and_ttl(lease, now)
    return ("%s is leased to run %s (batch %s) since %s, renewed %.0f s ago, for %.0f s more: another run "
            "is migrating this machine. Wait for it to end; if it is gone (a killed controller, a cancelled "
            "job), break its lease (break_lease; the playbooks take -e fleet_break_lease=true)" % (
                path, lease.get("run_id"), lease.get("batch") or "-",
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(lease.get("acquired_at") or 0))),
                age, ttl - age))


def _leased(previous, lease, run_id, batch, ttl, break_lease, now):
    """The lease after a write by ``run_id`` (see the module's docstring)."""
    own = bool(previous) and previous.get("run_id") == run_id
    if lease == "present":
        return {"run_id": run_id, "batch": batch, "ttl": float(ttl), "renewed_at": now,
                "acquired_at": previous.get("acquired_at", now) if own else now}
    if lease == "renew" and own:  # keeps the TTL the run took the lease with
        return dict(previous, renewed_at=now)
    if lease == "absent" and previous and (own or break_lease):
        return None
    return previous


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
                   clock=time.time, lease=None, lease_ttl=LEASE_TTL, break_lease=False):
    """Set ``agents``' records to ``status`` under the file's lock; one atomic write.

    ``pending`` leaves alone (``kept``) an agent whose record another run left ``in_progress``
    (the evidence the next run needs) or ``completed`` in the same batch (a rerun of a batch
    does not forget what it finished; the playbook checks the entry itself).

    ``lease`` is ``"present"`` (take or renew the machine's lease for ``lease_ttl`` seconds),
    ``"renew"`` (renew it, with the TTL it was taken with, if this run holds it), ``"absent"``
    (give this run's lease back; any lease with ``break_lease``) or None (leave it).
    ``agents`` may be empty for a call that only takes or gives back the lease; ``status`` is
    then not needed.

    :returns: ``{"changed": bool, "before": {agent: record|None}, "records": {agent: record},
        "kept": [agent], "lease": lease|None, "lease_replaced": lease|None}`` - ``lease_replaced``
        is another run's lease this call broke or found expired.
    :raises LeaseHeld: another run's lease is live and ``break_lease`` is false (nothing written);
        not for a call that only gives back a lease (``agents`` empty, ``lease="absent"``).
    :raises RecordError: unknown status, unreadable file, a field that is the record's own.
    :raises OSError, TimeoutError: the write or the lock.
    """
    if agents and status not in STATUSES:
        raise RecordError("status must be one of %s, got %r" % (", ".join(STATUSES), status))
    if lease not in LEASE_STATES + (None,):
        raise RecordError("lease must be one of %s, got %r" % (", ".join(LEASE_STATES), lease))
    directory = os.path.dirname(os.path.abspath(path))
    if not check_mode:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    with locked(path) if os.path.isdir(directory) else contextlib.nullcontext():
        doc = read_records(path)
        now = round(clock(), 3)
        previous = doc.get("lease")
        held = live_lease(doc, now)
        if held and held.get("run_id") != run_id and not break_lease and (agents or lease == "present"):
            raise LeaseHeld(describe_lease(held, now, path), held)
        new_lease = _leased(previous, lease, run_id, batch, lease_ttl, break_lease, now)
        replaced = previous if previous and previous.get("run_id") != run_id and new_lease is not previous else None
        before, after, kept = {}, {}, []
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
        if (changed or new_lease != previous) and not check_mode:
            doc["agents"].update(after)
            if new_lease is None:
                doc.pop("lease", None)
            else:
                doc["lease"] = new_lease
            atomic_write(path, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode(), mode=0o600)
    return {"changed": changed, "before": before, "records": after, "kept": kept, "lease": new_lease,
            "lease_replaced": replaced}


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
