"""The read models' recorder: bitemporal view rows beside the ledger, kept exactly once
(docs/decisions/0018-bitemporal-views.md).

The tables live in the ledger's own SQLite file or PostgreSQL schema, or in a PostgreSQL database
of their own (``--views URL``, ``ledger.bootstrap.views_env``). They are generic: a view names
its rows by ``(view, key, item)`` and stores a body (text, JSON by convention); this module knows
no question.

- ``views_rows(view, key, item, from_pos, to_pos, from_known, to_known, body)``: the body held for
  the log positions ``[from_pos, to_pos)`` (``to_pos`` NULL: still held), and for the known-at
  moments ``[from_known, to_known)``, where a position's known-at moment is the latest known-at
  moment of the facts up to it (microseconds since the epoch, UTC).
- ``views_late(position, known, before)``: a fact whose known-at moment is earlier than one before
  it in the log. As known at a moment in ``[known, before)`` the facts known are not a prefix of the
  log, so no view row answers for that moment: the reader folds instead.
- the library's tracking table (``tracking`` in SQLite, ``views_tracking`` in PostgreSQL,
  ``ledger.store.postgres_views``): the
  last position the views took in, written in the transaction that writes its rows.

The recorders are the library's process recorders (tracking and application recorders both, so the
library's conformance suites run on them); their own events table ``views_events`` is not the
ledger's log and nothing of ours writes to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import attrs
from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteProcessRecorder

#: The projection's name: the PostgreSQL tracking table is ``views_tracking`` (the library's
#: factory names it after the projection), the process recorders' events table ``views_events``.
VIEWS = "views"
EVENTS_TABLE = "views_events"
ROWS_TABLE = "views_rows"
LATE_TABLE = "views_late"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """A known-at moment as stored: whole microseconds since the epoch (UTC), an ordered integer."""
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@attrs.frozen
class Change:
    """A view row's body from now on; ``body`` None: the row stops holding."""

    view: str
    key: str
    item: str
    body: str | None


@attrs.frozen
class Step:
    """What one fact of the log changes in the views: written with its tracking, or not at all."""

    position: int
    known: int  # the position's known-at moment (micros): the latest of the facts up to it
    changes: tuple[Change, ...]
    late: tuple[int, int] | None = None  # (its own known-at, the latest before it) when earlier


@attrs.frozen
class Held:
    """A view row as it holds at a basis."""

    item: str
    body: str


class ViewsRecorder(Protocol):
    """What the read side asks of a views recorder (SQLite or PostgreSQL)."""

    def record_step(self, step: Step, tracking: Tracking) -> None:
        """Write a fact's changes and its tracking in one transaction."""

    def record_steps(self, steps: Sequence[Step], tracking: Tracking) -> None:
        """Write the changes of several facts, in log order, and the last one's tracking, in one
        transaction: the same rows as a ``record_step`` each (exactly once: all or none)."""

    def held_at(self, view: str, key: str, position: int) -> list[Held]:
        """The rows of ``(view, key)`` that hold as of ``position``."""

    def held_known(self, view: str, key: str, known: int) -> list[Held]:
        """The rows of ``(view, key)`` that hold as known at ``known`` (micros)."""

    def disordered(self, known: int) -> bool:
        """Whether the facts known at ``known`` (micros) are not a prefix of the log."""

    def span_known(self, view: str, key: str, known: int) -> tuple[int, int | None] | None:
        """``(from_pos, to_pos)`` of the last version of ``(view, key)`` opened by the moment
        ``known`` (micros): one step down the ``(view, key, from_known)`` index. For a row that
        changes whenever the positions' known-at moment grows (the clock view), that is the
        version holding at ``known``. None: none opened by then."""

    def open_rows(self, view: str) -> dict[tuple[str, str], str]:
        """Every row of ``view`` still held: (key, item) → body."""

    def keys_at(self, view: str, position: int) -> list[str]:
        """The keys of ``view`` with a row held as of ``position``."""

    def reset(self, application_name: str) -> None:
        """Forget every view row and the tracked position (a rebuild starts from nothing)."""

    def forget(self, view: str, item: str, prefixes: Sequence[str]) -> int:
        """Delete every version of the rows of ``view`` about ``item`` whose key starts with one
        of ``prefixes`` (an erased skater's personal fields: docs/decisions/0029); how many."""

    def max_tracking_id(self, application_name: str) -> int | None:
        """The last position the views took in (None: none yet)."""

    def built(self) -> bool:
        """Whether the views' tables exist (a reader creates none)."""


