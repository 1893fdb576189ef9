# -*- coding: utf-8 -*-
"""startup_config parsing over the four real files and small hand-written cases."""

from __future__ import annotations

import textwrap

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc
from conftest import fixture_text


def parse_fixture(name, **variables):
    return sc.parse_startup_config(fixture_text(name), name, variables=variables)


def parse(text, **kwargs):
    return sc.parse_startup_config(textwrap.dedent(text), "test.yaml", **kwargs)


def codes(result, code):
    return [f for f in result["findings"] if f["code"] == code]


# ----------------------------------------------------------------------------- real files
REAL = [
    # file, schema, agents, skipped, http collisions, unknown deps, cycles
    ("mainpc_startup_config.2025-07-23.yaml", "agent_groups", 54, 0, 21, 0, 1),
    ("pc2_startup_config.2025-07-23.yaml", "services_list", 23, 0, 10, 0, 0),
    ("mainpc_startup_config.2025-08-19.yaml", "agent_groups", 49, 13, 19, 0, 0),
    ("pc2_startup_config.2025-08-19.yaml", "services_list", 23, 0, 8, 1, 0),
]


@pytest.mark.parametrize("name, schema, n_agents, n_skipped, n_http, n_unknown, n_cycles", REAL)
def test_real_files(name, schema, n_agents, n_skipped, n_http, n_unknown, n_cycles):
    result = parse_fixture(name)
    assert result["schema"] == schema
    assert len(result["agents"]) == n_agents
    assert len({a["name"] for a in result["agents"]}) == n_agents
    assert len(result["skipped_entries"]) == n_skipped
    assert len(codes(result, "http_health_port_collision")) == n_http
    assert len(codes(result, "unknown_dependency")) == n_unknown
    assert len(codes(result, "dependency_cycle")) == n_cycles
    assert result["schema_errors"] == []
    assert not codes(result, "port_conflict")
    assert not codes(result, "duplicate_key")
    assert sorted(result["order"]) == sorted(a["name"] for a in result["agents"])
    for agent in result["agents"]:
        assert agent["http_health_port"] == agent["health_check_port"] + 1
        assert agent["script_path"].endswith(".py")


@pytest.mark.parametrize("name", [r[0] for r in REAL])
def test_order_puts_dependencies_first(name):
    result = parse_fixture(name)
    on_cycle = {n for f in codes(result, "dependency_cycle") for n in f["agents"]}
    position = {n: i for i, n in enumerate(result["order"])}
    for agent in result["agents"]:
        if agent["name"] in on_cycle:
            continue
        for dep in agent["dependencies"]:
            if dep in position and dep not in on_cycle:
                assert position[dep] < position[agent["name"]], (dep, agent["name"])


def test_pc2_http_health_ports_equal_other_agents_health_ports():
    result = parse_fixture("pc2_startup_config.2025-07-23.yaml")
    pairs = {tuple(f["agents"]) for f in codes(result, "http_health_port_collision")}
    assert ("TieredResponder", "AsyncProcessor") in pairs
    agents = {a["name"]: a for a in result["agents"]}
    for first, second in pairs:
        assert agents[first]["http_health_port"] == agents[second]["health_check_port"]


def test_mainpc_2025_07_23_has_a_real_dependency_cycle():
    (cycle,) = codes(parse_fixture("mainpc_startup_config.2025-07-23.yaml"), "dependency_cycle")
    assert set(cycle["agents"]) == {"TTSService", "StreamingInterruptHandler", "StreamingTTSAgent"}
    assert cycle["severity"] == "error"


def test_mainpc_2025_08_19_skips_pseudo_groups():
    result = parse_fixture("mainpc_startup_config.2025-08-19.yaml")
    skipped = {s["path"]: s for s in result["skipped_entries"]}
    assert "agent_groups.docker_groups" in skipped
    described = [p for p in skipped if p != "agent_groups.docker_groups"]
    assert len(described) == 12
    assert "keys: description, agents" in skipped["agent_groups.observability"]["reason"]
    assert skipped["agent_groups.docker_groups"]["line"] == 618


