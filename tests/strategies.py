"""Hypothesis strategies for generated race days, and the commands that record them.

A race day is a competition with one to three races (500, 1000, 1500 or 5000 m, men or women). Each
race has one to twelve synthetic skaters ("Skater 01" …) entered and drawn in pairs, inner and
outer lane, the odd skater alone. Each skater gets an outcome: a finish with plausible passings, a
DNF after some passings, DNS, WDR, DQ (with or without a measured time), or nothing yet (still to
skate). Finish times cluster around a few hundredths, so equal thousandths, and equal hundredths
split by thousandths, happen in most examples: the cases the ranking rules are about.

:func:`race_day_commands` turns a race day into the public commands of :class:`Ledger` (optionally
with the pairs recorded in a shuffled order); :func:`record_race_day` issues them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import attrs
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.timing import passing_points
from ledger.values import competition_slug, race_key

DISTANCES = (500, 1000, 1500, 5000)
CATEGORIES = ("men", "women")
SKATERS = tuple(f"Skater {n:02d}" for n in range(1, 13))
#: Outcome codes of the plan; PENDING is a skater entered and drawn who has not finished yet.
PENDING = "PENDING"
#: Sampled with OK first and most often: Hypothesis shrinks toward the first element.
OUTCOME_CODES = ("OK", "OK", "OK", "OK", "DNF", "DQ", "DNS", "WDR", PENDING)
VENUE = "Test Rink"
DQ_RULE = "ISU 256: leaving the lane"
CORRECTION_REASON = "photo-finish read again"
REFEREE = "Referee R"

# Plausible race paces in ms per metre (the ledger refuses below 50 and above 300).
FAST_PACE, SLOW_PACE = 65, 90


@attrs.frozen
class Outcome:
    """What one skater did in one race: passings (metres, ms), and a finish time or none."""

    code: str  # OK, DNF, DNS, WDR, DQ or PENDING
    passings: tuple[tuple[int, int], ...] = ()
    finish_ms: int | None = None

    @property
    def status(self) -> str | None:
        """The status the leaderboard must show, or None when the skater has no result yet."""
        return None if self.code == PENDING else self.code

    @property
    def ranked_ms(self) -> int | None:
        """The time the skater is ranked on: only an OK finish is ranked."""
        return self.finish_ms if self.code == "OK" else None


@attrs.frozen
class Starter:
    name: str
    pair: int
    lane: str  # inner or outer
    outcome: Outcome


@attrs.frozen
class RacePlan:
    distance_m: int
    category: str
    starters: tuple[Starter, ...]

    def pairs(self) -> dict[int, tuple[str | None, str | None]]:
        """Pair number → (inner skater, outer skater)."""
        drawn: dict[int, dict[str, str]] = {}
        for s in self.starters:
            drawn.setdefault(s.pair, {})[s.lane] = s.name
        return {p: (lanes.get("inner"), lanes.get("outer")) for p, lanes in sorted(drawn.items())}

    def starter(self, name: str) -> Starter:
        return next(s for s in self.starters if s.name == name)


@attrs.frozen
class RaceDay:
    competition: str
    day: date
    races: tuple[RacePlan, ...]

    @property
    def slug(self) -> str:
        return competition_slug(self.competition, self.day)

    def key(self, race: RacePlan) -> str:
        return race_key(self.slug, race.category, race.distance_m, None)

    def keyed(self) -> Iterator[tuple[str, RacePlan]]:
        for race in self.races:
            yield self.key(race), race

    def skaters(self) -> list[str]:
        return sorted({s.name for race in self.races for s in race.starters})


# -- times ---------------------------------------------------------------------------------------
def finish_times(distance_m: int, base_ms: int) -> st.SearchStrategy[int]:
    """Mostly a few hundredths around ``base_ms`` with few thousandths digits (so ties are common),
    sometimes anywhere up to a slow pace."""
    # base and base + 3 share their hundredths and are split by thousandths; base + 10 is the next
    # hundredth; base + 19 shares that one
    close = st.sampled_from((base_ms, base_ms + 3, base_ms + 10, base_ms + 19))
    anywhere = st.integers(base_ms, distance_m * SLOW_PACE)
    return st.one_of(close, close, anywhere)  # close twice: two times in three


@st.composite
def passing_times(draw: st.DrawFn, points: Sequence[int], distance_m: int,
                  finish_ms: int) -> tuple[tuple[int, int], ...]:
    """Passing times at ``points`` (in order, all before the line): strictly increasing, plausible
    for their metres, before ``finish_ms``, and near an even pace."""
    times: list[tuple[int, int]] = []
    previous = 0
    for i, metres in enumerate(points):
        remaining = len(points) - i - 1
        low = max(previous + 1, metres * 50)
        high = min(metres * 300, finish_ms - 1 - remaining)
        even = finish_ms * metres // distance_m
        near_low, near_high = max(low, even - metres * 8), min(high, even + metres * 12)
        ms = draw(st.integers(near_low, near_high) if near_low <= near_high
                  else st.integers(low, high))
        times.append((metres, ms))
        previous = ms
    return tuple(times)


def points_before_line(distance_m: int) -> tuple[int, ...]:
    return tuple(p for p in passing_points(distance_m) if p < distance_m)


@st.composite
def outcomes(draw: st.DrawFn, distance_m: int, base_ms: int) -> Outcome:
    """One skater's outcome in a race of ``distance_m``; finish times cluster at ``base_ms``."""
    code = draw(st.sampled_from(OUTCOME_CODES))
    if code in {"DNS", "WDR"}:
        return Outcome(code)
    finish_ms = draw(finish_times(distance_m, base_ms))
    points = points_before_line(distance_m)
    if code in {"DNF", PENDING}:  # stopped (or still skating) after some passing points
        points = points[: draw(st.integers(0, len(points)))]
    else:  # a transponder may miss a passing point: any subset, most often all of them
        points = draw(st.one_of(st.just(points), st.lists(st.sampled_from(points), unique=True)
                                .map(lambda ps: tuple(sorted(ps)))))
    passings = draw(passing_times(points, distance_m, finish_ms))
    if code == "DQ" and draw(st.booleans()):  # disqualified before the line: no time
        return Outcome(code, passings)
    return Outcome(code, passings, None if code in {"DNF", PENDING} else finish_ms)


