"""Bulk appends in ONE transaction: the store side of a restore (``import`` of an export).

:func:`restoring` opens one transaction on a chained recorder (``ledger.store.recorders``) and
yields a :class:`Restore`: ``append`` writes a batch of stored events with one statement (one
``executemany`` on SQLite, the library's ``unnest`` insert on PostgreSQL), their chain hashes with
one ``executemany`` and their authors' notes (``ledger_acts``) with one more, all in that
transaction; ``events_of`` and ``position_of`` read through the same transaction, so they see the
events held before and the ones appended since. Leaving the block normally commits; an exception
rolls everything back, so a refused file appends nothing (issue 11).

The write lock is taken when the block opens (SQLite: a write to the chain table; PostgreSQL:
``LOCK TABLE … IN EXCLUSIVE MODE``), so no other writer interleaves and the chain continues from
the head it read. Inside the block, read only through the :class:`Restore`: an in-memory SQLite
store serialises readers and writers, so another read of the same ledger would wait for the block.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, ProgrammingError, StoredEvent

from ledger.store.chain import GENESIS
from ledger.store.links import Link, continued_chain
from ledger.store.recorders import (
    ChainedPOPOApplicationRecorder,
    ChainedSQLiteApplicationRecorder,
    act_rows,
    as_stored,
)


class Restore(Protocol):
    """One open bulk-append transaction."""

    #: the positions appended so far, in order (on the in-process store: once it is committed);
    #: 8 bytes each
    ids: array[int]
    #: whether the store held any event when the transaction began (if not, nothing is held: a
    #: restore into an empty ledger need not ask the store what it holds)
    held_any: bool

    def append(self, stored: Sequence[StoredEvent], links: Sequence[Link | None] = ()) -> None:
        """Insert these events, their chain hashes and their authors' notes. ``links``: for each
        event, the chain link its export gave it, when the export's chain was checked up to it."""

    def events_of(self, originator_id: UUID, gt: int = 0, lte: int | None = None) -> list[StoredEvent]:
        """An aggregate's events above version ``gt`` (up to ``lte``), held or appended here."""

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        """The log position of an aggregate's event, held or appended here."""

    def last_version(self, originator_id: UUID) -> int:
        """An aggregate's last version, held or appended here (0: none)."""


@contextmanager
def restoring(recorder: ApplicationRecorder) -> Iterator[Restore]:
    """One transaction for a whole restore: committed when the block ends, rolled back when it
    raises."""
    if isinstance(recorder, ChainedSQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=True) as c:
            yield SQLiteRestore(recorder, c)
    elif type(recorder).__module__ == "ledger.store.postgres":  # psycopg only for PostgreSQL
        from ledger.store.restore_postgres import PostgresRestore

        assert isinstance(recorder, PostgresRestore.recorder_type)
        with recorder.datastore.transaction(commit=True) as curs:
            sink = PostgresRestore(recorder, curs)
            yield sink
            sink.notify()
    elif isinstance(recorder, ChainedPOPOApplicationRecorder):
        kept = POPORestore(recorder)
        yield kept
        kept.commit()
    else:
        raise TypeError(f"{type(recorder).__name__} keeps no hash chain (build the ledger with build_app)")


class SQLiteRestore:
    def __init__(self, recorder: ChainedSQLiteApplicationRecorder, c: Any) -> None:
        self.recorder, self.c = recorder, c
        self.ids: array[int] = array("q")
        table = recorder.events_table_name
        c.execute(f"DELETE FROM {recorder.chain_table_name} WHERE position<0")  # the write lock, now
        c.execute(f"SELECT MAX(rowid) FROM {table}")
        self.head = int(c.fetchone()[0] or 0)
        self.held_any = self.head > 0
        self.previous: bytes | None = None
        self.select = (f"SELECT originator_id, originator_version, topic, state FROM {table} "
                       "WHERE originator_id=? AND originator_version>? AND originator_version<=? "
                       "ORDER BY originator_version")
        self.position = f"SELECT rowid FROM {table} WHERE originator_id=? AND originator_version=?"
        self.last = f"SELECT MAX(originator_version) FROM {table} WHERE originator_id=?"

    def append(self, stored: Sequence[StoredEvent], links: Sequence[Link | None] = ()) -> None:
        if not stored:
            return
        r, c = self.recorder, self.c
        c.executemany(r.insert_events_statement, [
            (s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
             s.originator_version, s.topic, s.state) for s in stored])
        # A table with a rowid gives each new row the largest rowid + 1; we hold the write lock.
        ids = list(range(self.head + 1, self.head + 1 + len(stored)))
        c.execute("SELECT last_insert_rowid()")
        if c.fetchone()[0] != ids[-1]:
            raise ProgrammingError("the bulk insert did not take the positions it was given")
        self.head = ids[-1]
        if self.previous is None:
            c.execute(r.previous_hash_statement, (ids[0],))
            row = c.fetchone()
            self.previous = bytes(row[0]) if row else GENESIS
        chain = continued_chain(ids, stored, self.previous, r.canonical_id, links)
        c.executemany(r.insert_chain_statement, chain)
        c.executemany(r.insert_acts_statement, act_rows(ids))
        self.previous = chain[-1][1]
        self.ids.extend(ids)

    def events_of(self, originator_id: UUID, gt: int = 0, lte: int | None = None) -> list[StoredEvent]:
        self.c.execute(self.select, (originator_id.hex, gt, 2**63 - 1 if lte is None else lte))
        return [as_stored(row) for row in self.c.fetchall()]

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        self.c.execute(self.position, (originator_id.hex, version))
        row = self.c.fetchone()
        return int(row[0]) if row else None

    def last_version(self, originator_id: UUID) -> int:
        self.c.execute(self.last, (originator_id.hex,))
        return int(self.c.fetchone()[0] or 0)


class POPORestore:
    """The in-process store: the events are kept here and inserted at the end, in one insert."""

    def __init__(self, recorder: ChainedPOPOApplicationRecorder) -> None:
        self.recorder = recorder
        self.ids: array[int] = array("q")
        self.kept: list[StoredEvent] = []
        self.mine: dict[UUID, list[StoredEvent]] = {}
        self.held_any = bool(recorder.select_notifications(1, 1))

    def append(self, stored: Sequence[StoredEvent], links: Sequence[Link | None] = ()) -> None:
        self.kept.extend(stored)  # the store's own insert chains them
        for s in stored:
            self.mine.setdefault(UUID(str(s.originator_id)), []).append(s)

    def events_of(self, originator_id: UUID, gt: int = 0, lte: int | None = None) -> list[StoredEvent]:
        found = [*self.recorder.select_events(originator_id), *self.mine.get(originator_id, ())]
        return [s for s in found if s.originator_version > gt
                and (lte is None or s.originator_version <= lte)]

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        return self.recorder.position_of(originator_id, version)

    def last_version(self, originator_id: UUID) -> int:
        mine = self.mine.get(originator_id)
        if mine:
            return mine[-1].originator_version
        last = self.recorder.select_events(originator_id, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def commit(self) -> None:
        if self.kept:
            self.ids.extend(self.recorder.insert_events(self.kept) or ())
