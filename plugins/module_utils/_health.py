# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BaseAgent health probes: ZMQ on ``health_check_port``, HTTP on ``health_check_port + 1``.

Private to the collection.

BaseAgent's contract: a ZMQ REP socket on ``health_check_port`` answers any message (the
fleet sends ``{"action": "health_check"}``) with a JSON object whose ``status`` is ``ok``
when healthy, else ``degraded``/``error``; an HTTP server on ``health_check_port + 1``
serves ``GET /health`` with the same JSON and HTTP 200 even when degraded, so ``status`` is
what counts.

A probe result (a dict)::

    {"answered": bool, "status": str|None, "reply": dict|None,
     "latency_ms": float|None, "error": str|None}

``latency_ms`` is the wall time from sending the request to the reply being read, in
milliseconds (``time.monotonic``). Every ZMQ probe uses a fresh REQ socket with LINGER 0,
so a lost reply never wedges the next attempt.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error

from ansible.module_utils.urls import open_url

try:
    import zmq

    HAS_ZMQ = True
    ZMQ_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised through the module
    HAS_ZMQ = False
    ZMQ_IMPORT_ERROR = exc

HEALTH_REQUEST = {"action": "health_check"}

# Module options of a health probe (doc fragment aisystem.fleet.health_probe).
PROBE_ARGUMENT_SPEC = dict(
    host=dict(type="str", default="127.0.0.1"),
    protocol=dict(type="str", choices=["zmq", "http"], default="zmq"),
    timeout=dict(type="float", default=2.0),
    healthy_statuses=dict(type="list", elements="str", default=["ok"]),
)


