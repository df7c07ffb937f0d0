"""Hypothesis strategies for generated race days, and the commands that record them.

A race day is a competition at one of a few venues with one to three races (500, 1000, 1500 or
5000 m, men or women), on its first or its second day. Each race has one to twelve synthetic
skaters ("Skater 01" …) entered and drawn in pairs, inner and outer lane, the odd skater alone;
some skaters' pair is not known (a list gave their result, not their pair). Each skater gets an
outcome: a finish with plausible passings, a DNF after some passings, DNS, WDR, DQ (with or without
a measured time), a DQ voided on protest, a place reported by a list without the time, a re-skate
after a hindered race (completed or not), or nothing yet (still to skate). A pair may false-start
once (the clock is cleared, with a passing it had timed, and started again); a race whose skaters
all have a result may be declared official. Finish times cluster around a few hundredths, so equal
thousandths, and equal hundredths split by thousandths, happen in most examples: the cases the
ranking rules are about. Only valid days are generated: every command is accepted.

:func:`race_day_commands` turns a race day into the public commands of :class:`Ledger` (optionally
with the pairs recorded in a shuffled order); :func:`record_race_day` issues them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from typing import Any

import attrs
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.kinds import FactKind
from ledger.domain.timing import passing_points
from ledger.domain.values import competition_slug, race_key

DISTANCES = (500, 1000, 1500, 5000)
CATEGORIES = ("men", "women")
SKATERS = tuple(f"Skater {n:02d}" for n in range(1, 13))
#: Outcome codes of the plan; PENDING is a skater entered and drawn who has not finished yet.
PENDING = "PENDING"
#: Sampled with OK first and most often: Hypothesis shrinks toward the first element.
OUTCOME_CODES = ("OK", "OK", "OK", "OK", "DNF", "DQ", "DNS", "WDR", PENDING)
VENUE = "Test Rink"
VENUES = (VENUE, "Thialf", "Olympic Oval")
DQ_RULE = "ISU 256: leaving the lane"
CORRECTION_REASON = "photo-finish read again"
REFEREE = "Referee R"
PROTEST = "protest upheld: the other skater was responsible"
HINDERED = "hindered at the crossing"

# Plausible race paces in ms per metre (the ledger refuses below 50 and above 300).
FAST_PACE, SLOW_PACE = 65, 90


@attrs.frozen
class Hindered:
    """The race a re-skate replaces: its passings, and its finish (None: not completed, a DNF)."""

    passings: tuple[tuple[int, int], ...] = ()
    finish_ms: int | None = None


@attrs.frozen
class Outcome:
    """What one skater did in one race: passings (metres, ms), and a finish time or none (of the
    skater's current race: the re-skate when there is one)."""

    code: str  # OK, DNF, DNS, WDR, DQ or PENDING
    passings: tuple[tuple[int, int], ...] = ()
    finish_ms: int | None = None
    #: a list reported the place, not the time: the time the place comes from (never recorded)
    hidden_ms: int | None = None
    place: int | None = None
    dq_voided: bool = False  # disqualified after the finish, the DQ then voided (protest upheld)
    hindered: Hindered | None = None  # re-skated after this hindered race

    @property
    def status(self) -> str | None:
        """The status the leaderboard must show, or None when the skater has no result yet."""
        return None if self.code == PENDING else self.code

    @property
    def ranked_ms(self) -> int | None:
        """The time the skater is ranked on: only an OK finish is ranked; after a re-skate the
        better of the two races, when the hindered one was completed."""
        if self.code != "OK":
            return None
        times = [ms for ms in (self.finish_ms, self.hindered.finish_ms if self.hindered else None)
                 if ms is not None]
        return min(times) if times else None

    @property
    def order_ms(self) -> int | None:
        """Where the skater sits among the times: the ranked time, or the hidden one of a place."""
        return self.ranked_ms if self.ranked_ms is not None else self.hidden_ms

    @property
    def counted_passings(self) -> tuple[tuple[int, int], ...]:
        """The passings of the race that counts (the standings at a passing point show those):
        the hindered race when its finish is the better one (or equal: it came first)."""
        h = self.hindered
        if h is not None and h.finish_ms is not None and self.finish_ms is not None and (
                h.finish_ms <= self.finish_ms):
            return h.passings
        return self.passings


@attrs.frozen
class Starter:
    name: str
    pair: int | None  # None: not known (not drawn)
    lane: str | None  # inner or outer
    outcome: Outcome


@attrs.frozen
class RacePlan:
    distance_m: int
    category: str
    starters: tuple[Starter, ...]
    day_offset: int = 0  # raced on the competition's first day (0) or the next
    false_starts: frozenset[int] = frozenset()  # pairs whose first start was a false start
    official: bool = False  # declared official once every pair has raced

    def pairs(self) -> dict[int, tuple[str | None, str | None]]:
        """Pair number → (inner skater, outer skater), of the pairs drawn."""
        drawn: dict[int, dict[str, str]] = {}
        for s in self.starters:
            if s.pair is not None and s.lane is not None:
                drawn.setdefault(s.pair, {})[s.lane] = s.name
        return {p: (lanes.get("inner"), lanes.get("outer")) for p, lanes in sorted(drawn.items())}

    def reskate_pairs(self) -> dict[str, int]:
        """Each re-skater's new pair: alone, after the drawn pairs."""
        last = max(self.pairs(), default=0)
        reskaters = [s.name for s in self.starters if s.outcome.hindered is not None]
        return {name: last + n for n, name in enumerate(reskaters, start=1)}

    def starter(self, name: str) -> Starter:
        return next(s for s in self.starters if s.name == name)


@attrs.frozen
class RaceDay:
    competition: str
    day: date
    races: tuple[RacePlan, ...]
    venue: str = VENUE

    @property
    def slug(self) -> str:
        return competition_slug(self.competition, self.day)

    @property
    def last_day(self) -> date:
        return self.day + timedelta(days=max(r.day_offset for r in self.races))

    def key(self, race: RacePlan) -> str:
        return race_key(self.slug, race.category, race.distance_m, None)

    def keyed(self) -> Iterator[tuple[str, RacePlan]]:
        for race in self.races:
            yield self.key(race), race

    def skaters(self) -> list[str]:
        return sorted({s.name for race in self.races for s in race.starters})


# -- times ---------------------------------------------------------------------------------------
# Strategies are built once and kept (lru_cache, module constants): building them anew for every
# skater of every example cost more than recording the day (CI time is tight).
@lru_cache(maxsize=512)
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
        ms = draw(integers(near_low, near_high) if near_low <= near_high else integers(low, high))
        times.append((metres, ms))
        previous = ms
    return tuple(times)


@lru_cache(maxsize=4096)
def integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@lru_cache(maxsize=64)
def subsets(points: tuple[int, ...], min_size: int = 0) -> st.SearchStrategy[tuple[int, ...]]:
    """Passing points a transponder timed: any subset, in order."""
    return st.lists(st.sampled_from(points), min_size=min_size, unique=True).map(
        lambda ps: tuple(sorted(ps)))


@lru_cache(maxsize=64)
def all_or_subset(points: tuple[int, ...]) -> st.SearchStrategy[tuple[int, ...]]:
    """Most often every passing point, else any subset."""
    return st.one_of(st.just(points), subsets(points))


CODES = st.sampled_from(OUTCOME_CODES)
BOOLEANS = st.booleans()


def points_before_line(distance_m: int) -> tuple[int, ...]:
    return tuple(p for p in passing_points(distance_m) if p < distance_m)


#: How an OK outcome came about, most often plainly: a DQ voided on protest, a place reported
#: by a list without its time, a re-skate after a hindered race.
OK_KINDS = ("plain", "plain", "plain", "plain", "plain", "plain", "voided-dq", "place-only",
            "reskate")
OK_KIND = st.sampled_from(OK_KINDS)


@st.composite
def outcomes(draw: st.DrawFn, distance_m: int, base_ms: int, paired: bool = True) -> Outcome:
    """One skater's outcome in a race of ``distance_m``; finish times cluster at ``base_ms``.
    Only a skater whose pair is known re-skates."""
    code = draw(CODES)
    if code in {"DNS", "WDR"}:
        return Outcome(code)
    finish_ms = draw(finish_times(distance_m, base_ms))
    all_points = points_before_line(distance_m)
    points = all_points
    if code in {"DNF", PENDING}:  # stopped (or still skating) after some passing points
        points = points[: draw(integers(0, len(points)))]
    elif code == "DQ":  # disqualified: always after some passing (a DQ names a skater who raced)
        points = draw(subsets(points, 1))
    else:  # a transponder may miss a passing point: any subset, most often all of them
        points = draw(all_or_subset(points))
    passings = draw(passing_times(points, distance_m, finish_ms))
    if code == "DQ" and draw(BOOLEANS):  # disqualified before the line: no time
        return Outcome(code, passings)
    if code != "OK":
        return Outcome(code, passings, None if code in {"DNF", PENDING} else finish_ms)
    kind = draw(OK_KIND)
    if kind == "voided-dq":
        return Outcome(code, passings, finish_ms, dq_voided=True)
    if kind == "place-only":  # the place is set once the whole race is drawn (race_plans)
        return Outcome(code, hidden_ms=finish_ms)
    if kind == "reskate" and paired:
        completed = draw(BOOLEANS)
        first_ms = draw(finish_times(distance_m, base_ms))
        first_points = all_points if completed else all_points[: draw(integers(0, len(all_points)))]
        first = Hindered(draw(passing_times(first_points, distance_m, first_ms)),
                         first_ms if completed else None)
        return Outcome(code, passings, finish_ms, hindered=first)
    return Outcome(code, passings, finish_ms)


def with_places(starters: list[Starter]) -> list[Starter]:
    """Give each place-only result the place its hidden time earns among every other result; a
    hidden time equal to another skater's would make the list's order a guess: such a skater
    gets the time recorded instead."""
    times = [s.outcome.order_ms for s in starters if s.outcome.order_ms is not None]
    out = []
    for s in starters:
        hidden = s.outcome.hidden_ms
        if hidden is None:
            out.append(s)
        elif times.count(hidden) > 1:
            out.append(attrs.evolve(s, outcome=Outcome("OK", (), hidden)))
        else:
            place = 1 + sum(ms < hidden for ms in times)
            out.append(attrs.evolve(s, outcome=attrs.evolve(s.outcome, place=place)))
    return out


@st.composite
def race_plans(draw: st.DrawFn, distance_m: int, category: str,
               max_skaters: int = len(SKATERS)) -> RacePlan:
    names = draw(skater_lists(max_skaters))
    base_ms = draw(integers(distance_m * FAST_PACE // 10, distance_m * (FAST_PACE + 10) // 10))
    base_ms *= 10  # a whole hundredth, so that "close" times share hundredths
    lone_lane = draw(LANES)
    # a skater of unknown pair: now and then one (never the only one), most often none
    unpaired = {names[draw(integers(0, len(names) - 1))]} if (
        len(names) > 1 and draw(integers(0, 3)) == 0) else set()
    drawn = [n for n in names if n not in unpaired]
    starters = []
    for i, name in enumerate(drawn):  # the list order is the draw: two by two, the odd one alone
        pair, alone = i // 2 + 1, i == len(drawn) - 1 and i % 2 == 0
        lane = lone_lane if alone else ("inner", "outer")[i % 2]
        starters.append(Starter(name, pair, lane, draw(outcomes(distance_m, base_ms))))
    starters += [Starter(name, None, None, draw(outcomes(distance_m, base_ms, paired=False)))
                 for name in sorted(unpaired)]
    starters = with_places(starters)
    pairs = sorted({s.pair for s in starters if s.pair is not None})
    false_starts = {pairs[draw(integers(0, len(pairs) - 1))]} if (
        bool(pairs) and draw(BOOLEANS)) else set()
    done = all(s.outcome.status is not None for s in starters)
    official = done and draw(BOOLEANS)
    return RacePlan(distance_m, category, tuple(starters), draw(DAY_OFFSETS),
                    frozenset(false_starts), official)


LANES = st.sampled_from(("inner", "outer"))
DAY_OFFSETS = st.sampled_from((0, 0, 1))


@lru_cache(maxsize=16)
def skater_lists(max_skaters: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(SKATERS), min_size=1, max_size=max_skaters, unique=True)


@st.composite
def race_days(draw: st.DrawFn, max_races: int = 3, max_skaters: int = len(SKATERS)) -> RaceDay:
    kinds = draw(race_kinds(max_races))
    races = tuple(draw(race_plans(d, c, max_skaters)) for d, c in kinds)
    return RaceDay("Test Cup", draw(DAYS), races, draw(PLACES))


DAYS = st.dates(date(2017, 7, 1), date(2026, 6, 29))
PLACES = st.sampled_from(VENUES)


@lru_cache(maxsize=8)
def race_kinds(max_races: int) -> st.SearchStrategy[list[tuple[int, str]]]:
    return st.lists(st.tuples(st.sampled_from(DISTANCES), st.sampled_from(CATEGORIES)),
                    min_size=1, max_size=max_races, unique=True)


# -- recording -----------------------------------------------------------------------------------
@attrs.frozen
class Command:
    """One public command of the ledger, as data: its method name and arguments."""

    name: str
    args: tuple[Any, ...]

    def run(self, app: Ledger) -> Any:
        method: Callable[..., Any] = (
            getattr(app, self.name) if hasattr(app, self.name) else partial(STEPS[self.name], app))
        return method(*self.args)


def void_latest(app: Ledger, key: str, name: str, kind: FactKind, reason: str, author: str) -> Any:
    """Void the skater's live fact of ``kind`` (its id is known only once it is recorded)."""
    fact = app.race(key).sheet.first(app.skater(name), kind)
    assert fact is not None, (key, name, kind)
    return app.void_fact(key, fact.fact_id, reason, author)


#: Steps that are not one public command: they need what an earlier command recorded.
STEPS: dict[str, Callable[..., Any]] = {"void_latest": void_latest}


def race_day_commands(day: RaceDay, shuffle: random.Random | None = None) -> list[Command]:
    """The commands that record ``day``: competition, skaters, then race by race the entries, the
    draw and each pair's facts in race-clock order. With ``shuffle`` the pairs of each race are
    recorded in a shuffled order (a results office catching up from paper)."""
    last_day = day.last_day if day.last_day != day.day else None
    commands = [Command("schedule_competition", (day.competition, day.venue, day.day, last_day))]
    commands += [Command("register_skater", (name, "NED")) for name in day.skaters()]
    for key, race in day.keyed():
        schedule = (day.slug, race.distance_m, race.category,
                    day.day + timedelta(days=race.day_offset))
        commands.append(Command("schedule_race", schedule))
        commands += [Command("enter_starter", (key, s.name)) for s in sorted(
            race.starters, key=lambda s: s.name)]
        pairs = race.pairs()
        commands += [Command("draw_pair", (key, p, inner, outer)) for p, (inner, outer) in
                     pairs.items()]
        order: list[int | None] = [*pairs, None]  # None: the skaters of unknown pair
        if shuffle is not None:
            shuffle.shuffle(order)
        for pair in order:
            starters = [s for s in race.starters if s.pair == pair]
            if starters:
                commands += pair_commands(key, pair, starters, pair in race.false_starts,
                                          race.reskate_pairs())
        if race.official:
            announced = datetime.combine(day.day + timedelta(days=race.day_offset), time(20),
                                         UTC)
            commands.append(Command("declare_official", (key, REFEREE, announced)))
    return commands


def clock_facts(key: str, runs: Sequence[tuple[str, tuple[tuple[int, int], ...], int | None, bool]]
                ) -> list[Command]:
    """Passings, finishes and DNFs of one start by the race clock: (skater, passings, finish,
    stopped) for each skater on the ice."""
    timed: list[tuple[int, int, Command]] = []
    for n, (name, passings, finish_ms, stopped) in enumerate(runs):
        last = 0
        for metres, ms in passings:
            timed.append((ms, n, Command("record_passing", (key, name, metres, ms))))
            last = ms
        if finish_ms is not None:
            timed.append((finish_ms, n, Command("record_finish", (key, name, finish_ms))))
        elif stopped:
            timed.append((last + 1, n, Command("record_dnf", (key, name))))
    return [c for *_, c in sorted(timed, key=lambda t: t[:2])]


def pair_commands(key: str, pair: int | None, starters: Sequence[Starter],
                  false_start: bool = False, reskate_pairs: dict[str, int] | None = None
                  ) -> list[Command]:
    """One pair's facts: absences before the start signal; a false start (with a passing timed
    before it, void once the clock is cleared) and the start again; then passings, finishes and
    DNFs by the race clock, the places a list reported, the referee's disqualifications (and a DQ
    voided on protest), and each hindered skater's re-skate in a pair of her own. The skaters of
    unknown pair (``pair`` None) have no start signal."""
    before = [Command("record_dns" if s.outcome.code == "DNS" else "record_withdrawal",
                      (key, s.name)) for s in starters if s.outcome.code in {"DNS", "WDR"}]
    on_ice = [s for s in starters if s.outcome.code not in {"DNS", "WDR"}]
    runs = [(s.name, s.outcome.hindered.passings if s.outcome.hindered else s.outcome.passings,
             s.outcome.hindered.finish_ms if s.outcome.hindered else s.outcome.finish_ms,
             s.outcome.code == "DNF" or (s.outcome.hindered is not None
                                         and s.outcome.hindered.finish_ms is None))
            for s in on_ice]
    start: list[Command] = []
    if pair is not None:
        start = [Command("start", (key, pair))]
        if false_start and on_ice:
            first = on_ice[0].name
            start += [Command("record_passing", (key, first, points_before_line_of(key)[0],
                                                 5_000 + 60 * points_before_line_of(key)[0])),
                      Command("false_start", (key, first)), Command("start", (key, pair))]
    places = [Command("report_place", (key, s.name, s.outcome.place))
              for s in on_ice if s.outcome.place is not None]
    after = [Command("disqualify", (key, s.name, DQ_RULE, REFEREE))
             for s in on_ice if s.outcome.code == "DQ" or s.outcome.dq_voided]
    after += [Command("void_latest", (key, s.name, FactKind.DQ, PROTEST, REFEREE))
              for s in on_ice if s.outcome.dq_voided]
    reskates: list[Command] = []
    for s in on_ice:
        if s.outcome.hindered is not None and reskate_pairs:
            again = reskate_pairs[s.name]
            reskates += [Command("grant_reskate", (key, s.name, HINDERED, REFEREE, again)),
                         Command("start", (key, again)),
                         *clock_facts(key, [(s.name, s.outcome.passings, s.outcome.finish_ms,
                                             False)])]
    return [*before, *start, *clock_facts(key, runs), *places, *after, *reskates]


def points_before_line_of(key: str) -> tuple[int, ...]:
    """The passing points before the line of a race, from its key (``…/men-1500m``)."""
    distance = int(key.rsplit("-", 1)[1].removesuffix("m"))
    return points_before_line(distance)


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


# -- the officials and conditions of a race (docs/decisions/0030-the-result-sheet.md) -----------
OFFICIAL_NAMES = ("Referee R", "Referee Q", "Starter S", "Starter T")


@st.composite
def officials_records(draw: st.DrawFn) -> list[tuple[str | None, str | None]]:
    """A run of ``record officials`` calls: each names the referee, the starter or both."""
    name = st.sampled_from(OFFICIAL_NAMES)
    pair = st.tuples(st.none() | name, st.none() | name).filter(lambda p: p != (None, None))
    return draw(st.lists(pair, min_size=1, max_size=8))
