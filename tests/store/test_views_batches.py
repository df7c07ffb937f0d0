"""Several facts' steps written in one transaction are the same views as a step a transaction
(``record_steps`` and ``record_step`` of ``ledger.store.views`` and ``ledger.store.postgres_views``;
docs/decisions/0018-bitemporal-views.md, "Rebuild speed").

A batch closes each row open before it once and inserts the versions it opens already closed when
a later step of the batch changes them again; read back at every position and known-at moment
(rows held, keys, late facts, the open rows, the tracked position), it must answer exactly what
the same steps written one by one answer, on SQLite and PostgreSQL. Steps are generated: rows
changed, dropped and opened again, several steps in a row changing the same row, facts known late.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.store.views import Change, Step, ViewsRecorder
from projections.views import UPSTREAM, views_recorder
from tests.conftest import _PG, drop_pg_schema, new_pg_schema, pg_url

NAMES = [("history", key, item) for key in ("a", "b") for item in ("", "r1", "r2")]
BODIES = st.one_of(st.none(), st.sampled_from(['{"x":1}', '{"x":2}', '{"y":"é"}']))


@st.composite
def steps(draw: st.DrawFn) -> list[Step]:
    """Steps at positions 1..n: each changes a few rows (a body, or None: the row stops holding);
    known-at moments mostly rising, some facts known earlier than one before them (late)."""
    found: list[Step] = []
    latest: int | None = None
    for position in range(1, draw(st.integers(1, 12)) + 1):
        own = draw(st.integers(0, 40)) * 1_000_000
        late = (own, latest) if latest is not None and own < latest else None
        latest = own if latest is None else max(latest, own)
        names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
        changes = tuple(Change(view, key, item, draw(BODIES)) for view, key, item in names)
        found.append(Step(position, latest, changes, late))
    return found


@contextmanager
def views_store(kind: str) -> Iterator[ViewsRecorder]:
    """A views recorder in a fresh ledger store of this kind."""
    with tempfile.TemporaryDirectory() as where:
        schema = new_pg_schema() if kind == "postgres" else ""
        app = build_app(pg_url(schema) if schema else str(Path(where) / "views.db"))
        try:
            yield views_recorder(app)
        finally:
            app.close()
            if schema:
                drop_pg_schema(schema)


def seen(views: ViewsRecorder, written: list[Step]) -> dict[str, Any]:
    """Everything a reader can ask of the views the steps wrote."""
    last = written[-1].position
    moments = sorted({m + d for s in written for m in (s.known, *(s.late or ())) for d in (-1, 0, 1)})
    return {
        "at": {(key, p): sorted((h.item, h.body) for h in views.held_at("history", key, p))
               for key in ("a", "b") for p in range(last + 2)},
        "known": {(key, m): sorted((h.item, h.body) for h in views.held_known("history", key, m))
                  for key in ("a", "b") for m in moments},
        "keys": {p: views.keys_at("history", p) for p in range(last + 2)},
        "disordered": {m: views.disordered(m) for m in moments},
        "open": views.open_rows("history"),
        "tracked": views.max_tracking_id(UPSTREAM),
    }


def batches(written: list[Step], cuts: list[int]) -> list[list[Step]]:
    bounds = [0, *sorted({c % len(written) for c in cuts} - {0}), len(written)]
    return [written[a:b] for a, b in pairwise(bounds)]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@settings(max_examples=30, deadline=None)
@given(written=steps(), cuts=st.lists(st.integers(0, 11), max_size=4))
def test_steps_written_in_batches_are_the_views_written_step_by_step(
        kind: str, written: list[Step], cuts: list[int]) -> None:
    if kind == "postgres" and not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true this is a failure instead)")
    with views_store(kind) as views:
        for step in written:
            views.record_step(step, Tracking(UPSTREAM, step.position))
        expected = seen(views, written)
        views.reset(UPSTREAM)
        for batch in batches(written, cuts):
            views.record_steps(batch, Tracking(UPSTREAM, batch[-1].position))
        assert seen(views, written) == expected
