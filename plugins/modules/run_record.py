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
    description: A record that already holds the status and fields is not written again.
    support: full
options:
  path:
    description: The run record file, normally C(run-records.json) in the machine's state directory.
    type: path
    required: true
  agents:
    description: Agent names whose records to set.
    type: list
    elements: str
    required: true
  status:
    description: The status to record.
    type: str
    required: true
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
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aisystem.fleet.plugins.module_utils import _records


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            agents=dict(type="list", elements="str", required=True),
            status=dict(type="str", required=True, choices=list(_records.STATUSES)),
            run_id=dict(type="str", required=True),
            batch=dict(type="str", default=""),
            step=dict(type="str"),
            fields=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = _records.update_records(params["path"], params["agents"], params["status"], params["run_id"],
                                         params["batch"], params["step"], params["fields"], module.check_mode)
    except (_records.RecordError, OSError, TimeoutError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
