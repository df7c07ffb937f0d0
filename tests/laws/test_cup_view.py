"""The cups view answers what the fold answers (decision 0024), on generated ledgers
(tests/view_ledgers.py) whose competitions join cups before their races are skated or after them
(then a finish corrected: a cup race's places change after the join): at random log positions and
random known-at moments, every cup's standings, every category and cup event, field for field.
The view declines only on ledgers with late facts.

The tables the view scores with are the shipped ones; none is shipped yet (decision 0024), so the
law gives the view tables of its own (TABLES: test fixtures, not the ISU's), one for every other
season, so that races of the seasons without one are unscored.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.domain.clocks import known_at_of
from projections.basis import Basis, state_as_of
from projections.cup import PointsTable, cup_standings, tables_by_season
from projections.cup_view import kept_tables, view_standings
from projections.reading import last_taken
from projections.views import rebuild, view_position, views_of
from tests.view_ledgers import Plan, build, correct_first, plans

#: Test fixtures, not the ISU's tables: distinct points per place, fewer places than starters.
TABLES = [PointsTable("world-cup", f"{year}/{(year + 1) % 100:02d}",
                      "test fixture (tests/laws/test_cup_view.py), not the ISU's table",
                      {("A", "individual"): (10, 7, 7, 3), ("B", "individual"): (2, 1)},
                      {"DQ": 1})
          for year in range(2016, 2027, 2)]
CUPS = ("world-cup-2025-26", "other-cup-2025-26")


@settings(max_examples=12, deadline=None)
@given(plans(), st.sampled_from(("before", "after")), st.sampled_from((None, 0, 1)), st.data())
def test_the_cups_view_answers_what_the_fold_answers(plan: Plan, join: str, other: int | None,
                                                     data: st.DataObject) -> None:
    with (mock.patch("projections.cup_view.shipped_tables", return_value=TABLES),
          tempfile.TemporaryDirectory() as where):
        app = build_app(str(Path(where) / "views.db"))
        try:
            first = plan.first
            if join == "before":
                app.schedule_competition(first.competition, first.venue, first.day,
                                         first.last_day if first.last_day != first.day else None,
                                         cup=CUPS[0])
            build(app, plan, Path(where))
            slugs = {c.name: c.slug for c in state_as_of(app).competitions.values()}
            if join == "after":
                app.join_cup(slugs[first.competition], CUPS[0])
                correct_first(app, first)  # a cup race's places change after the join
            if other is not None and "Other Cup" in slugs:
                app.join_cup(slugs["Other Cup"], CUPS[other])
            last = app.last_position()
            assert rebuild(app) == last
            views = views_of(app)
            assert views is not None
            tables = tables_by_season(TABLES)
            assert kept_tables() == tables

            def same(basis: Basis) -> bool:
                """The view's standings of every cup, category and event are the fold's at
                ``basis``; False when the view declines."""
                fold = state_as_of(app, basis)
                position = view_position(views, basis, last)
                if position is None:
                    return False
                if basis.known_at is not None:  # the position the fold answers as of
                    assert position == last_taken(app, last, basis.known_at)[0] == fold.position
                for cup in CUPS:
                    whole = cup_standings(fold, cup, tables)
                    asked = [(None, None), *{(r.category, r.event) for r in whole.rows},
                             (None, "long"), ("women", "5000")]
                    for category, event in asked:
                        found = view_standings(views, basis, last, position, cup, category, event)
                        if found is None:
                            return False
                        assert found == cup_standings(fold, cup, tables, category, event), (
                            basis, cup, category, event)
                return True

            positions = data.draw(st.lists(st.integers(0, last), min_size=1, max_size=4),
                                  label="positions")
            for position in [*positions, last]:
                assert same(Basis(position=position)), position
            assert same(Basis())

            moments = sorted({known_at_of(e) for _, e in app.read_log()})
            picked = data.draw(st.lists(st.sampled_from(moments), min_size=1, max_size=3),
                               label="moments")
            for moment in [*picked, moments[0] - timedelta(seconds=1), moments[-1]]:
                for shifted in (moment, moment + timedelta(microseconds=1)):
                    if not same(Basis(known_at=shifted)):
                        assert plan.late, "only late facts keep the view from answering"
        finally:
            app.close()


def test_a_view_scored_with_other_tables_does_not_answer() -> None:
    """The shipped tables changed since the view was built: the view declines (the question
    folds) rather than answer with the old points."""
    with tempfile.TemporaryDirectory() as where:
        app = build_app(str(Path(where) / "views.db"))
        try:
            app.schedule_competition("Table Cup", "Rink", date(2024, 11, 1),
                                     cup=CUPS[0])
            with mock.patch("projections.cup_view.shipped_tables", return_value=TABLES):
                rebuild(app)
                views = views_of(app)
                assert views is not None
                last = app.last_position()
                assert view_standings(views, Basis(), last, last, CUPS[0]) is not None
            assert view_standings(views, Basis(), last, last, CUPS[0]) is None
        finally:
            app.close()