def test_pc2_2025_08_19_cross_machine_dependency():
    result = parse_fixture("pc2_startup_config.2025-08-19.yaml")
    (finding,) = codes(result, "unknown_dependency")
    assert finding["agents"] == ["SpeechRelayService", "StreamingTTSAgent"]
    assert finding["severity"] == "warning"


@pytest.mark.parametrize("offset", [0, 20000])
def test_port_offset_expressions_resolve(offset):
    mainpc = {a["name"]: a for a in parse_fixture("mainpc_startup_config.2025-08-19.yaml", PORT_OFFSET=offset)["agents"]}
    assert mainpc["ServiceRegistry"]["port"] == 7200 + offset
    assert mainpc["ServiceRegistry"]["port_raw"] == "${PORT_OFFSET}+7200"
    assert mainpc["ServiceRegistry"]["health_check_port"] == 8200 + offset
    # the quoted form
    assert mainpc["AudioCapture"]["port"] == 6550 + offset
    assert mainpc["AudioCapture"]["port_raw"] == "${PORT_OFFSET}+6550"
    pc2 = {a["name"]: a for a in parse_fixture("pc2_startup_config.2025-08-19.yaml", PORT_OFFSET=offset)["agents"]}
    assert pc2["CentralErrorBus"]["port"] == 7150 + offset
    assert pc2["UnifiedObservabilityCenter"]["http_health_port"] == 9111 + offset


def test_plain_ports_keep_raw_text():
    agents = {a["name"]: a for a in parse_fixture("pc2_startup_config.2025-07-23.yaml")["agents"]}
    assert agents["ObservabilityHub"]["port"] == 9100
    assert agents["ObservabilityHub"]["port_raw"] == "9100"
    assert agents["ObservabilityHub"]["config"]["prometheus_port"] == 9100
    assert agents["ObservabilityHub"]["host"] == "0.0.0.0"


# ----------------------------------------------------------------------------- ports
@pytest.mark.parametrize("raw, variables, port, error", [
    (7150, {}, 7150, None),
    ("7150", {}, 7150, None),
    ("${PORT_OFFSET}+7150", {}, 7150, None),
    ("${PORT_OFFSET}+7150", {"PORT_OFFSET": 20000}, 27150, None),
    ("${PORT_OFFSET}+7150", {"PORT_OFFSET": "100"}, 7250, None),
    (" ${PORT_OFFSET} + 7150 ", {}, 7150, None),
    ("${AGENT_PORT:-5000}", {}, 5000, None),
    ("${AGENT_PORT:-5000}", {"AGENT_PORT": 6000}, 6000, None),
    ("${AGENT_PORT:-5000}+${PORT_OFFSET}", {"PORT_OFFSET": 1}, 5001, None),
    ("${AGENT_PORT}", {}, None, "variable AGENT_PORT is not set and has no default"),
    ("${PORT_OFFSET}+x", {}, None, "cannot read"),
    ("${PORT_OFFSET}+7150", {"PORT_OFFSET": "abc"}, None, "is not an integer"),
    (70000, {}, None, "outside 1-65535"),
    ("${PORT_OFFSET}+60000", {"PORT_OFFSET": 20000}, None, "outside 1-65535"),
    (True, {}, None, "not a port"),
    (None, {}, None, "not a port"),
    ([7150], {}, None, "not a port"),
])
def test_resolve_port(raw, variables, port, error):
    got_port, got_error = sc.resolve_port(raw, variables)
    assert got_port == port
    if error is None:
        assert got_error is None
    else:
        assert error in got_error


# ----------------------------------------------------------------------------- findings
NESTED_HEAD = """\
agent_groups:
  core:
"""


