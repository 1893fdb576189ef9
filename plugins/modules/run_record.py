#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: run_record
short_description: Record where agents' migrations stand in the machine's run record
version_added: 0.2.0
description:
  - >-
    Sets the O(status) of O(agents) in the machine's run record (a JSON file, written
    atomically under a directory lock): C(pending), C(in_progress) (with the O(step) under way),
    C(completed), C(failed) or C(rolled_back), with the O(run_id) and O(batch), and merges
    O(fields) (backup id, baseline, durations, ...) into each record, one level deep; a null
    value removes a field. Each change of status is appended to the record's C(history).
  - >-
    C(pending) leaves alone (RV(kept)) an agent whose record another run left C(in_progress) -
    that record is what the next run needs to recover the agent - or C(completed) in the same
    O(batch), so that rerunning a batch keeps what it finished.
  - >-
    The run record also holds the machine's lease, which keeps two runs from migrating one machine
    at once. With O(lease=present) the call takes the lease for O(run_id), or renews it, for
    O(lease_ttl) seconds; O(lease=renew) renews it, with the TTL it was taken with, only if O(run_id)
    holds it (a run that gave it back does not take it again); O(lease=absent) gives it back after the write. While another run's lease
    is live (renewed within its TTL) the call fails and writes nothing, unless O(break_lease=true);
    an expired lease is taken over (RV(lease_replaced)). Taking, renewing and giving back the lease
    is not reported as a change.
  - The record is the evidence a rerun acts on; see the role aisystem.fleet.agent_migration.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    description: >-
      A record that already holds the status and fields is not changed again (only the lease's
      renewal time is written).
    support: full
options:
  path:
    description: The run record file, normally C(run-records.json) in the machine's state directory.
    type: path
    required: true
  agents:
    description: Agent names whose records to set; empty for a call that only takes or gives back the lease.
    type: list
    elements: str
    default: []
  status:
    description: The status to record; required when O(agents) is not empty.
    type: str
    choices: [pending, in_progress, completed, failed, rolled_back]
  run_id:
    description: The run's id (an AWX job id, or a timestamp), to tell this run from a dead one.
    type: str
    required: true
  batch:
    description: The batch the run migrates.
    type: str
    default: ""
  step:
    description: With O(status=in_progress), the step under way (C(rewrite), C(restart), C(analysis), ...).
    type: str
  fields:
    description: More fields to merge into each record (not C(status), C(step), C(run_id), C(batch), C(updated_at), C(history)).
    type: dict
    default: {}
  lease:
    description: >-
      C(present) takes or renews the machine's lease for O(run_id); C(renew) renews it if O(run_id)
      holds it; C(absent) gives it back after the write.
    type: str
    choices: [present, renew, absent]
    default: renew
  lease_ttl:
    description: >-
      With O(lease=present), seconds the lease stays live after each write of the run. Longer than
      the longest gap between two writes of a run (an agent's baseline, restart and analysis window).
    type: float
    default: 3600
  break_lease:
    description: >-
      Take (or give back) the lease even while another run's is live. Only for a run known to be
      dead: a killed controller, a cancelled job.
    type: bool
    default: false
seealso:
  - module: aisystem.fleet.run_record_info
"""

EXAMPLES = r"""
- name: Record that TieredResponder's entry is about to be rewritten
  aisystem.fleet.run_record:
    path: /home/haymayndz/AI_System_Monorepo/.fleet/state/run-records.json
    agents: [TieredResponder]
    status: in_progress
    step: rewrite
    run_id: "{{ awx_job_id | default('manual') }}"
    batch: pc2_batch2
    fields:
      backup_id: 20261121T101500.123456Z

- name: Give the machine's lease back at the end of the run
  aisystem.fleet.run_record:
    path: /home/haymayndz/AI_System_Monorepo/.fleet/state/run-records.json
    run_id: "{{ awx_job_id | default('manual') }}"
    lease: absent
"""

RETURN = r"""
records:
  description: Each agent's record after the call (what it would be, in check mode).
  returned: always
  type: dict
before:
  description: Each agent's record before the call (null where there was none).
  returned: always
  type: dict
kept:
  description: Agents that O(status=pending) left alone (C(in_progress) from another run, or C(completed) in this batch).
  returned: always
  type: list
  elements: str
lease:
  description: The machine's lease after the call (null when no run holds it).
  returned: always
  type: dict
  contains:
    run_id:
      description: The run that holds it.
      type: str
    batch:
      description: That run's batch.
      type: str
    acquired_at:
      description: When that run took it, seconds since the epoch.
      type: float
    renewed_at:
      description: Its last renewal, seconds since the epoch.
      type: float
    ttl:
      description: Seconds it stays live after its last renewal.
      type: float
lease_replaced:
  description: Another run's lease that this call took over (expired, or broken with O(break_lease)), else null.
  returned: always
  type: dict
held_by:
  description: When the call fails because another run's lease is live, that lease (shape of RV(lease)).
  returned: failure
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aisystem.fleet.plugins.module_utils import _records


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            agents=dict(type="list", elements="str", default=[]),
            status=dict(type="str", choices=list(_records.STATUSES)),
            run_id=dict(type="str", required=True),
            batch=dict(type="str", default=""),
            step=dict(type="str"),
            fields=dict(type="dict", default={}),
            lease=dict(type="str", default="renew", choices=list(_records.LEASE_STATES)),
            lease_ttl=dict(type="float", default=_records.LEASE_TTL),
            break_lease=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = _records.update_records(params["path"], params["agents"], params["status"], params["run_id"],
                                         params["batch"], params["step"], params["fields"], module.check_mode,
                                         lease=params["lease"], lease_ttl=params["lease_ttl"],
                                         break_lease=params["break_lease"])
    except _records.LeaseHeld as exc:
        module.fail_json(msg=str(exc), held_by=exc.lease)
    except (_records.RecordError, OSError, TimeoutError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
