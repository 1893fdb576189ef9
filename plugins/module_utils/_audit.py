# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only preflight audit of one machine: its startup_config.yaml, supervisord, ports in use,
scripts, credentials in sight, and free disk for backups.

Private to the collection. A finding (a dict)::

    {"code": str, "severity": "error"|"warning"|"info", "agent": str|None, "message": str, ...}

Credential values are never returned or printed: a finding says where (file line and key path,
or process and argument) and how long the value is, with the value masked.
"""

from __future__ import annotations

import os
import re
import shutil

from ansible_collections.aisystem.fleet.plugins.module_utils import _risk, _startup_config
from ansible_collections.aisystem.fleet.plugins.module_utils._supervisor import SupervisorError

try:
    import psutil
except ImportError:  # pragma: no cover - the module reports missing_required_lib
    psutil = None

# Key names that hold a credential, and URLs with a user:password part.
CREDENTIAL_KEY = re.compile(r"(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)$",
                            re.I)
URL_WITH_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@", re.I)
PLACEHOLDER = re.compile(r"^\s*(\$\{[^}]*\}|\{\{.*\}\}|\$[A-Z_][A-Z0-9_]*|<[^>]*>)\s*$")
DEFAULT_MIN_FREE_BYTES = 1024 ** 3


def mask(value):
    """A credential value as it may be shown: nothing of it but its length."""
    return "<masked, %d chars>" % len(str(value))


def finding(code, severity, message, agent=None, **extra):
    out = {"code": code, "severity": severity, "agent": agent, "message": message}
    out.update(extra)
    return out


def config_findings(parsed):
    """The startup_config's own findings (schema, ports, dependencies), as audit findings."""
    out = []
    for item in parsed["findings"]:
        out.append(finding(item["code"], item["severity"], item["message"], (item.get("agents") or [None])[0],
                           agents=item.get("agents") or [], lines=item.get("lines") or []))
    return out


def _literal(node):
    return node.tag.endswith(":str") and node.value.strip() != "" and not PLACEHOLDER.match(node.value)


def credential_findings_yaml(root, filename):
    """Credentials written into the YAML: keys named like credentials with literal string values,
    and URLs with a password anywhere, with file line and key path, values masked."""
    import yaml

    out = []

    def walk(node, path, agent):
        if isinstance(node, yaml.MappingNode):
            names = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            name_node = names.get("name")
            if isinstance(name_node, yaml.ScalarNode):
                agent = name_node.value
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                child = "%s.%s" % (path, key.value) if path else key.value
                here = agent or (key.value if len(path.split(".")) == 2 and path.startswith("agent_groups") else None)
                if isinstance(value, yaml.ScalarNode) and CREDENTIAL_KEY.search(key.value) and _literal(value):
                    out.append(finding("credential_in_config", "error", "%s:%d: %s holds a literal credential %s" % (
                        filename, value.start_mark.line + 1, child, mask(value.value)), here, line=value.start_mark.line + 1,
                        key_path=child))
                else:
                    walk(value, child, here)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, "%s[%d]" % (path, index), agent)
        elif isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
            match = URL_WITH_PASSWORD.search(node.value)
            if match:
                out.append(finding("credential_in_config", "error", "%s:%d: %s holds a URL with a password %s" % (
                    filename, node.start_mark.line + 1, path, mask(match.group(1))), agent,
                    line=node.start_mark.line + 1, key_path=path))

    if root is not None:
        walk(root, "", None)
    return out


def credential_findings_cmdline(agent, pid, cmdline):
    """Credentials in one process's command line (``--password x``, ``--token=x``, ``KEY=x``,
    URLs with a password), values masked."""
    out = []
    for index, arg in enumerate(cmdline):
        value = None
        option = re.match(r"^-{1,2}([A-Za-z0-9_-]+)(?:=(.*))?$", arg)
        assign = re.match(r"^([A-Za-z0-9_]+)=(.+)$", arg)
        if option and CREDENTIAL_KEY.search(option.group(1)):
            value = option.group(2) if option.group(2) is not None else (
                cmdline[index + 1] if index + 1 < len(cmdline) else None)
        elif assign and CREDENTIAL_KEY.search(assign.group(1)):
            value = assign.group(2)
        url = URL_WITH_PASSWORD.search(arg)
        if url:
            value = url.group(1)
        if value:
            out.append(finding("credential_in_cmdline", "error", "%s (pid %d) has a credential in its command line, "
                               "argument %d: %s" % (agent, pid, index, mask(value)), agent, pid=pid, argument=index))
    return out


def cross_machine(findings, other_machines):
    """Turn ``unknown_dependency`` findings whose dependency is an agent of another machine
    (``other_machines``: ``{machine: [agent names]}``) into ``cross_machine_dependency``."""
    out = []
    for item in findings:
        if item["code"] == "unknown_dependency" and len(item.get("agents") or []) == 2:
            agent, dep = item["agents"]
            where = sorted(m for m, names in (other_machines or {}).items() if dep in names)
            if where:
                item = dict(item, code="cross_machine_dependency", severity="warning", machines=where,
                            message="%s depends on %s, an agent of %s: it must be up there first, and a migration "
                                    "there can break it" % (agent, dep, ", ".join(where)))
        out.append(item)
    return out


