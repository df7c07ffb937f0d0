"""Small helpers that set up a race day, so that each test can tell only the part of it that matters.

Skaters who are not real are named ``Skater A``, ``Skater B`` …; real skaters appear only in the
ranking tests, and only with their real published times (rules.md §1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TypedDict, TypeVar, Unpack

from ledger.application import Ledger
from projections.basis import state_as_of
from projections.leaderboard import Row, leaderboard

#: The day the tests' races are skated on; the rules under test do not depend on it.
RACE_DAY = date(2025, 11, 14)

T = TypeVar("T")


class BoardOptions(TypedDict, total=False):
    """The options of ``leaderboard`` that the helpers pass on."""

    after_pair: int | None
    unranked_order: Sequence[str]
    within_place_order: Sequence[str]


def race_day(app: Ledger, distance_m: int = 1000, skaters: Iterable[str] = (),
             category: str = "men", competition: str = "Test Cup", day: date = RACE_DAY) -> str:
    """Schedule a competition and one race, register the skaters and enter them; the race key."""
    comp = app.schedule_competition(competition, "Test Rink", day)
    key = app.schedule_race(comp, distance_m, category, day)
    for name in skaters:
        app.register_skater(name)
        app.enter_starter(key, name)
    return key


def finished(app: Ledger, key: str, times: Iterable[tuple[str, int]]) -> None:
    """Each skater in turn registered, entered in the race and finished in the time given."""
    for name, ms in times:
        app.register_skater(name)
        app.enter_starter(key, name)
        app.record_finish(key, name, ms)


def draw(app: Ledger, key: str, *pairs: tuple[str | None, str | None]) -> None:
    """Draw pairs 1, 2, … in order: each pair is (inner lane, outer lane)."""
    for number, (inner, outer) in enumerate(pairs, start=1):
        app.draw_pair(key, number, inner, outer)


def timed_race(app: Ledger, distance_m: int, times: Sequence[tuple[str, int]],
               competition: str = "Test Cup", day: date = RACE_DAY) -> str:
    """A race whose skaters go two by two in the order given, each pair started and finished."""
    names = [name for name, _ in times]
    key = race_day(app, distance_m, names, competition=competition, day=day)
    for number, first in enumerate(range(0, len(times), 2), start=1):
        pair = list(times[first:first + 2])
        app.draw_pair(key, number, pair[0][0], pair[1][0] if len(pair) > 1 else None)
        app.start(key, number)
        for name, ms in pair:
            app.record_finish(key, name, ms)
    return key


def board(app: Ledger, key: str, **options: Unpack[BoardOptions]) -> list[Row]:
    """The leaderboard rows of a race as of now."""
    return list(leaderboard(state_as_of(app), key, **options).rows)


def places(app: Ledger, key: str, **options: Unpack[BoardOptions]) -> list[tuple[int | None, str]]:
    """(rank, skater) of every row of the leaderboard, in ranking order."""
    return [(row.rank, row.skater) for row in board(app, key, **options)]


def row_of(app: Ledger, key: str, skater: str) -> Row:
    """The leaderboard row of one skater."""
    return next(row for row in board(app, key) if row.skater == skater)


def known(value: T | None) -> T:
    """A value the test knows is there (a sheet, a fact, a time): asserts that it is."""
    assert value is not None
    return value


def all_known(values: Iterable[T | None]) -> list[T]:
    """The values, in order, asserting that none of them is None (the assertion names them all)."""
    given = list(values)
    present = [value for value in given if value is not None]
    assert len(present) == len(given), given
    return present
