"""The benchmark runs (python -m scripts.bench --small --json) and reports every figure: no thresholds.

SQLite always; PostgreSQL when reachable, and always under CI=true (an unreachable server fails).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from tests.conftest import _PG, IN_CI

FIGURES = ("append_p50_ms", "append_p99_ms", "import_eps", "limit_eps", "rebuild_eps",
           "rebuild_vs_limit", "asof_p50_ms", "asof_p95_ms", "asof_speedup", "rebuild_rss_mb",
           "startup_ms", "restore_eps", "restore_cpu_eps", "restore_rss_mb", "executemany_eps",
           "restore_vs_executemany")


def test_the_small_benchmark_reports_every_figure_for_each_store() -> None:
    stores = ["sqlite", "postgres"] if _PG or IN_CI else ["sqlite"]
    out = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--small", "--json", "--stores", ",".join(stores)],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
        check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert list(report["stores"]) == stores
    for store, figures in report["stores"].items():
        for name in FIGURES:
            value = figures[name]
            assert isinstance(value, int | float) and math.isfinite(value) and value > 0, (
                store, name, value)
