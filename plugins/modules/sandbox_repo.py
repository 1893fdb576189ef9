#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sandbox_repo
short_description: Lay a sandbox machine's repository - its startup_config.yaml and a stand-in per agent
version_added: 0.1.0
description:
  - Used by the role C(aisystem.fleet.sandbox); of no use on a real machine.
  - Lays O(startup_config) from O(startup_config_src) (plain or gzip-compressed) when it does
    not exist yet, or always with O(force=true), byte for byte.
  - Then reads the agents of O(startup_config) (returned, as M(aisystem.fleet.startup_config_info)
    returns them, so that the role reads the file once) and writes, at every agent's C(script_path)
    below O(repo_root), a small Python file that runs the BaseAgent-compatible stand-in of
    O(lib_dir)/fleet_standin.py as the agent named by C($AGENT_NAME). Parent directories are
    created; files already right are left alone. Every write is atomic.
  - One call instead of a template loop, which costs about half a second a file.
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
requirements:
  - PyYAML
options:
  repo_root:
    description: The sandbox machine's repository root.
    type: path
    required: true
  lib_dir:
    description: Directory holding fleet_standin.py.
    type: path
    required: true
  startup_config:
    description: Where the machine's startup_config.yaml lives, below O(repo_root).
    type: path
    required: true
  startup_config_src:
    description: The file to lay there, on the managed node; C(.gz) files are decompressed.
    type: path
    required: true
  force:
    description: Lay O(startup_config_src) even when O(startup_config) exists (a reset).
    type: bool
    default: false
  variables:
    description: Values for C(${NAME}) in ports, as for M(aisystem.fleet.startup_config_info).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Lay the machine's repository
  aisystem.fleet.sandbox_repo:
    repo_root: /tmp/sandbox/pc2/repo
    lib_dir: /tmp/sandbox/pc2/lib
    startup_config: /tmp/sandbox/pc2/repo/pc2_code/config/startup_config.yaml
    startup_config_src: /tmp/fixtures/pc2_startup_config.2025-07-23.yaml.gz
"""

RETURN = r"""
written:
  description: Paths (relative to O(repo_root)) written, or that would be in check mode.
  returned: always
  type: list
  elements: str
agents:
  description: >-
    The agents of the startup_config.yaml, as M(aisystem.fleet.startup_config_info) returns
    them (in check mode, of the file that would be laid).
  returned: always
  type: list
  elements: dict
findings:
  description: The findings of M(aisystem.fleet.startup_config_info) for the file (schema not validated).
  returned: always
  type: list
  elements: dict
"""

import gzip
import json
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc
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
    raise SystemExit(main())
'''


def _read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        return handle.read()


def _write_if_different(path, content, mode, check_mode):
    try:
        with open(path, "rb") as handle:
            if handle.read() == content:
                return False
    except FileNotFoundError:
        pass
    if not check_mode:
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        atomic_write(path, content, mode=mode)
    return True


def main():
    module = AnsibleModule(
        argument_spec=dict(
            repo_root=dict(type="path", required=True),
            lib_dir=dict(type="path", required=True),
            startup_config=dict(type="path", required=True),
            startup_config_src=dict(type="path", required=True),
            force=dict(type="bool", default=False),
            variables=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    if not sc.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=str(sc.YAML_IMPORT_ERROR))
    params = module.params
    root = os.path.realpath(params["repo_root"])
    written = []

    def inside(path):
        real = os.path.realpath(path)
        if not real.startswith(root + os.sep):
            module.fail_json(msg="%s is not below the repository root %s" % (path, root))
        return real

    config_path = inside(params["startup_config"])
    try:
        if params["force"] or not os.path.exists(config_path):
            if _write_if_different(config_path, _read(params["startup_config_src"]), 0o644, module.check_mode):
                written.append(os.path.relpath(config_path, root))
        if module.check_mode and not os.path.exists(config_path):
            text = _read(params["startup_config_src"]).decode("utf-8")
        else:
            text = _read(config_path).decode("utf-8")
        parsed = sc.parse_startup_config(text, config_path, params["variables"], validate=False)
        agents = parsed["agents"]
        content = (STANDIN % {"lib": params["lib_dir"], "lib_json": json.dumps(params["lib_dir"])}).encode()
        for rel in sorted({a["script_path"] for a in agents}):
            if _write_if_different(inside(os.path.join(root, rel)), content, 0o755, module.check_mode):
                written.append(rel)
    except (OSError, UnicodeDecodeError) as exc:
        module.fail_json(msg="cannot lay the sandbox repository: %s" % exc)
    except sc.StartupConfigError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=bool(written), written=written, agents=agents, findings=parsed["findings"])


if __name__ == "__main__":
    main()
