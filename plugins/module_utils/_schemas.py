# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON Schemas (draft 2020-12) of the two startup_config.yaml layouts.

Private to the collection. The schemas are Python data so that they travel with the modules
that use them (module_utils are shipped to the managed node; data files are not).

* ``AGENT_GROUPS_SCHEMA``: MainPC's nested layout, ``agent_groups: {group: {AgentName: {...}}}``.
  Entries of a group that are not agents (no ``script_path``) are not constrained, since the
  real files carry such pseudo-groups (``docker_groups``, ``{description, agents}``).
* ``SERVICES_LIST_SCHEMA``: PC2's list layout, ``pc2_services: [{name: ..., ...}]``; any
  top-level key ending in ``_services`` whose value is a list is read the same way.

Ports are integers 1-65535 or expressions such as ``${PORT_OFFSET}+7150`` or
``${VAR:-7150}`` (terms joined by ``+``; each an integer or a ``${NAME}``/``${NAME:-default}``).
"""

from __future__ import annotations

_VAR = r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}"
_TERM = r"(?:[0-9]+|" + _VAR + r")"
PORT_EXPRESSION_PATTERN = r"^\s*" + _TERM + r"(?:\s*\+\s*" + _TERM + r")*\s*$"
AGENT_NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"

_DEFS = {
    "port": {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": 65535},
            {"type": "string", "pattern": PORT_EXPRESSION_PATTERN},
        ]
    },
    "agent": {
        "type": "object",
        "required": ["script_path", "port"],
        "properties": {
            "name": {"type": "string", "pattern": AGENT_NAME_PATTERN},
            "script_path": {"type": "string", "minLength": 1},
            "host": {"type": "string"},
            "port": {"$ref": "#/$defs/port"},
            "health_check_port": {"$ref": "#/$defs/port"},
            "required": {"type": "boolean"},
            "dependencies": {
                "type": "array",
                "items": {"type": "string", "pattern": AGENT_NAME_PATTERN},
                "uniqueItems": True,
            },
            "config": {"type": ["object", "null"]},
        },
    },
}

AGENT_GROUPS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://aisystem.fleet/schemas/startup_config.agent_groups.json",
    "title": "startup_config.yaml, nested agent_groups layout (MainPC)",
    "type": "object",
    "required": ["agent_groups"],
    "properties": {
        "agent_groups": {
            "type": "object",
            "additionalProperties": {
                "type": ["object", "null"],
                "additionalProperties": {
                    "if": {"type": "object", "required": ["script_path"]},
                    "then": {"$ref": "#/$defs/agent"},
                },
            },
        }
    },
    "$defs": _DEFS,
}

SERVICES_LIST_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://aisystem.fleet/schemas/startup_config.services_list.json",
    "title": "startup_config.yaml, list-of-services layout (PC2)",
    "type": "object",
    "minProperties": 1,
    "patternProperties": {
        "_services$": {
            "type": "array",
            "items": {"allOf": [{"$ref": "#/$defs/agent"}, {"required": ["name"]}]},
        }
    },
    "$defs": _DEFS,
}

SCHEMAS = {
    "agent_groups": AGENT_GROUPS_SCHEMA,
    "services_list": SERVICES_LIST_SCHEMA,
}
