"""How long parsing each real startup_config.yaml takes (target: under 50 ms per file).

Prints, per file, the median and worst of N parses with schema validation (as the module
does) and without. Run with the project's environment: ``.venv/bin/python benchmarks/bench_startup_config.py``.
"""

from __future__ import annotations

import gzip
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / ".collections"))

from ansible_collections.aisystem.fleet.plugins.module_utils import _startup_config as sc  # noqa: E402

RUNS = 50
TARGET_MS = 50.0


def main():
    fixtures = sorted((REPO / "roles" / "sandbox" / "files" / "startup_configs").glob("*.yaml.gz"))
    print("%-42s %6s %6s %10s %10s %10s" % ("file", "lines", "agents", "p50 ms", "max ms", "no-schema"))
    worst = 0.0
    for path in fixtures:
        text = gzip.open(path, "rt", encoding="utf-8").read()
        sc.parse_startup_config(text, path.name)  # warm: imports, schema compilation caches
        timings = {}
        for validate in (True, False):
            samples = []
            for _run in range(RUNS):
                start = time.perf_counter()
                result = sc.parse_startup_config(text, path.name, validate=validate)
                samples.append((time.perf_counter() - start) * 1000)
            timings[validate] = samples
        worst = max(worst, *timings[True])
        print("%-42s %6d %6d %10.2f %10.2f %10.2f" % (
            path.name[:-3], text.count("\n"), len(result["agents"]), statistics.median(timings[True]),
            max(timings[True]), statistics.median(timings[False])))
    verdict = "met" if worst < TARGET_MS else "MISSED"
    print("target: under %.0f ms per file; worst seen %.2f ms: %s" % (TARGET_MS, worst, verdict))


if __name__ == "__main__":
    main()
