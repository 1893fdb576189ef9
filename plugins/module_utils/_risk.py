# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static risk features of an agent's source file and the runbook's weighted risk matrix.

Private to the collection. Nothing is imported or run: a file that parses is read with
``ast``; one that does not (about 2 in 3 of the real repository's agents) is read token by
token, line by line, with ``tokenize``, and its features are marked ``approximate``. Both
readings reduce the source to the same facts (imports, dotted names referenced and called,
class bases, function names, the keywords of ``super().__init__`` calls, strings), and one
set of rules turns facts into features, so the two agree wherever both can read a file.

Features (a dict)::

    {"compiles": bool, "error": None | {"type", "message", "line"}, "approximate": bool,
     "size_bytes": int, "lines": int,
     "base_agent": bool, "classes": [str], "super_init_called": bool,
     "health_status_defined": bool,
     "passes_port": bool, "passes_health_check_port": bool,
     "zmq_sockets": {"REP": int, ...}, "raw_sockets": int,
     "threads": int, "thread_pools": int, "processes": int,
     "gpu": [str],        # of torch.cuda, pynvml, cupy, nvidia-smi
     "databases": [str]}  # of redis, sqlite3, psycopg2, sqlalchemy, pymongo

The score: each factor is scaled to 0-100 (``factor_scores``), weighted (file size 0.3, GPU
0.25, threading 0.2, databases 0.15, criticality 0.1) and summed, so a score is 0-100. Levels
by the rounded score: low 0-15, medium 16-25, high 26 and above.
"""

from __future__ import annotations

import ast
import concurrent.futures
import multiprocessing
import os
import tokenize

ZMQ_SOCKET_TYPES = ("REP", "REQ", "PUB", "SUB", "PUSH", "PULL", "DEALER", "ROUTER", "PAIR", "XPUB", "XSUB",
                    "STREAM")
GPU_MODULES = ("pynvml", "cupy")
DATABASES = ("redis", "sqlite3", "psycopg2", "sqlalchemy", "pymongo")
THREADS = ("threading.Thread", "Thread")
THREAD_POOLS = ("ThreadPoolExecutor", "concurrent.futures.ThreadPoolExecutor", "futures.ThreadPoolExecutor",
                "ThreadPool", "multiprocessing.pool.ThreadPool")
PROCESSES = ("multiprocessing.Process", "Process", "ProcessPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
             "futures.ProcessPoolExecutor", "multiprocessing.Pool", "mp.Process", "mp.Pool")

WEIGHTS = {"file_size": 0.3, "gpu": 0.25, "threading": 0.2, "databases": 0.15, "criticality": 0.1}
BANDS = {"low": 15, "medium": 25}  # highest rounded score of each level; above medium: high
# How each factor is scaled to 0-100.
SCALES = {"lines_for_full_size": 1500, "per_concurrency_unit": 25, "per_database": 50}
STRATEGIES = {
    "low": {"analysis_duration": 60, "serial": None, "alone": False, "observe_period": 3600},
    "medium": {"analysis_duration": 300, "serial": None, "alone": False, "observe_period": 14400},
    "high": {"analysis_duration": 900, "serial": 1, "alone": True, "observe_period": 86400},
}


class Facts:
    """What a reading of a source found; the input of ``features_from``."""

    def __init__(self):
        self.imports = set()       # top-level module names
        self.names = []            # dotted names referenced (zmq.REP, torch.cuda.is_available)
        self.calls = []            # dotted names called (threading.Thread, socket.socket)
        self.classes = []          # (name, [base names])
        self.defs = set()          # function names
        self.super_inits = []      # per super().__init__/BaseAgent.__init__ call: (positional count, {keywords})
        self.strings = []


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super":
        parts.append("super()")
        return ".".join(reversed(parts))
    return None


def facts_from_ast(tree):
    """Facts of a parsed module."""
    facts = Facts()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            facts.imports.update(alias.name.split(".")[0] for alias in node.names)
            facts.names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            facts.imports.add(node.module.split(".")[0])
            facts.names.extend("%s.%s" % (node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.ClassDef):
            facts.classes.append((node.name, [_dotted(base) or "" for base in node.bases]))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.defs.add(node.name)
        elif isinstance(node, ast.Attribute):
            name = _dotted(node)
            if name:
                facts.names.append(name)
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name:
                facts.calls.append(name)
                if name == "super().__init__" or name.endswith("BaseAgent.__init__"):
                    positional = len(node.args) - (1 if name.endswith("BaseAgent.__init__") else 0)
                    facts.super_inits.append((positional, {k.arg for k in node.keywords if k.arg}))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            facts.strings.append(node.value)
    return facts


_KEEP = (tokenize.NAME, tokenize.OP, tokenize.STRING, tokenize.NUMBER)
_ENDS = (tokenize.NEWLINE, tokenize.NL)
_LINE_END = (tokenize.NEWLINE, "\n")


def _tokens(text):
    """``(type, string)`` of every token, with a ``(NEWLINE, "\\n")`` at each line end. Where the
    tokenizer stops (an indentation error, an unclosed string or bracket, a character Python 3
    does not know), the line is skipped and tokenizing goes on from the next one."""
    lines = text.splitlines(True)
    out, start = [], 0
    while start < len(lines):
        feed = iter(lines[start:])
        try:
            for tok in tokenize.generate_tokens(lambda: next(feed, "")):
                if tok.type in _KEEP:
                    out.append((tok.type, tok.string))
                elif tok.type in _ENDS:
                    out.append(_LINE_END)
            return out
        except (tokenize.TokenError, SyntaxError) as exc:
            where = getattr(exc, "lineno", None) or (exc.args[1][0] if len(exc.args) > 1 else None) or 1
            out.append(_LINE_END)
            start += max(1, int(where))
    return out


def _import_names(toks, start):
    """Module names after ``import`` (comma separated) or ``from`` (up to ``import``)."""
    names, current, j = [], [], start + 1
    from_import = toks[start][1] == "from"
    while j < len(toks) and (toks[j][0] == tokenize.NAME or toks[j][1] in (".", ",")):
        value = toks[j][1]
        if value == "import" or value == "as":
            break
        if value == ",":
            names.append("".join(current))
            current = []
        else:
            current.append(value)
        j += 1
    names.append("".join(current))
    names = [n for n in names if n.strip(".")]
    return names[:1] if from_import else names


def _call_arguments(toks, open_index, explicit_self):
    """(positional count, keywords) of the call whose "(" is at ``open_index``."""
    depth, args, current = 0, [], []
    for kind, value in toks[open_index:]:
        if kind == tokenize.NEWLINE:
            continue
        if value in ("(", "[", "{"):
            depth += 1
            if depth == 1:
                continue
        elif value in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and value == ",":
            args.append(current)
            current = []
            continue
        current.append(value)
    if current:
        args.append(current)
    keywords = {a[0] for a in args if len(a) > 1 and a[1] == "="}
    positional = sum(1 for a in args if not (len(a) > 1 and a[1] == "=") and a[0] not in ("*", "**"))
    return positional - (1 if explicit_self else 0), keywords


def facts_from_tokens(text):
    """Facts of a source that does not parse, from its tokens (approximate)."""
    facts = Facts()
    toks = _tokens(text)
    chain, i, n = [], 0, len(toks)
    while i < n:
        kind, value = toks[i]
        if kind == tokenize.STRING:
            facts.strings.append(value.strip("'\"rbuRBUf"))
        elif kind == tokenize.NAME and value in ("import", "from"):
            for name in _import_names(toks, i):
                facts.imports.add(name.split(".")[0])
                facts.names.append(name)
        elif kind == tokenize.NAME and value == "class" and i + 1 < n:
            bases, current, j = [], "", i + 2
            if j < n and toks[j][1] == "(":
                j += 1
                while j < n and toks[j][1] not in (")", ":"):
                    if toks[j][1] == ",":
                        bases.append(current)
                        current = ""
                    else:
                        current += toks[j][1]
                    j += 1
                bases.append(current)
            facts.classes.append((toks[i + 1][1], [b for b in bases if b]))
        elif kind == tokenize.NAME and value == "def" and i + 1 < n:
            facts.defs.add(toks[i + 1][1])
        # dotted names and calls
        if kind == tokenize.NAME:
            if chain and i > 0 and toks[i - 1][1] == ".":
                chain.append(value)
                facts.names.append(".".join(chain))
            else:
                chain = [value]
        elif value == "(" and chain == ["super"] and i + 1 < n and toks[i + 1][1] == ")":
            chain = ["super()"]
            i += 1
        elif value == "(" and chain:
            call = ".".join(chain)
            facts.calls.append(call)
            if call == "super().__init__" or call.endswith("BaseAgent.__init__"):
                facts.super_inits.append(_call_arguments(toks, i, call.endswith("BaseAgent.__init__")))
            chain = []
        elif value != ".":
            chain = []
        i += 1
    return facts


def _count(calls, targets):
    return sum(1 for call in calls if call in targets)


def features_from(facts):
    """The features (module doc) of a reading's facts."""
    base_classes = [name for name, bases in facts.classes
                    if any(b.split(".")[-1].endswith("BaseAgent") for b in bases)]
    names = set(facts.names) | set(facts.calls)
    gpu = set()
    if any(n.startswith("torch.cuda") or n.endswith(".cuda") for n in names):
        gpu.add("torch.cuda")
    gpu.update(m for m in GPU_MODULES if m in facts.imports)
    if any("nvidia-smi" in s for s in facts.strings):
        gpu.add("nvidia-smi")
    zmq = {}
    for name in facts.names:
        parts = name.split(".")
        if len(parts) == 2 and parts[0] == "zmq" and parts[1] in ZMQ_SOCKET_TYPES:
            zmq[parts[1]] = zmq.get(parts[1], 0) + 1
    inits = facts.super_inits
    return {
        "base_agent": bool(base_classes),
        "classes": [name for name, _bases in facts.classes],
        "super_init_called": bool(inits),
        "health_status_defined": "_get_health_status" in facts.defs,
        "passes_port": any("port" in kw or positional >= 2 for positional, kw in inits),
        "passes_health_check_port": any("health_check_port" in kw or positional >= 3 for positional, kw in inits),
        "zmq_sockets": zmq,
        "raw_sockets": _count(facts.calls, ("socket.socket",)),
        "threads": _count(facts.calls, THREADS),
        "thread_pools": _count(facts.calls, THREAD_POOLS),
        "processes": _count(facts.calls, PROCESSES),
        "gpu": sorted(gpu),
        "databases": sorted(d for d in DATABASES if d in facts.imports),
    }


def analyse_source(data):
    """Features of one source file's bytes (module doc); never imports or runs it."""
    text = data.decode("utf-8", errors="replace")
    out = {"compiles": True, "error": None, "approximate": False, "size_bytes": len(data),
           "lines": text.count("\n") + (1 if text and not text.endswith("\n") else 0)}
    try:
        tree = ast.parse(data)
        facts = facts_from_ast(tree)
    except (SyntaxError, ValueError) as exc:
        out.update(compiles=False, approximate=True, error={
            "type": type(exc).__name__, "message": getattr(exc, "msg", str(exc)), "line": getattr(exc, "lineno", None)})
        facts = facts_from_tokens(text)
    out.update(features_from(facts))
    return out


def findings_from(features, path=None):
    """Findings of one agent's features: ``[{"code", "severity", "blocking", "message"}]``.

    Does-not-compile is an error and blocks its migration; the BaseAgent contract gaps are warnings.
    """
    where = path or "the script"
    out = []
    if not features["compiles"]:
        err = features["error"]
        out.append({"code": "does_not_compile", "severity": "error", "blocking": True,
                    "message": "%s does not compile: %s: %s (line %s)" % (where, err["type"], err["message"], err["line"])})
    if not features["base_agent"]:
        out.append({"code": "no_base_agent", "severity": "warning", "blocking": False,
                    "message": "%s defines no BaseAgent subclass" % where})
    elif not features["super_init_called"]:
        out.append({"code": "no_super_init", "severity": "warning", "blocking": False,
                    "message": "%s does not call super().__init__ (BaseAgent sets up no health server)" % where})
    elif not features["passes_health_check_port"]:
        out.append({"code": "health_check_port_omitted", "severity": "warning", "blocking": False,
                    "message": "%s omits health_check_port: BaseAgent binds port + 1, which may not be what the "
                               "config says" % where})
    if features["base_agent"] and not features["health_status_defined"]:
        out.append({"code": "no_health_status", "severity": "info", "blocking": False,
                    "message": "%s does not define _get_health_status (BaseAgent's default answers)" % where})
    return out


def factor_scores(features, criticality, scales=None):
    """Each factor scaled to 0-100: file size by lines, GPU use, threads/pools/processes,
    databases, and ``criticality`` (0-100, e.g. 100 for an agent the config marks required)."""
    scale = dict(SCALES, **(scales or {}))
    concurrency = features["threads"] + features["thread_pools"] + features["processes"]
    return {
        "file_size": min(100.0, features["lines"] * 100.0 / scale["lines_for_full_size"]),
        "gpu": 100.0 if features["gpu"] else 0.0,
        "threading": min(100.0, concurrency * float(scale["per_concurrency_unit"])),
        "databases": min(100.0, len(features["databases"]) * float(scale["per_database"])),
        "criticality": max(0.0, min(100.0, float(criticality))),
    }


def score(features, criticality=0, weights=None, bands=None, strategies=None, scales=None):
    """The weighted matrix: ``{"score", "level", "strategy", "contributions": {factor:
    {"factor_score", "weight", "contribution"}}}``; the score is the sum of contributions."""
    weight = dict(WEIGHTS, **(weights or {}))
    band = dict(BANDS, **(bands or {}))
    plans = {level: dict(STRATEGIES[level], **((strategies or {}).get(level) or {})) for level in STRATEGIES}
    factors = factor_scores(features, criticality, scales)
    contributions = {name: {"factor_score": round(value, 2), "weight": weight[name],
                            "contribution": round(value * weight[name], 2)} for name, value in factors.items()}
    total = round(sum(c["contribution"] for c in contributions.values()), 2)
    rounded = int(total + 0.5)
    level = "low" if rounded <= band["low"] else ("medium" if rounded <= band["medium"] else "high")
    return {"score": total, "level": level, "strategy": dict(plans[level], level=level), "contributions": contributions}


def assess(path, criticality=0, weights=None, bands=None, strategies=None, scales=None):
    """Read ``path`` and assess it: ``{"path", "exists", "compiles", "error", "approximate",
    "features", "findings", "blocking", "score", "level", "strategy", "contributions"}``.

    A missing or unreadable file is a blocking ``script_missing`` finding, not an exception.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        finding = {"code": "script_missing", "severity": "error", "blocking": True,
                   "message": "%s cannot be read: %s" % (path, exc.strerror or exc)}
        return {"path": path, "exists": False, "compiles": False, "error": None, "approximate": True,
                "features": None, "findings": [finding], "blocking": True, "score": None, "level": None,
                "strategy": None, "contributions": None}
    features = analyse_source(data)
    findings = findings_from(features, path)
    result = {"path": path, "exists": True, "compiles": features["compiles"], "error": features["error"],
              "approximate": features["approximate"], "features": features, "findings": findings,
              "blocking": any(f["blocking"] for f in findings)}
    result.update(score(features, criticality, weights, bands, strategies, scales))
    return result


def _assess_item(item):
    path, criticality, options = item
    return assess(path, criticality, **options)


def assess_many(items, workers=None, **options):
    """``assess`` for many ``(path, criticality)`` items, in order; with more than a handful,
    spread over ``workers`` processes (default: the CPUs this process may use), since parsing is
    CPU-bound. Processes are forked, so nothing is imported again."""
    jobs = [(path, criticality, options) for path, criticality in items]
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 2 or len(jobs) < 16 or "fork" not in multiprocessing.get_all_start_methods():
        return [_assess_item(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_assess_item, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
