"""The skater histories view answers what the fold answers (issue 14, item 3), on generated ledgers:
at random log positions and random known-at moments, for every skater registered then and a name
nobody has. Two race days, the second sometimes known at moments before the first (facts that
arrive late: as known at some moments the facts are then not a prefix of the log, and the view
must say it cannot answer), sometimes the first's races skated by others days before it, and
sometimes a record table line by which one skater's result changes another's marks.

The view is built by ``projections.views.rebuild`` (the log taken in by batches into a SQLite
file), or over the first day and brought up to the end by ``catch_up`` (the projection resumed
from the store), or by the library's ProjectionRunner handed the projection that took in the first
day (a rebuild's hand-over); it is read by ``projections.views.view_history``; the fold is
``projections.history.history`` over ``projections.basis.state_as_of``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.clocks import known_at_of
from ledger.domain.errors import UnknownSkaterError
from ledger.domain.timing import format_time
from ledger.importing.records import import_records
from projections.basis import Basis, state_as_of
from projections.history import History, history
from projections.views import (
    UPSTREAM,
    Views,
    catch_up,
    handed_over,
    rebuild,
    resumed,
    run,
    take_in,
    view_history,
    views_of,
    views_recorder,
)
from tests.strategies import RaceDay, race_days, record_race_day

HEADER = "scope,distance,category,time,skater,nation,date,source\n"
NOBODY = "Nobody Atall"

Answer = History | str  # a history, or "unknown" for a name nobody registered


def fold_answer(app: Ledger, name: str, basis: Basis) -> Answer:
    try:
        return history(state_as_of(app, basis), name)
    except UnknownSkaterError:
        return "unknown"


def view_answer(app: Ledger, name: str, basis: Basis) -> Answer | None:
    views = views_of(app)
    assert views is not None
    try:
        return view_history(views, name, basis, app.last_position())
    except UnknownSkaterError:
        return "unknown"


def names_at(app: Ledger, basis: Basis) -> list[str]:
    return [*sorted({info.name for info in state_as_of(app, basis).skaters.values()}), NOBODY]


def record_line(day: RaceDay, fast: bool) -> str:
    """A world record table line for the day's first race, dated a week before: never beaten when
    ``fast``, else slower than anyone (then the first result betters it and the others are held to
    that result: one skater's facts change another's marks)."""
    race = day.races[0]
    ms = race.distance_m * 40 if fast else race.distance_m * 200
    when = (day.day - timedelta(days=7)).isoformat()
    return f"world,{race.distance_m},{race.category},{format_time(ms)},Someone,NED,{when},ISU\n"


def rerun(day: RaceDay) -> RaceDay:
    """The same races skated by others two days earlier at another competition (recorded after
    the day itself: its results change the marks of the day's skaters, who are not in its races)."""
    races = tuple(attrs.evolve(race, starters=tuple(attrs.evolve(s, name=f"{s.name} Two")
                                                    for s in race.starters)) for race in day.races)
    return attrs.evolve(day, competition="Other Cup", day=day.day - timedelta(days=2), races=races)


def take_in_then(app: Ledger, how: str, record_rest: Callable[[], None]) -> int:
    """Build the views over the log so far, record the rest, and bring the views up to the end:
    by ``catch_up`` (the projection resumed from the store's open rows and a fold), or by the
    library's runner handed the projection that took in the first part (a rebuild's hand-over)."""
    if how == "catch-up":
        rebuild(app)
        record_rest()
        return catch_up(app)
    recorder = views_recorder(app)
    recorder.reset(UPSTREAM)
    projection = Views(recorder)
    take_in(app, recorder, projection, 1, batch=7)
    record_rest()
    return run(app, resumed(handed_over(projection)))


@settings(max_examples=12, deadline=None)
@given(race_days(max_races=2), race_days(max_races=2), st.booleans(), st.booleans(),
       st.sampled_from([None, False, True]), st.sampled_from(["rebuild", "catch-up", "hand-over"]),
       st.data())
def test_the_history_view_answers_what_the_fold_answers(first: RaceDay, second: RaceDay, again: bool,
                                                         late: bool, table: bool | None, how: str,
                                                         data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as where:
        app = build_app(str(Path(where) / "views.db"))
        try:
            if table is not None:
                path = Path(where) / "records.csv"
                path.write_text(HEADER + record_line(first, fast=table), encoding="utf-8")
                import_records(app, path)
            record_race_day(app, first)
            other = rerun(first) if again else attrs.evolve(second, competition="Other Cup")

            def record_other() -> None:
                if late:
                    earliest = min(known_at_of(e) for _, e in app.read_log())
                    with app.known_at(earliest - timedelta(hours=1)):
                        record_race_day(app, other)
                else:
                    record_race_day(app, other)

            if how == "rebuild":
                record_other()
                assert rebuild(app) == app.last_position()
            else:
                assert take_in_then(app, how, record_other) == app.last_position()
            last = app.last_position()

            positions = data.draw(st.lists(st.integers(0, last), min_size=1, max_size=4), label="positions")
            for position in [*positions, last]:
                basis = Basis(position=position)
                for name in names_at(app, basis):
                    assert view_answer(app, name, basis) == fold_answer(app, name, basis), (position, name)

            moments = sorted({known_at_of(e) for _, e in app.read_log()})
            picked = data.draw(st.lists(st.sampled_from(moments), min_size=1, max_size=3), label="moments")
            views = views_of(app)
            assert views is not None
            for moment in [*picked, moments[0] - timedelta(seconds=1), moments[-1]]:
                for shifted in (moment, moment + timedelta(microseconds=1)):
                    basis = Basis(known_at=shifted)
                    for name in names_at(app, basis):
                        found = view_answer(app, name, basis)
                        if found is None:
                            assert late, "only late facts keep the view from answering"
                            continue
                        assert found == fold_answer(app, name, basis), (shifted, name)
        finally:
            app.close()
