# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply a JSON merge patch to one YAML mapping by editing only its text.

Private to the collection; knows nothing of agents or schemas.

The mapping is located by the parser's node positions (PyYAML marks: 0-based ``index``,
``line``, ``column``). Each key of the patch becomes one text edit inside that mapping:

* a key set to ``null`` is removed (its lines, or its ``key: value,`` in a flow mapping);
* a mapping value merged into an existing block mapping recurses into it, so sibling keys,
  their comments and their formatting stay as they are;
* any other value replaces ``key: value`` from the key to the end of the old value, or is
  added after the mapping's last key (block) or before its closing brace (flow).

New values are rendered by ruamel.yaml (block style under block parents, flow style inside
flow mappings). Every byte outside the edited keys is kept: comments, blank lines, quoting,
key order, flow style, and the commented-out entries between flow items that a ruamel
round trip would drop.

Errors: ``SpliceError`` when an edit cannot be expressed (removing the key that carries a
list item's dash, a mapping without keys).
"""

from __future__ import annotations

import io

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover - reported by the modules
    HAS_YAML = False

try:
    from ruamel.yaml import YAML

    HAS_RUAMEL = True
    RUAMEL_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the modules
    HAS_RUAMEL = False
    RUAMEL_IMPORT_ERROR = exc


class SpliceError(Exception):
    """The patch cannot be spliced into the text without touching what lies outside it."""


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch: ``patch`` applied to ``target`` (neither is modified)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# ----------------------------------------------------------------------------- rendering
def _yaml(flow):
    dumper = YAML(typ="rt", pure=True)
    dumper.default_flow_style = flow
    dumper.width = 4096
    dumper.indent(mapping=2, sequence=2, offset=0)
    return dumper


def render_block_pair(key, value, indent):
    """``key: value`` in block style; lines after the first are indented by ``indent`` spaces."""
    out = io.StringIO()
    _yaml(False).dump({key: value}, out)
    lines = out.getvalue().rstrip("\n").split("\n")
    return "\n".join([lines[0]] + [" " * indent + line for line in lines[1:]])


def render_flow(value):
    """``value`` in flow style on one line (``{a: 1}``, ``[x, y]``, ``true``, ``'quoted'``)."""
    out = io.StringIO()
    _yaml(True).dump({"x": value}, out)  # not a list: ruamel writes [{a: 1}] as [a: 1]
    text = out.getvalue().strip()
    if not (text.startswith("{x: ") and text.endswith("}")):
        raise SpliceError("cannot render %r in flow style" % (value,))
    return text[4:-1]


# ----------------------------------------------------------------------------- positions
def content_end(node):
    """Index just after a node's last character (block collections' end marks overshoot)."""
    if isinstance(node, yaml.ScalarNode) or node.flow_style or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    return content_end(last[1] if isinstance(node, yaml.MappingNode) else last)


def _line_start(text, index):
    return text.rfind("\n", 0, index) + 1


def _line_end(text, index):
    """Index of the newline ending the line that holds ``index`` (len(text) at EOF)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _pair(node, key):
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


# ----------------------------------------------------------------------------- edits
def _block_edits(text, node, patch):
    edits = []
    indent = node.value[0][0].start_mark.column
    for key, value in patch.items():
        pair = _pair(node, key)
        if pair is None:
            if value is None:
                continue
            at = _line_end(text, content_end(node))
            edits.append((at, at, "\n" + " " * indent + render_block_pair(key, value, indent)))
            continue
        key_node, value_node = pair
        start = key_node.start_mark.index
        if isinstance(value, dict) and isinstance(value_node, yaml.MappingNode) and value_node.value:
            edits.extend(mapping_edits(text, value_node, value))
        elif value is None:
            line_start = _line_start(text, start)
            if text[line_start:start].strip():
                raise SpliceError("cannot remove %r: it shares its line with %r" % (key, text[line_start:start].strip()))
            end = _line_end(text, content_end(value_node))
            edits.append((line_start, min(end + 1, len(text)), ""))
        else:
            edits.append((start, content_end(value_node), render_block_pair(key, value, indent)))
    return edits


def _flow_edits(text, node, patch):
    edits = []
    close = node.end_mark.index - 1  # the closing brace
    comma_added = False
    for key, value in patch.items():
        pair = _pair(node, key)
        if pair is not None:
            key_node, value_node = pair
            start, end = key_node.start_mark.index, content_end(value_node)
            if isinstance(value, dict) and isinstance(value_node, yaml.MappingNode) and value_node.value:
                edits.extend(mapping_edits(text, value_node, value))
            elif value is not None:
                edits.append((start, end, "%s: %s" % (render_flow(key), render_flow(value))))
            else:
                after = end
                while after < close and text[after] in " \t":
                    after += 1
                if text[after] == ",":
                    after += 1
                elif pair is not node.value[0]:
                    # the last item: drop the comma before it instead
                    before = text.rindex(",", node.start_mark.index, start)
                    edits.append((before, end, ""))
                    continue
                line_start, line_end = _line_start(text, start), _line_end(text, after)
                rest = text[after:line_end].strip()
                if not text[line_start:start].strip() and (not rest or rest.startswith("#")):
                    edits.append((line_start, min(line_end + 1, len(text)), ""))
                else:
                    while after < close and text[after] in " \t":
                        after += 1
                    edits.append((start, after, ""))
            continue
        if value is None:
            continue
        item = "%s: %s" % (render_flow(key), render_flow(value))
        if not node.value:
            edits.append((close, close, item))
            continue
        last_end = content_end(node.value[-1][1])
        after = last_end
        while after < close and text[after] in " \t":
            after += 1
        has_comma = text[after] == "," or comma_added
        brace_line = _line_start(text, close)
        if node.start_mark.line != node.end_mark.line and not text[brace_line:close].strip():
            indent = node.value[0][0].start_mark.column
            if not has_comma:
                edits.append((last_end, last_end, ","))
                comma_added = True
            edits.append((brace_line, brace_line, " " * indent + item + ",\n"))
        elif has_comma:
            edits.append((after + 1, after + 1, " " + item + ","))
        else:
            edits.append((last_end, last_end, ", " + item))
    return edits


def mapping_edits(text, node, patch):
    """Text edits ``(start, end, replacement)`` that apply ``patch`` to the MappingNode ``node``."""
    if not isinstance(node, yaml.MappingNode):
        raise SpliceError("not a mapping")
    if node.flow_style:
        return _flow_edits(text, node, patch)
    if not node.value:
        raise SpliceError("cannot edit an empty block mapping")
    return _block_edits(text, node, patch)


def apply_edits(text, edits):
    """Apply non-overlapping edits; returns the new text."""
    out, cursor = [], 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < cursor:
            raise SpliceError("overlapping edits at index %d" % start)
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def splice_patch(text, node, patch):
    """``text`` with ``patch`` (a dict, RFC 7386) applied to the mapping at ``node``."""
    return apply_edits(text, mapping_edits(text, node, patch))
