"""A side table of a ledger's store: a table beside the events, outside the hash chain (the same
SQLite file, the same PostgreSQL schema; on the in-process store, a dict kept on its recorder).

The roles table (``ledger.store.roles``) and the key table (``ledger.store.personal``) are both
side tables: :class:`SideTables` tells which store it is on, quotes a table's name for it, tells
whether a table exists (without creating it: reading a side table never creates it) and creates
one, serialising concurrent creators on PostgreSQL.
"""

from __future__ import annotations

import sys
from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.sqlite import SQLiteDatastore

from ledger.store.recorders import DDL_LOCK


def on_postgres(datastore: object) -> bool:
    """Whether the store is the library's PostgreSQL one; without importing psycopg when it cannot
    be (a PostgreSQL datastore exists only once its module is loaded)."""
    module = sys.modules.get("eventsourcing.postgres")
    return module is not None and isinstance(datastore, module.PostgresDatastore)


class SideTables:
    """The side tables of one ledger's store: ``kind`` is "sqlite", "postgres" or "memory"; on
    the in-process store, :attr:`memory` is the dict kept on its recorder under ``memory_attr``."""

    def __init__(self, recorder: ApplicationRecorder, memory_attr: str) -> None:
        self.recorder = recorder
        self.datastore: Any = getattr(recorder, "datastore", None)
        self._memory_attr = memory_attr
        if isinstance(self.datastore, SQLiteDatastore):
            self.kind = "sqlite"
        elif on_postgres(self.datastore):
            self.kind = "postgres"
        else:
            self.kind = "memory"
            if not hasattr(recorder, memory_attr):
                setattr(recorder, memory_attr, {})

    @property
    def memory(self) -> dict[Any, Any]:
        """What the in-process store keeps in place of the tables."""
        kept: dict[Any, Any] = getattr(self.recorder, self._memory_attr)
        return kept

    @property
    def blob(self) -> str:
        """The column type of bytes."""
        return "bytea" if self.kind == "postgres" else "BLOB"

    def _table(self, name: str) -> Any:
        if self.kind == "postgres":
            from psycopg.sql import SQL, Identifier
            return SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(name))
        return name

    def _sql(self, text: str, *tables: str) -> Any:
        """``text`` with the tables in place of ``{0}``, ``{1}``…; on PostgreSQL, quoted in the
        store's schema and with ``%s`` in place of ``?``."""
        if self.kind == "postgres":
            from psycopg.sql import SQL
            return SQL(text.replace("?", "%s")).format(*(self._table(t) for t in tables))
        return text.format(*tables)

    def _exists(self, table: str) -> bool:
        with self.datastore.transaction(commit=False) as c:
            if self.kind == "sqlite":
                c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,))
            else:
                c.execute("SELECT 1 FROM information_schema.tables WHERE table_schema=%s AND "
                          "table_name=%s", (self.datastore.schema, table))
            return c.fetchone() is not None

    def _create_table(self, c: Any, table: str, columns: str) -> None:
        """Create ``table`` with ``columns`` unless it exists, in the transaction of cursor ``c``."""
        if self.kind == "postgres":  # serialise concurrent creators (PostgreSQL catalog races)
            c.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        c.execute(self._sql(f"CREATE TABLE IF NOT EXISTS {{0}} ({columns})", table))
