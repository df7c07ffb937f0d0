"""The races and competitions view answers what the fold answers (issue 14, items 2 and 3), on
generated ledgers (tests/view_ledgers.py): at random log positions and random known-at moments,
every race and competition, field for field. The view declines only on ledgers with late facts.

The view is built by ``projections.views.rebuild`` (the library's ProjectionRunner over a SQLite
file) and read by ``projections.races_view.view_catalogue``; the fold is
``projections.races_view.catalogue`` over ``projections.basis.state_as_of``.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.domain.clocks import known_at_of
from projections.basis import Basis, state_as_of
from projections.races_view import catalogue, view_catalogue
from projections.views import rebuild, views_of
from tests.view_ledgers import Plan, build, plans


@settings(max_examples=12, deadline=None)
@given(plans(), st.data())
def test_the_races_view_answers_what_the_fold_answers(plan: Plan, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as where:
        app = build_app(str(Path(where) / "views.db"))
        try:
            build(app, plan, Path(where))
            last = app.last_position()
            assert rebuild(app) == last
            views = views_of(app)
            assert views is not None

            positions = data.draw(st.lists(st.integers(0, last), min_size=1, max_size=5), label="positions")
            for position in [*positions, last]:
                basis = Basis(position=position)
                found = view_catalogue(views, basis, last)
                assert found == catalogue(state_as_of(app, basis)), position
            assert view_catalogue(views, Basis(), last) == catalogue(state_as_of(app))

            moments = sorted({known_at_of(e) for _, e in app.read_log()})
            picked = data.draw(st.lists(st.sampled_from(moments), min_size=1, max_size=4), label="moments")
            for moment in [*picked, moments[0] - timedelta(seconds=1), moments[-1]]:
                for shifted in (moment, moment + timedelta(microseconds=1)):
                    basis = Basis(known_at=shifted)
                    found = view_catalogue(views, basis, last)
                    if found is None:
                        assert plan.late, "only late facts keep the view from answering"
                        continue
                    assert found == catalogue(state_as_of(app, basis)), shifted
        finally:
            app.close()
