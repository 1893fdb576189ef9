# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the collection's modules (with ansible.builtin.action_common_attributes)."""

    DOCUMENTATION = r"""
options: {}
attributes:
  platform:
    platforms: posix
"""

    # Modules that only read: they change nothing, so check mode is full and a rerun is the same.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
"""