@attrs.frozen
class Batch:
    """The statements' parameters of several steps, in log order: each row open before them closed
    once, at its first change (``closes``: to_pos, to_known, view, key, item); every version they
    open inserted once, already closed when a later step of the batch changes it again (``opens``:
    view, key, item, from_pos, to_pos, from_known, to_known, body); the late facts (``lates``).
    A row opened and closed within the batch is never updated: most of a rebuild's rows."""

    closes: list[tuple[Any, ...]]
    opens: list[list[Any]]
    lates: list[tuple[int, int, int]]


def batch_of(steps: Sequence[Step]) -> Batch:
    """The rows of ``steps`` as written one by one (each closes the open version of a row it
    changes and opens the new one), worked out in memory."""
    closes: list[tuple[Any, ...]] = []
    opens: list[list[Any]] = []
    lates: list[tuple[int, int, int]] = []
    latest: dict[tuple[str, str, str], list[Any] | None] = {}  # the version opened last, if open
    for step in steps:
        for c in step.changes:
            name = (c.view, c.key, c.item)
            if name in latest:
                version = latest[name]
                if version is not None:
                    version[4], version[6] = step.position, step.known
            else:
                closes.append((step.position, step.known, *name))
            if c.body is None:
                latest[name] = None
            else:
                version = [*name, step.position, None, step.known, None, c.body]
                opens.append(version)
                latest[name] = version
        if step.late is not None:
            lates.append((step.position, *step.late))
    return Batch(closes, opens, lates)


