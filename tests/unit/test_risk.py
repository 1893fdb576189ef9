# -*- coding: utf-8 -*-
"""Static risk features from small hand-written agent sources, files that do not parse, and the
weighted matrix against a hand computation."""

from __future__ import annotations

import textwrap

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _risk

AGENT = textwrap.dedent("""\
    import threading
    import zmq
    from common.core.base_agent import BaseAgent

    class TutorAgent(BaseAgent):
        def __init__(self, port=7108, health_check_port=8108):
            super().__init__(name="TutorAgent", port=port, health_check_port=health_check_port)
            self.socket = self.context.socket(zmq.REP)

        def _get_health_status(self):
            return {"status": "ok"}
    """)


def features(source):
    return _risk.analyse_source(textwrap.dedent(source).encode())


FEATURE_CASES = [
    ("base agent, ports, health", AGENT, {"base_agent": True, "super_init_called": True, "health_status_defined": True,
                                          "passes_port": True, "passes_health_check_port": True,
                                          "zmq_sockets": {"REP": 1}, "classes": ["TutorAgent"]}),
    ("dotted base", "import common.core.base_agent as b\nclass A(b.BaseAgent):\n    pass\n", {"base_agent": True}),
    ("other base", "class A(object):\n    pass\n", {"base_agent": False, "super_init_called": False}),
    ("health_check_port omitted", "class A(BaseAgent):\n    def __init__(self):\n        super().__init__(name='A', port=7)\n",
     {"passes_port": True, "passes_health_check_port": False}),
    ("positional ports", "class A(BaseAgent):\n    def __init__(self):\n        super().__init__('A', 7, 8)\n",
     {"passes_port": True, "passes_health_check_port": True}),
    ("explicit BaseAgent.__init__", "class A(BaseAgent):\n    def __init__(self):\n        BaseAgent.__init__(self, 'A', port=7)\n",
     {"super_init_called": True, "passes_port": True, "passes_health_check_port": False}),
    ("zmq socket types", "import zmq\nc = zmq.Context()\na = c.socket(zmq.PUB)\nb = c.socket(zmq.SUB)\nd = c.socket(zmq.SUB)\n",
     {"zmq_sockets": {"PUB": 1, "SUB": 2}}),
    ("raw socket", "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n", {"raw_sockets": 1}),
    ("threads, pools, processes",
     "import threading, multiprocessing\nfrom concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor\n"
     "threading.Thread(target=f).start()\nThreadPoolExecutor(4)\nProcessPoolExecutor()\nmultiprocessing.Process(target=f)\n",
     {"threads": 1, "thread_pools": 1, "processes": 2}),
    ("torch.cuda", "import torch\nif torch.cuda.is_available():\n    m = m.cuda()\n", {"gpu": ["torch.cuda"]}),
    ("torch alone is not the GPU", "import torch\nx = torch.zeros(3)\n", {"gpu": []}),
    ("pynvml, cupy", "import pynvml\nimport cupy as cp\n", {"gpu": ["cupy", "pynvml"]}),
    ("nvidia-smi", "import subprocess\nsubprocess.run(['nvidia-smi', '-q'])\n", {"gpu": ["nvidia-smi"]}),
    ("databases", "import redis\nimport sqlite3\nimport psycopg2.extras\nfrom sqlalchemy import create_engine\n"
     "from pymongo import MongoClient\n", {"databases": ["psycopg2", "pymongo", "redis", "sqlalchemy", "sqlite3"]}),
]


@pytest.mark.parametrize("source, expected", [c[1:] for c in FEATURE_CASES], ids=[c[0] for c in FEATURE_CASES])
def test_features_from_the_ast(source, expected):
    got = features(source)
    assert got["compiles"] and not got["approximate"]
    for key, value in expected.items():
        assert got[key] == value, key


@pytest.mark.parametrize("source, expected", [c[1:] for c in FEATURE_CASES], ids=[c[0] for c in FEATURE_CASES])
def test_the_token_scan_finds_the_same_in_a_file_that_does_not_parse(source, expected):
    got = features(source + "\nprint 'a Python 2 statement'\n")
    assert not got["compiles"] and got["approximate"]
    for key, value in expected.items():
        assert got[key] == value, key