@st.composite
def race_plans(draw: st.DrawFn, distance_m: int, category: str,
               max_skaters: int = len(SKATERS)) -> RacePlan:
    names = draw(st.lists(st.sampled_from(SKATERS), min_size=1, max_size=max_skaters, unique=True))
    base_ms = draw(st.integers(distance_m * FAST_PACE // 10, distance_m * (FAST_PACE + 10) // 10))
    base_ms *= 10  # a whole hundredth, so that "close" times share hundredths
    lone_lane = draw(st.sampled_from(("inner", "outer")))
    starters = []
    for i, name in enumerate(names):  # the list order is the draw: two by two, the odd one alone
        pair, alone = i // 2 + 1, i == len(names) - 1 and i % 2 == 0
        lane = lone_lane if alone else ("inner", "outer")[i % 2]
        starters.append(Starter(name, pair, lane, draw(outcomes(distance_m, base_ms))))
    return RacePlan(distance_m, category, tuple(starters))


@st.composite
def race_days(draw: st.DrawFn, max_races: int = 3, max_skaters: int = len(SKATERS)) -> RaceDay:
    kinds = draw(st.lists(st.tuples(st.sampled_from(DISTANCES), st.sampled_from(CATEGORIES)),
                          min_size=1, max_size=max_races, unique=True))
    races = tuple(draw(race_plans(d, c, max_skaters)) for d, c in kinds)
    day = draw(st.dates(date(2017, 7, 1), date(2026, 6, 30)))
    return RaceDay("Test Cup", day, races)


# -- recording -----------------------------------------------------------------------------------
@attrs.frozen
class Command:
    """One public command of the ledger, as data: its method name and arguments."""

    name: str
    args: tuple[Any, ...]

    def run(self, app: Ledger) -> Any:
        method: Callable[..., Any] = getattr(app, self.name)
        return method(*self.args)


def race_day_commands(day: RaceDay, shuffle: random.Random | None = None) -> list[Command]:
    """The commands that record ``day``: competition, skaters, then race by race the entries, the
    draw and each pair's facts in race-clock order. With ``shuffle`` the pairs of each race are
    recorded in a shuffled order (a results office catching up from paper)."""
    commands = [Command("schedule_competition", (day.competition, VENUE, day.day))]
    commands += [Command("register_skater", (name, "NED")) for name in day.skaters()]
    for key, race in day.keyed():
        schedule = (day.slug, race.distance_m, race.category, day.day)
        commands.append(Command("schedule_race", schedule))
        commands += [Command("enter_starter", (key, s.name)) for s in sorted(
            race.starters, key=lambda s: s.name)]
        pairs = race.pairs()
        commands += [Command("draw_pair", (key, p, inner, outer)) for p, (inner, outer) in
                     pairs.items()]
        order = list(pairs)
        if shuffle is not None:
            shuffle.shuffle(order)
        for pair in order:
            commands += pair_commands(key, pair, [s for s in race.starters if s.pair == pair])
    return commands


def pair_commands(key: str, pair: int, starters: Sequence[Starter]) -> list[Command]:
    """One pair's facts: absences before the start signal, then passings, finishes and DNFs by the
    race clock, then the referee's disqualifications."""
    before = [Command("record_dns" if s.outcome.code == "DNS" else "record_withdrawal",
                      (key, s.name)) for s in starters if s.outcome.code in {"DNS", "WDR"}]
    timed: list[tuple[int, int, Command]] = []
    for n, s in enumerate(starters):
        last = 0
        for metres, ms in s.outcome.passings:
            timed.append((ms, n, Command("record_passing", (key, s.name, metres, ms))))
            last = ms
        if s.outcome.finish_ms is not None:
            timed.append((s.outcome.finish_ms, n,
                          Command("record_finish", (key, s.name, s.outcome.finish_ms))))
        elif s.outcome.code == "DNF":
            timed.append((last + 1, n, Command("record_dnf", (key, s.name))))
    after = [Command("disqualify", (key, s.name, DQ_RULE, REFEREE))
             for s in starters if s.outcome.code == "DQ"]
    in_clock_order = [c for *_, c in sorted(timed, key=lambda t: t[:2])]
    return [*before, Command("start", (key, pair)), *in_clock_order, *after]


def record_race_day(app: Ledger, day: RaceDay, shuffle: random.Random | None = None) -> Ledger:
    """Record ``day`` into ``app`` through its public commands; returns ``app``."""
    for command in race_day_commands(day, shuffle):
        command.run(app)
    return app


def finishers(day: RaceDay) -> list[tuple[str, RacePlan, Starter]]:
    """(race key, race, starter) of every skater with a measured finish time."""
    return [(key, race, s) for key, race in day.keyed() for s in race.starters
            if s.outcome.finish_ms is not None]


def with_finish(day: RaceDay, key: str, name: str, finish_ms: int) -> RaceDay:
    """The same race day with one skater's finish time replaced."""
    races = []
    for this_key, race in day.keyed():
        starters = tuple(
            attrs.evolve(s, outcome=attrs.evolve(s.outcome, finish_ms=finish_ms))
            if this_key == key and s.name == name else s for s in race.starters)
        races.append(attrs.evolve(race, starters=starters))
    return attrs.evolve(day, races=tuple(races))
