# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a fleet's ``startup_config.yaml`` into one agent shape, with findings.

Private to the collection. Pure functions over text; no file is written here.

Two layouts exist in the real files (see ``_schemas``):

* nested: ``agent_groups: {group: {AgentName: {script_path, port, ...}}}`` (MainPC);
* list: ``pc2_services: [{name, script_path, port, ...}]`` (PC2).

An *agent* is a mapping that has ``script_path``. Anything else met where agents are
expected (null groups, ``docker_groups``, ``{description, agents}`` groups, ``group_config``)
is skipped and listed under ``skipped_entries``.

The YAML is loaded the way the fleet's own launcher loads it (PyYAML's safe loader), so a
duplicate key silently keeps its last value; every duplicate is reported as a finding with
both lines. Lines are 1-based.

Normalized agent (a dict)::

    name, group, path (YAML path of the entry), script_path, host,
    port, port_raw, health_check_port, health_check_port_raw,
    http_health_port (health_check_port + 1), required, dependencies, config, source_line

``port``/``health_check_port`` are ints or ``None`` when unresolvable; ``*_raw`` keep the text
as written (``None`` when absent). An agent without ``health_check_port`` gets ``port + 1``,
which is what BaseAgent binds in that case.

Finding (a dict): ``code``, ``severity`` (``error``/``warning``/``info``), ``message``,
``agents`` (names), ``lines`` (1-based), and where relevant ``port`` or ``key``. Codes:
``duplicate_key``, ``duplicate_agent``, ``unresolved_port``, ``implicit_health_check_port``,
``port_conflict`` (two ZMQ binds on one number), ``http_health_port_collision`` (an HTTP
health port equal to another agent's port or health port; the first agent named is the one
whose HTTP port it is), ``unknown_dependency``, ``dependency_cycle``, ``schema_error``.

