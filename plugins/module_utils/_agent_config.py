# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change one agent's entry of a startup_config.yaml, and nothing else.

Private to the collection. Pure functions over text (``plan_*``) plus one function that
reads, plans and writes a file under a lock (``edit_file``).

A plan is a dict::

    {"changed": bool, "text": new text, "document": the new text parsed, "before": entry dict,
     "after": entry dict, "path": YAML path of the entry, "changed_keys": top-level keys whose
     value changed}

Every plan is proven before it is returned: the new text is parsed again (PyYAML, as the
fleet's launcher reads it) and must equal the old document with only that entry replaced, and
it must not add JSON Schema errors. A file with duplicate keys is refused, since which of two
definitions an edit should change is ambiguous.

Errors: ``AgentConfigError`` (unknown agent, invalid patch, ambiguous file, schema failure),
``StartupConfigError`` (malformed YAML), ``SpliceError`` (an edit that cannot be spliced).
"""

from __future__ import annotations

import copy

from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc
from ansible_collections.aisystem.fleet.plugins.module_utils._atomic import atomic_write, locked
from ansible_collections.aisystem.fleet.plugins.module_utils._yaml_splice import merge_patch, splice_patch


class AgentConfigError(Exception):
    """The edit is refused; the file is left as it was."""


def diff_patch(before, after):
    """The smallest RFC 7386 merge patch that turns ``before`` into ``after`` (dicts)."""
    patch = {}
    for key in before:
        if key not in after:
            patch[key] = None
    for key, value in after.items():
        old = before.get(key)
        if key in before and old == value:
            continue
        if isinstance(value, dict) and isinstance(old, dict):
            patch[key] = diff_patch(old, value)
        else:
            patch[key] = value
    return patch


def _load(text, filename):
    data, root = sc.load_yaml(text, filename)
    if not isinstance(data, dict):
        raise AgentConfigError("%s: not a startup_config.yaml (the document is not a mapping)" % filename)
    duplicates = sc.find_duplicate_keys(root)
    if duplicates:
        dup = duplicates[0]
        raise AgentConfigError(
            "%s: duplicate key %r at %s (lines %d and %d): the file is ambiguous, refusing to edit it"
            % (filename, dup["key"], dup["path"], dup["lines"][0], dup["lines"][1]))
    return data, root


def _find(data, root, agent, filename):
    entries = sc.locate_entries(data, root)
    found = [e for e in entries if e[0] == agent]
    if not found:
        raise AgentConfigError("%s: no agent %r; agents are: %s" % (
            filename, agent, ", ".join(sorted({e[0] for e in entries})) or "none"))
    if len(found) > 1:
        raise AgentConfigError("%s: agent %r is defined %d times (%s): refusing to edit it" % (
            filename, agent, len(found), ", ".join(e[1] for e in found)))
    return found[0]


def _schema_name(data):
    return "agent_groups" if "agent_groups" in data else "services_list"


def _set(data, keys, value):
    target = data
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value


def _plan(text, filename, agent, target_entry_fn, validate=True):
    data, root = _load(text, filename)
    name, path, keys, before, node = _find(data, root, agent, filename)
    after = target_entry_fn(before)
    result = {"changed": after != before, "text": text, "document": data, "before": before, "after": after,
              "path": path,
              "changed_keys": sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))}
    if not result["changed"]:
        return result
    if "name" in before and after.get("name") != before["name"]:
        raise AgentConfigError("the patch renames agent %s; a rename is not an edit of its entry" % name)
    new_text = splice_patch(text, node, diff_patch(before, after))
    new_data, _new_root = sc.load_yaml(new_text, filename)
    expected = copy.deepcopy(data)
    _set(expected, keys, after)
    if new_data != expected:
        raise AgentConfigError("%s: the edited text does not read back as intended; refusing to write it" % filename)
    if validate:
        schema = _schema_name(data)
        old_errors = sc.schema_errors(data, schema)
        new_errors = [e for e in sc.schema_errors(new_data, schema) if e not in old_errors]
        if new_errors:
            raise AgentConfigError("the changed entry of %s fails the %s schema: %s" % (
                agent, schema, "; ".join("%s: %s" % (e["path"], e["message"]) for e in new_errors)))
    result["text"] = new_text
    result["document"] = new_data
    return result


def plan_patch(text, agent, patch, filename="<string>", validate=True):
    """Plan applying ``patch`` (RFC 7386 JSON merge patch, a dict) to ``agent``'s entry."""
    if not isinstance(patch, dict):
        raise AgentConfigError("patch must be a mapping (a JSON merge patch, RFC 7386), got %s" % type(patch).__name__)
    return _plan(text, filename, agent, lambda before: merge_patch(before, patch), validate)


def plan_restore(text, agent, snapshot_text, filename="<string>", validate=True):
    """Plan putting ``agent``'s entry back as ``snapshot_text`` (an older file) has it.

    When the result reads as the same document as the snapshot (no other change happened
    since), the snapshot's own bytes are planned, so the file becomes byte-identical to it.
    """
    snap_data, snap_root = _load(snapshot_text, filename + " (snapshot)")
    wanted = _find(snap_data, snap_root, agent, filename + " (snapshot)")[3]
    result = _plan(text, filename, agent, lambda before: copy.deepcopy(wanted), validate)
    if result["document"] == snap_data:
        result["text"] = snapshot_text
        result["changed"] = text != snapshot_text
    return result


def edit_file(path, agent, patch=None, restore_from=None, check_mode=False, validate=True, lock_timeout=60.0):
    """Plan and (unless ``check_mode``) write an edit of ``path`` under the directory lock.

    Exactly one of ``patch`` (a merge patch) or ``restore_from`` (path of a snapshot of the
    file) is given. The write is atomic and keeps the file's mode and owner.

    :returns: the plan, plus ``before_text`` (the file's text when read).
    """
    with locked(path, timeout=lock_timeout):
        try:
            with open(path, "r", encoding="utf-8") as handle:
                text = handle.read()
            snapshot = None
            if restore_from is not None:
                with open(restore_from, "r", encoding="utf-8") as handle:
                    snapshot = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise AgentConfigError("cannot read: %s" % exc) from None
        if snapshot is not None:
            plan = plan_restore(text, agent, snapshot, path, validate)
        else:
            plan = plan_patch(text, agent, patch, path, validate)
        plan["before_text"] = text
        if plan["changed"] and not check_mode:
            atomic_write(path, plan["text"].encode("utf-8"))
    return plan
