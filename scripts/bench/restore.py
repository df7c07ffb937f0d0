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
"""

from __future__ import annotations

import os
import resource
import time
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