@pytest.mark.parametrize("source, error_type, line", [
    ("def f(:\n    pass\n", "SyntaxError", 1),
    ("def f():\n    x = 1\n      y = 2\n", "IndentationError", 3),
    ("def f():\n\tx = 1\n        y = 2\n", "TabError", 3),
    ("import zmq\nprint 'hello'\nexcept Exception, e:\n", "SyntaxError", 2),
])
def test_files_that_do_not_parse_block_with_the_error_and_line(source, error_type, line):
    got = _risk.analyse_source(source.encode())
    assert not got["compiles"] and got["error"]["type"] == error_type and got["error"]["line"] == line
    findings = _risk.findings_from(got, "a.py")
    assert findings[0]["code"] == "does_not_compile" and findings[0]["blocking"]
    assert "a.py does not compile: %s" % error_type in findings[0]["message"]


def test_python2_file_keeps_its_features():
    source = AGENT.replace('return {"status": "ok"}', 'print "ok"') + "\nexcept IOError, e:\n    pass\n"
    got = _risk.analyse_source(source.encode())
    assert not got["compiles"] and got["base_agent"] and got["zmq_sockets"] == {"REP": 1}
    assert got["passes_health_check_port"] and got["health_status_defined"]


def test_empty_file():
    got = _risk.analyse_source(b"")
    assert got["compiles"] and got["lines"] == 0 and got["size_bytes"] == 0 and not got["base_agent"]
    assert [f["code"] for f in _risk.findings_from(got)] == ["no_base_agent"]
    assert _risk.score(got)["score"] == 0 and _risk.score(got)["level"] == "low"


def test_large_file_of_several_hundred_kilobytes():
    body = "".join("    def method_%d(self):\n        return self.value + %d\n\n" % (i, i) for i in range(6000))
    source = AGENT + "\nclass Big(BaseAgent):\n" + body
    got = _risk.analyse_source(source.encode())
    assert got["size_bytes"] > 300 * 1024 and got["lines"] > 18000
    assert got["compiles"] and got["classes"] == ["TutorAgent", "Big"]
    assert _risk.factor_scores(got, 0)["file_size"] == 100.0


def test_score_matches_a_hand_computation():
    # 600 lines, torch.cuda, 2 threads + 1 pool, redis, required
    source = ("import torch, redis, threading\nfrom concurrent.futures import ThreadPoolExecutor\n"
              "torch.cuda.empty_cache()\nthreading.Thread(target=a)\nthreading.Thread(target=b)\n"
              "ThreadPoolExecutor(2)\n" + "x = 1\n" * 594)
    got = _risk.analyse_source(source.encode())
    assert got["lines"] == 600
    # file size 600/1500*100 = 40 -> 12; GPU 100 -> 25; threading 3*25 = 75 -> 15; databases 1*50 = 50
    # -> 7.5; criticality 100 -> 10; total 69.5
    result = _risk.score(got, criticality=100)
    assert result["score"] == 69.5 and result["level"] == "high"
    assert {k: v["contribution"] for k, v in result["contributions"].items()} == {
        "file_size": 12.0, "gpu": 25.0, "threading": 15.0, "databases": 7.5, "criticality": 10.0}
    assert result["strategy"] == {"level": "high", "analysis_duration": 900, "serial": 1, "alone": True,
                                  "observe_period": 86400}


@pytest.mark.parametrize("lines, criticality, level", [
    (100, 0, "low"),        # 2.0
    (750, 0, "low"),        # 15.0
    (750, 10, "medium"),    # 16.0
    (750, 100, "medium"),   # 25.0
    (800, 100, "high"),     # 26.0
])
def test_bands(lines, criticality, level):
    got = _risk.analyse_source(("x = 1\n" * lines).encode())
    assert _risk.score(got, criticality)["level"] == level


def test_options_change_weights_bands_and_strategies():
    got = _risk.analyse_source(("x = 1\n" * 750).encode())
    assert _risk.score(got, weights={"file_size": 0.5})["score"] == 25.0
    assert _risk.score(got, bands={"low": 10})["level"] == "medium"
    assert _risk.score(got, strategies={"low": {"analysis_duration": 5}})["strategy"]["analysis_duration"] == 5


def test_missing_script_is_a_blocking_finding(tmp_path):
    got = _risk.assess(str(tmp_path / "gone.py"))
    assert not got["exists"] and got["blocking"] and got["findings"][0]["code"] == "script_missing"


def test_health_check_port_omitted_is_a_warning():
    got = features("class A(BaseAgent):\n    def __init__(self):\n        super().__init__(name='A', port=7)\n")
    codes = {f["code"]: f for f in _risk.findings_from(got)}
    assert codes["health_check_port_omitted"]["severity"] == "warning" and "port + 1" in codes[
        "health_check_port_omitted"]["message"]