Errors: ``StartupConfigError`` for text that is not YAML (message ``FILE:LINE:COLUMN: ...``)
or that holds no agents layout at all.
"""

from __future__ import annotations

import heapq
import importlib.util
import re

try:
    import yaml

    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised through the module
    HAS_YAML = False
    YAML_IMPORT_ERROR = exc

# jsonschema is imported only when validating (the sandbox's stand-ins load this file too).
HAS_JSONSCHEMA = importlib.util.find_spec("jsonschema") is not None
JSONSCHEMA_IMPORT_ERROR = None if HAS_JSONSCHEMA else "No module named 'jsonschema'"

DEFAULT_VARIABLES = {"PORT_OFFSET": 0}
_TERM_RE = re.compile(
    r"\s*(?:\$\{(?P<var>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}|(?P<num>[0-9]+))\s*$"
)
_ZMQ_ROLES = ("port", "health_check_port")


class StartupConfigError(Exception):
    """The file cannot be read as a startup_config.yaml (bad YAML, no agents layout)."""


# --------------------------------------------------------------------------- ports
def resolve_port(raw, variables=None):
    """Resolve one port as written in the file.

    :param raw: an int, a quoted int, or an expression of terms joined by ``+``, each an
        integer or ``${NAME}`` / ``${NAME:-default}``.
    :param variables: mapping of NAME to value; ``PORT_OFFSET`` defaults to 0.
    :returns: ``(port, error)``: the int (1-65535) and ``None``, or ``None`` and a reason.
    """
    values = dict(DEFAULT_VARIABLES)
    values.update(variables or {})
    if isinstance(raw, bool) or raw is None:
        return None, "not a port: %r" % (raw,)
    if isinstance(raw, int):
        total = raw
    elif isinstance(raw, str):
        total = 0
        for term in raw.split("+"):
            match = _TERM_RE.match(term)
            if not match:
                return None, "cannot read %r as a port expression" % raw
            if match.group("num") is not None:
                total += int(match.group("num"))
                continue
            name, default = match.group("var"), match.group("default")
            value = values.get(name)
            if value is None or value == "":
                if default is None:
                    return None, "variable %s is not set and has no default" % name
                value = default
            try:
                total += int(str(value).strip())
            except ValueError:
                return None, "variable %s=%r is not an integer" % (name, value)
    else:
        return None, "not a port: %r" % (raw,)
    if not 1 <= total <= 65535:
        return None, "%r resolves to %d, outside 1-65535" % (raw, total)
    return total, None


# --------------------------------------------------------------------------- YAML
def load_yaml(text, filename="<string>"):
    """Load YAML text as PyYAML's safe loader does (last duplicate key wins).

    :returns: ``(data, root_node)``; the node tree carries 0-based marks.
    :raises StartupConfigError: with ``FILE:LINE:COLUMN: problem`` for malformed YAML.
    """
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = "%s:%d:%d" % (filename, mark.line + 1, mark.column + 1) if mark else filename
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise StartupConfigError("%s: malformed YAML: %s" % (where, problem)) from None
    except yaml.YAMLError as exc:
        raise StartupConfigError("%s: malformed YAML: %s" % (filename, exc)) from None
    finally:
        loader.dispose()
    return data, node


def _scalar_key(node):
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _child(node, key):
    """Value node of ``key`` in a MappingNode, the last one when the key repeats."""
    found = None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if _scalar_key(key_node) == key:
                found = (key_node, value_node)
    return found


def _line(node):
    return node.start_mark.line + 1


def find_duplicate_keys(node, path=""):
    """Every repeated key of every mapping below ``node``.

    :returns: list of ``{"path", "key", "lines": [first, repeat]}`` (1-based lines).
    """
    out = []
    stack = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen = {}
            for key_node, value_node in current.value:
                key = _scalar_key(key_node)
                child_path = "%s.%s" % (where, key) if where else str(key)
                if key is not None:
                    if key in seen:
                        out.append({"path": child_path, "key": key, "lines": [seen[key], _line(key_node)]})
                    else:
                        seen[key] = _line(key_node)
                stack.append((value_node, child_path))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                stack.append((item, "%s[%d]" % (where, index)))
    out.sort(key=lambda d: d["lines"][1])
    return out


# --------------------------------------------------------------------------- agents
def _is_agent(value):
    return isinstance(value, dict) and "script_path" in value


def _candidates(data, root):
    """Yield ``(kind, payload)`` over agent entries and skipped entries, in file order."""
    groups = data.get("agent_groups")
    if "agent_groups" in data:
        groups_node = _child(root, "agent_groups")[1]
        if not isinstance(groups, dict):
            yield "skip", {"path": "agent_groups", "reason": "agent_groups is not a mapping",
                           "line": _line(groups_node)}
            groups = {}
        for group, members in groups.items():
            key_node, group_node = _child(groups_node, group)
            gpath = "agent_groups.%s" % group
            if members is None:
                yield "skip", {"path": gpath, "reason": "null group", "line": _line(key_node)}
                continue
            if not isinstance(members, dict):
                yield "skip", {"path": gpath, "reason": "group is not a mapping", "line": _line(key_node)}
                continue
            if not any(_is_agent(v) for v in members.values()):
                yield "skip", {"path": gpath, "line": _line(key_node),
                               "reason": "not an agent group (no entry has script_path; keys: %s)"
                               % ", ".join(str(k) for k in members)}
                continue
            for name, value in members.items():
                name_node = _child(group_node, name)[0]
                if _is_agent(value):
                    yield "agent", (str(name), group, "%s.%s" % (gpath, name), value, _line(name_node),
                                    ("agent_groups", group, name), _child(group_node, name)[1])
                else:
                    yield "skip", {"path": "%s.%s" % (gpath, name), "line": _line(name_node),
                                   "reason": "not an agent (no script_path)"}
    for key, value in data.items():
        if key == "agent_groups" or not isinstance(value, list) or not any(_is_agent(v) for v in value):
            continue
        list_node = _child(root, key)[1]
        for index, item in enumerate(value):
            item_node = list_node.value[index]
            ipath = "%s[%d]" % (key, index)
            if not _is_agent(item):
                yield "skip", {"path": ipath, "reason": "not an agent (no script_path)", "line": _line(item_node)}
            elif not item.get("name"):
                yield "skip", {"path": ipath, "reason": "agent entry without a name", "line": _line(item_node)}
            else:
                yield "agent", (str(item["name"]), key, ipath, item, _line(item_node), (key, index), item_node)


def locate_entries(data, root):
    """Every agent entry: list of ``(name, yaml_path, keys, entry, node)`` in file order.

    ``keys`` address the entry in ``data`` (``("agent_groups", group, name)`` or
    ``(list_key, index)``); ``node`` is its MappingNode, whose marks locate it in the text.
    """
    return [(p[0], p[2], p[5], p[3], p[6]) for kind, p in _candidates(data, root) if kind == "agent"]


def _normalize(name, group, path, entry, line, variables, findings):
    agent = {
        "name": name,
        "group": group,
        "path": path,
        "script_path": entry.get("script_path"),
        "host": entry.get("host"),
        "required": bool(entry.get("required", False)),
        "dependencies": [str(d) for d in (entry.get("dependencies") or [])],
        "config": entry.get("config") if isinstance(entry.get("config"), dict) else {},
        "source_line": line,
    }
    for key in _ZMQ_ROLES:
        raw = entry.get(key)
        agent[key + "_raw"] = None if raw is None else str(raw)
        if raw is None and key == "health_check_port":
            continue
        port, error = resolve_port(raw, variables)
        agent[key] = port
        if error:
            findings.append(_finding("unresolved_port", "error", "%s.%s: %s" % (name, key, error), [name], [line]))
    if entry.get("health_check_port") is None:
        agent["health_check_port"] = agent["port"] + 1 if agent["port"] else None
        findings.append(_finding(
            "implicit_health_check_port", "info",
            "%s declares no health_check_port; BaseAgent binds port + 1 (%s)" % (name, agent["health_check_port"]),
            [name], [line]))
    hcp = agent["health_check_port"]
    agent["http_health_port"] = hcp + 1 if hcp and hcp < 65535 else None
    return agent


def _finding(code, severity, message, agents, lines, **extra):
    out = {"code": code, "severity": severity, "message": message, "agents": list(agents), "lines": list(lines)}
    out.update(extra)
    return out


def port_findings(agents):
    """Findings for numbers bound by two agents (or twice by one).

    Each agent binds ``port`` and ``health_check_port`` (ZMQ) and ``http_health_port``
    (HTTP). Two ZMQ binds on one number are a ``port_conflict`` (error); a number shared
    with an HTTP health port is an ``http_health_port_collision`` (warning), the agent whose
    HTTP port it is named first.
    """
    users = {}
    for agent in agents:
        for role in ("port", "health_check_port", "http_health_port"):
            number = agent.get(role)
            if number:
                users.setdefault(number, []).append((agent, role))
    out = []
    for number in sorted(users):
        binds = users[number]
        for i, (a, role_a) in enumerate(binds):
            for b, role_b in binds[i + 1:]:
                if role_a in _ZMQ_ROLES and role_b in _ZMQ_ROLES:
                    names = [a["name"]] if a is b else [a["name"], b["name"]]
                    lines = [a["source_line"]] if a is b else [a["source_line"], b["source_line"]]
                    out.append(_finding(
                        "port_conflict", "error",
                        "%s.%s and %s.%s are both %d" % (a["name"], role_a, b["name"], role_b, number),
                        names, lines, port=number))
                    continue
                if a is b:
                    continue
                if role_a != "http_health_port":
                    (a, role_a), (b, role_b) = (b, role_b), (a, role_a)
                out.append(_finding(
                    "http_health_port_collision", "warning",
                    "%s's HTTP health port %d (health_check_port + 1) is %s's %s"
                    % (a["name"], number, b["name"], role_b),
                    [a["name"], b["name"]], [a["source_line"], b["source_line"]], port=number))
    return out


def _strongly_connected(graph):
    """Tarjan's algorithm, iterative. ``graph``: name -> list of names (all keys)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(component)
    return out


