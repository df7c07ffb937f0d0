"""Restore beside its limit (issue 14, item 6): ``import`` of an export into an empty ledger, and a
plain ``executemany`` of the same rows into a scratch table of the same store, in one process.

- ``restore_eps``: events per second of wall time of :func:`ledger.importing.jsonl.restore`, every
  line judged (chain, versions, one content per fact id, each aggregate folded) and written in
  one transaction; ``restore_cpu_eps`` the same per second of this process's CPU (the machine is
  shared: wall time carries the other processes' load);
- ``executemany_eps``: the restored rows (aggregate id, version, topic, state) read back and
  written again with ``executemany`` in batches of the restore's size, in one transaction, into a
  table shaped like the events table: the stack's own cost of writing them (only the writes timed);
- ``restore_rss_mb``: the peak RSS of the process (interpreter and imports included), run on its
  own (``season.py`` starts it in a fresh subprocess).

Run on its own, it measures restore before and after a change, in one run, on both stores: a
generated season's export (``--events``; or ``--export FILE``) restored by each checkout in a fresh
subprocess (its own code: the child runs from the checkout's root), the checkouts alternating,
each beside the ``executemany`` of the same rows in the same process; ``--profile N`` adds the top
N functions of a cProfile of this checkout's restore into SQLite::

    git worktree add /tmp/before main
    python -m scripts.bench.restore --events 100000 --before /tmp/before --profile 25
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledger.bootstrap import build_app
from ledger.importing.jsonl import BATCH, restore
from ledger.store.recorders import chained

SCRATCH = "bench_scratch_events"


def rss_mb() -> float:
    """The current resident set size of this process."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM of /proc/self/status. (getrusage's ru_maxrss is not used: on
    Linux it survives fork and exec, so a child reported the bench process's own peak.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_restore(export: Path, db: str) -> dict[str, float]:
    app = build_app(db)
    base = rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    restore(app, [export])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    events = len(app.appended)
    rss = peak_rss_mb()
    limit = measure_executemany(app, db)
    app.close()
    return {"events": events, "restore_s": wall, "restore_eps": events / wall,
            "restore_cpu_eps": events / cpu, "restore_rss_mb": rss, "restore_rss_before_mb": base,
            **limit, "restore_vs_executemany": (events / wall) / limit["executemany_eps"]}


def measure_executemany(app: Any, db: str) -> dict[str, float]:
    """The same rows written with plain ``executemany`` in one transaction (the writes timed)."""
    recorder = chained(app.recorder)
    postgres = db.startswith("postgresql://")
    if postgres:
        import psycopg

        conn: Any = psycopg.connect(db)
        conn.execute(f"CREATE TABLE {SCRATCH} (notification_id bigserial PRIMARY KEY, "
                     "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                     "topic text NOT NULL, state bytea, UNIQUE (originator_id, originator_version))")
        insert = (f"INSERT INTO {SCRATCH} (originator_id, originator_version, topic, state) "
                  "VALUES (%s, %s, %s, %s)")
    else:
        import sqlite3

        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute(f"CREATE TABLE {SCRATCH} (originator_id TEXT, originator_version INTEGER, "
                     "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
        insert = f"INSERT INTO {SCRATCH} VALUES (?,?,?,?)"
        conn.execute("BEGIN")
    spent, count, start = 0.0, 0, 1
    try:
        cursor = conn.cursor()
        while True:
            rows = recorder.select_rows(start, None, BATCH)
            if not rows:
                break
            params = [(r[1] if postgres else str(r[1]).replace("-", ""), r[2], r[3], r[4])
                      for r in rows]
            began = time.perf_counter()
            cursor.executemany(insert, params)
            spent += time.perf_counter() - began
            count += len(rows)
            start = rows[-1][0] + 1
        began = time.perf_counter()
        conn.commit()
        spent += time.perf_counter() - began
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        conn.commit()
        conn.close()
    return {"executemany_rows": count, "executemany_eps": count / spent if spent else 0.0}


# -- before and after, in one run ------------------------------------------------------------------
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
#: what a child runs in a checkout (the function's name and arguments are the same in the checkout
#: this restore replaced): one JSON line of figures
CHILD = ("import json, sys; from pathlib import Path; from scripts.bench.restore import "
         "measure_restore; print(json.dumps(measure_restore(Path(sys.argv[1]), sys.argv[2])))")
SHOWN = ("restore_eps", "restore_cpu_eps", "executemany_eps", "restore_vs_executemany",
         "restore_rss_mb", "restore_s")


def write_export(events: int, folder: str) -> Path:
    """A generated season (seed 7) of about ``events`` events, exported."""
    from ledger.importing.jsonl import write_jsonl
    from scripts.demo.generate import generate

    app = build_app(os.path.join(folder, "season.db"))
    try:
        generate(app, events=events, seed=7)
        path = Path(folder) / "season.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            write_jsonl(app, handle)
    finally:
        app.close()
    return path


@contextmanager
def empty_ledger(kind: str, folder: str) -> Iterator[str]:
    """A fresh ledger location: a new SQLite file, or a PostgreSQL database made for one restore."""
    if kind == "sqlite":
        path = os.path.join(folder, f"restore-{uuid.uuid4().hex[:8]}.db")
        try:
            yield path
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
        return
    import psycopg

    name = f"skate_ledger_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def in_checkout(checkout: Path, export: Path, db: str) -> dict[str, float]:
    """One restore by the code of ``checkout``, in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(export), db], cwd=checkout, env=env,
                         check=False, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"the restore in {checkout} failed:\n{out.stderr[-4000:]}")
    figures: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return figures


def profile(export: Path, db: str, top: int) -> str:
    """The top functions (by own time, CPU) of a cProfile of this checkout's restore."""
    import cProfile
    import io
    import pstats

    app = build_app(db)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    restore(app, [export])
    profiler.disable()
    app.close()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    return text.getvalue()


def shown(value: float) -> str:
    """A figure for the table: events per second to the unit, ratios to the hundredth."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.restore", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--export", type=Path, help="restore this export (else one is generated)")
    parser.add_argument("--before", type=Path, help="another checkout, measured alternately")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=1, help="restores per checkout and store")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--json", action="store_true", help="one JSON line per restore")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parents[2]
    checkouts = [("before", args.before.resolve())] if args.before else []
    checkouts.append(("after", here))
    with tempfile.TemporaryDirectory(prefix="skate-bench-restore-") as folder:
        export = args.export or write_export(args.events, folder)
        lines = sum(1 for _ in export.open("rb"))
        print(f"export: {export} ({lines} lines); load average {os.getloadavg()[0]:.1f}",
              file=sys.stderr)
        for kind in args.stores.split(","):
            for run in range(args.runs):
                for label, checkout in checkouts:
                    with empty_ledger(kind, folder) as db:
                        figures = in_checkout(checkout, export, db)
                    row = {"store": kind, "checkout": label, "run": run + 1, **figures}
                    if args.json:
                        print(json.dumps(row))
                    else:
                        print(f"{kind:9} {label:6} " + "  ".join(
                            f"{name} {shown(figures[name])}" for name in SHOWN), flush=True)
        if args.profile:
            with empty_ledger("sqlite", folder) as db:
                print(profile(export, db, args.profile))


if __name__ == "__main__":
    main()