# -- SQLite --------------------------------------------------------------------------------------
class SQLiteViewsRecorder(SQLiteProcessRecorder):
    """The views in the ledger's SQLite file."""

    def __init__(self, datastore: SQLiteDatastore, *, events_table_name: str = EVENTS_TABLE) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.close_statement = (f"UPDATE {ROWS_TABLE} SET to_pos=?, to_known=? WHERE view=? AND key=? "
                                "AND item=? AND to_pos IS NULL")
        self.open_statement = (f"INSERT INTO {ROWS_TABLE} (view, key, item, from_pos, to_pos, "
                               "from_known, to_known, body) VALUES (?,?,?,?,?,?,?,?)")
        self.late_statement = f"INSERT INTO {LATE_TABLE} (position, known, before) VALUES (?,?,?)"

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {ROWS_TABLE} (view TEXT NOT NULL, key TEXT NOT NULL, "
            "item TEXT NOT NULL, from_pos INTEGER NOT NULL, to_pos INTEGER, from_known INTEGER NOT NULL, "
            "to_known INTEGER, body TEXT NOT NULL, PRIMARY KEY (view, key, item, from_pos))")
        statements.append(f"CREATE INDEX IF NOT EXISTS {ROWS_TABLE}_known ON {ROWS_TABLE} "
                          "(view, key, from_known)")
        statements.append(f"CREATE INDEX IF NOT EXISTS {ROWS_TABLE}_open ON {ROWS_TABLE} (view, to_pos)")
        # the version still held of a row, found at once however many versions it has had (the
        # close statement's; without it a row closed once per fact, as the clock's, is scanned)
        statements.append(f"CREATE INDEX IF NOT EXISTS {ROWS_TABLE}_held ON {ROWS_TABLE} "
                          "(view, key, item) WHERE to_pos IS NULL")
        statements.append(f"CREATE TABLE IF NOT EXISTS {LATE_TABLE} (position INTEGER PRIMARY KEY, "
                          "known INTEGER NOT NULL, before INTEGER NOT NULL)")
        statements.append(f"CREATE INDEX IF NOT EXISTS {LATE_TABLE}_known ON {LATE_TABLE} (known)")
        return statements

    def record_step(self, step: Step, tracking: Tracking) -> None:
        self.record_steps((step,), tracking)

    def record_steps(self, steps: Sequence[Step], tracking: Tracking) -> None:
        batch = batch_of(steps)
        with self.datastore.transaction(commit=True) as c:
            self._write(c, batch)
            self._insert_tracking(c, tracking)

    def _write(self, c: SQLiteCursor, batch: Batch) -> None:
        if batch.closes:  # before the inserts, which open new versions of the same rows
            c.executemany(self.close_statement, batch.closes)
        if batch.opens:
            c.executemany(self.open_statement, batch.opens)
        if batch.lates:
            c.executemany(self.late_statement, batch.lates)

    def _select(self, statement: str, params: Sequence[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return list(c.fetchall())

    def held_at(self, view: str, key: str, position: int) -> list[Held]:
        rows = self._select(f"SELECT item, body FROM {ROWS_TABLE} WHERE view=? AND key=? AND from_pos<=? "
                            "AND (to_pos IS NULL OR to_pos>?)", (view, key, position, position))
        return [Held(r[0], r[1]) for r in rows]

    def held_known(self, view: str, key: str, known: int) -> list[Held]:
        rows = self._select(f"SELECT item, body FROM {ROWS_TABLE} WHERE view=? AND key=? "
                            "AND from_known<=? AND (to_known IS NULL OR to_known>?)",
                            (view, key, known, known))
        return [Held(r[0], r[1]) for r in rows]

    def disordered(self, known: int) -> bool:
        return bool(self._select(f"SELECT 1 FROM {LATE_TABLE} WHERE known<=? AND before>? LIMIT 1",
                                 (known, known)))

    def span_known(self, view: str, key: str, known: int) -> tuple[int, int | None] | None:
        rows = self._select(f"SELECT from_pos, to_pos FROM {ROWS_TABLE} WHERE view=? AND key=? AND "
                            "from_known<=? ORDER BY from_known DESC LIMIT 1", (view, key, known))
        return (rows[0][0], rows[0][1]) if rows else None

    def open_rows(self, view: str) -> dict[tuple[str, str], str]:
        rows = self._select(f"SELECT key, item, body FROM {ROWS_TABLE} WHERE view=? AND to_pos IS NULL",
                            (view,))
        return {(r[0], r[1]): r[2] for r in rows}

    def keys_at(self, view: str, position: int) -> list[str]:
        rows = self._select(f"SELECT DISTINCT key FROM {ROWS_TABLE} WHERE view=? AND from_pos<=? "
                            "AND (to_pos IS NULL OR to_pos>?) ORDER BY key", (view, position, position))
        return [r[0] for r in rows]

    def built(self) -> bool:
        return bool(self._select("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                                 (ROWS_TABLE,)))

    def forget(self, view: str, item: str, prefixes: Sequence[str]) -> int:
        if not self.built():
            return 0
        with self.datastore.transaction(commit=True) as c:
            c.execute("PRAGMA secure_delete=ON")  # the deleted rows' bytes are overwritten
            gone = 0
            for prefix in prefixes:
                c.execute(f"DELETE FROM {ROWS_TABLE} WHERE view=? AND item=? AND substr(key, 1, ?)=?",
                          (view, item, len(prefix), prefix))
                c.execute("SELECT changes() AS n")
                gone += int(c.fetchone()["n"])
            return gone

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {ROWS_TABLE}")
            c.execute(f"DELETE FROM {LATE_TABLE}")
            c.execute("DELETE FROM tracking WHERE application_name=?", (application_name,))


#: A views recorder (mypy checks the class against the protocol).
SQLITE_VIEWS: type[ViewsRecorder] = SQLiteViewsRecorder
