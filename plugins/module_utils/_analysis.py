# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Baselines and the analysis judgement: pure functions over samples (no I/O).

Private to the collection. The idea is Argo Rollouts' analysis run: measure every
``interval`` for ``duration`` and judge each measurement against failure conditions.

A sample (``_metrics.AgentSampler.sample``)::

    {"t_s": float,                      # seconds since the window started
     "healthy": bool, "status": str|None, "error": str|None,
     "latencies_ms": [float],            # one per answered health probe, milliseconds
     "latency_ms": {"count", "p50", "p95", "min", "max"},
     "process": None | {"state": str, "pid": int|None, "cpu_percent": float|None,
                        "rss_bytes": int|None},
     "gpu": None | {"available": bool, "reason": str|None, "verdict": str|None,
                    "reasons": [str], "device_memory_used_percent": float|None,
                    "temperature_c": float|None, "process_gpu_memory_bytes": int|None}}

``process`` is None without supervisord; ``gpu`` is None when GPU readings are off.

A baseline (``summarize``)::

    {"samples": int, "healthy_samples": int, "window_s": float,
     "latency_ms": {"count", "p50", "p95", "min", "max"},    # over every probe, ms
     "cpu_percent": {"mean", "max"}|None,                     # percent of one CPU (psutil)
     "rss_bytes": {"mean", "max"}|None, "pid": int|None,
     "gpu": {"available": bool, "device_memory_used_percent", "temperature_c",
             "process_gpu_memory_bytes"}|None}               # maxima over the window
"""

from __future__ import annotations

from ansible_collections.aisystem.fleet.plugins.module_utils._health import latency_summary

# Failure conditions and their defaults (module options of agent_analysis).
CONDITION_DEFAULTS = {
    "failure_limit": 3,            # unhealthy samples in a row that fail the analysis
    "regression_limit": 2,         # latency or RSS breaches in a row that fail it
    "max_latency_regression": 10.0,  # percent over the baseline's p95
    "latency_tolerance_ms": 5.0,   # and at least this many ms over it (noise floor)
    "max_rss_growth": 50.0,        # percent over the baseline's mean RSS
    "min_samples": 1,              # samples with a health reply needed for a verdict
}


def _mean(values):
    return round(sum(values) / len(values), 3) if values else None


def _stats(values):
    return {"mean": _mean(values), "max": max(values)} if values else None


def _maximum(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def summarize(samples):
    """The summary of a window of samples; before a change it is the agent's baseline (module doc)."""
    latencies = [v for s in samples for v in s.get("latencies_ms") or ()]
    procs = [s["process"] for s in samples if s.get("process")]
    gpus = [s["gpu"] for s in samples if s.get("gpu") is not None]
    readable = [g for g in gpus if g.get("available")]
    gpu = None
    if gpus:
        gpu = {"available": bool(readable)}
        for key in ("device_memory_used_percent", "temperature_c", "process_gpu_memory_bytes"):
            gpu[key] = _maximum(g.get(key) for g in readable)
    return {
        "samples": len(samples),
        "healthy_samples": sum(1 for s in samples if s.get("healthy")),
        "window_s": round(samples[-1]["t_s"], 3) if samples else 0.0,
        "latency_ms": latency_summary(latencies),
        "cpu_percent": _stats([p["cpu_percent"] for p in procs if p.get("cpu_percent") is not None]),
        "rss_bytes": _stats([p["rss_bytes"] for p in procs if p.get("rss_bytes") is not None]),
        "pid": procs[-1].get("pid") if procs else None,
        "gpu": gpu,
    }


def conditions_from(values=None):
    """``CONDITION_DEFAULTS`` with ``values`` laid over (None keeps a default).

    :raises ValueError: a limit below 1 or a negative percentage or tolerance.
    """
    merged = dict(CONDITION_DEFAULTS)
    merged.update({k: v for k, v in (values or {}).items() if v is not None and k in merged})
    for key in ("failure_limit", "regression_limit", "min_samples"):
        if int(merged[key]) < 1:
            raise ValueError("%s must be at least 1" % key)
        merged[key] = int(merged[key])
    for key in ("max_latency_regression", "latency_tolerance_ms", "max_rss_growth"):
        if float(merged[key]) < 0:
            raise ValueError("%s must not be negative" % key)
        merged[key] = float(merged[key])
    return merged


