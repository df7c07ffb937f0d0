"""The PostgreSQL side of a restore (:mod:`ledger.store.restore`), apart so that only a ledger on
PostgreSQL imports psycopg."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from ledger.store.chain import GENESIS
from ledger.store.links import Link, continued_chain
from ledger.store.postgres import ChainedPostgresApplicationRecorder
from ledger.store.recorders import act_rows, as_stored


class PostgresRestore:
    recorder_type = ChainedPostgresApplicationRecorder

    def __init__(self, recorder: ChainedPostgresApplicationRecorder, curs: Cursor[DictRow]) -> None:
        self.recorder, self.curs = recorder, curs
        #: the inserts' cursor, in the same transaction: rows as tuples (the datastore's cursor
        #: makes a dict of each returned position)
        self.rows = curs.connection.cursor(row_factory=tuple_row)
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
        rows = self.rows
        rows.execute(self.insert_events, ([canonical(s.originator_id) for s in stored],
                                          [s.originator_version for s in stored],
                                          [s.topic for s in stored], [s.state for s in stored]))
        ids = [row[0] for row in rows.fetchall()]
        if len(ids) != len(stored):
            raise ProgrammingError(f"the bulk insert returned {len(ids)} positions for {len(stored)}")
        if self.previous is None:
            curs.execute(r.previous_hash_statement, (min(ids),))
            row = curs.fetchone()
            self.previous = bytes(row["hash"]) if row else GENESIS
        chain = continued_chain(ids, stored, self.previous, canonical, links)
        rows.execute(self.insert_chain, ([p for p, _ in chain], [h for _, h in chain]))
        noted = act_rows(ids)
        if noted:
            rows.execute(self.insert_acts, tuple(list(column) for column in zip(*noted, strict=True)))
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
