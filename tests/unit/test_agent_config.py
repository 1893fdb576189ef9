# -*- coding: utf-8 -*-
"""Splicing merge patches into startup_config.yaml text: both layouts, comments kept, refusals."""

from __future__ import annotations

import os
import stat
import textwrap
import threading

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _agent_config as ac
from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc
from ansible_collections.aisystem.fleet.plugins.module_utils import _yaml_splice as ys
from conftest import fixture_text

HUB = {"observability": {"dual_hub_enabled": True, "health_sync_interval": 30}}
REAL = {
    "pc2_startup_config.2025-07-23.yaml": ["MemoryOrchestratorService", "ResourceManager", "ObservabilityHub",
                                           "AdvancedRouter"],
    "mainpc_startup_config.2025-07-23.yaml": ["ServiceRegistry", "ModelManagerSuite", "EmpathyAgent"],
    "pc2_startup_config.2025-08-19.yaml": ["CentralErrorBus", "UnifiedObservabilityCenter", "SpeechRelayService"],
    "mainpc_startup_config.2025-08-19.yaml": ["SystemDigitalTwin", "ObservabilityDashboardAPI", "CodeGenerator"],
}
CASES = [(f, a) for f, agents in REAL.items() for a in agents]


def entry(text, agent):
    data, root = sc.load_yaml(text)
    return {e[0]: e[3] for e in sc.locate_entries(data, root)}[agent]


@pytest.mark.parametrize("name, agent", CASES)
def test_patch_touches_only_the_entry_and_round_trips(name, agent):
    text = fixture_text(name)
    plan = ac.plan_patch(text, agent, HUB, name)
    assert plan["changed"] and plan["changed_keys"] == ["observability"]
    assert entry(plan["text"], agent) == ys.merge_patch(entry(text, agent), HUB)
    # only added lines; every original line (comments included) is still there, in order (a flow
    # map's last item may gain its separating comma)
    new_lines = plan["text"].splitlines()
    it = iter(ln.rstrip(",") for ln in new_lines)
    assert all(any(line.rstrip(",") == candidate for candidate in it) for line in text.splitlines())
    assert len(new_lines) - len(text.splitlines()) in (1, 3)  # one flow line, or the block key + 2 values
    assert not ac.plan_patch(plan["text"], agent, HUB, name)["changed"]  # idempotent
    assert ac.plan_restore(plan["text"], agent, text, name)["text"] == text  # byte for byte back


@pytest.mark.parametrize("name, agent", CASES)
def test_nested_merge_keeps_sibling_keys_and_comments(name, agent):
    text = fixture_text(name)
    patch = {"config": {"added": [1, {"b": "x: y"}]}, "required": False}
    plan = ac.plan_patch(text, agent, patch, name)
    assert entry(plan["text"], agent) == ys.merge_patch(entry(text, agent), patch)
    assert [ln for ln in plan["text"].splitlines() if ln.lstrip().startswith("#")] == \
        [ln for ln in text.splitlines() if ln.lstrip().startswith("#")]


def test_flow_item_comments_between_entries_survive():
    text = fixture_text("pc2_startup_config.2025-07-23.yaml")
    plan = ac.plan_patch(text, "CacheManager", HUB)
    assert "  # REPLACED BY ObservabilityHub - Consolidated monitoring solution\n  # - {\n" in plan["text"]
    assert "      dependencies: [ObservabilityHub], # Updated to use consolidated monitoring\n" in plan["text"]


def test_removing_keys():
    text = textwrap.dedent("""\
        agent_groups:
          g:
            A:
              script_path: a.py  # the script
              port: 7000
              config:
                keep: 1
                drop: 2   # goes
              extra: [1]
        pc: {x: 1}
        """)
    plan = ac.plan_patch(text, "A", {"extra": None, "config": {"drop": None}})
    assert plan["text"] == text.replace("        drop: 2   # goes\n", "").replace("      extra: [1]\n", "")


def test_flow_entry_key_removal_and_single_line_maps():
    text = "pc2_services:\n  - {name: A, script_path: a.py, port: 7000, extra: 1}\n"
    assert ac.plan_patch(text, "A", {"extra": None})["text"] == \
        "pc2_services:\n  - {name: A, script_path: a.py, port: 7000}\n"
    assert ac.plan_patch(text, "A", {"b": [1]})["text"] == \
        "pc2_services:\n  - {name: A, script_path: a.py, port: 7000, extra: 1, b: [1]}\n"


@pytest.mark.parametrize("text, agent, patch, words", [
    ("pc2_services:\n  - {name: A, script_path: a.py, port: 7000}\n", "B", HUB, "no agent 'B'; agents are: A"),
    ("pc2_services:\n  - {name: A, script_path: a.py, port: 7000}\n", "A", ["x"], "patch must be a mapping"),
    ("pc2_services:\n  - {name: A, script_path: a.py, port: 7000}\n", "A", {"port": "seven"}, "fails the services_list schema"),
    ("pc2_services:\n  - {name: A, script_path: a.py, port: 7000}\n", "A", {"script_path": None}, "'script_path' is a required"),
    ("pc2_services:\n  - {name: A, script_path: a.py, port: 7000}\n", "A", {"name": "Z"}, "renames agent A"),
    ("agent_groups:\n  g:\n    A: {script_path: a.py, port: 1}\n  g:\n    A: {script_path: b.py, port: 2}\n", "A",
     HUB, "duplicate key 'g' at agent_groups.g (lines 2 and 4)"),
    ("pc2_services:\n  - {name: A, script_path: a.py, port: 1}\n  - {name: A, script_path: b.py, port: 2}\n", "A", HUB,
     "defined 2 times"),
])
def test_refusals(text, agent, patch, words):
    with pytest.raises(ac.AgentConfigError) as info:
        ac.plan_patch(text, agent, patch)
    assert words in str(info.value)


def test_merge_patch_rfc7386_examples():
    assert ys.merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert ys.merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert ys.merge_patch({"a": "b"}, {"a": None}) == {}
    assert ys.merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert ys.merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert ys.merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert ac.diff_patch({"a": 1, "b": {"c": 1, "d": 2}}, {"b": {"c": 1, "d": 3}, "e": 4}) == \
        {"a": None, "b": {"d": 3}, "e": 4}


def test_edit_file_is_atomic_keeps_mode_and_serialises(tmp_path):
    path = tmp_path / "startup_config.yaml"
    path.write_text(fixture_text("pc2_startup_config.2025-07-23.yaml"))
    os.chmod(path, 0o640)
    errors = []

    def edit(agent):
        try:
            ac.edit_file(str(path), agent, patch=HUB)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(a,)) for a in ("TieredResponder", "AsyncProcessor", "CacheManager")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    text = path.read_text()
    for agent in ("TieredResponder", "AsyncProcessor", "CacheManager"):
        assert entry(text, agent)["observability"] == HUB["observability"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["startup_config.yaml"]


def test_check_mode_and_refusal_leave_the_file_alone(tmp_path):
    path = tmp_path / "startup_config.yaml"
    original = fixture_text("pc2_startup_config.2025-07-23.yaml")
    path.write_text(original)
    plan = ac.edit_file(str(path), "TieredResponder", patch=HUB, check_mode=True)
    assert plan["changed"] and path.read_text() == original
    with pytest.raises(ac.AgentConfigError):
        ac.edit_file(str(path), "Nobody", patch=HUB)
    assert path.read_text() == original