def test_duplicate_group_last_wins_and_both_lines_reported():
    result = parse("""\
        agent_groups:
          core:
            A: {script_path: a.py, port: 7000, health_check_port: 8000}
          core:
            B: {script_path: b.py, port: 7001, health_check_port: 8001}
        """)
    assert [a["name"] for a in result["agents"]] == ["B"]
    (dup,) = codes(result, "duplicate_key")
    assert dup["key"] == "core" and dup["lines"] == [2, 4]
    assert dup["path"] == "agent_groups.core"


def test_same_agent_in_two_groups():
    result = parse("""\
        agent_groups:
          one:
            A: {script_path: a.py, port: 7000, health_check_port: 8000}
          two:
            A: {script_path: a2.py, port: 7002, health_check_port: 8002}
        """)
    (dup,) = codes(result, "duplicate_agent")
    assert dup["agents"] == ["A"] and dup["lines"] == [3, 5]
    assert [(a["group"], a["script_path"]) for a in result["agents"]] == [("two", "a2.py")]


def test_same_agent_twice_in_a_list():
    result = parse("""\
        pc2_services:
          - {name: A, script_path: a.py, port: 7000, health_check_port: 8000}
          - {name: A, script_path: a.py, port: 7005, health_check_port: 8005}
        """)
    assert codes(result, "duplicate_agent")[0]["lines"] == [2, 3]
    assert result["agents"][0]["port"] == 7005


@pytest.mark.parametrize("b_ports, code, agents", [
    ("port: 7000, health_check_port: 8100", "port_conflict", ["A", "B"]),
    ("port: 8000, health_check_port: 8100", "port_conflict", ["A", "B"]),
    ("port: 7100, health_check_port: 8000", "port_conflict", ["A", "B"]),
    ("port: 8001, health_check_port: 8100", "http_health_port_collision", ["A", "B"]),
    ("port: 7100, health_check_port: 7999", "http_health_port_collision", ["B", "A"]),
])
def test_port_findings(b_ports, code, agents):
    result = parse("""\
        pc2_services:
          - {name: A, script_path: a.py, port: 7000, health_check_port: 8000}
          - {name: B, script_path: b.py, %s}
        """ % b_ports)
    (finding,) = codes(result, code)
    assert finding["agents"] == agents
    assert finding["lines"] == [2, 3] if agents == ["A", "B"] else [3, 2]


def test_agent_colliding_with_itself():
    result = parse("""\
        pc2_services:
          - {name: A, script_path: a.py, port: 7000, health_check_port: 7000}
        """)
    (finding,) = codes(result, "port_conflict")
    assert finding["agents"] == ["A"]


def test_unknown_dependency_and_cycles():
    result = parse("""\
        agent_groups:
          g:
            A: {script_path: a.py, port: 7000, health_check_port: 8000, dependencies: [B, Ghost]}
            B: {script_path: b.py, port: 7010, health_check_port: 8010, dependencies: [C]}
            C: {script_path: c.py, port: 7020, health_check_port: 8020, dependencies: [A]}
            D: {script_path: d.py, port: 7030, health_check_port: 8030, dependencies: [D]}
            E: {script_path: e.py, port: 7040, health_check_port: 8040}
        """)
    (unknown,) = codes(result, "unknown_dependency")
    assert unknown["agents"] == ["A", "Ghost"] and unknown["lines"] == [3]
    cycles = sorted(f["agents"] for f in codes(result, "dependency_cycle"))
    assert cycles == [["A", "B", "C"], ["D"]]
    assert result["order"] == ["E", "A", "B", "C", "D"]


def test_order_is_stable_and_dependencies_first():
    result = parse("""\
        pc2_services:
          - {name: Web, script_path: w.py, port: 7003, health_check_port: 8013, dependencies: [Db, Cache]}
          - {name: Cache, script_path: c.py, port: 7002, health_check_port: 8012, dependencies: [Db]}
          - {name: Db, script_path: d.py, port: 7001, health_check_port: 8011}
          - {name: Log, script_path: l.py, port: 7004, health_check_port: 8014}
        """)
    assert result["order"] == ["Db", "Cache", "Web", "Log"]


