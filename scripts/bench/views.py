"""How fast the views take in a ledger (issue 14, items 2/3/7; docs/decisions/0018-bitemporal-views.md).

On a copy of a ledger file (so every run starts from the same file; the views' tables of the
original are left alone), in one process, each figure in events per second of wall time and of
this process's CPU time (``*_cpu_eps``: the machine is shared, so the CPU figure is the one to
compare across runs):

- ``raw_decode``: every stored row read (``select_rows``) and its state decoded by ``orjson``
  with nothing folded: the limit a rebuild is measured against (issue 14: "raw read + orjson
  decode");
- ``read_log``: the same rows decoded into domain events (our transcoder, the library's mapper):
  the floor of any fold of ours;
- ``projection``: the :class:`projections.views.Views` projection stepped over the first
  ``--projection-facts`` events of the log (decoded beforehand), no store: the work per fact;
- ``views_rebuild``: ``projections.views.rebuild`` (reset, read, fold, write, exactly once) into
  the copy; ``views_rebuild_vs_limit`` is its CPU figure over ``raw_decode``'s.

``--profile N`` prints cProfile's top lines for the projection over the first N facts.
The script uses only what the first views slice had too, so the same file runs against another
checkout (``PYTHONPATH=/that/checkout python /this/checkout/scripts/bench/views.py ...``).

    python -m scripts.bench.views --db season.db [--generate 100000] [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from ledger.application import READ_BATCH
from ledger.bootstrap import build_app
from ledger.store.recorders import chained
from projections.state import collector_paused
from projections.views import Views, rebuild


def timed(work: Callable[[], int]) -> dict[str, float]:
    """Run ``work`` (it returns how many events it took in); its events per second, wall and CPU."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"events": count, "seconds": wall, "cpu_seconds": cpu,
            "eps": count / max(wall, 1e-9), "cpu_eps": count / max(cpu, 1e-9)}


def raw_decode(db: str) -> int:
    app = build_app(db)
    recorder, count, start = chained(app.recorder), 0, 1
    try:
        while True:
            rows = recorder.select_rows(start, None, READ_BATCH)
            for row in rows:
                orjson.loads(row[4])
            count += len(rows)
            if len(rows) < READ_BATCH:
                return count
            start = rows[-1][0] + 1
    finally:
        app.close()


def read_log(db: str) -> int:
    app = build_app(db)
    try:
        return sum(1 for _ in app.read_log())
    finally:
        app.close()


def decoded(db: str, facts: int) -> list[tuple[int, Any]]:
    app = build_app(db)
    try:
        return list(itertools.islice(app.read_log(), facts))
    finally:
        app.close()


def projection(events: list[tuple[int, Any]]) -> int:
    views = Views(None)
    with collector_paused():
        for position, event in events:
            views.step(position, event)
    return len(events)


def views_rebuild(db: str) -> int:
    app = build_app(db)
    try:
        return rebuild(app)
    finally:
        app.close()


def profile(events: list[tuple[int, Any]], lines: int = 25) -> str:
    found = cProfile.Profile()
    found.runcall(projection, events)
    out = io.StringIO()
    pstats.Stats(found, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the ledger file (copied; left as it is)")
    parser.add_argument("--generate", type=int, default=None, metavar="EVENTS",
                        help="write a generated season of this many events into --db first, "
                             "when the file does not exist")
    parser.add_argument("--projection-facts", type=int, default=5000)
    parser.add_argument("--profile", type=int, default=None, metavar="FACTS")
    parser.add_argument("--skip-rebuild", action="store_true",
                        help="only the limits and the projection (a slow checkout)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.generate and not Path(args.db).exists():
        from scripts.demo.generate import generate
        app = build_app(args.db)
        generate(app, events=args.generate, seed=1)
        app.close()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as where:
        copy = str(Path(where) / "views-bench.db")
        shutil.copyfile(args.db, copy)
        report["raw_decode"] = timed(lambda: raw_decode(copy))
        report["read_log"] = timed(lambda: read_log(copy))
        events = decoded(copy, args.projection_facts)
        report["projection"] = timed(lambda: projection(events))
        if not args.skip_rebuild:
            report["views_rebuild"] = timed(lambda: views_rebuild(copy))
            report["views_rebuild_vs_limit"] = (report["views_rebuild"]["cpu_eps"]
                                                / report["raw_decode"]["cpu_eps"])
        if args.profile:
            report["profile"] = profile(decoded(copy, args.profile))
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
        return 0
    for name, figure in report.items():
        if isinstance(figure, dict):
            print(f"{name:>16}: {figure['events']:>9,} events in {figure['seconds']:7.2f} s wall "
                  f"({figure['eps']:>9,.0f}/s), {figure['cpu_seconds']:7.2f} s CPU "
                  f"({figure['cpu_eps']:>9,.0f}/s)")
        elif isinstance(figure, float):
            print(f"{name:>16}: {figure:.3f}")
        else:
            print(figure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
