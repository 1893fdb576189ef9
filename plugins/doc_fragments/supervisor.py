# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How the supervisord modules reach supervisord's XML-RPC interface."""

    DOCUMENTATION = r"""
options:
  supervisor_url:
    description: C(unix:///path/to/supervisor.sock) or C(http://host:port) of supervisord.
    type: str
    default: unix:///var/run/supervisor.sock
    aliases: [url]
  username:
    description: User for supervisord's HTTP basic auth, if it has one.
    type: str
  password:
    description: Password for supervisord's HTTP basic auth (never logged).
    type: str
requirements:
  - supervisor (its C(supervisor.xmlrpc) client transport)
"""
