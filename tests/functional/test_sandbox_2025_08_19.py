# -*- coding: utf-8 -*-
"""The sandbox from the 2025-08-19 pair, whose machines share ports: PORT_OFFSET per machine."""

from __future__ import annotations

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _health
from sandbox import MACHINES, running_sandbox

pytestmark = pytest.mark.sandbox


def test_port_offset_sandbox_comes_up_answers_and_goes_down(tmp_path):
    with running_sandbox(tmp_path, extra_vars=["-e", "sandbox_config_date=2025-08-19"]) as sandbox:
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
