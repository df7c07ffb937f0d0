"""Our application recorders: the library's, plus the hash chain (docs/decisions/0007).

Each recorder, in the same transaction as the event insert, computes the chain hash of every new
notification (``ledger.store.chain``) and stores it in its own table, ``ledger_chain(position PRIMARY
KEY, hash)`` — on SQLite in the same file, on PostgreSQL ``<app>_chain`` in the same schema — and
keeps signed checkpoints in ``ledger_checkpoints``. The previous hash is read inside the insert's
transaction: SQLite holds the file's write lock from the first insert on, PostgreSQL holds ``LOCK
TABLE … IN EXCLUSIVE MODE`` on the events table, so chain order is commit order is id order.

Wired only by ``ledger.bootstrap.store_env`` (``APPLICATION_RECORDER_TOPIC`` for SQLite and
PostgreSQL, a factory subclass as ``PERSISTENCE_MODULE`` for the in-process store). The PostgreSQL
recorder is in ``ledger.store.postgres``, so that a command on SQLite never imports psycopg.

A ledger written before the chain existed has no chain table: opening it creates the table and
backfills the chain over the events it holds, once, under the write lock (decision 0007).

The same recorders note who appended each event (docs/decisions/0008-roles.md): a command runs its
saves inside :func:`acting`, which sets :data:`CURRENT_ACT`; the insert then writes one
``ledger_acts(position, role, author, act, at)`` row per new position, in the events' transaction,
so a fact is never committed without its author (or an author without its fact). Inserts made
outside any act (the library's test suites, the tests' own set-ups) note nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import attrs
from eventsourcing.persistence import (
    ApplicationRecorder,
    ListenNotifySubscription,
    StoredEvent,
    Subscription,
)
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from ledger.store.chain import GENESIS, Checkpoint, link
from ledger.store.stores import APPLICATION_ID

#: (position, originator id, originator version, topic, state): a stored event as ``select_rows`` reads it
Row = tuple[int, UUID | str, int, str, bytes]
MAX_POSITION = 2**63 - 1
KEPT_IDS = 1 << 16  # how many aggregate ids the SQLite recorder keeps as objects
ACTS_TABLE = "ledger_acts"
#: The columns of ``ledger_acts``, as decision 0008 created them (old ledgers keep theirs).
ACTS_COLUMNS = ("position BIGINT PRIMARY KEY, role TEXT NOT NULL, author TEXT, act TEXT NOT NULL, "
                "at TEXT NOT NULL")


@attrs.frozen
class Act:
    """Who appends, in which role, by which command (docs/decisions/0008-roles.md)."""

    role: str
    author: str | None
    act: str


#: The act the events saved now belong to; set by :func:`acting`, read inside the insert.
CURRENT_ACT: ContextVar[Act | None] = ContextVar("skate_ledger_act", default=None)


@contextmanager
def acting(act: Act) -> Iterator[None]:
    """Note every event inserted in this block (in this thread or task) as ``act``'s."""
    token = CURRENT_ACT.set(act)
    try:
        yield
    finally:
        CURRENT_ACT.reset(token)


ActRow = tuple[int, str, str | None, str, str]


def act_rows(ids: Sequence[int]) -> list[ActRow]:
    """The ``ledger_acts`` rows of newly inserted positions: none outside an act."""
    act = CURRENT_ACT.get()
    if act is None or not ids:
        return []
    at = datetime.now(UTC).isoformat()
    return [(position, act.role, act.author, act.act, at) for position in sorted(ids)]


