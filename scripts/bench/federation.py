"""Issue 14, item 7: the figures of a federation-size ledger, each beside the limit it is measured
against in the same run (``python -m scripts.bench``, scripts/bench/season.py, calls these).

The limits, named for what they are (events per second, over the same rows):

- ``raw_read_eps``: the stack's raw read of the rows: one SELECT of every stored event (position,
  aggregate id, version, topic, state) through the driver (sqlite3, or a psycopg server-side
  cursor), nothing else. What no read of the log can beat;
- ``raw_decode_eps``: the same read plus ``orjson.loads`` of each row's state, folded into nothing:
  the real limit of a rebuild (any rebuild reads and decodes every row);
- ``executemany_eps``: the same rows written again with plain ``executemany`` in one transaction
  (scripts/bench/restore.py): the limit of a restore or bulk import;
- ``library_default_eps``: the library's own default path (``select_notifications`` and
  ``mapper.to_domain_event``, Notification objects and the library's decoding): an anchor, not a
  limit (ours may and should beat it).

And the questions, timed as a user meets them:

- ``cli_query_s``, ``cli_query_rss_mb``: a real ``skate-ledger --db DB standings KEY`` process at a
  random basis (position or known-at moment), wall time from spawn to exit (start-up included),
  and its peak RSS (VmHWM, read by the process itself at exit);
- ``race_asof_p95_ms``: in process, ``projections.reading.race_state_at`` (with marks, as the
  command's table and JSON read) and ``leaderboard`` of a race that exists at a random basis;
- ``cross_asof_p95_ms``: in process, ``projections.views.history_at`` of a skater registered at a
  random basis, on a ledger whose views are built (``views rebuild``);
- ``views_rebuild_eps``: ``projections.views.rebuild`` of a ledger restored from the first
  ``--views-sample`` facts of the season (``views_rebuild_sampled_events``): measured on that
  prefix, never extrapolated; ``views_rebuild_vs_limit`` divides it by ``raw_decode_eps``;
- ``board_rss_mb``: ``skate-ledger serve`` on the ledger (scripts/bench/board.py's ``Served``),
  after its races, a board now and boards at random past positions: the server's peak RSS (when
  it does not serve within the deadline, its peak by then, with ``board_started`` 0).
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.clocks import known_at_of
from ledger.importing.jsonl import export_lines, restore
from ledger.store.recorders import chained
from projections.basis import Basis
from projections.leaderboard import leaderboard
from projections.reading import race_state_at

ROOT = Path(__file__).resolve().parents[2]  # the checkout's root: its code
RACE_SCHEDULED = "skate-ledger:Race.Scheduled"
SKATER_REGISTERED = "skate-ledger:Skater.Registered"
#: Run inside the command's process: its peak RSS, written at exit to the file $SKATE_BENCH_HWM names.
HWM_WRAPPER = """
import atexit, os, runpy, sys
def _hwm():
    with open('/proc/self/status') as status:
        peak = next(line for line in status if line.startswith('VmHWM:')).split()[1]
    with open(os.environ['SKATE_BENCH_HWM'], 'w') as out:
        out.write(peak)
atexit.register(_hwm)
sys.argv = ['skate-ledger', *sys.argv[1:]]
runpy.run_module('scripts.cli.main', run_name='__main__')
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# -- the rows, raw ----------------------------------------------------------------------------------
@contextmanager
def raw_rows(db: str, table: str, limit: int | None) -> Iterator[Iterator[tuple[Any, ...]]]:
    """Every stored row (position order, at most ``limit``) straight from the driver: sqlite3's
    cursor, or a psycopg server-side cursor (so 10M rows stream in bounded memory)."""
    bound = "" if limit is None else f" LIMIT {int(limit)}"
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as conn, conn.cursor(name="bench_raw") as cursor:
            cursor.itersize = 10_000
            cursor.execute(f"SELECT notification_id, originator_id, originator_version, topic, state "
                           f"FROM {table} ORDER BY notification_id{bound}")
            yield iter(cursor)
        return
    import sqlite3

    lite = sqlite3.connect(db)  # (mode=ro fails on a WAL file whose -shm another process removed)
    try:
        rows = lite.execute(f"SELECT rowid, originator_id, originator_version, topic, state "
                            f"FROM {table} ORDER BY rowid{bound}")
        rows.arraysize = 10_000
        yield iter(rows)
    finally:
        lite.close()


def events_table(app: Ledger) -> str:
    """The events table of the ledger's store (both recorders name theirs)."""
    return str(getattr(app.recorder, "events_table_name", "stored_events"))