def dependency_findings(agents):
    """Findings for dependencies on agents not in the file and for dependency cycles."""
    by_name = {a["name"]: a for a in agents}
    out = []
    for agent in agents:
        for dep in agent["dependencies"]:
            if dep not in by_name:
                out.append(_finding(
                    "unknown_dependency", "warning",
                    "%s depends on %s, which is not an agent of this file" % (agent["name"], dep),
                    [agent["name"], dep], [agent["source_line"]]))
    graph = {a["name"]: [d for d in a["dependencies"] if d in by_name] for a in agents}
    position = {a["name"]: i for i, a in enumerate(agents)}
    for component in _strongly_connected(graph):
        if len(component) == 1 and component[0] not in graph[component[0]]:
            continue
        component.sort(key=position.get)
        out.append(_finding(
            "dependency_cycle", "error",
            "dependency cycle among %s" % ", ".join(component),
            component, [by_name[n]["source_line"] for n in component]))
    return out


def dependency_order(agents):
    """Agent names with every agent after the agents it depends on.

    Ties keep file order. Agents on or behind a cycle cannot be ordered; they follow the
    others in file order. Dependencies on agents not in the list are ignored.
    """
    by_name = {a["name"]: a for a in agents}
    position = {a["name"]: i for i, a in enumerate(agents)}
    waiting = {a["name"]: {d for d in a["dependencies"] if d in by_name} for a in agents}
    dependents = {name: [] for name in by_name}
    for name, deps in waiting.items():
        for dep in deps:
            dependents[dep].append(name)
    ready = [(position[n], n) for n, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    order = []
    while ready:
        _pos, name = heapq.heappop(ready)
        order.append(name)
        for child in dependents[name]:
            waiting[child].discard(name)
            if not waiting[child]:
                heapq.heappush(ready, (position[child], child))
    placed = set(order)
    order.extend(a["name"] for a in agents if a["name"] not in placed)
    return order


def schema_errors(data, schema_name):
    """Validate ``data`` against the named JSON Schema (jsonschema, draft 2020-12).

    :returns: list of ``{"path": "a.b[0].c", "message": str}``, sorted by path.
    :raises ImportError: when jsonschema is missing (the module reports missing_required_lib).
    """
    import jsonschema  # pylint: disable=import-outside-toplevel

    from ansible_collections.aisystem.fleet.plugins.module_utils._schemas import SCHEMAS

    validator = jsonschema.Draft202012Validator(SCHEMAS[schema_name])
    out = []
    for error in validator.iter_errors(data):
        path = ""
        for part in error.absolute_path:
            path += "[%d]" % part if isinstance(part, int) else ("." if path else "") + str(part)
        out.append({"path": path or "(document)", "message": error.message})
    out.sort(key=lambda e: e["path"])
    return out


def parse_startup_config(text, filename="<string>", variables=None, validate=True, loaded=None):
    """Read a startup_config.yaml text.

    :param text: the file's text.
    :param loaded: ``load_yaml(text, filename)``'s result, when the caller has it already.
    :param filename: used in messages only.
    :param variables: values for ``${NAME}`` in ports; ``PORT_OFFSET`` defaults to 0.
    :param validate: also validate against the layout's JSON Schema.
    :returns: dict with ``schema`` (``agent_groups``/``services_list``), ``agents`` (file
        order, last definition of a name kept), ``order`` (dependencies first),
        ``findings``, ``skipped_entries`` (``{path, reason, line}``), ``schema_errors``.
    :raises StartupConfigError: malformed YAML, a document that is not a mapping, or no
        agents layout at all.
    """
    data, root = loaded or load_yaml(text, filename)
    if not isinstance(data, dict):
        raise StartupConfigError("%s: expected a mapping at the top of the document, found %s"
                                 % (filename, type(data).__name__))
    findings = []
    for dup in find_duplicate_keys(root):
        findings.append(_finding(
            "duplicate_key", "warning",
            "key %r at %s is defined twice (lines %d and %d); the last one is used, as PyYAML does"
            % (dup["key"], dup["path"], dup["lines"][0], dup["lines"][1]),
            [], dup["lines"], key=dup["key"], path=dup["path"]))

    agents, skipped, first_seen = {}, [], {}
    list_layout = False
    for kind, payload in _candidates(data, root):
        if kind == "skip":
            skipped.append(payload)
            continue
        name, group, path, entry, line = payload[:5]
        list_layout = list_layout or not path.startswith("agent_groups.")
        if name in agents:
            findings.append(_finding(
                "duplicate_agent", "error",
                "agent %s is defined twice (lines %d and %d); the last definition is used"
                % (name, first_seen[name], line), [name], [first_seen[name], line]))
            del agents[name]
        else:
            first_seen[name] = line
        agents[name] = _normalize(name, group, path, entry, line, variables, findings)

    if "agent_groups" in data:
        schema = "agent_groups"
    elif list_layout:
        schema = "services_list"
    else:
        raise StartupConfigError("%s: no agents found: neither an agent_groups mapping nor a list of "
                                 "services with script_path" % filename)

    agent_list = sorted(agents.values(), key=lambda a: a["source_line"])
    findings.extend(port_findings(agent_list))
    findings.extend(dependency_findings(agent_list))
    errors = schema_errors(data, schema) if validate else []
    for error in errors:
        findings.append(_finding("schema_error", "error", "%s: %s" % (error["path"], error["message"]),
                                 [], [], path=error["path"]))
    return {
        "schema": schema,
        "agents": agent_list,
        "order": dependency_order(agent_list),
        "findings": findings,
        "skipped_entries": skipped,
        "schema_errors": errors,
    }


def read_startup_config(path, variables=None, validate=True):
    """Read and parse the file at ``path``; see ``parse_startup_config``.

    :raises StartupConfigError: the file cannot be read, or its text cannot be parsed.
    """
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise StartupConfigError("%s: cannot read: %s" % (path, exc)) from None
    result = parse_startup_config(text, path, variables, validate)
    result["path"] = path
    return result
