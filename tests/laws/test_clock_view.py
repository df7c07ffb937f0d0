"""As known at a moment, the last fact the fold takes in is found by the views' clock in one
indexed lookup (projections/clock_view.py), and it is the fact the reading back of the log finds
(projections.reading.last_taken): at every fact's own moment, a microsecond after it, before the
first, after the last, and for random stops; on generated ledgers whose second day is sometimes
known before the first (late facts: then the clock declines for the moments they cover).
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.clocks import known_at_of
from projections.reading import known_prefix_of, last_taken, names_known
from projections.views import rebuild
from tests.strategies import RaceDay, race_days, record_race_day


def read_back(app: Ledger, stop: int, moment: datetime) -> tuple[int, datetime | None]:
    """The rulebook's answer: the latest fact up to ``stop`` known by the moment that names only
    facts known by it, read back from ``stop``."""
    for position, event in app.read_log_backwards(stop):
        if known_at_of(event) <= moment and names_known(app, position, event, moment):
            return position, known_at_of(event)
    return 0, None


@settings(max_examples=10, deadline=None)
@given(race_days(max_races=2), race_days(max_races=2), st.booleans(), st.data())
def test_the_clock_finds_what_reading_the_log_back_finds(first: RaceDay, second: RaceDay, late: bool,
                                                          data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as where:
        app = build_app(str(Path(where) / "clock.db"))
        try:
            record_race_day(app, first)
            other = attrs.evolve(second, competition="Other Cup")
            if late:
                earliest = min(known_at_of(e) for _, e in app.read_log())
                with app.known_at(earliest - timedelta(hours=1)):
                    record_race_day(app, other)
            else:
                record_race_day(app, other)
            last = app.last_position()
            assert rebuild(app) == last
            moments = sorted({known_at_of(e) for _, e in app.read_log()})
            asked = [moments[0] - timedelta(seconds=1), moments[-1] + timedelta(seconds=1)]
            asked += [m + shift for m in moments for shift in (timedelta(0), timedelta(microseconds=1))]
            stops = data.draw(st.lists(st.integers(1, last), min_size=1, max_size=3), label="stops")
            answered = 0
            for moment in asked:
                answered += known_prefix_of(app, moment) is not None
                for stop in [last, *stops]:
                    assert last_taken(app, stop, moment) == read_back(app, stop, moment), (moment, stop)
            if not late:
                assert answered >= len(asked) - 4, "the clock answers every moment but the last ones"
        finally:
            app.close()
