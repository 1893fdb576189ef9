# -*- coding: utf-8 -*-
"""The sandbox fleet from the real 2025-07-23 configurations: 77 real agent processes under two
real supervisords, probed over ZMQ and HTTP, then brought down with nothing left behind."""

from __future__ import annotations

import json
import re

import psutil
import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _health
from sandbox import MACHINES, running_sandbox

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with running_sandbox(tmp_path_factory.mktemp("fleet")) as sandbox:
        yield sandbox


def all_agents(fleet):
    return [(machine, agent) for machine in MACHINES for agent in fleet.agents(machine)["agents"]]


def test_every_agent_is_running_under_its_machines_supervisord(fleet):
    counts = {}
    pids = set()
    for machine in MACHINES:
        infos = fleet.supervisor(machine).all_processes()
        names = {a["name"] for a in fleet.agents(machine)["agents"]}
        assert {i["name"] for i in infos} == names
        assert {i["statename"] for i in infos} == {"RUNNING"}
        counts[machine] = len(infos)
        pids |= {i["pid"] for i in infos}
    assert counts == {"mainpc": 54, "pc2": 23}
    assert len(pids) == 77
    assert all(psutil.pid_exists(pid) for pid in pids)


def test_every_agent_answers_zmq_health_with_its_own_entry(fleet):
    pairs = all_agents(fleet)
    replies = _health.probe_zmq_many([("127.0.0.1", a["health_check_port"]) for _m, a in pairs], timeout=5)
    for (machine, agent), result in zip(pairs, replies):
        assert result["status"] == "ok", (machine, agent["name"], result)
        reply = result["reply"]
        assert reply["name"] == agent["name"] and reply["ready"] is True
        assert reply["port"] == agent["port"] and reply["health_check_port"] == agent["health_check_port"]
        assert reply["config"] == agent["config"]
        assert reply["uptime"] >= 0
    hubs = {m: r["reply"] for (m, a), r in zip(pairs, replies) if a["name"] == "ObservabilityHub"}
    assert hubs["mainpc"]["config"]["prometheus_enabled"] is True  # each read from its own machine's file
    assert hubs["pc2"]["config"]["scope"] == "pc2_agents"


def test_every_agent_answers_ping_and_health_check_on_its_port(fleet):
    pairs = all_agents(fleet)
    targets = [("127.0.0.1", a["port"]) for _m, a in pairs]
    pings = _health.probe_zmq_many(targets, timeout=5, request={"action": "ping"})
    checks = _health.probe_zmq_many(targets, timeout=5)
    unknown = _health.probe_zmq_many(targets[:3], timeout=5, request={"action": "dance"})
    for (_machine, agent), ping, check in zip(pairs, pings, checks):
        assert ping["reply"] == {"status": "ok", "message": "pong", "name": agent["name"]}
        assert check["status"] == "ok" and check["reply"]["name"] == agent["name"]
    assert all(r["status"] == "error" and "unknown action" in r["reply"]["error"] for r in unknown)


def listening_ports(pid):
    return {c.laddr.port for c in psutil.Process(pid).net_connections("tcp") if c.status == psutil.CONN_LISTEN}


def test_http_health_where_the_port_is_free_and_none_where_it_collides(fleet):
    served, withheld = 0, 0
    for machine in MACHINES:
        parsed = fleet.agents(machine)
        colliding = {f["agents"][0] for f in parsed["findings"] if f["code"] == "http_health_port_collision"}
        pids = {i["name"]: i["pid"] for i in fleet.supervisor(machine).all_processes()}
        for agent in parsed["agents"]:
            ports = listening_ports(pids[agent["name"]])
            assert {agent["port"], agent["health_check_port"]} <= ports
            if agent["name"] in colliding:
                withheld += 1
                assert agent["http_health_port"] not in ports
                assert "--no-http" in psutil.Process(pids[agent["name"]]).cmdline()
            else:
                served += 1
                result = _health.probe_http("127.0.0.1", agent["http_health_port"], timeout=5)
                assert result["status"] == "ok" and result["reply"]["name"] == agent["name"], result
    assert withheld == 10 + 21
    assert served == 77 - withheld


def test_fault_file_changes_a_running_agent(fleet):
    agents = {a["name"]: a for a in fleet.agents("pc2")["agents"]}
    hub = agents["ObservabilityHub"]
    fault = fleet.fault_file("pc2", "ObservabilityHub")
    pid = fleet.supervisor("pc2").process("ObservabilityHub")["pid"]
    try:
        fault.write_text(json.dumps({"status": "degraded", "latency_ms": 150}))
        zmq_result = _health.probe_zmq("127.0.0.1", hub["health_check_port"], timeout=5)
        http_result = _health.probe_http("127.0.0.1", hub["http_health_port"], timeout=5)
        assert zmq_result["status"] == "degraded" and zmq_result["reply"]["ready"] is False
        assert zmq_result["latency_ms"] >= 150
        assert http_result["status"] == "degraded" and http_result["error"] is None  # HTTP 200 all the same
    finally:
        fault.unlink()
    assert _health.probe_zmq("127.0.0.1", hub["health_check_port"], timeout=5)["status"] == "ok"
    assert fleet.supervisor("pc2").process("ObservabilityHub")["pid"] == pid


def test_fleet_info_playbook_prints_agents_and_findings(fleet):
    out = fleet.playbook("fleet_info.yml").stdout
    assert "mainpc: 54 agents (agent_groups layout), 1 errors, 21 warnings" in out
    assert "pc2: 23 agents (services_list layout), 0 errors, 10 warnings" in out
    assert "dependency cycle among TTSService, StreamingInterruptHandler, StreamingTTSAgent" in out


def test_sandbox_up_again_changes_nothing(fleet):
    before = {m: {i["name"]: i["pid"] for i in fleet.supervisor(m).all_processes()} for m in MACHINES}
    out = fleet.up().stdout
    recap = re.findall(r"^(mainpc|pc2)\s+: ok=\d+\s+changed=(\d+)", out, re.M)
    assert sorted(recap) == [("mainpc", "0"), ("pc2", "0")], out[-2000:]
    after = {m: {i["name"]: i["pid"] for i in fleet.supervisor(m).all_processes()} for m in MACHINES}
    assert after == before


def test_sandbox_down_leaves_no_process(fleet):
    pids = {fleet.supervisor(m).pid() for m in MACHINES}
    pids |= {i["pid"] for m in MACHINES for i in fleet.supervisor(m).all_processes()}
    assert len(fleet.processes()) == 79  # two supervisords and 77 agents
    fleet.down()
    assert fleet.processes() == []
    assert not [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    for machine in MACHINES:
        assert not (fleet.root / machine / "supervisor" / "supervisord.pid").exists()