def percentile(values, fraction):
    """Nearest-rank percentile of ``values`` (``fraction`` in 0-1); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def latency_summary(latencies):
    """``{"count", "p50", "p95", "min", "max"}`` in milliseconds over the given latencies."""
    rounded = [round(v, 3) for v in latencies]
    return {
        "count": len(rounded),
        "p50": percentile(rounded, 0.50),
        "p95": percentile(rounded, 0.95),
        "min": min(rounded) if rounded else None,
        "max": max(rounded) if rounded else None,
    }


def _decode(raw):
    try:
        reply = json.loads(raw)
    except ValueError:
        return None, "reply is not JSON: %r" % raw[:120]
    if not isinstance(reply, dict):
        return None, "reply is not a JSON object: %r" % raw[:120]
    return reply, None


def _result(reply=None, latency=None, error=None):
    status = reply.get("status") if reply is not None else None
    return {
        "answered": reply is not None,
        "status": None if status is None else str(status),
        "reply": reply,
        "latency_ms": None if latency is None else round(latency * 1000.0, 3),
        "error": error,
    }


def probe_zmq_many(targets, timeout, context=None, request=None, clock=time.monotonic):
    """Probe several ZMQ health sockets at once.

    :param targets: list of ``(host, port)``.
    :param timeout: seconds to wait for all replies.
    :returns: list of probe results, in the order of ``targets``.
    """
    ctx = context or zmq.Context.instance()
    payload = json.dumps(request or HEALTH_REQUEST).encode()
    poller = zmq.Poller()
    sockets, sent, results = {}, {}, [None] * len(targets)
    try:
        for index, (host, port) in enumerate(targets):
            sock = ctx.socket(zmq.REQ)
            sock.setsockopt(zmq.LINGER, 0)
            sock.connect("tcp://%s:%d" % (host, port))
            try:
                sock.send(payload, zmq.NOBLOCK)
            except zmq.ZMQError as exc:
                results[index] = _result(error="send failed: %s" % exc)
                sock.close(0)
                continue
            sent[sock] = clock()
            sockets[sock] = index
            poller.register(sock, zmq.POLLIN)
        deadline = clock() + timeout
        while sent:
            remaining = deadline - clock()
            if remaining <= 0:
                break
            for sock, _event in poller.poll(remaining * 1000.0):
                raw = sock.recv()
                latency = clock() - sent.pop(sock)
                poller.unregister(sock)
                reply, error = _decode(raw)
                results[sockets[sock]] = _result(reply, latency, error)
        for sock in sent:
            results[sockets[sock]] = _result(error="no reply within %ss" % timeout)
    finally:
        for sock in sockets:
            sock.close(0)
    return results


def probe_zmq(host, port, timeout, context=None, request=None):
    """One ZMQ health probe; see ``probe_zmq_many``."""
    return probe_zmq_many([(host, port)], timeout, context, request)[0]


def probe_http(host, port, timeout, path="/health", clock=time.monotonic):
    """One HTTP ``GET`` of ``path``; any HTTP status is read, ``status`` decides health."""
    url = "http://%s:%d%s" % (host, port, path)
    start = clock()
    try:
        with open_url(url, method="GET", timeout=timeout, validate_certs=False) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        reply, _error = _decode(raw)
        return _result(reply, clock() - start, "HTTP %d from %s" % (exc.code, url))
    except (OSError, ValueError) as exc:
        return _result(error="GET %s failed: %s" % (url, getattr(exc, "reason", exc)))
    reply, error = _decode(raw)
    return _result(reply, clock() - start, error)


class HealthChecker:
    """Probe agents until healthy or out of time, and measure latency.

    :param protocol: ``zmq`` (health_check_port) or ``http`` (health_check_port + 1).
    :param timeout: seconds one attempt waits for a reply.
    :param healthy_statuses: ``status`` values that count as healthy.
    :param clock, sleep, probe_zmq_many, probe_http: injectable for tests.
    """

    def __init__(self, protocol="zmq", timeout=2.0, healthy_statuses=("ok",), clock=time.monotonic,
                 sleep=time.sleep, zmq_prober=None, http_prober=None):
        self.protocol = protocol
        self.timeout = timeout
        self.healthy_statuses = set(healthy_statuses)
        self.clock = clock
        self.sleep = sleep
        self._zmq = zmq_prober or probe_zmq_many
        self._http = http_prober or probe_http

    def _round(self, targets):
        """One attempt at every target; ``targets`` are ``(host, health_check_port)``."""
        if self.protocol == "zmq":
            return self._zmq(targets, self.timeout)
        return [self._http(host, port + 1, self.timeout) for host, port in targets]

    def healthy(self, result):
        """Whether one probe result is healthy: answered, with a status in ``healthy_statuses``."""
        return result["answered"] and result["status"] in self.healthy_statuses

    def probe(self, host, health_check_port):
        """One probe of one agent: a probe result (module doc)."""
        return self._round([(host, health_check_port)])[0]

    def check_many(self, targets, wait_timeout=0.0, samples=1, backoff=(0.05, 1.0)):
        """Probe every target; retry the unhealthy ones with backoff for up to ``wait_timeout`` s.

        :param targets: list of ``(host, health_check_port)``.
        :param samples: probes per target once healthy (more give better p50/p95).
        :returns: list, in target order, of dicts: ``healthy``, ``status``, ``reply``,
            ``error``, ``attempts``, ``latency_ms`` (summary over answered probes),
            ``waited_s``.
        """
        start = self.clock()
        deadline = start + wait_timeout
        state = [{"attempts": 0, "latencies": [], "last": None, "done": False} for _target in targets]
        delay = backoff[0]
        while True:
            pending = [i for i, s in enumerate(state) if not s["done"]]
            for i, result in zip(pending, self._round([targets[i] for i in pending])):
                entry = state[i]
                entry["attempts"] += 1
                entry["last"] = result
                if result["latency_ms"] is not None:
                    entry["latencies"].append(result["latency_ms"])
                entry["done"] = self.healthy(result)
            if all(s["done"] for s in state) or self.clock() + delay > deadline:
                break
            self.sleep(delay)
            delay = min(delay * 2, backoff[1])
        waited = round(self.clock() - start, 3)
        for _sample in range(max(0, samples - 1)):
            healthy_idx = [i for i, s in enumerate(state) if s["done"]]
            if not healthy_idx:
                break
            for i, result in zip(healthy_idx, self._round([targets[i] for i in healthy_idx])):
                state[i]["attempts"] += 1
                if result["latency_ms"] is not None:
                    state[i]["latencies"].append(result["latency_ms"])
                if not self.healthy(result):
                    state[i]["done"] = False
                    state[i]["last"] = result
        out = []
        for entry in state:
            last = entry["last"]
            out.append({
                "healthy": entry["done"],
                "status": last["status"],
                "reply": last["reply"],
                "error": last["error"] or (None if entry["done"] else "status %r is not one of %s" % (
                    last["status"], sorted(self.healthy_statuses))),
                "attempts": entry["attempts"],
                "latency_ms": latency_summary(entry["latencies"]),
                "waited_s": waited,
            })
        return out

    def check(self, host, health_check_port, wait_timeout=0.0, samples=1):
        """``check_many`` for one agent."""
        return self.check_many([(host, health_check_port)], wait_timeout, samples)[0]
