"""The change notifier: how a reader learns that another connection appended to the ledger.

On a SQLite file, ``sqlite_watch`` asks the file's data version (a PRAGMA on a read-only connection
of its own, no read of the log); on PostgreSQL, ``listen_for_appends`` runs a thread that LISTENs
to the channel our recorder NOTIFYs in every appending transaction. The web board polls with the
first and is woken by the second (scripts/board/live.py); both belong to the store they watch.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
from collections.abc import Callable
from typing import Any

from ledger.store.recorders import ChainedSQLiteApplicationRecorder
from ledger.store.stores import read_only_name

LOG = logging.getLogger("skate_ledger.notifier")

#: How often the poller looks when PostgreSQL's notifications wake it (only a safety net then).
NOTIFIED_POLL = 1.0
_CONNECT_KEYS = ("dbname", "host", "port", "user", "password", "connect_timeout")


def listen_for_appends(recorder: Any, wake: Callable[[], None], stop: threading.Event
                       ) -> threading.Thread | None:
    """On PostgreSQL, a daemon thread that LISTENs to the channel our recorder notifies in every
    transaction that appends (``ChainedPostgresApplicationRecorder.notify_channel``) and calls
    ``wake`` for each notification, and once after each (re)connection; None on other stores."""
    if "ledger.store.postgres" not in sys.modules:
        return None  # no PostgreSQL recorder was made, and psycopg stays unimported
    import psycopg
    from psycopg import sql

    from ledger.store.postgres import ChainedPostgresApplicationRecorder

    if not isinstance(recorder, ChainedPostgresApplicationRecorder):
        return None
    pool = recorder.datastore.pool
    # psycopg_pool keeps kwargs and conninfo as a value or a callable that makes one
    kwargs = pool.kwargs() if callable(pool.kwargs) else pool.kwargs or {}
    conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
    params = {k: v for k, v in kwargs.items() if k in _CONNECT_KEYS}
    listen = sql.SQL("LISTEN {}").format(sql.Identifier(recorder.notify_channel))

    def run() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, **params) as conn:
                    conn.execute(listen)
                    wake()  # whatever was appended while nobody listened
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=0.5):
                            wake()
            except psycopg.Error:
                LOG.exception("listening for new facts failed; trying again")
                stop.wait(1.0)

    thread = threading.Thread(target=run, name="skate-ledger-listen", daemon=True)
    thread.start()
    return thread


def sqlite_watch(recorder: Any) -> Callable[[], bool] | None:
    """On a SQLite file, a check whether another connection committed since the last check: SQLite's
    ``PRAGMA data_version`` on a read-only connection of our own (no read of the log), cheap
    enough to run every few milliseconds; None for other stores (and an in-memory database)."""
    if not isinstance(recorder, ChainedSQLiteApplicationRecorder):
        return None
    pool = recorder.datastore.pool
    if pool.is_sqlite_memory_mode:
        return None
    # The board opens the ledger read-only: its name is then already a mode=ro URI.
    name = pool.db_name if pool.db_name.startswith("file:") else read_only_name(pool.db_name)
    conn = sqlite3.connect(name, uri=True, check_same_thread=False)
    last = [-1]

    def changed() -> bool:
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version == last[0]:
            return False
        last[0] = version
        return True

    return changed