def supervisor_state(client, agent_names):
    """``(programs by name, findings)``: supervisord unreachable, agents without a program,
    programs not RUNNING."""
    try:
        infos = client.all_processes()
    except SupervisorError as exc:
        return {}, [finding("supervisord_unreachable", "error", str(exc))]
    programs = {info["name"]: info for info in infos}
    out = []
    for name in agent_names:
        info = programs.get(name)
        if info is None:
            out.append(finding("no_program", "error", "%s is in the startup_config.yaml but supervisord has no "
                               "program for it" % name, name))
        elif info["statename"] != "RUNNING":
            out.append(finding("not_running", "warning", "%s is %s" % (name, info["statename"]), name))
    return programs, out


def _tree(pid):
    try:
        proc = psutil.Process(pid)
        return {pid} | {child.pid for child in proc.children(recursive=True)}
    except psutil.Error:
        return {pid}


def listeners():
    """``{port: {pids}}`` of TCP sockets listening on this machine (pid None when not visible)."""
    out = {}
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr:
            out.setdefault(conn.laddr.port, set()).add(conn.pid)
    return out


def port_findings(agents, programs, listening, flagged_http_ports=()):
    """Agents' ports that a process other than the agent's own (its supervisord program and
    its children) listens on; HTTP health ports the config already flags are not checked again."""
    out = []
    for agent in agents:
        info = programs.get(agent["name"])
        own = _tree(info["pid"]) if info and info.get("pid") else set()
        checks = [("port", agent.get("port")), ("health_check_port", agent.get("health_check_port"))]
        if agent.get("http_health_port") not in flagged_http_ports:
            checks.append(("HTTP health port", agent.get("http_health_port")))
        for what, port in checks:
            if port is None:
                continue
            others = {p for p in listening.get(port, ()) if p not in own}
            if not others:
                continue
            names = []
            for pid in sorted(p for p in others if p is not None):
                try:
                    names.append("%s (pid %d)" % (psutil.Process(pid).name(), pid))
                except psutil.Error:
                    names.append("pid %d" % pid)
            who = ", ".join(names) or "a process this user cannot see"
            out.append(finding("port_in_use", "error", "%s's %s %d is in use by %s, not by the agent" % (
                agent["name"], what, port, who), agent["name"], port=port))
    return out


def script_findings(agents, repo_root):
    """Scripts missing or not compiling (blocking), from _risk."""
    paths = [os.path.join(repo_root, agent["script_path"]) for agent in agents]
    out = []
    for agent, path, result in zip(agents, paths, _risk.assess_many([(p, 0) for p in paths])):
        for item in result["findings"]:
            if item["blocking"]:
                out.append(finding(item["code"], "error", item["message"], agent["name"], path=path))
    return out


def disk_findings(backup_dir, min_free_bytes):
    """Free space where backups go (the nearest existing directory), in bytes."""
    path = os.path.abspath(backup_dir)
    while not os.path.isdir(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    free = shutil.disk_usage(path).free
    if free < min_free_bytes:
        return free, [finding("low_disk", "error", "%d bytes free at %s for backups, under %d" % (
            free, path, min_free_bytes), free_bytes=free)]
    return free, []


def audit_machine(startup_config, repo_root, client, variables=None, backup_dir=None,
                  min_free_bytes=DEFAULT_MIN_FREE_BYTES, check_ports=True, other_machines=None):
    """Audit one machine; read-only.

    :param other_machines: ``{machine: [agent names]}`` of the other machines, to tell their
        agents from unknown ones among the dependencies.
    :returns: ``{"agents": [{"name", "dependencies"}], "findings": [finding], "free_bytes":
        int|None, "programs": int}``
    :raises _startup_config.StartupConfigError: the file cannot be read or parsed.
    """
    with open(startup_config, encoding="utf-8") as handle:
        text = handle.read()
    loaded = _startup_config.load_yaml(text, startup_config)
    parsed = _startup_config.parse_startup_config(text, startup_config, variables, loaded=loaded)
    root = loaded[1]
    agents = parsed["agents"]
    findings = cross_machine(config_findings(parsed), other_machines)
    findings += credential_findings_yaml(root, startup_config)
    programs, found = supervisor_state(client, [a["name"] for a in agents])
    findings += found
    for agent in agents:
        info = programs.get(agent["name"])
        if info and info.get("pid"):
            for pid in sorted(_tree(info["pid"])):
                try:
                    cmdline = psutil.Process(pid).cmdline()
                except psutil.Error:
                    continue
                findings += credential_findings_cmdline(agent["name"], pid, cmdline)
    if check_ports:
        flagged = {item.get("port") for item in parsed["findings"] if item["code"] == "http_health_port_collision"}
        try:
            findings += port_findings(agents, programs, listeners(), flagged)
        except psutil.AccessDenied:
            findings.append(finding("ports_unreadable", "warning", "this user cannot list the machine's sockets"))
    findings += script_findings(agents, repo_root)
    free = None
    if backup_dir:
        free, found = disk_findings(backup_dir, min_free_bytes)
        findings += found
    return {"agents": [{"name": a["name"], "dependencies": a["dependencies"]} for a in agents],
            "findings": findings, "free_bytes": free, "programs": len(programs)}
