#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sandbox_standins
short_description: Write the sandbox fleet's stand-in agent scripts
description:
  - Writes, in one call, a small Python file at every given script path below O(repo_root)
    that runs the BaseAgent-compatible stand-in of O(lib_dir)/fleet_standin.py as the agent
    named by C($AGENT_NAME). Parent directories are created; files already right are left
    alone. Writes are atomic.
  - Used by the role C(aisystem.fleet.sandbox) (which would otherwise spend half a second a
    file on a template loop); of no use on a real machine.
version_added: 0.1.0
author:
  - aisystem.fleet contributors
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  repo_root:
    description: The sandbox machine's repository root.
    type: path
    required: true
  lib_dir:
    description: Directory holding fleet_standin.py.
    type: path
    required: true
  script_paths:
    description: Script paths relative to O(repo_root).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Write a stand-in at every agent's script_path
  aisystem.fleet.sandbox_standins:
    repo_root: /tmp/sandbox/pc2/repo
    lib_dir: /tmp/sandbox/pc2/lib
    script_paths:
      - pc2_code/agents/tiered_responder.py
      - pc2_code/agents/async_processor.py
"""

RETURN = r"""
written:
  description: Script paths (relative) that were written or would be in check mode.
  returned: always
  type: list
  elements: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aisystem.fleet.plugins.module_utils._atomic import atomic_write

STANDIN = '''#!/usr/bin/env python3
"""Sandbox stand-in agent (aisystem.fleet sandbox), not the real agent.

Runs the BaseAgent-compatible stand-in of %(lib)s/fleet_standin.py as the
agent named by $AGENT_NAME; supervisord passes --port and --health_check_port.
"""
import sys

sys.path.insert(0, %(lib_json)s)

from fleet_standin import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
'''


def main():
    module = AnsibleModule(
        argument_spec=dict(
            repo_root=dict(type="path", required=True),
            lib_dir=dict(type="path", required=True),
            script_paths=dict(type="list", elements="str", required=True),
        ),
        supports_check_mode=True,
    )
    root = os.path.realpath(module.params["repo_root"])
    lib = module.params["lib_dir"]
    content = (STANDIN % {"lib": lib, "lib_json": json.dumps(lib)}).encode()
    written = []
    for rel in sorted(set(module.params["script_paths"])):
        path = os.path.realpath(os.path.join(root, rel))
        if not path.startswith(root + os.sep):
            module.fail_json(msg="script path %r leaves the repository root %s" % (rel, root))
        try:
            with open(path, "rb") as handle:
                if handle.read() == content:
                    continue
        except FileNotFoundError:
            pass
        written.append(rel)
        if not module.check_mode:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            atomic_write(path, content, mode=0o755)
    module.exit_json(changed=bool(written), written=written)


if __name__ == "__main__":
    main()
