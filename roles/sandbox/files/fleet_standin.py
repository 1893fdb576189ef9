# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A BaseAgent-compatible stand-in agent for the aisystem.fleet sandbox.

Every script at a ``script_path`` of the sandbox runs ``main()`` from here. Like BaseAgent it
binds, on 127.0.0.1:

* a ZMQ REP socket on ``--port`` answering ``{"action": "ping"}`` and ``{"action":
  "health_check"}``;
* a ZMQ REP socket on ``--health_check_port`` answering any message with the health JSON;
* unless ``--no-http``, an HTTP server on ``health_check_port + 1`` serving ``GET /health``
  with the same JSON and HTTP 200 (also when degraded).

Health JSON: ``status`` ("ok" or the fault's), ``ready``, ``name``, ``uptime`` (seconds),
``pid``, ``port``, ``health_check_port``, ``config`` (the agent's ``config`` block), ``entry``
(its whole entry) - both read from the startup_config.yaml at start, so a config change is
visible from outside - and ``timestamp``.

Its own entry is read at start from ``$STARTUP_CONFIG`` by name ``$AGENT_NAME``. Fault knobs,
from ``config.sandbox_fault`` (read at start) and from the JSON file ``$FLEET_FAULT_FILE``
(re-read on every request; its keys win):

* ``exit_at_start``: exit at once with this code (``true`` means 1);
* ``status``: answer this status (``degraded``, ``error``);
* ``latency_ms``: sleep this long before each reply;
* ``grow_memory_mb``: keep this many more MiB on every health request.

A fault file may carry ``only_with_entry``: a mapping that the agent's entry must contain (key by
key, nested) for the file's faults to apply - a fault of one version of an entry, which a
rollback to the previous entry cures.

SIGTERM or SIGINT stops it at once, exit code 0: the signal's wakeup fd is polled beside the
ZMQ sockets, so the poll returns whichever thread (zmq's I/O threads included) got the signal.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import zmq

from fleet_startup_config import load_yaml, locate_entries

BIND_HOST = "127.0.0.1"


def _contains(whole, part):
    """Whether mapping ``whole`` holds every key of ``part`` with the same value (nested)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and _contains(whole[k], v) for k, v in part.items())
    return whole == part


class StandIn:
    """State and replies of one stand-in agent."""

    def __init__(self, name, port, health_check_port, entry, fault_file):
        self.name = name
        self.entry = entry
        config = entry.get("config")
        self.port = port
        self.health_check_port = health_check_port
        self.config = config if isinstance(config, dict) else {}
        self.fault_file = fault_file
        self.started = time.time()
        self.ballast = []

    def faults(self):
        """Config faults overlaid with the fault file's (missing or unreadable file: none)."""
        merged = dict(self.config.get("sandbox_fault") or {})
        if self.fault_file:
            try:
                with open(self.fault_file, encoding="utf-8") as handle:
                    extra = json.load(handle) or {}
            except (OSError, ValueError):
                extra = {}
            if _contains(self.entry, extra.pop("only_with_entry", None) or {}):
                merged.update(extra)
        return merged

    def health(self):
        """The health JSON, after applying the latency and memory faults."""
        fault = self.faults()
        if fault.get("grow_memory_mb"):
            self.ballast.append(bytearray(int(float(fault["grow_memory_mb"]) * 1024 * 1024)))
        if fault.get("latency_ms"):
            time.sleep(float(fault["latency_ms"]) / 1000.0)
        status = str(fault.get("status") or "ok")
        return {
            "status": status,
            "ready": status == "ok",
            "name": self.name,
            "uptime": round(time.time() - self.started, 3),
            "pid": os.getpid(),
            "port": self.port,
            "health_check_port": self.health_check_port,
            "config": self.config,
            "entry": self.entry,
            "timestamp": time.time(),
        }

    def answer(self, raw, health_socket):
        """Reply to one ZMQ request (bytes) as BaseAgent does."""
        if health_socket:
            return self.health()
        try:
            request = json.loads(raw)
        except ValueError:
            request = {}
        action = request.get("action") if isinstance(request, dict) else None
        if action == "ping":
            return {"status": "ok", "message": "pong", "name": self.name}
        if action == "health_check":
            return self.health()
        return {"status": "error", "error": "unknown action %r" % (action,), "name": self.name}


def _http_server(agent, port):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path.split("?")[0] != "/health":
                self.send_error(404)
                return
            body = json.dumps(agent.health()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((BIND_HOST, port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--health_check_port", type=int, required=True)
    parser.add_argument("--no-http", action="store_true", help="serve no HTTP /health")
    args, _extra = parser.parse_known_args(argv)  # extra arguments are the sandbox's, for audits
    name = os.environ["AGENT_NAME"]
    with open(os.environ["STARTUP_CONFIG"], encoding="utf-8") as handle:
        data, root = load_yaml(handle.read(), os.environ["STARTUP_CONFIG"])
    entry = {e[0]: e[3] for e in locate_entries(data, root)}.get(name)
    if entry is None:
        print("%s: no entry for %s in %s" % (sys.argv[0], name, os.environ["STARTUP_CONFIG"]), file=sys.stderr)
        return 2
    agent = StandIn(name, args.port, args.health_check_port, entry, os.environ.get("FLEET_FAULT_FILE"))
    exit_code = agent.faults().get("exit_at_start")
    if exit_code:
        print("%s: fault exit_at_start" % name, file=sys.stderr)
        return 1 if exit_code is True else int(exit_code)

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    wake_read, wake_write = socket.socketpair()
    for end in (wake_read, wake_write):
        end.setblocking(False)
    signal.set_wakeup_fd(wake_write.fileno(), warn_on_full_buffer=False)
    context = zmq.Context()
    sockets = {}
    poller = zmq.Poller()
    for port, is_health in ((args.port, False), (args.health_check_port, True)):
        sock = context.socket(zmq.REP)
        sock.setsockopt(zmq.LINGER, 0)
        sock.bind("tcp://%s:%d" % (BIND_HOST, port))
        sockets[sock] = is_health
        poller.register(sock, zmq.POLLIN)
    poller.register(wake_read, zmq.POLLIN)
    server = None if args.no_http else _http_server(agent, args.health_check_port + 1)
    http = "" if args.no_http else ", http %d" % (args.health_check_port + 1)
    print("%s: serving on %d, health %d%s" % (name, args.port, args.health_check_port, http), flush=True)
    try:
        while not stopping.is_set():
            for sock, _event in poller.poll(1000):
                if sock in (wake_read, wake_read.fileno()):  # pyzmq gives plain sockets back as fds
                    wake_read.recv(64)
                    continue
                raw = sock.recv()
                sock.send(json.dumps(agent.answer(raw, sockets[sock])).encode())
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if server is not None:
            server.server_close()  # its thread is a daemon; no wait for serve_forever's poll
        for sock in sockets:
            sock.close(0)
        context.term()
    return 0
