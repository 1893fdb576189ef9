# -*- coding: utf-8 -*-
"""The sandbox from the 2025-08-19 pair, whose machines share ports: PORT_OFFSET per machine;
brought up below a root too deep for a unix socket's 107 bytes, as in a CI checkout's molecule
ephemeral directory."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _health
from sandbox import MACHINES, running_sandbox

pytestmark = pytest.mark.sandbox


def test_port_offset_sandbox_comes_up_answers_and_goes_down(tmp_path):
    root = tmp_path / "a-checkout-so-deep-that-supervisor.sock-would-not-fit-in-sun_path"
    assert len(str(root / "mainpc" / "supervisor" / "supervisor.sock")) > 107
    with running_sandbox(root, extra_vars=["-e", "sandbox_config_date=2025-08-19"]) as sandbox:
        sockets = {m: Path(sandbox.supervisor_socket(m)) for m in MACHINES}
        for machine, sock in sockets.items():
            assert sock.parent.parent == Path(tempfile.gettempdir()) and stat.S_ISSOCK(sock.stat().st_mode)
            assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
            assert sandbox.supervisor(machine).state()["statename"] == "RUNNING"
        assert sockets["mainpc"] != sockets["pc2"]
        parsed = {m: sandbox.agents(m) for m in MACHINES}
        assert (len(parsed["mainpc"]["agents"]), len(parsed["pc2"]["agents"])) == (49, 23)
        pc2 = {a["name"]: a for a in parsed["pc2"]["agents"]}
        assert pc2["MemoryFusionHub"]["port"] == 25713  # 5713 on mainpc too
        pairs = [a for m in MACHINES for a in parsed[m]["agents"]]
        replies = _health.probe_zmq_many([("127.0.0.1", a["health_check_port"]) for a in pairs], timeout=5)
        assert [r["status"] for r in replies] == ["ok"] * 72
        assert {r["reply"]["name"] for r in replies} == {a["name"] for a in pairs}
        assert replies[[a["name"] for a in pairs].index("ServiceRegistry")]["reply"]["config"]["backend"] == \
            "${SERVICE_REGISTRY_BACKEND:-redis}"
        sandbox.down()
        assert sandbox.processes() == []
        assert not any(os.path.exists(sock.parent) for sock in sockets.values())
