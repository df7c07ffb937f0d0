"""The views recorder in the ledger's PostgreSQL schema (``ledger.store.views`` says what its tables
hold). Apart from the SQLite one so that only a ledger on PostgreSQL imports psycopg.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from ledger.store.views import (
    EVENTS_TABLE,
    LATE_TABLE,
    ROWS_TABLE,
    VIEWS,
    Batch,
    Held,
    Step,
    ViewsRecorder,
    batch_of,
)


class PostgresViewsRecorder(PostgresProcessRecorder):
    """The views in the ledger's PostgreSQL schema."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE,
                 tracking_table_name: str = f"{VIEWS}_tracking") -> None:
        super().__init__(datastore, events_table_name=events_table_name,
                         tracking_table_name=tracking_table_name)
        schema = Identifier(datastore.schema)
        rows, late = Identifier(ROWS_TABLE), Identifier(LATE_TABLE)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (view text NOT NULL, key text NOT NULL, "
            "item text NOT NULL, from_pos bigint NOT NULL, to_pos bigint, from_known bigint NOT NULL, "
            "to_known bigint, body text NOT NULL, PRIMARY KEY (view, key, item, from_pos))"
        ).format(schema, rows))
        self.sql_create_statements.append(SQL(
            "CREATE INDEX IF NOT EXISTS {1} ON {0}.{2} (view, key, from_known)").format(
            schema, Identifier(f"{ROWS_TABLE}_known"), rows))
        self.sql_create_statements.append(SQL(
            "CREATE INDEX IF NOT EXISTS {1} ON {0}.{2} (view, to_pos)").format(
            schema, Identifier(f"{ROWS_TABLE}_open"), rows))
        self.sql_create_statements.append(SQL(  # the version still held, however many it has had
            "CREATE INDEX IF NOT EXISTS {1} ON {0}.{2} (view, key, item) WHERE to_pos IS NULL").format(
            schema, Identifier(f"{ROWS_TABLE}_held"), rows))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (position bigint PRIMARY KEY, known bigint NOT NULL, "
            "before bigint NOT NULL)").format(schema, late))
        self.sql_create_statements.append(SQL(
            "CREATE INDEX IF NOT EXISTS {1} ON {0}.{2} (known)").format(
            schema, Identifier(f"{LATE_TABLE}_known"), late))
        self.close_statement = SQL(
            "UPDATE {0}.{1} SET to_pos=%s, to_known=%s WHERE view=%s AND key=%s AND item=%s "
            "AND to_pos IS NULL").format(schema, rows)
        self.open_statement = SQL(
            "INSERT INTO {0}.{1} (view, key, item, from_pos, to_pos, from_known, to_known, body) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)").format(schema, rows)
        self.late_statement = SQL(
            "INSERT INTO {0}.{1} (position, known, before) VALUES (%s, %s, %s)").format(schema, late)
        self.held_at_statement = SQL(
            "SELECT item, body FROM {0}.{1} WHERE view=%s AND key=%s AND from_pos<=%s "
            "AND (to_pos IS NULL OR to_pos>%s)").format(schema, rows)
        self.held_known_statement = SQL(
            "SELECT item, body FROM {0}.{1} WHERE view=%s AND key=%s AND from_known<=%s "
            "AND (to_known IS NULL OR to_known>%s)").format(schema, rows)
        self.span_known_statement = SQL(
            "SELECT from_pos, to_pos FROM {0}.{1} WHERE view=%s AND key=%s AND from_known<=%s "
            "ORDER BY from_known DESC LIMIT 1").format(schema, rows)
        self.disordered_statement = SQL(
            "SELECT 1 FROM {0}.{1} WHERE known<=%s AND before>%s LIMIT 1").format(schema, late)
        self.open_rows_statement = SQL(
            "SELECT key, item, body FROM {0}.{1} WHERE view=%s AND to_pos IS NULL").format(schema, rows)
        self.keys_at_statement = SQL(
            "SELECT DISTINCT key FROM {0}.{1} WHERE view=%s AND from_pos<=%s "
            "AND (to_pos IS NULL OR to_pos>%s) ORDER BY key").format(schema, rows)
        self.reset_statements = [
            SQL("DELETE FROM {0}.{1}").format(schema, rows),
            SQL("DELETE FROM {0}.{1}").format(schema, late),
            SQL("DELETE FROM {0}.{1} WHERE application_name=%s").format(
                schema, Identifier(self.tracking_table_name))]

    def forget(self, view: str, item: str, prefixes: Sequence[str]) -> int:
        if not self.built():
            return 0
        schema, rows = Identifier(self.datastore.schema), Identifier(ROWS_TABLE)
        gone = 0
        with self.datastore.transaction(commit=True) as curs:
            for prefix in prefixes:
                curs.execute(SQL("DELETE FROM {0}.{1} WHERE view=%s AND item=%s AND "
                                 "left(key, %s)=%s").format(schema, rows),
                             (view, item, len(prefix), prefix))
                gone += curs.rowcount
        with self.datastore.get_connection() as conn:  # autocommit: no dead copy of them stays
            conn.execute(SQL("VACUUM FULL {0}.{1}").format(schema, rows))
        return gone

    def record_step(self, step: Step, tracking: Tracking) -> None:
        self.record_steps((step,), tracking)

    def record_steps(self, steps: Sequence[Step], tracking: Tracking) -> None:
        batch = batch_of(steps)
        with self.datastore.transaction(commit=True) as curs:
            self._write(curs, batch)
            self._insert_tracking(curs, tracking)

    def _write(self, curs: Cursor[DictRow], batch: Batch) -> None:
        if batch.closes:  # before the inserts, which open new versions of the same rows
            curs.executemany(self.close_statement, batch.closes)
        if batch.opens:
            curs.executemany(self.open_statement, batch.opens)
        if batch.lates:
            curs.executemany(self.late_statement, batch.lates)

    def _select(self, statement: Composed, params: Sequence[Any]) -> list[Any]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return list(curs.fetchall())

    def held_at(self, view: str, key: str, position: int) -> list[Held]:
        rows = self._select(self.held_at_statement, (view, key, position, position))
        return [Held(r["item"], r["body"]) for r in rows]

    def held_known(self, view: str, key: str, known: int) -> list[Held]:
        rows = self._select(self.held_known_statement, (view, key, known, known))
        return [Held(r["item"], r["body"]) for r in rows]

    def disordered(self, known: int) -> bool:
        return bool(self._select(self.disordered_statement, (known, known)))

    def span_known(self, view: str, key: str, known: int) -> tuple[int, int | None] | None:
        rows = self._select(self.span_known_statement, (view, key, known))
        return (rows[0]["from_pos"], rows[0]["to_pos"]) if rows else None

    def open_rows(self, view: str) -> dict[tuple[str, str], str]:
        return {(r["key"], r["item"]): r["body"] for r in self._select(self.open_rows_statement, (view,))}

    def keys_at(self, view: str, position: int) -> list[str]:
        return [r["key"] for r in self._select(self.keys_at_statement, (view, position, position))]

    def built(self) -> bool:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                         "AND table_name = %s", (self.datastore.schema, ROWS_TABLE))
            return curs.fetchone() is not None

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for statement in self.reset_statements[:2]:
                curs.execute(statement)
            curs.execute(self.reset_statements[2], (application_name,))


#: A views recorder (mypy checks the class against the protocol).
POSTGRES_VIEWS: type[ViewsRecorder] = PostgresViewsRecorder