def test_unresolved_and_implicit_ports():
    result = parse("""\
        pc2_services:
          - {name: A, script_path: a.py, port: "${NOPE}+1", health_check_port: 8000}
          - {name: B, script_path: b.py, port: 7100}
        """)
    agents = {a["name"]: a for a in result["agents"]}
    assert agents["A"]["port"] is None and agents["A"]["port_raw"] == "${NOPE}+1"
    (unresolved,) = codes(result, "unresolved_port")
    assert unresolved["agents"] == ["A"] and "NOPE" in unresolved["message"]
    assert agents["B"]["health_check_port"] == 7101 and agents["B"]["health_check_port_raw"] is None
    assert agents["B"]["http_health_port"] == 7102
    assert codes(result, "implicit_health_check_port")[0]["agents"] == ["B"]


def test_non_agents_are_skipped_and_listed():
    result = parse("""\
        agent_groups:
          empty:
          core:
            group_config: {restart: always}
            A: {script_path: a.py, port: 7000, health_check_port: 8000}
          docker_groups:
            infra: {description: x, agents: [A]}
          stack:
            description: a stack
            agents: [A]
        """)
    assert [a["name"] for a in result["agents"]] == ["A"]
    assert [(s["path"], s["line"]) for s in result["skipped_entries"]] == [
        ("agent_groups.empty", 2), ("agent_groups.core.group_config", 4),
        ("agent_groups.docker_groups", 6), ("agent_groups.stack", 8)]
    assert result["skipped_entries"][0]["reason"] == "null group"


@pytest.mark.parametrize("entry, path", [
    ("{name: A, script_path: a.py, port: [7000]}", "pc2_services[0].port"),
    ("{name: A, script_path: a.py, port: 7000, dependencies: B}", "pc2_services[0].dependencies"),
    ("{name: A, script_path: a.py, port: 7000, required: 'yes'}", "pc2_services[0].required"),
    ("{name: 'A B', script_path: a.py, port: 7000}", "pc2_services[0].name"),
    ("{name: A, script_path: a.py, port: 'seven'}", "pc2_services[0].port"),
])
def test_schema_errors_carry_their_path(entry, path):
    result = parse("pc2_services:\n  - %s\n" % entry)
    assert [e["path"] for e in result["schema_errors"]] == [path]
    assert codes(result, "schema_error")[0]["severity"] == "error"
    assert parse("pc2_services:\n  - %s\n" % entry, validate=False)["schema_errors"] == []


def test_nested_schema_error_path():
    result = parse("""\
        agent_groups:
          core:
            A: {script_path: a.py, port: 7000, health_check_port: 99999}
        """)
    assert [e["path"] for e in result["schema_errors"]] == ["agent_groups.core.A.health_check_port"]


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("text, where, words", [
    ("agent_groups:\n  core:\n    A: {script_path: a.py, port: 7000\n", "test.yaml:4:1:", "flow mapping"),
    ("pc2_services:\n  - name: A\n   script_path: a.py\n", "test.yaml:3:", "malformed YAML"),
    ("a: 'unterminated\n", "test.yaml:2:1:", "quoted scalar"),
    ("key: [1, 2\n", "test.yaml:2:1:", "flow sequence"),
])
def test_malformed_yaml_names_file_line_column(text, where, words):
    with pytest.raises(sc.StartupConfigError) as info:
        sc.parse_startup_config(text, "test.yaml")
    message = str(info.value)
    assert message.startswith(where), message
    assert words in message
    assert "Traceback" not in message


@pytest.mark.parametrize("text, words", [
    ("- just\n- a list\n", "expected a mapping"),
    ("", "expected a mapping"),
    ("global_settings: {}\n", "no agents found"),
])
def test_documents_without_agents_are_refused(text, words):
    with pytest.raises(sc.StartupConfigError, match=words):
        sc.parse_startup_config(text, "test.yaml")


def test_unreadable_file(tmp_path):
    with pytest.raises(sc.StartupConfigError, match="cannot read"):
        sc.read_startup_config(str(tmp_path / "missing.yaml"))
