"""The records view answers what the fold answers (issue 14, items 2 and 3), on generated ledgers
(tests/view_ledgers.py: record table lines of the world, the track, the nation and the
championship, fast or slow, dated before, between or after the race days and imported before,
between or after them; races that come earlier in the walk recorded later): at random log
positions and random known-at moments, every record as it stands, field for field. The view
declines only on ledgers with late facts.

The view is built by ``projections.views.rebuild`` (the library's ProjectionRunner over a SQLite
file) and read by ``projections.records_view.view_records``; the fold is
``projections.records.records(state).current`` over ``projections.basis.state_as_of``.
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
from projections.records import records
from projections.records_view import view_records
from projections.views import rebuild, views_of
from tests.view_ledgers import Plan, build, plans


@settings(max_examples=15, deadline=None)
@given(plans(), st.data())
def test_the_records_view_answers_what_the_fold_answers(plan: Plan, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as where:
        app = build_app(str(Path(where) / "views.db"))
        try:
            build(app, plan, Path(where))
            last = app.last_position()
            assert rebuild(app) == last
            views = views_of(app)
            assert views is not None

            positions = data.draw(st.lists(st.integers(0, last), min_size=1, max_size=6), label="positions")
            for position in [*positions, last]:
                basis = Basis(position=position)
                found = view_records(views, basis, last)
                assert found == records(state_as_of(app, basis)).current, position

            moments = sorted({known_at_of(e) for _, e in app.read_log()})
            picked = data.draw(st.lists(st.sampled_from(moments), min_size=1, max_size=4), label="moments")
            for moment in [*picked, moments[0] - timedelta(seconds=1), moments[-1]]:
                for shifted in (moment, moment + timedelta(microseconds=1)):
                    basis = Basis(known_at=shifted)
                    found = view_records(views, basis, last)
                    if found is None:
                        assert plan.late, "only late facts keep the view from answering"
                        continue
                    assert found == records(state_as_of(app, basis)).current, shifted
        finally:
            app.close()
