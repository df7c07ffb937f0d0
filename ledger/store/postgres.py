"""Our PostgreSQL application recorder: the library's, plus the hash chain, the signed checkpoints
and the acts, as ``ledger.store.recorders`` describes them for every store (decision 0007).

Apart from the other recorders so that only a ledger on PostgreSQL imports psycopg and the library's
PostgreSQL module (the command starts fast on SQLite).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from ledger.store.chain import GENESIS, Checkpoint
from ledger.store.recorders import (
    ACTS_COLUMNS,
    DDL_LOCK,
    MAX_POSITION,
    Row,
    act_rows,
    as_stored,
    chain_rows,
)

# -- PostgreSQL ----------------------------------------------------------------------------------
DDL_ATTEMPTS = 8


def concurrent_ddl(error: BaseException) -> bool:
    text = f"{error} {error.__cause__}".lower()
    return "concurrently" in text or "duplicate key" in text or "already exists" in text


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            # The library's insert function bypasses _insert_stored_events (and the table lock).
            raise ProgrammingError("the chained recorder cannot use POSTGRES_ENABLE_DB_FUNCTIONS")
        prefix = events_table_name.removesuffix("_events")
        self.chain_table_name = f"{prefix}_chain"
        self.checkpoints_table_name = f"{prefix}_checkpoints"
        self.acts_table_name = f"{prefix}_acts"  # ledger_acts for the Ledger application
        self.check_identifier_length(self.checkpoints_table_name)
        schema = Identifier(datastore.schema)
        chain = Identifier(self.chain_table_name)
        checkpoints = Identifier(self.checkpoints_table_name)
        acts = Identifier(self.acts_table_name)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (position bigint PRIMARY KEY, hash bytea NOT NULL)"
        ).format(schema, chain))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (id bigserial PRIMARY KEY, position bigint NOT NULL, "
            "hash bytea NOT NULL, signed_at text NOT NULL, public_key bytea NOT NULL, "
            "signature bytea NOT NULL)"
        ).format(schema, checkpoints))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (" + ACTS_COLUMNS + ")").format(schema, acts))
        self.insert_acts_statement = SQL(
            "INSERT INTO {0}.{1} (position, role, author, act, at) VALUES (%s, %s, %s, %s, %s)"
        ).format(schema, acts)
        self.select_acts_statement = SQL(
            "SELECT position, role, author, act FROM {0}.{1} ORDER BY position").format(schema, acts)
        self.insert_chain_statement = SQL("INSERT INTO {0}.{1} (position, hash) VALUES (%s, %s)").format(
            schema, chain)
        self.previous_hash_statement = SQL(
            "SELECT hash FROM {0}.{1} WHERE position < %s ORDER BY position DESC LIMIT 1"
        ).format(schema, chain)
        self.head_statement = SQL(
            "SELECT position, hash FROM {0}.{1} ORDER BY position DESC LIMIT 1").format(schema, chain)
        self.select_chain_statement = SQL(
            "SELECT position, hash FROM {0}.{1} WHERE position >= %s ORDER BY position LIMIT %s"
        ).format(schema, chain)
        self.insert_checkpoint_statement = SQL(
            "INSERT INTO {0}.{1} (position, hash, signed_at, public_key, signature) "
            "VALUES (%s, %s, %s, %s, %s)").format(schema, checkpoints)
        self.select_checkpoints_statement = SQL(
            "SELECT position, hash, signed_at, public_key, signature FROM {0}.{1} ORDER BY id"
        ).format(schema, checkpoints)
        #: LISTEN to this channel to hear the newest position after every commit that appends
        self.notify_channel = f"skate_ledger:{datastore.schema}.{events_table_name}"[:63]
        self.notify_statement = SQL("SELECT pg_notify(%s, %s)")
        self.select_rows_statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE notification_id >= %s AND notification_id <= %s ORDER BY notification_id LIMIT %s"
        ).format(schema, Identifier(self.events_table_name))
        # The library's primary key (originator_id, originator_version) is the index of a stream.
        self.select_stream_statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE originator_id = %s AND notification_id <= %s ORDER BY originator_version"
        ).format(schema, Identifier(self.events_table_name))
        self.select_before_statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE notification_id <= %s ORDER BY notification_id DESC LIMIT %s"
        ).format(schema, Identifier(self.events_table_name))
        self.backfill_select_statement = SQL(
            "SELECT * FROM {0}.{1} WHERE notification_id > %s ORDER BY notification_id").format(
            schema, Identifier(self.events_table_name))

    def canonical_id(self, originator_id: UUID | str) -> UUID | str:
        """The id as select_notifications will return it."""
        if self.datastore.originator_id_type == "uuid":
            return originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        return str(originator_id)

    def create_table(self) -> None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                         "AND table_name = %s", (self.datastore.schema, self.chain_table_name))
            existed = curs.fetchone() is not None
        for attempt in range(DDL_ATTEMPTS):
            try:
                super().create_table()
                break
            except PersistenceError as e:
                # Two processes opening a new ledger at once race in PostgreSQL's catalog
                # ("tuple concurrently updated", a duplicate type): the DDL is idempotent, so retry.
                if attempt == DDL_ATTEMPTS - 1 or not concurrent_ddl(e):
                    raise
                time.sleep(0.05 * (attempt + 1))
        if not existed:
            self.backfill_chain()

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))  # one creator at a time
        super()._create_table(curs)

    def backfill_chain(self) -> None:
        """Chain the events after the chain's head (a ledger written before the chain existed),
        holding the events table's insert lock, so two processes opening it do it once."""
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            curs.execute(self.head_statement)
            row = curs.fetchone()
            head, previous = (row["position"], bytes(row["hash"])) if row else (0, GENESIS)
            curs.execute(self.backfill_select_statement, (head,))
            found = curs.fetchall()
            rows = chain_rows([r["notification_id"] for r in found], [as_stored(r) for r in found],
                              previous, self.canonical_id)
            if rows:
                curs.executemany(self.insert_chain_statement, rows)

    def _fetch_ids_after_insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        # Still inside the insert's transaction, after LOCK TABLE … IN EXCLUSIVE MODE.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            curs.execute(self.previous_hash_statement, (min(ids),))
            row = curs.fetchone()
            previous = bytes(row["hash"]) if row else GENESIS
            curs.executemany(self.insert_chain_statement,
                             chain_rows(ids, stored_events, previous, self.canonical_id))
            noted = act_rows(ids)
            if noted:
                curs.executemany(self.insert_acts_statement, noted)
            # Readers that LISTEN (the web board) hear of the new facts when this commits.
            curs.execute(self.notify_statement, (self.notify_channel, str(max(ids))))
        return ids

    # -- reading -------------------------------------------------------------------------------
    def select_rows(self, start: int, stop: int | None, limit: int) -> list[Row]:
        """The stored events from ``start`` to ``stop`` as plain rows: the projections' fast read."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.select_rows_statement,
                         (start, MAX_POSITION if stop is None else stop, limit), prepare=True)
            return [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in curs.fetchall()]

    def select_stream_rows(self, originator_id: UUID, stop: int | None) -> list[Row]:
        """One aggregate's events up to ``stop``: the race questions' read (projections.reading)."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.select_stream_statement,
                         (self.canonical_id(originator_id), MAX_POSITION if stop is None else stop),
                         prepare=True)
            return [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in curs.fetchall()]

    def select_rows_before(self, stop: int | None, limit: int) -> list[Row]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.select_before_statement,
                         (MAX_POSITION if stop is None else stop, limit), prepare=True)
            return [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in curs.fetchall()]

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        """The log position of an aggregate's event (to name a stored fact in a refusal)."""
        statement = SQL("SELECT notification_id FROM {0}.{1} WHERE originator_id = %s "
                        "AND originator_version = %s").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, (originator_id, version))
            row = curs.fetchone()
            return int(row[0]) if row else None

    def select_chain(self, start: int, limit: int) -> list[tuple[int, bytes]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_chain_statement, (start, limit))
            return [(row["position"], bytes(row["hash"])) for row in curs.fetchall()]

    def insert_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.insert_checkpoint_statement,
                         (checkpoint.position, checkpoint.hash, checkpoint.signed_at,
                          checkpoint.public_key, checkpoint.signature))

    def select_checkpoints(self) -> list[Checkpoint]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_checkpoints_statement)
            return [Checkpoint(position=r["position"], hash=bytes(r["hash"]), signed_at=r["signed_at"],
                               public_key=bytes(r["public_key"]), signature=bytes(r["signature"]))
                    for r in curs.fetchall()]

    def select_acts(self) -> list[tuple[int, str, str | None, str]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_acts_statement)
            return [(r["position"], r["role"], r["author"], r["act"]) for r in curs.fetchall()]