def _nested(mapping, *keys):
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def _sample_breaches(sample, baseline, limits, first_pid):
    """``[(condition, value, limit, message)]`` that this one sample breaches."""
    out = []
    if not sample.get("healthy"):
        out.append(("health", sample.get("status"), "healthy", "health is %s (%s)" % (
            sample.get("status") or "unanswered", sample.get("error") or "not a healthy status")))
    proc = sample.get("process")
    if proc is not None:
        if proc.get("state") != "RUNNING":
            out.append(("process", proc.get("state"), "RUNNING", "the program is %s" % proc.get("state")))
        elif first_pid is not None and proc.get("pid") != first_pid:
            out.append(("process", proc.get("pid"), first_pid,
                        "the program restarted (pid %s, was %s)" % (proc.get("pid"), first_pid)))
    p95, base_p95 = _nested(sample, "latency_ms", "p95"), _nested(baseline, "latency_ms", "p95")
    if p95 is not None and base_p95 is not None:
        limit = max(base_p95 * (1 + limits["max_latency_regression"] / 100.0),
                    base_p95 + limits["latency_tolerance_ms"])
        if p95 > limit:
            out.append(("latency", p95, round(limit, 3), "health latency p95 %.1f ms is %.0f %% over the baseline's "
                        "%.1f ms (limit %.1f ms)" % (p95, (p95 / base_p95 - 1) * 100 if base_p95 else 0, base_p95, limit)))
    rss, base_rss = _nested(proc, "rss_bytes"), _nested(baseline, "rss_bytes", "mean")
    if rss is not None and base_rss:
        limit = base_rss * (1 + limits["max_rss_growth"] / 100.0)
        if rss > limit:
            out.append(("rss", rss, int(limit), "RSS %d bytes is %.0f %% over the baseline's mean %d bytes" % (
                rss, (rss / base_rss - 1) * 100, base_rss)))
    gpu = sample.get("gpu")
    if gpu is not None:
        if not gpu.get("available") and _nested(baseline, "gpu", "available"):
            out.append(("gpu", None, "available", "NVML became unavailable: %s" % gpu.get("reason")))
        elif gpu.get("verdict") == "critical":
            out.append(("gpu", gpu.get("device_memory_used_percent"), "critical",
                        "GPU critical: %s" % "; ".join(r for r in gpu.get("reasons") or () if "critical" in r)))
    return out


def judge(samples, baseline, conditions=None):
    """Judge a window of samples against the agent's baseline.

    Failure conditions: the health check not healthy ``failure_limit`` samples in a row; the
    program not RUNNING or restarted (its pid changed) in any sample; health latency p95
    above the baseline's p95 by more than ``max_latency_regression`` percent *and* by more
    than ``latency_tolerance_ms``, or RSS above the baseline's mean by more than
    ``max_rss_growth`` percent, ``regression_limit`` samples in a row; the GPU critical, or
    NVML lost when the baseline could read it, in any sample. GPU warnings are reported,
    never fail.

    No data is a result of its own: with no failure, fewer than ``min_samples`` answered
    samples, or a baseline without a latency p95, give ``inconclusive``.

    :returns: ``{"verdict": "successful"|"failed"|"inconclusive", "failed_conditions": [str],
        "breaches": [{"t_s", "condition", "value", "limit", "message"}], "gpu_warnings": [str],
        "inconclusive_reasons": [str]}``
    """
    limits = conditions_from(conditions)
    need = {"health": limits["failure_limit"], "latency": limits["regression_limit"],
            "rss": limits["regression_limit"], "process": 1, "gpu": 1}
    runs = dict.fromkeys(need, 0)
    failed, breaches, gpu_warnings = [], [], []
    first_pid = next((s["process"].get("pid") for s in samples if s.get("process")), None)
    for sample in samples:
        hit = set()
        for condition, value, limit, message in _sample_breaches(sample, baseline, limits, first_pid):
            hit.add(condition)
            breaches.append({"t_s": sample.get("t_s"), "condition": condition, "value": value, "limit": limit,
                             "message": message})
        for condition in need:
            runs[condition] = runs[condition] + 1 if condition in hit else 0
            if runs[condition] >= need[condition] and condition not in failed:
                failed.append(condition)
        gpu = sample.get("gpu") or {}
        for reason in gpu.get("reasons") or ():
            if "warning" in reason and reason not in gpu_warnings:
                gpu_warnings.append(reason)
    inconclusive = []
    if not failed:
        answered = sum(1 for s in samples if s.get("latencies_ms"))
        if answered < limits["min_samples"]:
            inconclusive.append("%d of %d samples had a health reply (need %d)" % (
                answered, len(samples), limits["min_samples"]))
        if _nested(baseline, "latency_ms", "p95") is None:
            inconclusive.append("the baseline has no health latency p95 to compare with")
    verdict = "failed" if failed else ("inconclusive" if inconclusive else "successful")
    return {"verdict": verdict, "failed_conditions": failed, "breaches": breaches, "gpu_warnings": gpu_warnings,
            "inconclusive_reasons": inconclusive}


def passed(verdict, inconclusive_fails=True):
    """Whether a verdict lets the agent through: successful, or inconclusive when allowed."""
    return verdict == "successful" or (verdict == "inconclusive" and not inconclusive_fails)
