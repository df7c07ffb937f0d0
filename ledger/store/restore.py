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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, ProgrammingError, StoredEvent
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.store.chain import GENESIS, link
from ledger.store.postgres import ChainedPostgresApplicationRecorder
from ledger.store.recorders import (
    ChainedPOPOApplicationRecorder,
    ChainedSQLiteApplicationRecorder,
    act_rows,
    as_stored,
    chain_rows,
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


#: An exported event's place in its export's checked chain: (position, previous hash, hash).
Link = tuple[int, bytes, bytes]


def continued_chain(ids: Sequence[int], stored: Sequence[StoredEvent], previous: bytes,
                    canonical_id: Callable[[Any], Any], links: Sequence[Link | None]
                    ) -> list[tuple[int, bytes]]:
    """:func:`~ledger.store.recorders.chain_rows`, taking an export's own link where the event
    lands at the position it had there after the same previous hash (a restore into an empty
    ledger: every event): the same inputs to the hash, so the same hash, computed once."""
    if not links:
        return chain_rows(ids, stored, previous, canonical_id)
    rows = []
    for position, s, known in zip(ids, stored, links, strict=True):
        if known is not None and known[0] == position and known[1] == previous:
            previous = known[2]
        else:
            previous = link(previous, position, canonical_id(s.originator_id), s.originator_version,
                            s.topic, s.state)
        rows.append((position, previous))
    return rows


@contextmanager
def restoring(recorder: ApplicationRecorder) -> Iterator[Restore]:
    """One transaction for a whole restore: committed when the block ends, rolled back when it
    raises."""
    if isinstance(recorder, ChainedSQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=True) as c:
            yield SQLiteRestore(recorder, c)
    elif isinstance(recorder, ChainedPostgresApplicationRecorder):
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


class PostgresRestore:
    def __init__(self, recorder: ChainedPostgresApplicationRecorder, curs: Cursor[DictRow]) -> None:
        self.recorder, self.curs = recorder, curs
        self.ids: array[int] = array("q")
        self.previous: bytes | None = None
        recorder._lock_table(curs)
        curs.execute(recorder.max_notification_id_statement)
        row = curs.fetchone()
        self.held_any = row is not None and row["max"] is not None
        schema, table = Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        self.select = SQL("SELECT originator_id, originator_version, topic, state FROM {0}.{1} "
                          "WHERE originator_id = %s AND originator_version > %s AND "
                          "originator_version <= %s ORDER BY originator_version").format(schema, table)
        self.position = SQL("SELECT notification_id FROM {0}.{1} WHERE originator_id = %s "
                            "AND originator_version = %s").format(schema, table)
        # One statement per batch for each table, the columns as arrays (psycopg sends them in
        # binary), the events in the order given: what the library's composite-array insert does,
        # without its per-row text encoding of the composite values.
        id_type = SQL(recorder.datastore.originator_id_type)
        self.insert_events = SQL(
            "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{2}[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING notification_id").format(schema, table, id_type)
        self.insert_chain = SQL("INSERT INTO {0}.{1} (position, hash) "
                                "SELECT * FROM unnest(%s::bigint[], %s::bytea[])").format(
            schema, Identifier(recorder.chain_table_name))
        self.insert_acts = SQL("INSERT INTO {0}.{1} (position, role, author, act, at) "
                               "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], "
                               "%s::text[], %s::text[])").format(
            schema, Identifier(recorder.acts_table_name))
        self.last = SQL("SELECT MAX(originator_version) AS last FROM {0}.{1} "
                        "WHERE originator_id = %s").format(schema, table)

    def append(self, stored: Sequence[StoredEvent], links: Sequence[Link | None] = ()) -> None:
        if not stored:
            return
        r, curs = self.recorder, self.curs
        canonical = r.canonical_id
        curs.execute(self.insert_events, ([canonical(s.originator_id) for s in stored],
                                          [s.originator_version for s in stored],
                                          [s.topic for s in stored], [s.state for s in stored]))
        ids = [row["notification_id"] for row in curs.fetchall()]
        if len(ids) != len(stored):
            raise ProgrammingError(f"the bulk insert returned {len(ids)} positions for {len(stored)}")
        if self.previous is None:
            curs.execute(r.previous_hash_statement, (min(ids),))
            row = curs.fetchone()
            self.previous = bytes(row["hash"]) if row else GENESIS
        chain = continued_chain(ids, stored, self.previous, canonical, links)
        curs.execute(self.insert_chain, ([p for p, _ in chain], [h for _, h in chain]))
        noted = act_rows(ids)
        if noted:
            curs.execute(self.insert_acts, tuple(list(column) for column in zip(*noted, strict=True)))
        self.previous = chain[-1][1]
        self.ids.extend(ids)

    def notify(self) -> None:
        """Readers that LISTEN (the web board, the library's subscriptions) hear of the new facts."""
        if self.ids:
            self.recorder._notify_channel(self.curs)
            self.curs.execute(self.recorder.notify_statement,
                              (self.recorder.notify_channel, str(max(self.ids))))

    def events_of(self, originator_id: UUID, gt: int = 0, lte: int | None = None) -> list[StoredEvent]:
        self.curs.execute(self.select, (originator_id, gt, 2**63 - 1 if lte is None else lte))
        return [as_stored(row) for row in self.curs.fetchall()]

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        self.curs.execute(self.position, (originator_id, version))
        row = self.curs.fetchone()
        return int(row["notification_id"]) if row else None

    def last_version(self, originator_id: UUID) -> int:
        self.curs.execute(self.last, (originator_id,))
        row = self.curs.fetchone()
        return int(row["last"] or 0) if row else 0


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
