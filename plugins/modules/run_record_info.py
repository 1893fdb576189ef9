#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: run_record_info
short_description: Read the machine's run record
version_added: 0.2.0
description:
  - Reads the run record that M(aisystem.fleet.run_record) keeps, optionally only some agents,
    statuses, or records whose O(since_field) lies within the last O(within) seconds.
  - A missing file is an empty record; a file that is not a run record fails the task.
author:
  - Fleet maintainers (@aisystem-fleet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - aisystem.fleet.attributes.info_module
options:
  path:
    description: The run record file.
    type: path
    required: true
  agents:
    description: Only these agents.
    type: list
    elements: str
  statuses:
    description: Only records with one of these statuses.
    type: list
    elements: str
    choices: [pending, in_progress, completed, failed, rolled_back]
  within:
    description: Only records whose O(since_field) is at most this many seconds old.
    type: float
  since_field:
    description: The record field (seconds since the epoch) that O(within) reads.
    type: str
    default: updated_at
  period_field:
    description: A record field (seconds) that, where a record has it, replaces O(within) for that record.
    type: str
seealso:
  - module: aisystem.fleet.run_record
"""

EXAMPLES = r"""
- name: Agents completed within the last 24 hours
  aisystem.fleet.run_record_info:
    path: /home/haymayndz/AI_System_Monorepo/.fleet/state/run-records.json
    statuses: [completed]
    within: 86400
    since_field: completed_at
    period_field: observe_period
  register: recent
"""

RETURN = r"""
records:
  description: The selected agents' records by name (shape in M(aisystem.fleet.run_record)).
  returned: always
  type: dict
lease:
  description: >-
    The machine's lease while it is live (the run migrating this machine now; shape in
    M(aisystem.fleet.run_record)), else null.
  returned: always
  type: dict
now:
  description: The time of the read, in seconds since the epoch.
  returned: always
  type: float
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aisystem.fleet.plugins.module_utils import _records


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            agents=dict(type="list", elements="str"),
            statuses=dict(type="list", elements="str", choices=list(_records.STATUSES)),
            within=dict(type="float"),
            since_field=dict(type="str", default="updated_at"),
            period_field=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    now = time.time()
    try:
        doc = _records.read_records(params["path"])
    except _records.RecordError as exc:
        module.fail_json(msg=str(exc))
    records = _records.select(doc, params["agents"], params["statuses"], now, params["within"], params["since_field"],
                              params["period_field"])
    module.exit_json(changed=False, records=records, lease=_records.live_lease(doc, now), now=round(now, 3))


if __name__ == "__main__":
    main()
