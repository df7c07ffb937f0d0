"""Benchmark of issue 5, "time travel at scale": one run, one process per store's rebuild.

On a generated season (scripts/demo/generate.py) of ``--events`` events, for SQLite and PostgreSQL
(a temporary file, or a database created for the run and dropped after it), measures:

- ``append``: one fact per Ledger command on the loaded ledger (latency p50/p99, ms);
- ``import``: the generator's bulk writing, one transaction per race (events/s, rules included);
- ``limit``: read and decode every event as the projections do (``Ledger.read_log``), beside
  ``read`` (the rows alone) and ``notifications_decode`` (the library's Notification objects);
- ``rebuild``: every race's board from the whole log in bounded memory (projections/rebuild.py),
  in a fresh subprocess whose peak RSS is the ``rebuild_rss_mb`` (interpreter and imports
  included); ``whole_fold``: the whole log folded into one LedgerState (every fact kept) and every
  board, in another fresh subprocess (``whole_fold_rss_mb``);
- ``restore``: the season's export imported into an empty ledger of the same store, in a fresh
  subprocess (``restore_eps``, ``restore_cpu_eps``, ``restore_rss_mb``), beside a plain
  ``executemany`` of the same rows into a scratch table in the same process (``executemany_eps``,
  the limit; ``restore_vs_executemany``): scripts/bench/restore.py;
- ``asof``: random bases (positions and known-at moments) answered from checkpoints
  (projections/snapshots.py) with one race's leaderboard (latency p50/p95), and a sample of the
  same bases folded from zero (``asof_speedup``: mean from zero / mean from checkpoints);
- ``startup``: ``skate-ledger --db DB --help`` in a fresh interpreter, wall time from process start
  to exit (median of 20 runs, 5 with ``--small``; ``startup_ms``): the command's start-up, the
  floor of every command (issue 14, item 5: <= 150 ms).

    python -m scripts.bench                 # 1,000,000 events, both stores, a table
    python -m scripts.bench --small --json  # 5,000 events: the CI smoke (tests/adapters/test_bench_smoke.py)
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import psycopg

from ledger.application import READ_BATCH, Ledger
from ledger.bootstrap import build_app
from ledger.importing.jsonl import write_jsonl
from ledger.store.recorders import chained
from projections.basis import Basis
from projections.leaderboard import leaderboard
from projections.reading import fold, snapshots_of, state_at
from projections.rebuild import rebuild_boards
from projections.snapshots import SnapshotStore
from projections.state import collector_paused, copy_race_state
from scripts.bench.restore import measure_restore, peak_rss_mb, rss_mb
from scripts.demo.generate import generate

PG_SERVER = os.environ.get("SKATE_LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

#: The issue's targets: (figure, comparison, value).
TARGETS = (
    ("rebuild_eps", ">=", 150_000), ("rebuild_vs_limit", ">=", 0.5), ("asof_p95_ms", "<=", 20.0),
    ("asof_speedup", ">=", 100.0), ("append_p99_ms", "<=", 5.0), ("import_eps", ">=", 30_000),
    ("rebuild_rss_mb", "<=", 300.0), ("startup_ms", "<=", 150.0),
)
FIGURES = ("append_p50_ms", "append_p99_ms", "import_eps", "limit_eps", "rebuild_eps",
           "rebuild_vs_limit", "asof_p50_ms", "asof_p95_ms", "asof_zero_ms", "asof_speedup",
           "rebuild_rss_mb", "startup_ms")


# -- helpers ------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def store_target(kind: str) -> Iterator[str]:
    """A fresh, empty ledger location for the run: a temporary SQLite file, or a new database."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="skate-bench-") as folder:
            yield os.path.join(folder, "bench.db")
        return
    name = f"skate_ledger_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settle(db: str) -> None:
    """What an operator does after a bulk load, before the live day: SQLite folds its write-ahead
    log into the file, PostgreSQL vacuums and analyses (else its autovacuum, or SQLite's first
    checkpoints, fall on the live commands measured next)."""
    if db.startswith("postgresql://"):
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# -- the measures -------------------------------------------------------------------------------
def measure_append(app: Ledger, races: int, skaters: int) -> list[float]:
    """Latency (ms) of each Ledger command of live races on the loaded ledger: one fact each."""
    latencies: list[float] = []

    def timed(command: Callable[..., Any], *args: Any) -> None:
        started = time.perf_counter()
        command(*args)
        latencies.append((time.perf_counter() - started) * 1000)

    day = date(2030, 1, 5)
    comp = app.schedule_competition("Synthetic Live Cup", "Synthetic Rink", day,
                                    day + timedelta(days=max(races - 1, 0) // 2))
    names = [f"Live Skater {n:02d}" for n in range(1, skaters + 1)]
    for name in names:
        timed(app.register_skater, name, "NED")
    for number in range(races):
        distance, category = (1500, 5000, 1000)[number % 3], ("men", "women")[number % 2]
        race_day = day + timedelta(days=number // 2)
        key = app.schedule_race(comp, distance, category, race_day)
        for name in names:
            timed(app.enter_starter, key, name)
        for pair in range(1, skaters // 2 + 1):
            timed(app.draw_pair, key, pair, names[2 * pair - 2], names[2 * pair - 1])
        for pair in range(1, skaters // 2 + 1):
            timed(app.start, key, pair)
            points = list(range(distance % 400 or 400, distance, 400))
            for metres in points:
                for lane in (0, 1):
                    ms = 1500 + 72 * metres + 300 * lane
                    timed(app.record_passing, key, names[2 * pair - 2 + lane], metres, ms)
            for lane in (0, 1):
                timed(app.record_finish, key, names[2 * pair - 2 + lane], 72 * distance + 300 * lane)
        timed(app.declare_official, key, "Referee Live",
              datetime.combine(race_day, dt_time(20), UTC))  # on the race's day, not today
    return latencies


def measure_limit(app: Ledger) -> dict[str, float]:
    """What any rebuild must at least do, three ways (events per second):

    - ``read``: read every stored row (our recorders' ``select_rows``), nothing else;
    - ``limit``: read and decode every event as the projections do (``Ledger.read_log``: the rows,
      our transcoder, the library's mapper) — the limit a rebuild is measured against;
    - ``notifications_decode``: the library's ``select_notifications`` (Notification objects) and
      ``mapper.to_domain_event`` (with our transcoder): what read_log did before plain rows."""
    recorder = chained(app.recorder)
    figures: dict[str, float] = {}
    count, start, started = 0, 1, time.perf_counter()
    while True:
        rows = recorder.select_rows(start, None, READ_BATCH)
        count += len(rows)
        if len(rows) < READ_BATCH:
            break
        start = rows[-1][0] + 1
    figures["read_eps"] = count / (time.perf_counter() - started)
    started = time.perf_counter()
    count = sum(1 for _ in app.read_log())
    figures["limit_eps"] = count / (time.perf_counter() - started)
    figures["events"] = count
    count, start, started = 0, 1, time.perf_counter()
    while True:
        batch = app.recorder.select_notifications(start=start, limit=READ_BATCH)
        for note in batch:
            app.mapper.to_domain_event(note)
        count += len(batch)
        if len(batch) < READ_BATCH:
            break
        start = batch[-1].id + 1
    figures["notifications_decode_eps"] = count / (time.perf_counter() - started)
    return figures


def rebuild(db: str) -> dict[str, float]:
    """Every race's board from the whole log, in bounded memory (projections/rebuild.py); run in a
    fresh process (see main), so the peak RSS is the rebuild's alone."""
    app = build_app(db)
    base = rss_mb()
    started = time.perf_counter()
    done = rebuild_boards(app)
    seconds = time.perf_counter() - started
    app.close()
    return {"events": done.events, "seconds": seconds, "boards": len(done.boards),
            "reloads": done.reloads, "rss_mb": peak_rss_mb(), "rss_before_mb": base}


def fold_whole(db: str) -> dict[str, float]:
    """The whole log folded into one LedgerState (every fact of every race kept), then every
    board: what the as-of queries and checkpoints start from."""
    app = build_app(db)
    base = rss_mb()
    started = time.perf_counter()
    with collector_paused():
        state = fold(app.read_log())
        folded = time.perf_counter() - started
        boards = [leaderboard(state, key) for key in state.race_keys]
    seconds = time.perf_counter() - started
    app.close()
    return {"events": state.position, "seconds": seconds, "fold_seconds": folded,
            "boards": len(boards), "rss_mb": peak_rss_mb(), "rss_before_mb": base}


RESTORE_FIGURES = ("restore_eps", "restore_cpu_eps", "restore_rss_mb", "executemany_eps",
                   "restore_vs_executemany")


def measure_restore_of(app: Ledger, kind: str) -> dict[str, float]:
    """The ledger's export restored into an empty ledger of the same store, in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="skate-bench-export-") as folder:
        export = os.path.join(folder, "export.jsonl")
        with open(export, "w", encoding="utf-8") as handle:
            write_jsonl(app, handle)
        with store_target(kind) as target:
            return in_subprocess("--restore-child", export, target)


def in_subprocess(flag: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "scripts.bench", flag, *args],
                         check=False, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2])  # the checkout's root: its code
    if out.returncode:
        raise RuntimeError(f"the {flag} subprocess failed:\n{out.stderr[-4000:]}")
    result: dict[str, float] = json.loads(out.stdout)
    return result


def measure_startup(db: str, runs: int) -> float:
    """The median wall time (ms) of ``skate-ledger --db DB --help``, each run a fresh interpreter."""
    argv = [sys.executable, "-m", "scripts.cli.main", "--db", db, "--help"]
    subprocess.run(argv, capture_output=True, check=True)  # warm the file cache first
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def scalar(figure: float | list[float]) -> float:
    """One figure of measure_asof's (its lists are the timings behind the percentiles)."""
    if isinstance(figure, list):
        raise TypeError("a list of timings is not one figure")
    return float(figure)


def measure_asof(app: Ledger, queries: int, from_zero: int, seed: int
                 ) -> dict[str, float | list[float]]:
    rng = random.Random(seed)
    before = rss_mb()
    started = time.perf_counter()
    store = snapshots_of(app)
    build_s = time.perf_counter() - started
    grown = rss_mb() - before
    # The checkpoints live as long as the process and hold no cycles: out of the cyclic collector's
    # sight (else each full collection walks their millions of objects: pauses of a second at 1M).
    gc.freeze()
    events = store.count
    first, last = store.latest[0], store.latest[-1]
    bases = []
    for n in range(queries):
        if n % 2:
            moment = first + rng.randint(0, last - first)
            head = store.head.recorded_at
            assert head is not None
            bases.append(Basis(known_at=head + timedelta(microseconds=moment - last)))
        else:
            bases.append(Basis(position=store.positions[rng.randrange(events)]))
    race_rng = random.Random(seed + 1)

    def answer(basis: Basis, snapshots: SnapshotStore | None) -> Any:
        state = state_at(app, basis, snapshots)
        keys = list(state.race_keys)
        return leaderboard(state, race_rng.choice(keys)) if keys else None

    timings = []
    for basis in bases:
        t = time.perf_counter()
        answer(basis, store)
        timings.append((time.perf_counter() - t) * 1000)
    zero, again = [], []
    for basis in bases[:from_zero]:  # the same bases, folded from position 1 (and compared)
        race_rng.seed(hash(basis))
        t = time.perf_counter()
        expected = answer(basis, None)
        zero.append((time.perf_counter() - t) * 1000)
        race_rng.seed(hash(basis))
        t = time.perf_counter()
        got = answer(basis, store)
        again.append((time.perf_counter() - t) * 1000)
        if got != expected:
            raise AssertionError(f"checkpointed answer differs from the fold from zero at {basis}")
    sheets = list(store.head.races.values())[:200]
    t = time.perf_counter()
    for sheet in sheets:
        copy_race_state(sheet)
    copy_us = (time.perf_counter() - t) / max(1, len(sheets)) * 1e6
    t = time.perf_counter()
    for sheet in sheets:
        copy.deepcopy(sheet)
    deepcopy_us = (time.perf_counter() - t) / max(1, len(sheets)) * 1e6
    return {"timings": timings, "zero_mean": statistics.mean(zero),
            "again_mean": statistics.mean(again), "build_s": build_s, "checkpoints": len(
                store.snapshots), "grown_mb": grown, "copy_sheet_us": copy_us,
            "deepcopy_sheet_us": deepcopy_us}


def bench_store(kind: str, events: int, seed: int, small: bool, log: Callable[[str], None]
                ) -> dict[str, float]:
    with store_target(kind) as db:
        app = build_app(db)
        log(f"{kind}: generating {events:,} events")
        done = generate(app, events=events, seed=seed)
        log(f"{kind}: {done.events:,} events in {done.seconds:.1f} s; settling the store")
        settle(db)
        log(f"{kind}: live append")
        latencies = measure_append(app, races=2 if small else 6, skaters=10 if small else 16)
        log(f"{kind}: the limit (read + decode)")
        limits = measure_limit(app)
        log(f"{kind}: restore of the export (subprocess)")
        restored = measure_restore_of(app, kind)
        log(f"{kind}: rebuild (subprocess)")
        rebuilt = in_subprocess("--rebuild-child", db)
        log(f"{kind}: whole fold (subprocess)")
        whole = in_subprocess("--fold-child", db)
        log(f"{kind}: as-of queries")
        asof = measure_asof(app, queries=60 if small else 300, from_zero=4 if small else 6,
                            seed=seed)
        app.close()
        log(f"{kind}: start-up (--help, subprocesses)")
        startup_ms = measure_startup(db, runs=5 if small else 20)
    timings = asof.pop("timings")
    assert isinstance(timings, list)
    limit_eps = limits["limit_eps"]
    count = limits["events"]
    rebuild_eps = rebuilt["events"] / rebuilt["seconds"]
    figures: dict[str, float] = {
        "events": count, "races": done.races,
        "append_p50_ms": percentile(latencies, 50), "append_p99_ms": percentile(latencies, 99),
        "append_commands": len(latencies),
        "import_eps": done.events_per_second,
        "limit_eps": limit_eps, "read_eps": limits["read_eps"],
        "notifications_decode_eps": limits["notifications_decode_eps"],
        "rebuild_eps": rebuild_eps, "rebuild_vs_limit": rebuild_eps / limit_eps,
        "rebuild_reloads": rebuilt["reloads"],
        "whole_fold_eps": whole["events"] / whole["fold_seconds"],
        "whole_fold_boards_eps": whole["events"] / whole["seconds"],
        "whole_fold_rss_mb": whole["rss_mb"],
        "asof_p50_ms": percentile(timings, 50), "asof_p95_ms": percentile(timings, 95),
        "asof_zero_ms": scalar(asof["zero_mean"]),
        "asof_speedup": scalar(asof["zero_mean"]) / scalar(asof["again_mean"]),
        "rebuild_rss_mb": rebuilt["rss_mb"], "rebuild_rss_before_mb": rebuilt["rss_before_mb"],
        "startup_ms": startup_ms,
        **{name: restored[name] for name in RESTORE_FIGURES},
    }
    for name in ("build_s", "checkpoints", "grown_mb", "copy_sheet_us", "deepcopy_sheet_us"):
        figures[f"checkpoint_{name}"] = scalar(asof[name])
    return figures


def met(value: float, comparison: str, target: float) -> bool:
    return value >= target if comparison == ">=" else value <= target


def show_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    stores: dict[str, dict[str, float]] = report["stores"]
    targets = {name: (cmp, value) for name, cmp, value in TARGETS}
    table = Table(title=f"skate-ledger benchmark: {report['events_asked']:,} events "
                        f"(Python {report['python']}, SQLite {report['sqlite']}, {report['cpus']} cores)")
    table.add_column("figure")
    for kind in stores:
        table.add_column(kind, justify="right")
    table.add_column("target", justify="right")
    names = [*FIGURES, *sorted({k for s in stores.values() for k in s} - set(FIGURES))]
    for name in names:
        cells = []
        for figures in stores.values():
            value = figures.get(name)
            text = "" if value is None else (f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}")
            if value is not None and name in targets:
                text += " ✓" if met(value, *targets[name]) else " ✗"
            cells.append(text)
        target = f"{targets[name][0]} {targets[name][1]:,}" if name in targets else ""
        table.add_row(name, *cells, target)
    Console(stderr=False).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--small", action="store_true", help="5,000 events: a smoke run")
    parser.add_argument("--stores", default=None,
                        help="comma-separated: sqlite,postgres (default: both; PostgreSQL only "
                             "when reachable, and required under CI=true)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rebuild-child", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--fold-child", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--restore-child", nargs=2, metavar=("EXPORT", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rebuild_child:
        print(json.dumps(rebuild(args.rebuild_child)))
        return 0
    if args.fold_child:
        print(json.dumps(fold_whole(args.fold_child)))
        return 0
    if args.restore_child:
        print(json.dumps(measure_restore(Path(args.restore_child[0]), args.restore_child[1])))
        return 0
    events = 5_000 if args.small else args.events
    if args.stores:
        kinds = [k.strip() for k in args.stores.split(",") if k.strip()]
    else:
        kinds = ["sqlite"] + (["postgres"] if IN_CI or postgres_reachable() else [])
    unknown = set(kinds) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown stores: {', '.join(sorted(unknown))}")

    def log(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    report: dict[str, Any] = {
        "events_asked": events, "seed": args.seed, "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(), "stores": {}}
    for kind in kinds:
        report["stores"][kind] = bench_store(kind, events, args.seed, args.small, log)
    if {"sqlite", "postgres"} <= set(report["stores"]):
        lite, pg = report["stores"]["sqlite"], report["stores"]["postgres"]
        report["postgres_vs_sqlite"] = {  # how many times slower PostgreSQL is, figure by figure
            "append_p99": pg["append_p99_ms"] / lite["append_p99_ms"],
            "import": lite["import_eps"] / pg["import_eps"],
            "restore": lite["restore_eps"] / pg["restore_eps"],
            "limit": lite["limit_eps"] / pg["limit_eps"],
            "rebuild": lite["rebuild_eps"] / pg["rebuild_eps"],
            "asof_p95": pg["asof_p95_ms"] / lite["asof_p95_ms"]}
    report["seconds"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(report))
    else:
        show_table(report)
        if "postgres_vs_sqlite" in report:
            print("PostgreSQL / SQLite (times slower):", ", ".join(
                f"{k} {v:.2f}x" for k, v in report["postgres_vs_sqlite"].items()))
        print(f"total {report['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
