# -*- coding: utf-8 -*-
"""The preflight audit's pure parts: credentials in YAML and command lines (masked), dependencies
on the other machine, port ownership, free disk."""

from __future__ import annotations

import json
import textwrap

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _audit, _startup_config

CONFIG = textwrap.dedent("""\
    agent_groups:
      core:
        ServiceRegistry:
          script_path: a.py
          port: 7200
          config:
            redis_password: "s3cr3t-value"
            backend: redis://cache:6379
            api_key: ${API_KEY}
            max_tokens: 512
            token: ""
        Hub:
          script_path: b.py
          port: 7300
          config: {url: "http://admin:pa55word@hub:9000/x", auth_token: "{{ vault_token }}"}
    pc2_extra:
      - {name: Other, secret: "<set me>", private_key: literal-key}
    """)


def test_credentials_in_yaml_are_found_with_line_and_path_and_masked():
    _data, root = _startup_config.load_yaml(CONFIG, "c.yaml")
    got = _audit.credential_findings_yaml(root, "c.yaml")
    assert [(f["agent"], f["key_path"], f["line"]) for f in got] == [
        ("ServiceRegistry", "agent_groups.core.ServiceRegistry.config.redis_password", 7),
        ("Hub", "agent_groups.core.Hub.config.url", 15),
        ("Other", "pc2_extra[0].private_key", 17)]
    text = json.dumps(got)
    for secret in ("s3cr3t-value", "pa55word", "literal-key"):
        assert secret not in text
    assert "<masked, 12 chars>" in got[0]["message"]


@pytest.mark.parametrize("cmdline, found", [
    (["python", "a.py", "--port", "7100"], False),
    (["python", "a.py", "--password", "x1"], True),
    (["python", "a.py", "--api-key=abc"], True),
    (["python", "a.py", "DB_PASSWORD=abc"], True),
    (["python", "a.py", "--db-url", "postgres://u:p4ss@db/x"], True),
    (["python", "a.py", "--db-url", "postgres://db/x"], False),
    (["python", "a.py", "--token"], False),
])
def test_credentials_in_command_lines(cmdline, found):
    got = _audit.credential_findings_cmdline("A", 42, cmdline)
    assert bool(got) is found
    if found:
        assert got[0]["pid"] == 42 and "<masked," in got[0]["message"]
        assert not any(part in got[0]["message"] for part in ("x1", "abc", "p4ss"))


def test_dependencies_on_the_other_machine():
    findings = [{"code": "unknown_dependency", "severity": "warning", "agents": ["Relay", "StreamingTTSAgent"],
                 "message": "m"},
                {"code": "unknown_dependency", "severity": "warning", "agents": ["Relay", "Ghost"], "message": "m"}]
    got = _audit.cross_machine(findings, {"mainpc": ["StreamingTTSAgent"]})
    assert [f["code"] for f in got] == ["cross_machine_dependency", "unknown_dependency"]
    assert got[0]["machines"] == ["mainpc"] and "an agent of mainpc" in got[0]["message"]


def test_port_held_by_another_process():
    agents = [{"name": "A", "port": 7100, "health_check_port": 8100, "http_health_port": 8101}]
    programs = {"A": {"pid": 2 ** 22 + 7}}
    assert _audit.port_findings(agents, programs, {7100: {2 ** 22 + 7}}) == []
    got = _audit.port_findings(agents, programs, {8100: {2 ** 22 + 9}, 8101: {None}})
    assert [(f["code"], f["port"]) for f in got] == [("port_in_use", 8100), ("port_in_use", 8101)]
    assert "cannot see" in got[1]["message"]
    assert _audit.port_findings(agents, programs, {8101: {None}}, flagged_http_ports={8101}) == []


def test_low_disk(tmp_path):
    free, found = _audit.disk_findings(str(tmp_path / "not" / "yet"), 1)
    assert free > 0 and found == []
    _free, found = _audit.disk_findings(str(tmp_path), 2 ** 62)
    assert found[0]["code"] == "low_disk" and found[0]["severity"] == "error"
