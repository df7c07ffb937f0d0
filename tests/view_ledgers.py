"""Generated ledgers for the laws of the views (tests/laws/test_races_view.py,
tests/laws/test_records_view.py): two race days, the second sometimes known at moments before the
first (facts that arrive late), sometimes the first's races skated by others two days before it
(recorded after: races that come earlier in the walk arrive later in the log), record table lines
of several scopes, fast or slow, dated before, between or after the days, imported before, between
or after them (a line after the results makes the records walk again from its date), and
sometimes a finish time corrected at the end.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.clocks import known_at_of
from ledger.domain.errors import LedgerError
from ledger.domain.kinds import FactKind
from ledger.domain.timing import format_time
from ledger.importing.records import import_records
from tests.strategies import RaceDay, finishers, race_days, record_race_day

HEADER = "scope,distance,category,time,skater,nation,date,source\n"
SCOPES = ("world", "track", "national:NED", "championship")
WHEN = ("before", "between", "after")  # where a table is imported among the two days


@attrs.frozen
class Line:
    """A record table line for one of the first day's races."""

    scope: str
    race: int  # which of the first day's races (modulo their number)
    fast: bool  # never beaten, else slower than anyone (the first result betters it)
    days: int  # dated this many days after the first day (negative: before)


@attrs.frozen
class Plan:
    first: RaceDay
    second: RaceDay
    again: bool  # the second day is the first's races, skated by others two days earlier
    late: bool  # the second day is known at moments before the first
    lines: tuple[Line, ...]
    when: str  # where the table is imported
    correct: bool  # at the end, the first finish of the first day corrected to half a second less


#: Mostly slow lines (a result betters them, and the walk's order decides who holds the record),
#: dated mostly before both days (the second day, when it reruns the first, is two days earlier).
LINES = st.lists(st.builds(Line, st.sampled_from(SCOPES), st.integers(0, 2),
                           st.sampled_from((False, False, True)),
                           st.sampled_from((-7, -7, -3, -1, 0, 1))), min_size=1, max_size=4)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    return Plan(draw(race_days(max_races=2)), draw(race_days(max_races=2)), draw(st.booleans()),
                draw(st.booleans()), tuple(draw(LINES)), draw(st.sampled_from(WHEN)),
                draw(st.booleans()))


def rerun(day: RaceDay) -> RaceDay:
    """The same races skated by others two days earlier at another competition."""
    races = tuple(attrs.evolve(race, starters=tuple(attrs.evolve(s, name=f"{s.name} Two")
                                                    for s in race.starters)) for race in day.races)
    return attrs.evolve(day, competition="Other Cup", day=day.day - timedelta(days=2), races=races)


def table_text(day: RaceDay, lines: tuple[Line, ...]) -> str:
    text = HEADER
    for n, line in enumerate(lines):
        race = day.races[line.race % len(day.races)]
        scope = {"track": f"track:{day.venue}", "championship": f"championship:{day.competition}"
                 }.get(line.scope, line.scope)
        ms = race.distance_m * 40 if line.fast else race.distance_m * 200 + n * 10
        when = (day.day + timedelta(days=line.days)).isoformat()
        holder = race.starters[0].name if line.days == 0 else f"Holder {n}"  # the day's own?
        text += (f"{scope},{race.distance_m},{race.category},{format_time(ms)},{holder},NED,"
                 f"{when},Source {n}\n")
    return text


def build(app: Ledger, plan: Plan, where: Path) -> None:
    """Record the plan into ``app``."""

    def table() -> None:
        if plan.lines:
            path = where / "records.csv"
            path.write_text(table_text(plan.first, plan.lines), encoding="utf-8")
            import_records(app, path)

    if plan.when == "before":
        table()
    record_race_day(app, plan.first)
    if plan.when == "between":
        table()
    other = rerun(plan.first) if plan.again else attrs.evolve(plan.second, competition="Other Cup")
    if plan.late:
        earliest = min(known_at_of(e) for _, e in app.read_log())
        with app.known_at(earliest - timedelta(hours=1)):
            record_race_day(app, other)
    else:
        record_race_day(app, other)
    if plan.when == "after":
        table()
    if plan.correct:
        correct_first(app, plan.first)


def correct_first(app: Ledger, day: RaceDay) -> None:
    """A referee's correction of the first live finish of the day: a result's time changes, not
    whether it has one (a fact after which the same skaters have valid times, one of them another)."""
    for key, _, starter in finishers(day):
        fact = app.race(key).sheet.first(app.skater(starter.name), FactKind.FINISH)
        if fact is not None and fact.live:
            try:
                app.correct_time(key, fact.fact_id, (fact.ms or 1000) - 500, "photo finish", "Referee R")
            except LedgerError:  # half a second less would finish before a passing: more
                app.correct_time(key, fact.fact_id, (fact.ms or 1000) + 500, "photo finish", "Referee R")
            return
