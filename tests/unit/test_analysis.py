# -*- coding: utf-8 -*-
"""Baselines and the analysis judgement: pure functions over hand-made samples."""

from __future__ import annotations

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _analysis

MB = 1024 * 1024


def sample(t, healthy=True, p95=10.0, rss=100 * MB, state="RUNNING", pid=42, gpu=None, answered=True):
    lat = [p95 * 0.8, p95] if answered else []
    return {"t_s": float(t), "healthy": healthy, "status": "ok" if healthy else ("degraded" if answered else None),
            "error": None if healthy else "unhealthy", "latencies_ms": lat,
            "latency_ms": {"count": len(lat), "p50": lat[0] if lat else None, "p95": lat[-1] if lat else None},
            "process": {"state": state, "pid": pid, "cpu_percent": 1.0, "rss_bytes": rss}, "gpu": gpu}


def gpu(verdict="ok", percent=20.0, reasons=(), available=True):
    return {"available": available, "reason": None if available else "lost", "verdict": verdict,
            "reasons": list(reasons), "device_memory_used_percent": percent, "temperature_c": 50,
            "process_gpu_memory_bytes": 0}


CRITICAL = "GPU 0 memory 96 % is above the critical threshold 95 %"
BASELINE = _analysis.summarize([sample(t, gpu=gpu()) for t in range(5)])


def test_summarize_gives_a_baseline_from_every_probe():
    got = _analysis.summarize([sample(0, p95=10.0, rss=100 * MB), sample(1, p95=20.0, rss=300 * MB, pid=43)])
    assert got["samples"] == 2 and got["healthy_samples"] == 2 and got["window_s"] == 1.0
    assert got["latency_ms"]["count"] == 4 and got["latency_ms"]["p95"] == 20.0 and got["latency_ms"]["p50"] == 10.0
    assert got["rss_bytes"] == {"mean": 200 * MB, "max": 300 * MB}
    assert got["pid"] == 43 and got["gpu"] is None
    assert _analysis.summarize([])["latency_ms"]["p95"] is None


CASES = [
    # name, samples, conditions, verdict, failed conditions
    ("healthy window", [sample(t) for t in range(5)], {}, "successful", []),
    ("two unhealthy in a row is under the limit", [sample(0), sample(1, False), sample(2, False), sample(3)], {},
     "successful", []),
    ("three unhealthy in a row", [sample(0), sample(1, False), sample(2, False), sample(3, False)], {}, "failed",
     ["health"]),
    ("unhealthy not in a row", [sample(0, False), sample(1), sample(2, False), sample(3), sample(4, False)], {},
     "successful", []),
    ("failure_limit 1", [sample(0), sample(1, False)], {"failure_limit": 1}, "failed", ["health"]),
    ("latency 30 % over, twice", [sample(0, p95=13.0 + 10), sample(1, p95=23.0)], {}, "failed", ["latency"]),
    ("latency over once only", [sample(0, p95=23.0), sample(1, p95=10.0), sample(2, p95=23.0)], {},
     "successful", []),
    ("latency 30 % over but under the ms floor", [sample(0, p95=13.0), sample(1, p95=13.0)], {}, "successful", []),
    ("latency over with no floor", [sample(0, p95=13.0), sample(1, p95=13.0)], {"latency_tolerance_ms": 0},
     "failed", ["latency"]),
    ("latency 9 % over with no floor", [sample(0, p95=10.9), sample(1, p95=10.9)], {"latency_tolerance_ms": 0},
     "successful", []),
    ("RSS doubled", [sample(0, rss=210 * MB), sample(1, rss=220 * MB)], {}, "failed", ["rss"]),
    ("RSS 40 % up", [sample(0, rss=140 * MB), sample(1, rss=140 * MB)], {}, "successful", []),
    ("program restarted", [sample(0, pid=42), sample(1, pid=99)], {}, "failed", ["process"]),
    ("program FATAL", [sample(0), sample(1, state="FATAL", pid=None)], {}, "failed", ["process"]),
    ("GPU critical once", [sample(0, gpu=gpu()), sample(1, gpu=gpu("critical", 96.0, [CRITICAL]))], {}, "failed",
     ["gpu"]),
    ("GPU warning", [sample(0, gpu=gpu("warning", 86.0, ["GPU 0 memory 86 % is above the warning threshold"]))],
     {}, "successful", []),
    ("NVML lost after a readable baseline", [sample(0, gpu=gpu(available=False))], {}, "failed", ["gpu"]),
    ("no reply at all, too short to fail", [sample(0, False, answered=False)], {}, "inconclusive", []),
    ("fewer answered samples than min_samples", [sample(0), sample(1)], {"min_samples": 3}, "inconclusive", []),
    ("no samples", [], {}, "inconclusive", []),
]


@pytest.mark.parametrize("samples, conditions, verdict, failed", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_judge(samples, conditions, verdict, failed):
    got = _analysis.judge(samples, BASELINE, conditions)
    assert got["verdict"] == verdict
    assert got["failed_conditions"] == failed
    if failed:
        assert {b["condition"] for b in got["breaches"]} >= set(failed)
        assert all(isinstance(b["t_s"], float) and b["message"] for b in got["breaches"])
    if verdict == "inconclusive":
        assert got["inconclusive_reasons"]


def test_breach_carries_time_values_and_limit():
    got = _analysis.judge([sample(0, p95=10.0), sample(1, p95=30.0), sample(2, p95=30.0)], BASELINE)
    latency = [b for b in got["breaches"] if b["condition"] == "latency"]
    assert [b["t_s"] for b in latency] == [1.0, 2.0]
    assert latency[0]["value"] == 30.0 and latency[0]["limit"] == 15.0  # 10 ms baseline p95 + 5 ms floor
    assert "over the baseline" in latency[0]["message"]


def test_gpu_warning_is_reported_once():
    warn = gpu("warning", 86.0, ["GPU 0 memory 86 % is above the warning threshold 85 %"])
    got = _analysis.judge([sample(0, gpu=warn), sample(1, gpu=warn)], BASELINE)
    assert got["verdict"] == "successful" and got["gpu_warnings"] == warn["reasons"]


def test_baseline_without_latency_is_inconclusive():
    got = _analysis.judge([sample(0)], {"latency_ms": {"p95": None}})
    assert got["verdict"] == "inconclusive"
    assert "no health latency" in got["inconclusive_reasons"][0]


@pytest.mark.parametrize("verdict, inconclusive_fails, passed", [
    ("successful", True, True), ("failed", False, False), ("inconclusive", True, False), ("inconclusive", False, True),
])
def test_passed(verdict, inconclusive_fails, passed):
    assert _analysis.passed(verdict, inconclusive_fails) is passed


@pytest.mark.parametrize("bad", [{"failure_limit": 0}, {"regression_limit": 0}, {"max_rss_growth": -1}])
def test_bad_conditions_are_refused(bad):
    with pytest.raises(ValueError):
        _analysis.conditions_from(bad)
