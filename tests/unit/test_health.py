# -*- coding: utf-8 -*-
"""Health probes against real ZMQ REP and HTTP servers on loopback; the checker's retries."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import zmq

from ansible_collections.aisystem.fleet.plugins.module_utils import _health
from conftest import free_port


class RepServer:
    """A ZMQ REP socket answering each request with ``reply(request_bytes)`` (None: no reply)."""

    def __init__(self, reply):
        self.port = free_port()
        self.reply = reply
        self.requests = []
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.REP)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind("tcp://127.0.0.1:%d" % self.port)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        poller = zmq.Poller()
        poller.register(self.sock, zmq.POLLIN)
        while not self.stop.is_set():
            if poller.poll(20):
                raw = self.sock.recv()
                self.requests.append(raw)
                answer = self.reply(raw)
                if answer is not None:
                    self.sock.send(answer)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close(0)
        self.ctx.term()


@pytest.fixture
def rep_server():
    servers = []

    def make(reply):
        server = RepServer(reply)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.mark.parametrize("answer, answered, status, error", [
    (b'{"status": "ok", "name": "A"}', True, "ok", None),
    (b'{"status": "degraded"}', True, "degraded", None),
    (b"not json", False, None, "not JSON"),
    (b"[1, 2]", False, None, "not a JSON object"),
])
def test_probe_zmq_reads_status(rep_server, answer, answered, status, error):
    server = rep_server(lambda raw: answer)
    result = _health.probe_zmq("127.0.0.1", server.port, timeout=2.0)
    assert result["answered"] is answered
    assert result["status"] == status
    assert json.loads(server.requests[0]) == {"action": "health_check"}
    if error:
        assert error in result["error"]
    else:
        assert result["error"] is None and result["latency_ms"] >= 0


def test_probe_zmq_times_out_then_a_fresh_socket_gets_through(rep_server):
    silent = rep_server(lambda raw: None)
    good = rep_server(lambda raw: b'{"status": "ok"}')
    first = _health.probe_zmq("127.0.0.1", silent.port, timeout=0.3)
    assert not first["answered"] and first["error"] == "no reply within 0.3s"
    assert len(silent.requests) == 1
    second = _health.probe_zmq("127.0.0.1", good.port, timeout=2.0)
    assert second["status"] == "ok"


def test_probe_zmq_many_mixes_answers(rep_server):
    good = rep_server(lambda raw: b'{"status": "ok"}')
    bad = rep_server(lambda raw: b'{"status": "error"}')
    results = _health.probe_zmq_many([("127.0.0.1", good.port), ("127.0.0.1", free_port()),
                                      ("127.0.0.1", bad.port)], timeout=0.5)
    assert [r["status"] for r in results] == ["ok", None, "error"]


@pytest.fixture
def http_server():
    state = {"body": b'{"status": "ok"}', "code": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            state["path"] = self.path
            self.send_response(state["code"])
            self.end_headers()
            self.wfile.write(state["body"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["port"] = server.server_address[1]
    yield state
    server.shutdown()
    server.server_close()


def test_probe_http_reads_status_not_code(http_server):
    http_server["body"] = b'{"status": "degraded"}'
    result = _health.probe_http("127.0.0.1", http_server["port"], timeout=2)
    assert http_server["path"] == "/health"
    assert result["answered"] and result["status"] == "degraded" and result["error"] is None
    http_server["code"], http_server["body"] = 503, b'{"status": "error"}'
    result = _health.probe_http("127.0.0.1", http_server["port"], timeout=2)
    assert result["status"] == "error" and "HTTP 503" in result["error"]


def test_probe_http_refused():
    result = _health.probe_http("127.0.0.1", free_port(), timeout=1)
    assert not result["answered"] and "failed" in result["error"]


@pytest.mark.parametrize("values, p50, p95", [
    ([], None, None),
    ([5.0], 5.0, 5.0),
    ([1.0, 2.0, 3.0, 4.0], 2.0, 4.0),
    (list(range(1, 101)), 50, 95),
])
def test_percentiles(values, p50, p95):
    summary = _health.latency_summary(values)
    assert (summary["p50"], summary["p95"], summary["count"]) == (p50, p95, len(values))


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(statuses):
    """A zmq prober returning, per call, the next status for every target (None: no reply)."""
    calls = iter(statuses)

    def prober(targets, timeout):
        status = next(calls)
        return [_health._result({"status": status} if status else None, 0.001 if status else None,
                                None if status else "no reply") for _target in targets]

    return prober


def test_checker_waits_with_backoff_until_healthy():
    clock = FakeClock()
    checker = _health.HealthChecker(clock=clock, sleep=clock.sleep, zmq_prober=scripted([None, "degraded", "ok"]))
    result = checker.check("127.0.0.1", 8000, wait_timeout=10)
    assert result["healthy"] and result["attempts"] == 3
    assert clock.sleeps == [0.05, 0.1]
    assert result["latency_ms"]["count"] == 2


def test_checker_gives_up_at_wait_timeout():
    clock = FakeClock()
    checker = _health.HealthChecker(clock=clock, sleep=clock.sleep, zmq_prober=scripted(["degraded"] * 100))
    result = checker.check("127.0.0.1", 8000, wait_timeout=3)
    assert not result["healthy"] and result["status"] == "degraded"
    assert "not one of ['ok']" in result["error"]
    assert clock.now <= 3 and result["attempts"] > 3


def test_checker_single_attempt_without_wait():
    clock = FakeClock()
    checker = _health.HealthChecker(clock=clock, sleep=clock.sleep, zmq_prober=scripted([None]))
    result = checker.check("127.0.0.1", 8000)
    assert not result["healthy"] and result["attempts"] == 1 and clock.sleeps == []


def test_checker_samples_and_custom_statuses():
    clock = FakeClock()
    checker = _health.HealthChecker(healthy_statuses=["ok", "degraded"], clock=clock, sleep=clock.sleep,
                                    zmq_prober=scripted(["degraded"] * 5))
    result = checker.check("127.0.0.1", 8000, samples=5)
    assert result["healthy"] and result["attempts"] == 5 and result["latency_ms"]["count"] == 5


def test_checker_http_uses_health_check_port_plus_one():
    seen = []

    def http(host, port, timeout):
        seen.append(port)
        return _health._result({"status": "ok"}, 0.002)

    checker = _health.HealthChecker(protocol="http", http_prober=http)
    assert checker.check("127.0.0.1", 8100)["healthy"]
    assert seen == [8101]
