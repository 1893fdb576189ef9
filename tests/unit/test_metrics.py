# -*- coding: utf-8 -*-
"""The sampler over a window: timing of samples, process readings, GPU readings, early stop."""

from __future__ import annotations

import os

import psutil
import pynvml

from ansible_collections.aisystem.fleet.plugins.module_utils import _analysis, _gpu, _metrics
from test_gpu import StubNvml, rtx4090


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class Checker:
    """Probe results from a list of (status, latency_ms); each probe costs 10 ms of fake time."""

    def __init__(self, fake_time, replies):
        self.time = fake_time
        self.replies = list(replies)

    def healthy(self, result):
        return result["status"] == "ok"

    def probe(self, host, port):
        self.time.now += 0.01
        status, latency = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return {"answered": status is not None, "status": status, "reply": None, "latency_ms": latency,
                "error": None if status else "no reply"}


class Supervisor:
    def __init__(self, pids):
        self.pids = list(pids)

    def process(self, name):
        pid = self.pids.pop(0) if len(self.pids) > 1 else self.pids[0]
        return {"name": name, "statename": "RUNNING", "pid": pid}


def test_window_takes_samples_at_each_interval():
    fake = FakeTime()
    sampler = _metrics.AgentSampler(Checker(fake, [("ok", 1.0)]), "127.0.0.1", 7000, probes=3,
                                    clock=fake.clock, sleep=fake.sleep)
    samples, stopped = sampler.run(duration=2.0, interval=1.0)
    assert not stopped
    assert [s["t_s"] for s in samples] == [0.0, 1.0, 2.0]
    assert all(s["latencies_ms"] == [1.0, 1.0, 1.0] and s["healthy"] for s in samples)
    assert all(s["process"] is None and s["gpu"] is None for s in samples)
    # each sleep makes up for the 30 ms the probes took
    assert fake.sleeps == [0.97, 0.97]


def test_unhealthy_probe_makes_the_sample_unhealthy():
    fake = FakeTime()
    sampler = _metrics.AgentSampler(Checker(fake, [("ok", 1.0), ("degraded", 2.0), ("ok", 1.0)]), "h", 1,
                                    probes=3, clock=fake.clock, sleep=fake.sleep)
    got = sampler.sample()
    assert not got["healthy"] and got["status"] == "degraded" and got["latency_ms"]["count"] == 3


def test_stop_ends_the_window_at_the_first_failed_verdict():
    fake = FakeTime()
    baseline = {"latency_ms": {"p95": 1.0}}
    replies = [("ok", 1.0)] * 2 + [("ok", 50.0)] * 100
    sampler = _metrics.AgentSampler(Checker(fake, replies), "h", 1, probes=1, clock=fake.clock, sleep=fake.sleep)
    samples, stopped = sampler.run(60.0, 1.0, stop=lambda got: _analysis.judge(got, baseline)["verdict"] == "failed")
    assert stopped and len(samples) == 4  # two good, two breaches in a row


def test_process_readings_from_supervisord_pid_and_psutil():
    fake = FakeTime()
    me = os.getpid()
    sampler = _metrics.AgentSampler(Checker(fake, [("ok", 1.0)]), "h", 1, probes=1, supervisor=Supervisor([me]),
                                    program="Me", clock=fake.clock, sleep=fake.sleep)
    first, second = sampler.sample(), sampler.sample()
    assert first["process"]["pid"] == me and first["process"]["cpu_percent"] is None
    assert second["process"]["cpu_percent"] is not None
    assert abs(second["process"]["rss_bytes"] - psutil.Process(me).memory_info().rss) < 64 * 1024 * 1024


def test_gone_process_has_no_readings():
    assert _metrics.ProcessSampler().sample(2 ** 22 + 12345) == {"cpu_percent": None, "rss_bytes": None}


def test_gpu_readings_per_sample_and_unavailable_reason():
    fake = FakeTime()
    stub = StubNvml([rtx4090(23.04, 60, [(42, 2 * 1024 ** 3)])])
    with _gpu.NvmlSession(stub) as session:
        sampler = _metrics.AgentSampler(Checker(fake, [("ok", 1.0)]), "h", 1, probes=1, supervisor=Supervisor([42]),
                                        program="A", nvml_session=session, clock=fake.clock, sleep=fake.sleep)
        got = sampler.sample()["gpu"]
    assert got["available"] and got["verdict"] == "critical" and got["device_memory_used_percent"] == 96.0
    assert got["process_gpu_memory_bytes"] == 2 * 1024 ** 3
    stub.fail["nvmlDeviceGetCount"] = pynvml.NVML_ERROR_GPU_IS_LOST
    with _gpu.NvmlSession(stub) as session:
        sampler = _metrics.AgentSampler(Checker(fake, [("ok", 1.0)]), "h", 1, probes=1, nvml_session=session,
                                        clock=fake.clock, sleep=fake.sleep)
        got = sampler.sample()["gpu"]
    assert not got["available"] and "NVMLError_GpuIsLost" in got["reason"]
    sampler = _metrics.AgentSampler(Checker(fake, [("ok", 1.0)]), "h", 1, probes=1, gpu_unavailable="no driver",
                                    clock=fake.clock, sleep=fake.sleep)
    assert sampler.sample()["gpu"] == {"available": False, "reason": "no driver", "verdict": None, "reasons": [],
                                       "device_memory_used_percent": None, "temperature_c": None,
                                       "process_gpu_memory_bytes": None}