def measure_limits(app: Ledger, db: str, rows: int | None) -> dict[str, float]:
    """The read limits and the library's anchor over the same rows (the first ``rows``, or all),
    beside our own paths: ``read_log_eps`` (our rows and decode, ``Ledger.read_log``) and
    ``recorder_read_eps`` (our recorder's ``select_rows`` in the batches read_log uses)."""
    from ledger.application import READ_BATCH

    table = events_table(app)
    figures: dict[str, float] = {}
    started = time.perf_counter()
    with raw_rows(db, table, rows) as cursor:
        count = sum(1 for _ in cursor)
    figures["raw_read_eps"] = count / (time.perf_counter() - started)
    figures["rate_events"] = count
    loads = orjson.loads
    started = time.perf_counter()
    with raw_rows(db, table, rows) as cursor:
        for row in cursor:
            loads(row[4])
    figures["raw_decode_eps"] = count / (time.perf_counter() - started)
    stop = count  # positions 1..count (a generated ledger has no gaps)
    recorder = chained(app.recorder)
    done, start, started = 0, 1, time.perf_counter()
    while done < count:
        batch = recorder.select_rows(start, stop, READ_BATCH)
        if not batch:
            break
        done += len(batch)
        start = batch[-1][0] + 1
    figures["recorder_read_eps"] = done / (time.perf_counter() - started)
    started = time.perf_counter()
    done = sum(1 for _ in app.read_log(stop=stop))
    figures["read_log_eps"] = done / (time.perf_counter() - started)
    done, start, started = 0, 1, time.perf_counter()
    while done < count:
        notes = app.recorder.select_notifications(start=start, limit=min(READ_BATCH, count - done))
        for note in notes:
            app.mapper.to_domain_event(note)
        done += len(notes)
        if not notes:
            break
        start = notes[-1].id + 1
    figures["library_default_eps"] = done / (time.perf_counter() - started)
    return figures


# -- what exists where ------------------------------------------------------------------------------
def first_seen(db: str, table: str, topic: str, field: str) -> list[tuple[int, str]]:
    """(position, ``field`` of the event) of every event of ``topic``, in log order: which races
    (keys) or skaters (names) exist from which position on."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as conn:
            found = conn.execute(f"SELECT notification_id, state FROM {table} WHERE topic=%s "
                                 "ORDER BY notification_id", (topic,)).fetchall()
    else:
        import sqlite3

        lite = sqlite3.connect(db)
        try:
            found = lite.execute(f"SELECT rowid, state FROM {table} WHERE topic=? ORDER BY rowid",
                                 (topic,)).fetchall()
        finally:
            lite.close()
    return [(int(position), str(orjson.loads(state)[field])) for position, state in found]


def random_bases(app: Ledger, count: int, rng: random.Random, after: int) -> list[tuple[int, Basis]]:
    """``count`` random bases after position ``after``, half positions and half known-at moments
    (each fact's own moment): (the position the basis reaches, the basis)."""
    last = app.last_position()
    chosen: list[tuple[int, Basis]] = []
    for n in range(count):
        position = rng.randint(min(after, last), last)
        if n % 2:
            (_, event), = app.read_log(start=position, stop=position)
            chosen.append((position, Basis(known_at=known_at_of(event))))
        else:
            chosen.append((position, Basis(position=position)))
    return chosen


def existing(seen: list[tuple[int, str]], position: int, rng: random.Random) -> str:
    """A random one of the names seen at or before ``position``."""
    upto = [name for at, name in seen if at <= position]
    return rng.choice(upto)


# -- the questions ----------------------------------------------------------------------------------
def measure_race_asof(app: Ledger, db: str, queries: int, seed: int, budget_s: float
                      ) -> dict[str, float]:
    """Race questions at random bases, in process: the race's own facts, with marks. Positions and
    known-at moments alternate, and each kind is also reported on its own (their costs differ);
    after ``budget_s`` seconds no more are asked (at least two of each kind are), and the count
    asked is in the figures."""
    rng = random.Random(seed)
    races = first_seen(db, events_table(app), RACE_SCHEDULED, "key")
    timings: dict[bool, list[float]] = {False: [], True: []}
    began = time.perf_counter()
    for n, (position, basis) in enumerate(random_bases(app, queries, rng, races[0][0])):
        if n >= 4 and time.perf_counter() - began > budget_s:
            break
        key = existing(races, position, rng)
        started = time.perf_counter()
        leaderboard(race_state_at(app, key, basis, marks=True), key)
        timings[basis.known_at is not None].append((time.perf_counter() - started) * 1000)
    every = [*timings[False], *timings[True]]
    return {"race_asof_p50_ms": percentile(every, 50), "race_asof_p95_ms": percentile(every, 95),
            "race_asof_queries": len(every),
            "race_asof_position_p95_ms": percentile(timings[False], 95),
            "race_asof_known_at_p95_ms": percentile(timings[True], 95)}


def measure_cross_asof(app: Ledger, db: str, queries: int, seed: int) -> dict[str, float]:
    """Skater histories at random bases, in process, through ``history_at`` (views built)."""
    from projections.views import history_at

    rng = random.Random(seed)
    skaters = first_seen(db, events_table(app), SKATER_REGISTERED, "name")
    timings = []
    for position, basis in random_bases(app, queries, rng, skaters[0][0]):
        name = existing(skaters, position, rng)
        started = time.perf_counter()
        history_at(app, name, basis)
        timings.append((time.perf_counter() - started) * 1000)
    return {"cross_asof_p50_ms": percentile(timings, 50),
            "cross_asof_p95_ms": percentile(timings, 95), "cross_asof_queries": len(timings)}


def measure_views(app: Ledger, target: str, sample: int, queries: int, seed: int
                  ) -> dict[str, float]:
    """The views of the season's first ``sample`` facts: a ledger restored from that prefix of the
    export into ``target`` (an empty ledger of the same store; not timed), ``views rebuild`` of it
    (timed), then the cross-race questions on it, views built."""
    with tempfile.TemporaryDirectory(prefix="skate-bench-views-") as folder:
        prefix = Path(folder) / "prefix.jsonl"
        with open(prefix, "w", encoding="utf-8") as out:
            for line in itertools.islice(export_lines(app), sample):
                out.write(line + "\n")
        sampled = build_app(target)
        try:
            restore(sampled, [prefix])
            from projections.views import rebuild

            events = sampled.last_position()
            started = time.perf_counter()
            rebuild(sampled)
            seconds = time.perf_counter() - started
            figures = {"views_rebuild_sampled_events": events, "views_rebuild_s": seconds,
                       "views_rebuild_eps": events / seconds,
                       **measure_cross_asof(sampled, target, queries, seed)}
            figures["cross_asof_events"] = events
            return figures
        finally:
            sampled.close()


def measure_cli(app: Ledger, db: str, runs: int, seed: int, budget_s: float) -> dict[str, float]:
    """``skate-ledger --db DB standings KEY`` at random bases (positions and known-at moments in
    turn), each a fresh process: the median and worst wall time and the worst peak RSS. The first
    run warms the file cache and is not counted; after ``budget_s`` no more are started (at least
    two are counted)."""
    rng = random.Random(seed)
    races = first_seen(db, events_table(app), RACE_SCHEDULED, "key")
    walls: dict[bool, list[float]] = {False: [], True: []}
    peaks = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="skate-bench-cli-") as folder:
        hwm = os.path.join(folder, "hwm")
        env = {**os.environ, "SKATE_BENCH_HWM": hwm, "PYTHONPATH": str(ROOT)}
        for n, (position, basis) in enumerate(random_bases(app, runs + 1, rng, races[0][0])):
            if n >= 3 and time.perf_counter() - began > budget_s:
                break
            key = existing(races, position, rng)
            argv = [sys.executable, "-c", HWM_WRAPPER, "--db", db, "standings", key,
                    *basis_options(basis)]
            started = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, env=env, cwd=ROOT)
            if n:  # the first one warms the file cache
                walls[basis.known_at is not None].append(time.perf_counter() - started)
                peaks.append(int(Path(hwm).read_text()) / 1024)
    every = [*walls[False], *walls[True]]
    return {"cli_query_s": statistics.median(every), "cli_query_max_s": max(every),
            "cli_query_rss_mb": max(peaks), "cli_queries": len(every),
            "cli_query_position_max_s": max(walls[False], default=0.0),
            "cli_query_known_at_max_s": max(walls[True], default=0.0)}


