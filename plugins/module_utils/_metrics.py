# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Samples of one agent over a window: health latency, its process (psutil), the GPU (NVML).

Private to the collection. Where each number comes from:

* health and ``latencies_ms``: ``probes`` BaseAgent health probes in a row
  (``_health.HealthChecker``), wall time per reply in milliseconds;
* ``process.state``/``process.pid``: supervisord's ``getProcessInfo`` over XML-RPC;
* ``process.cpu_percent``: ``psutil.Process.cpu_percent()`` since the previous sample, in
  percent of one CPU (None at a process's first sample); ``process.rss_bytes``:
  ``memory_info().rss``, bytes;
* ``gpu``: one NVML reading (``_gpu.NvmlSession.read``) per sample: the highest memory
  percent and temperature over the GPUs, and the GPU memory held by the program's pid.

The sample shape is in ``_analysis``.
"""

from __future__ import annotations

import contextlib
import time

from ansible_collections.aisystem.fleet.plugins.module_utils import _analysis, _gpu, _health, _supervisor
from ansible_collections.aisystem.fleet.plugins.module_utils._health import HealthChecker, latency_summary
from ansible_collections.aisystem.fleet.plugins.module_utils._supervisor import SupervisorClient, SupervisorError

try:
    import psutil

    HAS_PSUTIL = True
    PSUTIL_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised through the modules
    psutil = None
    HAS_PSUTIL = False
    PSUTIL_IMPORT_ERROR = exc

# Module options shared by agent_metrics_info and agent_analysis (doc fragments aisystem.fleet.health_probe
# and aisystem.fleet.sampling).
SAMPLING_ARGUMENT_SPEC = dict(
    _health.PROBE_ARGUMENT_SPEC,
    health_check_port=dict(type="int", required=True),
    name=dict(type="str"),
    duration=dict(type="float", default=10.0),
    interval=dict(type="float", default=1.0),
    probes=dict(type="int", default=5),
    gpu=dict(type="bool", default=True),
)


def missing_libraries(params):
    """``[(pip name, ImportError)]`` of the libraries a sampling module needs and lacks."""
    needed = (("pyzmq", _health.HAS_ZMQ or params["protocol"] == "http", _health.ZMQ_IMPORT_ERROR),
              ("psutil", HAS_PSUTIL, PSUTIL_IMPORT_ERROR),
              ("supervisor", _supervisor.HAS_SUPERVISOR or not params["name"], _supervisor.SUPERVISOR_IMPORT_ERROR))
    return [(name, error) for name, has, error in needed if not has]


def check_window(duration, interval, probes):
    """:raises ValueError: a window that cannot be sampled."""
    if duration < 0 or interval <= 0 or probes < 1:
        raise ValueError("duration must be >= 0, interval > 0 and probes >= 1 (got %s, %s, %s)" % (
            duration, interval, probes))


class ProcessSampler:
    """CPU percent and RSS of one pid at a time; a new pid starts a new CPU measurement."""

    def __init__(self, process_factory=None):
        self._factory = process_factory or (psutil.Process if psutil else None)
        self._proc = None

    def sample(self, pid):
        """``{"cpu_percent": float|None, "rss_bytes": int|None}`` of ``pid`` (None values when gone)."""
        if pid is None or self._factory is None:
            return {"cpu_percent": None, "rss_bytes": None}
        try:
            first = self._proc is None or self._proc.pid != pid
            if first:
                self._proc = self._factory(pid)
            with self._proc.oneshot():
                cpu = self._proc.cpu_percent(None)
                rss = self._proc.memory_info().rss
            return {"cpu_percent": None if first else round(cpu, 2), "rss_bytes": int(rss)}
        except (psutil.Error, OSError):
            self._proc = None
            return {"cpu_percent": None, "rss_bytes": None}


class AgentSampler:
    """Takes samples of one agent (shape in ``_analysis``).

    :param checker: a ``_health.HealthChecker``.
    :param supervisor: a ``_supervisor.SupervisorClient`` or None (then no process readings).
    :param program: the agent's supervisord program name.
    :param nvml_session: an open ``_gpu.NvmlSession`` or None (then no GPU readings).
    :param gpu_thresholds: as ``_gpu.THRESHOLD_DEFAULTS``.
    :param clock, sleep, process_sampler: injectable for tests.
    """

    def __init__(self, checker, host, health_check_port, probes=5, supervisor=None, program=None,
                 nvml_session=None, gpu_unavailable=None, gpu_thresholds=None, process_sampler=None,
                 clock=time.monotonic, sleep=time.sleep):
        self.checker = checker
        self.target = (host, health_check_port)
        self.probes = probes
        self.supervisor = supervisor
        self.program = program
        self.nvml_session = nvml_session
        self.gpu_unavailable = gpu_unavailable
        self.gpu_thresholds = gpu_thresholds
        self.processes = process_sampler or ProcessSampler()
        self.clock = clock
        self.sleep = sleep
        self.start = clock()

    def _health(self):
        results = [self.checker.probe(*self.target) for _probe in range(self.probes)]
        latencies = [r["latency_ms"] for r in results if r["latency_ms"] is not None]
        bad = [r for r in results if not self.checker.healthy(r)]
        last = bad[-1] if bad else results[-1]
        return {"healthy": not bad, "status": last["status"], "error": last["error"],
                "latencies_ms": latencies, "latency_ms": latency_summary(latencies)}

    def _process(self):
        if self.supervisor is None or not self.program:
            return None
        try:
            info = self.supervisor.process(self.program)
        except SupervisorError as exc:
            return {"state": "UNKNOWN", "pid": None, "cpu_percent": None, "rss_bytes": None, "error": str(exc)}
        pid = info.get("pid") or None
        out = {"state": info.get("statename"), "pid": pid}
        out.update(self.processes.sample(pid) if info.get("statename") == "RUNNING" else
                   {"cpu_percent": None, "rss_bytes": None})
        return out

    def _gpu(self, pid):
        if self.nvml_session is None:
            if self.gpu_unavailable is None:
                return None
            return {"available": False, "reason": self.gpu_unavailable, "verdict": None, "reasons": [],
                    "device_memory_used_percent": None, "temperature_c": None, "process_gpu_memory_bytes": None}
        try:
            gpus = self.nvml_session.read()
        except _gpu.NvmlUnavailable as exc:
            return {"available": False, "reason": exc.reason, "verdict": None, "reasons": [],
                    "device_memory_used_percent": None, "temperature_c": None, "process_gpu_memory_bytes": None}
        verdict = _gpu.gpu_verdict(gpus, self.gpu_thresholds)
        return {"available": True, "reason": None, "verdict": verdict["verdict"], "reasons": verdict["reasons"],
                "device_memory_used_percent": max(g["memory_used_percent"] or 0.0 for g in gpus),
                "temperature_c": max((g["temperature_c"] for g in gpus if g["temperature_c"] is not None),
                                     default=None),
                "process_gpu_memory_bytes": None if pid is None else _gpu.process_gpu_memory(gpus, pid)}

    def sample(self):
        """One sample now (shape in ``_analysis``)."""
        t_s = round(self.clock() - self.start, 3)
        out = {"t_s": t_s}
        out.update(self._health())
        out["process"] = self._process()
        out["gpu"] = self._gpu(out["process"]["pid"] if out["process"] else None)
        return out

    def run(self, duration, interval, stop=None):
        """Sample at 0, ``interval``, 2 x ``interval``, ... seconds while within ``duration``.

        :param stop: called with the samples so far after each one; True ends the window early.
        :returns: ``(samples, stopped_early)``.
        """
        self.start = self.clock()
        samples = []
        tick = 0
        while True:
            samples.append(self.sample())
            if stop is not None and stop(samples):
                return samples, True
            tick += 1
            due = self.start + tick * interval
            if due - self.start > duration + 1e-9:
                return samples, False
            pause = due - self.clock()
            if pause > 0:
                self.sleep(pause)


@contextlib.contextmanager
def nvml_for_window(enabled, required=False):
    """Context manager giving ``(session or None, unavailable reason or None)`` for a window's
    GPU readings; NVML is initialised once on entry and shut down on exit.

    :raises _gpu.NvmlUnavailable: NVML unavailable and ``required``.
    """
    if not enabled:
        yield None, None
        return
    nvml, _error = _gpu.import_pynvml()
    if nvml is None:
        if required:
            raise _gpu.NvmlUnavailable("nvidia-ml-py (pynvml) is not installed", "ImportError")
        yield None, "nvidia-ml-py (pynvml) is not installed"
        return
    try:
        session = _gpu.NvmlSession(nvml).__enter__()
    except _gpu.NvmlUnavailable as exc:
        if required:
            raise
        yield None, exc.reason
        return
    try:
        yield session, None
    finally:
        session.__exit__(None, None, None)


def _gpu_overview(samples, unavailable_reason):
    gpus = [s["gpu"] for s in samples if s.get("gpu") is not None]
    if not gpus:
        return {"available": False, "reason": unavailable_reason or "GPU readings are off", "verdict": None,
                "reasons": []}
    readable = [g for g in gpus if g["available"]]
    reasons = []
    for gpu in readable:
        reasons.extend(r for r in gpu["reasons"] if r not in reasons)
    verdict = max((g["verdict"] for g in readable), key=_gpu.LEVELS.index, default=None)
    return {"available": bool(readable), "reason": None if readable else gpus[-1]["reason"],
            "verdict": verdict, "reasons": reasons}


def _sampler(params, session, unavailable_reason, supervisor_factory):
    check_window(params["duration"], params["interval"], params["probes"])
    thresholds = _gpu.thresholds_from({k: params[k] for k in _gpu.THRESHOLD_DEFAULTS})
    checker = HealthChecker(params["protocol"], params["timeout"], params["healthy_statuses"])
    supervisor = supervisor_factory(params) if params["name"] else None
    return AgentSampler(checker, params["host"], params["health_check_port"], params["probes"], supervisor,
                        params["name"], session, unavailable_reason, thresholds)


def measure(params, supervisor_factory=SupervisorClient.from_params):
    """Sample an agent for ``params["duration"]`` seconds (agent_metrics_info).

    :param params: module parameters (``SAMPLING_ARGUMENT_SPEC``, supervisord connection, GPU
        thresholds).
    :returns: ``{"samples", "summary" (a baseline, see _analysis), "healthy" (every sample
        healthy), "program" ({"name", "state", "pid"} at the last sample, or None),
        "gpu" ({"available", "reason", "verdict" (worst over the samples), "reasons"})}``
    :raises ValueError: bad window or thresholds. :raises SupervisorError: supervisord does not
        answer.
    """
    with nvml_for_window(params["gpu"]) as (session, reason):
        sampler = _sampler(params, session, reason, supervisor_factory)
        if sampler.supervisor is not None:
            sampler.supervisor.process(params["name"])  # unknown program or no supervisord: raise now
        samples, _stopped = sampler.run(params["duration"], params["interval"])
    last = samples[-1]["process"]
    return {"samples": samples, "summary": _analysis.summarize(samples),
            "healthy": all(s["healthy"] for s in samples),
            "program": None if last is None else {"name": params["name"], "state": last["state"], "pid": last["pid"]},
            "gpu": _gpu_overview(samples, reason)}


def analyse(params, baseline, conditions, wait_timeout=0.0, gpu_required=False, inconclusive_fails=True,
            supervisor_factory=SupervisorClient.from_params):
    """Wait up to ``wait_timeout`` s for a healthy reply, then sample for ``params["duration"]``
    seconds and judge every sample against ``baseline`` (agent_analysis); ends at the first
    failed condition.

    :returns: ``_analysis.judge``'s result plus ``passed``, ``samples``, ``summary`` (the
        window's, same shape as a baseline), ``stopped_early``, ``waited_s``, ``gpu``.
    :raises ValueError: bad window, thresholds or conditions. :raises SupervisorError:
        supervisord does not answer. :raises _gpu.NvmlUnavailable: NVML unavailable and
        ``gpu_required``.
    """
    _analysis.conditions_from(conditions)
    with nvml_for_window(params["gpu"] or gpu_required, gpu_required) as (session, reason):
        sampler = _sampler(params, session, reason, supervisor_factory)
        first = sampler.checker.check(params["host"], params["health_check_port"], wait_timeout)
        if first["healthy"]:
            samples, stopped = sampler.run(params["duration"], params["interval"], stop=lambda got: _analysis.judge(
                got, baseline, conditions)["verdict"] == "failed")
            verdict = _analysis.judge(samples, baseline, conditions)
        else:
            samples, stopped = [sampler.sample()], True
            verdict = _analysis.judge(samples, baseline, conditions)
            verdict["verdict"] = "failed"
            verdict["failed_conditions"] = ["health"]
            verdict["breaches"].insert(0, {"t_s": 0.0, "condition": "health", "value": first["status"],
                                           "limit": "healthy", "message": "not healthy within %ss: %s" % (
                                               wait_timeout, first["error"])})
    verdict.update(passed=_analysis.passed(verdict["verdict"], inconclusive_fails), samples=samples,
                   summary=_analysis.summarize(samples), stopped_early=stopped, waited_s=first["waited_s"],
                   gpu=_gpu_overview(samples, reason))
    return verdict