@runtime_checkable
class ChainedRecorder(Protocol):
    """What ``ledger.store.verify`` and the signing commands need of a recorder besides the library's."""

    def select_chain(self, start: int, limit: int) -> list[tuple[int, bytes]]:
        """Stored (position, chain hash) pairs from ``start`` on, in position order."""

    def select_rows(self, start: int, stop: int | None, limit: int) -> list[Row]:
        """Stored events from ``start`` up to ``stop`` (inclusive) as plain rows, in log order."""

    def select_stream_rows(self, originator_id: UUID, stop: int | None) -> list[Row]:
        """One aggregate's stored events at positions up to ``stop`` (inclusive), in its order:
        one indexed query (the primary key starts with the originator id)."""

    def select_rows_before(self, stop: int | None, limit: int) -> list[Row]:
        """At most ``limit`` stored events at positions up to ``stop``, the latest first."""

    def insert_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a signed checkpoint."""

    def select_checkpoints(self) -> list[Checkpoint]:
        """Every stored checkpoint, in the order stored."""

    def select_acts(self) -> list[tuple[int, str, str | None, str]]:
        """Every noted act: (position, role, author, act), in position order."""


def chained(recorder: ApplicationRecorder) -> ChainedRecorder:
    if not isinstance(recorder, ChainedRecorder):
        raise TypeError(f"{type(recorder).__name__} keeps no hash chain (build the ledger with build_app)")
    return recorder


def chain_rows(ids: Sequence[int], stored_events: Sequence[StoredEvent], previous: bytes,
               canonical_id: Any) -> list[tuple[int, bytes]]:
    """The (position, hash) rows of newly inserted events, continuing from ``previous``."""
    rows = []
    for position, s in sorted(zip(ids, stored_events, strict=True), key=lambda pair: pair[0]):
        previous = link(previous, position, canonical_id(s.originator_id), s.originator_version,
                        s.topic, s.state)
        rows.append((position, previous))
    return rows


def as_stored(row: Any) -> StoredEvent:
    state = row["state"]
    return StoredEvent(originator_id=row["originator_id"], originator_version=row["originator_version"],
                       topic=row["topic"], state=state.encode() if isinstance(state, str) else bytes(state))


# -- SQLite --------------------------------------------------------------------------------------
#: Seconds between two looks at a SQLite file's newest position by a subscription (no NOTIFY there).
SQLITE_POLL = 0.05


class SQLitePollingSubscription(ListenNotifySubscription[ApplicationRecorder]):
    """The library's subscription for a SQLite ledger, which has no LISTEN/NOTIFY: a thread looks at
    the newest position every :data:`SQLITE_POLL` seconds and wakes the pulling thread when it grew
    (the library's own SQLite recorder does not subscribe; the projection runner needs it)."""

    def __init__(self, recorder: ApplicationRecorder, gt: int | None = None,
                 topics: Sequence[str] = ()) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._poll_thread = threading.Thread(target=self._poll, daemon=True)
        self._poll_thread.start()

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._poll_thread.join()

    def _poll(self) -> None:
        seen = self._last_notification_id or 0
        try:
            while not self._has_been_stopped and not self._thread_error:
                newest = self._recorder.max_notification_id() or 0
                if newest > seen:
                    seen = newest
                    self._has_been_notified.set()
                time.sleep(SQLITE_POLL)
        except Exception as e:  # noqa: BLE001  # raised to the subscription's reader, as the library does
            if self._thread_error is None:
                self._thread_error = e
            self.stop()


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    chain_table_name = "ledger_chain"
    checkpoints_table_name = "ledger_checkpoints"
    acts_table_name = ACTS_TABLE

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.insert_chain_statement = f"INSERT INTO {self.chain_table_name} VALUES (?,?)"
        self.insert_acts_statement = (f"INSERT INTO {self.acts_table_name} "
                                      "(position, role, author, act, at) VALUES (?,?,?,?,?)")
        self.previous_hash_statement = (f"SELECT hash FROM {self.chain_table_name} WHERE position<? "
                                        "ORDER BY position DESC LIMIT 1")
        self.select_rows_statement = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {events_table_name} "
            "WHERE rowid>=? AND rowid<=? ORDER BY rowid LIMIT ?")
        # The library's primary key (originator_id, originator_version) is the index of a stream.
        self.select_stream_statement = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {events_table_name} "
            "WHERE originator_id=? AND rowid<=? ORDER BY originator_version")
        self.select_before_statement = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {events_table_name} "
            "WHERE rowid<=? ORDER BY rowid DESC LIMIT ?")
        self._ids: dict[str, UUID | str] = {}

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} ("
                          "position INTEGER PRIMARY KEY, hash BLOB NOT NULL)")
        statements.append(f"CREATE TABLE IF NOT EXISTS {self.checkpoints_table_name} ("
                          "id INTEGER PRIMARY KEY, position INTEGER NOT NULL, hash BLOB NOT NULL, "
                          "signed_at TEXT NOT NULL, public_key BLOB NOT NULL, signature BLOB NOT NULL)")
        statements.append(f"CREATE TABLE IF NOT EXISTS {self.acts_table_name} ({ACTS_COLUMNS})")
        return statements

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        # The file is ours (decision 0012): marked when a writing command opens it, an old ledger
        # too; only when unmarked, so that opening a marked ledger writes nothing.
        c.execute("PRAGMA application_id")
        if c.fetchone()[0] != APPLICATION_ID:
            c.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def create_table(self) -> None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (self.chain_table_name,))
            existed = c.fetchone() is not None
        super().create_table()
        if not existed:
            self.backfill_chain()

    def backfill_chain(self) -> None:
        """Chain the events that have no chain hash after the chain's head (a ledger written before
        the chain existed); under the write lock, so two processes opening it do it once."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {self.chain_table_name} WHERE position<0")  # takes the write lock
            c.execute(f"SELECT position, hash FROM {self.chain_table_name} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            head, previous = (row[0], bytes(row[1])) if row else (0, GENESIS)
            c.execute(f"SELECT rowid, * FROM {self.events_table_name} WHERE rowid>? ORDER BY rowid",
                      (head,))
            found = c.fetchall()
            rows = chain_rows([r["rowid"] for r in found], [as_stored(r) for r in found], previous,
                              self.canonical_id)
            c.executemany(self.insert_chain_statement, rows)

    def canonical_id(self, originator_id: UUID | str) -> UUID | str:
        """The id as select_notifications will return it (one object per id recently seen)."""
        text = originator_id.hex if isinstance(originator_id, UUID) else originator_id
        found = self._ids.get(text)
        if found is None:
            if len(self._ids) >= KEPT_IDS:
                self._ids.clear()
            found = self._ids[text] = self.convert_originator_id(text)
        return found

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            c.execute(self.previous_hash_statement, (min(ids),))
            row = c.fetchone()
            previous = bytes(row[0]) if row else GENESIS
            c.executemany(self.insert_chain_statement,
                          chain_rows(ids, stored_events, previous, self.canonical_id))
            c.executemany(self.insert_acts_statement, act_rows(ids))
        return ids

    def subscribe(self, gt: int | None = None,
                  topics: Sequence[str] = ()) -> Subscription[ApplicationRecorder]:
        """Notifications after ``gt`` as they are recorded, by polling (the projection runner's feed)."""
        return SQLitePollingSubscription(self, gt=gt, topics=topics)

    # -- reading -------------------------------------------------------------------------------
    def select_rows(self, start: int, stop: int | None, limit: int) -> list[Row]:
        """The stored events from ``start`` to ``stop`` as plain rows: the projections' fast read."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_rows_statement, (start, MAX_POSITION if stop is None else stop, limit))
            return [(r[0], self.canonical_id(r[1]), r[2], r[3], r[4]) for r in c.fetchall()]

    def select_stream_rows(self, originator_id: UUID, stop: int | None) -> list[Row]:
        """One aggregate's events up to ``stop``: the race questions' read (projections.reading)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_stream_statement,
                      (originator_id.hex, MAX_POSITION if stop is None else stop))
            return [(r[0], self.canonical_id(r[1]), r[2], r[3], r[4]) for r in c.fetchall()]

    def select_rows_before(self, stop: int | None, limit: int) -> list[Row]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_before_statement, (MAX_POSITION if stop is None else stop, limit))
            return [(r[0], self.canonical_id(r[1]), r[2], r[3], r[4]) for r in c.fetchall()]

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        """The log position of an aggregate's event (to name a stored fact in a refusal)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid FROM {self.events_table_name} WHERE originator_id=? "
                      "AND originator_version=?", (originator_id.hex, version))
            row = c.fetchone()
            return int(row[0]) if row else None

    def select_chain(self, start: int, limit: int) -> list[tuple[int, bytes]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, hash FROM {self.chain_table_name} WHERE position>=? "
                      "ORDER BY position LIMIT ?", (start, limit))
            return [(row[0], bytes(row[1])) for row in c.fetchall()]

    def insert_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"INSERT INTO {self.checkpoints_table_name} "
                      "(position, hash, signed_at, public_key, signature) VALUES (?,?,?,?,?)",
                      (checkpoint.position, checkpoint.hash, checkpoint.signed_at,
                       checkpoint.public_key, checkpoint.signature))

    def select_checkpoints(self) -> list[Checkpoint]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, hash, signed_at, public_key, signature "
                      f"FROM {self.checkpoints_table_name} ORDER BY id")
            return [Checkpoint(position=r[0], hash=bytes(r[1]), signed_at=r[2],
                               public_key=bytes(r[3]), signature=bytes(r[4])) for r in c.fetchall()]

    def select_acts(self) -> list[tuple[int, str, str | None, str]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, role, author, act FROM {self.acts_table_name} ORDER BY position")
            return [(r[0], r[1], r[2], r[3]) for r in c.fetchall()]


#: An advisory lock key on PostgreSQL: serialises our CREATE statements across processes
#: (ledger.store.postgres, ledger.store.roles).
DDL_LOCK = 0x5C47E1ED


# -- the in-process store ------------------------------------------------------------------------
class ChainedPOPOApplicationRecorder(POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._chain: list[tuple[int, bytes]] = []
        self._checkpoints: list[Checkpoint] = []
        self._acts: list[ActRow] = []

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # Called holding the store's lock, after the uniqueness checks.
        ids = super()._update_table(stored_events, **kwargs)
        if ids:
            previous = self._chain[-1][1] if self._chain else GENESIS
            self._chain.extend(chain_rows(ids, stored_events, previous, lambda i: i))
            self._acts.extend(act_rows(ids))
        return ids

    def select_rows(self, start: int, stop: int | None, limit: int) -> list[Row]:
        return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in self.select_notifications(start, limit, stop)]

    def select_stream_rows(self, originator_id: UUID, stop: int | None) -> list[Row]:
        with self._database_lock:
            index = self._stored_events_index.get(str(originator_id), {})
            found = [(i + 1, self._stored_events[i]) for _, i in sorted(index.items())]
            return [(position, s.originator_id, s.originator_version, s.topic, s.state)
                    for position, s in found if stop is None or position <= stop]

    def select_rows_before(self, stop: int | None, limit: int) -> list[Row]:
        with self._database_lock:
            last = len(self._stored_events) if stop is None else min(stop, len(self._stored_events))
            return [(i + 1, s.originator_id, s.originator_version, s.topic, s.state)
                    for i, s in ((i, self._stored_events[i])
                                 for i in range(last - 1, max(last - limit, 0) - 1, -1))]

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        """The log position of an aggregate's event (to name a stored fact in a refusal)."""
        with self._database_lock:
            return next((n.id for n in self.select_notifications(1, len(self._chain) + 1)
                         if n.originator_id == originator_id and n.originator_version == version),
                        None)

    def select_chain(self, start: int, limit: int) -> list[tuple[int, bytes]]:
        with self._database_lock:
            first = max(start, 1) - 1  # positions here are 1, 2, 3 …
            return self._chain[first:first + limit]

    def insert_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._database_lock:
            self._checkpoints.append(checkpoint)

    def select_checkpoints(self) -> list[Checkpoint]:
        with self._database_lock:
            return list(self._checkpoints)

    def select_acts(self) -> list[tuple[int, str, str | None, str]]:
        with self._database_lock:
            return [row[:4] for row in self._acts]


class ChainedPOPOFactory(POPOFactory):
    """The in-process store with the chained recorder (its factory reads no recorder topic)."""

    def application_recorder(self) -> ApplicationRecorder:
        return ChainedPOPOApplicationRecorder()