def basis_options(basis: Basis) -> list[str]:
    if basis.known_at is not None:
        return ["--known-at", basis.known_at.isoformat()]
    return ["--position", str(basis.position)]


def measure_board(app: Ledger, db: str, pages: int, seed: int, deadline_s: float
                  ) -> dict[str, float]:
    """``skate-ledger serve`` on the ledger: its peak RSS after the races, a board now and boards
    at random past positions (scripts/bench/board.py starts and stops it)."""
    import httpx

    from scripts.bench.board import Served, free_port

    rng = random.Random(seed)
    races = first_seen(db, events_table(app), RACE_SCHEDULED, "key")
    served = Served(db, free_port(), 0.02)
    started = time.perf_counter()
    try:
        served.start(deadline_s=deadline_s, timeout_s=deadline_s)
    except (RuntimeError, httpx.TimeoutException):
        # not serving within the deadline: what it held by then is the figure (and says so)
        assert served.process is not None
        alive = served.process.poll() is None
        peak = status_mb(served.process.pid, "VmHWM") if alive else 0.0
        served.stop()
        return {"board_rss_mb": peak, "board_started": 0, "board_start_s": deadline_s}
    up_s = time.perf_counter() - started
    try:
        assert served.process is not None
        pid = served.process.pid
        key = races[-1][1]
        httpx.get(f"{served.url}/races/{key}", timeout=deadline_s).raise_for_status()
        timings = []
        for position, _ in random_bases(app, pages, rng, races[0][0]):
            past = existing(races, position, rng)
            began = time.perf_counter()
            httpx.get(f"{served.url}/api/races/{past}", params={"position": position},
                      timeout=deadline_s).raise_for_status()
            timings.append((time.perf_counter() - began) * 1000)
        peak = status_mb(pid, "VmHWM")
        now = status_mb(pid, "VmRSS")
    finally:
        served.stop()
    return {"board_rss_mb": peak, "board_rss_now_mb": now, "board_start_s": up_s, "board_started": 1,
            "board_past_p95_ms": percentile(timings, 95)}


def status_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def stamp() -> str:
    """A run's own suffix for the names its live facts use (a kept ledger is measured again)."""
    return datetime.now().strftime("%Y%m%d%H%M%S")
