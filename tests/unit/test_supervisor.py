# -*- coding: utf-8 -*-
"""The wait-until-RUNNING state machine, over a scripted XML-RPC proxy (pure unit tests).

The real supervisord is exercised by tests/functional."""

from __future__ import annotations

import xmlrpc.client

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _supervisor


class Namespace:
    def __init__(self, states, stderr=""):
        self.states = iter(states)
        self.stderr = stderr

    def getAllProcessInfo(self):  # noqa: N802 - supervisord's name
        return [{"name": name, "statename": state, "spawnerr": "spawn error" if state == "FATAL" else "", "pid": 1}
                for name, state in next(self.states).items()]

    def tailProcessStderrLog(self, name, offset, length):  # noqa: N802
        return [self.stderr, 0, False]

    def getProcessInfo(self, name):  # noqa: N802
        raise xmlrpc.client.Fault(10, "BAD_NAME: %s" % name)


class Proxy:
    def __init__(self, states, stderr=""):
        self.supervisor = Namespace(states, stderr)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def client(states, stderr=""):
    return _supervisor.SupervisorClient("unix:///nowhere.sock", proxy=Proxy(states, stderr))


def test_wait_running_returns_when_all_running():
    clock = Clock()
    c = client([{"A": "STARTING", "B": "STOPPED"}, {"A": "RUNNING", "B": "STARTING"}, {"A": "RUNNING", "B": "RUNNING"}])
    infos = c.wait_running(timeout=5, interval=0.1, clock=clock, sleep=clock.sleep)
    assert [i["name"] for i in infos] == ["A", "B"]
    assert clock.now == pytest.approx(0.2)


@pytest.mark.parametrize("state", ["FATAL", "EXITED"])
def test_wait_running_stops_early_on_failed_state(state):
    clock = Clock()
    c = client([{"A": "STARTING", "B": "BACKOFF"}, {"A": "RUNNING", "B": state}], stderr="Traceback: boom\n")
    with pytest.raises(_supervisor.SupervisorError) as info:
        c.wait_running(timeout=60, clock=clock, sleep=clock.sleep)
    message = str(info.value)
    assert message.startswith("failed to start: B is %s" % state)
    assert "boom" in message
    assert clock.now < 1


def test_wait_running_times_out_naming_the_state():
    clock = Clock()
    c = client([{"A": "BACKOFF"}] * 100)
    with pytest.raises(_supervisor.SupervisorError, match=r"not RUNNING after 2s: A is BACKOFF"):
        c.wait_running(timeout=2, interval=0.5, clock=clock, sleep=clock.sleep)


def test_wait_running_selected_names_and_unknown_program():
    clock = Clock()
    c = client([{"A": "RUNNING", "B": "FATAL"}])
    assert [i["name"] for i in c.wait_running(["A"], clock=clock, sleep=clock.sleep)] == ["A"]
    with pytest.raises(_supervisor.SupervisorError, match="has no program Ghost"):
        client([{"A": "RUNNING"}]).wait_running(["Ghost"], clock=clock, sleep=clock.sleep)


def test_faults_become_supervisor_errors():
    with pytest.raises(_supervisor.SupervisorError, match="BAD_NAME: Ghost"):
        client([]).process("Ghost")


def test_unanswered_socket_is_unavailable(tmp_path):
    c = _supervisor.SupervisorClient("unix://%s" % (tmp_path / "absent.sock"), timeout=1)
    with pytest.raises(_supervisor.SupervisorUnavailable, match="does not answer"):
        c.all_processes()


def test_bad_url_is_refused():
    with pytest.raises(_supervisor.SupervisorError, match="must start with unix:// or http://"):
        _supervisor.SupervisorClient("ftp://x")
