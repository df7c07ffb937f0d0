"""Random sequences of race-day commands, checked by two state machines.

1. The ledger against a small dict model (cosmicpython's fake-repository idea, driven by Hypothesis):
   every command is predicted to append one fact, append nothing (a retransmission) or be refused,
   and after every step the leaderboard and the standings at each passing point must be what the
   model computes by hand with the "1224" rule. A refused command must leave the log untouched.
2. The in-process store against SQLite and PostgreSQL, in the pattern of Hypothesis' own
   ``DatabaseComparison`` test (hypothesis-python/tests/nocover/test_database_agreement.py): the
   same commands go to all three, and they must agree on every outcome, every stored event (but
   for the recorded timestamp, which is each ledger's own clock) and every board. PostgreSQL takes
   part when reachable, and always under ``CI=true``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import LedgerError
from ledger.domain.kinds import FactKind
from ledger.domain.race_state import Fact
from ledger.domain.timing import passing_points
from ledger.domain.values import skater_id
from projections.basis import state_as_of
from projections.leaderboard import Leaderboard, leaderboard, standings_at
from tests.conftest import IN_CI, drop_pg_schema, new_pg_schema, pg_url, postgres_available
from tests.strategies import CATEGORIES, CORRECTION_REASON, DISTANCES, DQ_RULE, REFEREE, VENUE

NAMES = tuple(f"Skater {n:02d}" for n in range(1, 5))
DAY = date(2025, 1, 5)
#: Every passing point of every distance, and two that are none: most are wrong for a given race.
ANY_METRES = tuple(sorted({0, 50, *(p for d in DISTANCES for p in passing_points(d))}))

APPEND, NOTHING, REFUSED = "appends one fact", "appends nothing", "is refused"

names = st.sampled_from(NAMES)
lanes = st.none() | names


def times_at(metres: int) -> st.SearchStrategy[int]:
    """A time at ``metres``: mostly one of a few round paces (so equal times, and corrections back
    to an earlier value, are common), sometimes any time, absurd ones included."""
    paces = st.sampled_from((60, 70, 80)).map(lambda pace: pace * metres)
    return st.one_of(paces, paces.map(lambda ms: ms + 3), st.integers(-1, metres * 320 + 1))


def draw_name(data: st.DataObject, entered: list[str], racing: list[str]) -> str:
    """Mostly a skater still racing, so that races get passings and then a finish; else one
    entered, or anyone."""
    choices = [*[st.sampled_from(racing)] * 3 * bool(racing),
               *[st.sampled_from(entered)] * bool(entered), names]
    return data.draw(st.one_of(choices), label="skater")


def draw_time(data: st.DataObject, name: str, metres: int, held: list[int], label: str) -> int:
    """A time at ``metres``: at the skater's own even pace (so a race can be skated through), any
    time, or one next to a time the skater already ``held``, where "strictly increasing" and
    "after the last passing" are decided."""
    near = sorted({ms + d for ms in held for d in (-1, 0, 1)})
    own_pace = st.just(metres * (60 + 5 * NAMES.index(name)))  # increasing with the metres
    times = [own_pace, times_at(max(metres, 100)), *[st.sampled_from(near)] * bool(near)]
    return data.draw(st.one_of(times), label=label)


def draw_metres(data: st.DataObject, points: tuple[int, ...], passed: list[int]) -> int:
    """Most often the next point the skater comes to (after the points ``passed``), else any point
    of the race, or one of another distance (refused)."""
    ahead = [p for p in points if p > max(passed, default=0)]
    choices = [*[st.just(p) for p in ahead[:1]] * 2, st.sampled_from(points),
               st.sampled_from(ANY_METRES)]
    return data.draw(st.one_of(choices), label="m")


def plausible(ms: int, metres: int) -> bool:
    """The ledger's plausibility bounds (ledger/domain/timing.py): 50 to 300 ms per metre."""
    return ms > 0 and metres * 50 <= ms <= metres * 300


DrawKey = Callable[[str], tuple[bool, int, int, int]]


def ranked_order(times: dict[str, int], drawn: DrawKey) -> list[tuple[int, str, int]]:
    """(rank, name, ms) by time then the draw, equal times sharing the rank and skipping the next."""
    ordered = sorted(times.items(), key=lambda kv: (kv[1], drawn(kv[0])))
    return [(1 + sum(t < ms for t in times.values()), name, ms) for name, ms in ordered]


#: The model's own knowledge, not the code's: the order of the unranked (rules.md §4: Vantage uses
#: DNF, DQ, DNS, WDR), the facts that carry a time, and those that end a skater's race.
UNRANKED_ORDER = ("DNF", "DQ", "DNS", "WDR")
TIMED = frozenset({FactKind.PASSING, FactKind.FINISH, FactKind.PRESENTED})
CLOSING = frozenset({FactKind.FINISH, FactKind.DNF, FactKind.DQ, FactKind.DNS, FactKind.WDR})


def unranked_order(statuses: dict[str, str], drawn: DrawKey) -> list[tuple[None, str, str, None]]:
    order = {s: n for n, s in enumerate(UNRANKED_ORDER)}
    ordered = sorted(statuses.items(), key=lambda kv: (order[kv[1]], drawn(kv[0])))
    return [(None, name, status, None) for name, status in ordered]


def outline(board: Leaderboard) -> list[tuple[int | None, str, str, int | None]]:
    return [(row.rank, row.skater, row.status, row.time_ms) for row in board.rows]


# -- the model ----------------------------------------------------------------------------------
@attrs.define
class Timed:
    """A recorded time: the value first sent (a retransmission repeats it), the value now (after
    corrections), and every value it was corrected to."""

    sent: int
    now: int
    corrected_to: list[int] = attrs.Factory(list)


@attrs.define
class ModelSkater:
    entered: bool = False
    pair: int | None = None
    lane: int = 2  # 0 inner, 1 outer, 2 unknown
    passings: dict[int, Timed] = attrs.Factory(dict)
    finish: Timed | None = None
    marks: set[str] = attrs.Factory(set)  # dnf, dns, wdr, dq

    @property
    def closed(self) -> bool:
        """A finish, DNF, DNS, WDR or DQ closes the race: no new passing or finish."""
        return self.finish is not None or bool(self.marks)

    @property
    def status(self) -> str | None:
        for mark in ("wdr", "dns", "dq"):
            if mark in self.marks:
                return mark.upper()
        if self.finish is not None:
            return "OK"
        return "DNF" if "dnf" in self.marks else None


class LedgerAgainstModel(RuleBasedStateMachine):
    """One race of one competition; four skaters who may be registered, entered, drawn, and race."""

    def __init__(self) -> None:
        super().__init__()
        self.app = build_app("memory")
        self.registered: set[str] = set()
        self.skaters: dict[str, ModelSkater] = {}
        self.pairs: dict[int, tuple[str | None, str | None]] = {}
        self.running: set[int] = set()

    @initialize(distance=st.sampled_from(DISTANCES), category=st.sampled_from(CATEGORIES),
                entered=st.lists(names, max_size=len(NAMES), unique=True))
    def schedule(self, distance: int, category: str, entered: list[str]) -> None:
        """The race, and the skaters entered before the day starts (more may enter later)."""
        slug = self.app.schedule_competition("Model Cup", VENUE, DAY)
        self.key = self.app.schedule_race(slug, distance, category, DAY)
        self.distance = distance
        self.points = passing_points(distance)
        for name in entered:
            self.register_and_enter(name)

    # -- issuing a command and checking its prediction --------------------------------------
    def issue(self, expect: str, command: str, *args: Any) -> None:
        before = self.app.last_position()
        try:
            returned = getattr(self.app, command)(*args)
        except LedgerError:
            outcome = REFUSED
        else:
            outcome = NOTHING if self.app.last_position() == before else APPEND
            if command.startswith(("record_", "draw_", "start", "disqualify", "correct_")):
                assert returned == (None if outcome == NOTHING else self.app.last_position())
        assert outcome == expect, f"{command}{args} {outcome}, the model says it {expect}"
        assert self.app.last_position() == (before + 1 if outcome == APPEND else before)
        event(f"{command} {outcome}")  # see: pytest --hypothesis-show-statistics

    def skater(self, name: str) -> ModelSkater | None:
        s = self.skaters.get(name)
        return s if s is not None and s.entered else None

    def draw_name(self, data: st.DataObject,
                  preferred: Callable[[ModelSkater], bool] = lambda s: not s.closed) -> str:
        """Mostly a skater for whom the command makes sense (by default: one still racing)."""
        entered = sorted(n for n, s in self.skaters.items() if s.entered)
        return draw_name(data, entered, [n for n in entered if preferred(self.skaters[n])])

    def draw_time(self, data: st.DataObject, name: str, metres: int, label: str) -> int:
        s = self.skaters.get(name)
        held = [*s.passings.values(), *([s.finish] if s.finish else [])] if s else []
        return draw_time(data, name, metres, [t.now for t in held], label)

    def draw_metres(self, data: st.DataObject, name: str) -> int:
        s = self.skaters.get(name)
        return draw_metres(data, self.points, list(s.passings) if s else [])

    # -- set-up rules ------------------------------------------------------------------------
    @rule(name=names)
    def register(self, name: str) -> None:
        self.issue(NOTHING if name in self.registered else APPEND, "register_skater", name, "NED")
        self.registered.add(name)

    @rule(name=names)
    def register_and_enter(self, name: str) -> None:
        self.register(name)
        self.issue(NOTHING if self.skater(name) else APPEND, "enter_starter", self.key, name)
        self.skaters.setdefault(name, ModelSkater()).entered = True

    @rule(pair=st.integers(1, 4), inner=lanes, outer=lanes)
    def draw_pair(self, pair: int, inner: str | None, outer: str | None) -> None:
        expect = self.predict_draw(pair, inner, outer)
        self.issue(expect, "draw_pair", self.key, pair, inner, outer)
        if expect == APPEND:
            self.pairs[pair] = (inner, outer)
            for lane, name in enumerate((inner, outer)):
                if name is not None:
                    drawn = self.skaters.setdefault(name, ModelSkater())
                    drawn.entered, drawn.pair, drawn.lane = True, pair, lane

    def predict_draw(self, pair: int, inner: str | None, outer: str | None) -> str:
        named = [n for n in (inner, outer) if n is not None]
        if any(n not in self.registered for n in named):
            return REFUSED
        if self.pairs.get(pair) == (inner, outer):
            return NOTHING  # the same draw, retransmitted
        if not named or inner == outer or pair in self.pairs:
            return REFUSED
        drawn = [self.skaters[n].pair for n in named if n in self.skaters]
        return REFUSED if any(p is not None for p in drawn) else APPEND

    @rule(pair=st.integers(1, 4))
    def start(self, pair: int) -> None:
        expect = NOTHING if pair in self.running else APPEND if pair in self.pairs else REFUSED
        self.issue(expect, "start", self.key, pair)
        if expect == APPEND:
            self.running.add(pair)

    # -- race facts --------------------------------------------------------------------------
    @rule(data=st.data())
    def record_passing(self, data: st.DataObject) -> None:
        name = self.draw_name(data)
        metres = self.draw_metres(data, name)
        ms = self.draw_time(data, name, metres, "at_ms")
        expect = self.predict_passing(name, metres, ms)
        self.issue(expect, "record_passing", self.key, name, metres, ms)
        if expect == APPEND:
            self.skaters[name].passings[metres] = Timed(ms, ms)

    def predict_passing(self, name: str, metres: int, ms: int) -> str:
        s = self.skater(name)
        if s is None:
            return REFUSED
        if metres in s.passings:  # the same fact again: a retransmission, or a second value
            return NOTHING if s.passings[metres].sent == ms else REFUSED
        if metres not in self.points or metres >= self.distance:  # the line: record the finish
            return REFUSED
        if s.closed or not self.clock_runs(s):
            return REFUSED
        return APPEND if plausible(ms, metres) and self.in_order(s, metres, ms) else REFUSED

    def clock_runs(self, s: ModelSkater) -> bool:
        """Once a race is timed live (a pair has started), a time needs its pair's clock running;
        a skater not drawn yet, or a race from a result list, needs no clock."""
        return not self.running or s.pair is None or s.pair in self.running

    @staticmethod
    def in_order(s: ModelSkater, metres: int, ms: int) -> bool:
        """Passing times increase with the metres skated."""
        return all(t.now < ms if m < metres else t.now > ms
                   for m, t in s.passings.items() if m != metres)

    def last_passing_before_line(self, s: ModelSkater) -> int | None:
        before = [m for m in s.passings if m < self.distance]
        return s.passings[max(before)].now if before else None

    @rule(data=st.data())
    def record_finish(self, data: st.DataObject) -> None:
        name = self.draw_name(data)
        ms = self.draw_time(data, name, self.distance, "at_ms")
        expect = self.predict_finish(name, ms)
        self.issue(expect, "record_finish", self.key, name, ms)
        if expect == APPEND:
            self.skaters[name].finish = Timed(ms, ms)

    def predict_finish(self, name: str, ms: int) -> str:
        s = self.skater(name)
        if s is None:
            return REFUSED
        if s.finish is not None:  # a retransmission, or a second finish
            return NOTHING if s.finish.sent == ms else REFUSED
        if s.closed or not self.clock_runs(s):
            return REFUSED
        return self.finish_is_valid(s, ms)

    def finish_is_valid(self, s: ModelSkater, ms: int) -> str:
        last = self.last_passing_before_line(s)
        ok = plausible(ms, self.distance) and (last is None or ms > last)
        return APPEND if ok else REFUSED

    @rule(mark=st.sampled_from(("dnf", "dns", "wdr", "dq")), data=st.data())
    def record_mark(self, mark: str, data: st.DataObject) -> None:
        name = self.draw_name(data)
        s = self.skater(name)
        if s is None:
            expect = REFUSED
        elif mark in s.marks:
            expect = NOTHING
        elif mark == "dq":  # a referee may disqualify after anything, even a finish, but only
            expect = REFUSED if s.marks & {"dns", "wdr"} else APPEND  # a skater who started
        elif s.closed or (mark != "dnf" and (s.passings or s.finish)):
            expect = REFUSED  # DNS and WDR only for a skater who has not raced
        else:
            expect = APPEND
        command, args = {
            "dnf": ("record_dnf", ()), "dns": ("record_dns", ()),
            "wdr": ("record_withdrawal", ()), "dq": ("disqualify", (DQ_RULE, REFEREE)),
        }[mark]
        self.issue(expect, command, self.key, name, *args)
        if expect == APPEND:
            self.skaters[name].marks.add(mark)

    # -- corrections and retransmissions ----------------------------------------------------
    @rule(data=st.data())
    def correct_finish(self, data: st.DataObject) -> None:
        name = self.draw_name(data, lambda s: s.finish is not None)
        ms = self.draw_time(data, name, self.distance, "corrected to")
        s = self.skater(name)
        if s is None or s.finish is None:
            expect = REFUSED  # no finish to correct
        else:
            expect = self.predict_correction(s.finish, ms) or self.finish_is_valid(s, ms)
        self.correct(expect, name, "finish", None, ms)
        if expect == APPEND and s is not None and s.finish is not None:
            s.finish.now = ms
            s.finish.corrected_to.append(ms)

    @rule(data=st.data())
    def correct_passing(self, data: st.DataObject) -> None:
        name = self.draw_name(data, lambda s: bool(s.passings))
        s = self.skater(name)
        passed = sorted(s.passings) if s else []
        metres = data.draw(st.one_of(*[st.sampled_from(passed)] * 3 * bool(passed),
                                     st.sampled_from(ANY_METRES)), label="m")
        ms = self.draw_time(data, name, metres, "corrected to")
        timed = s.passings.get(metres) if s is not None else None
        if s is None or timed is None:
            expect = REFUSED  # no passing there to correct
        else:
            before_finish = s.finish is None or metres >= self.distance or ms < s.finish.now
            valid = plausible(ms, metres) and self.in_order(s, metres, ms) and before_finish
            expect = self.predict_correction(timed, ms) or (APPEND if valid else REFUSED)
        self.correct(expect, name, "passing", metres, ms)
        if expect == APPEND and timed is not None:
            timed.now = ms
            timed.corrected_to.append(ms)

    @staticmethod
    def predict_correction(timed: Timed, ms: int) -> str | None:
        """A correction already made, to the value the time has now, is a retransmission."""
        return NOTHING if ms == timed.now and ms in timed.corrected_to else None

    def correct(self, expect: str, name: str, kind: str, metres: int | None, ms: int) -> None:
        try:
            target = self.app.find_fact(self.key, name, kind, metres).fact_id
        except LedgerError:
            assert expect == REFUSED, f"no {kind} of {name} found, the model says it {expect}"
            return
        self.issue(expect, "correct_time", self.key, target, ms, CORRECTION_REASON, REFEREE)
        event(f"correction of a {kind} {expect}")

    @precondition(lambda self: any(s.passings or s.finish for s in self.skaters.values()))
    @rule(data=st.data())
    def retransmit(self, data: st.DataObject) -> None:
        """A timing device sends a fact again, with the value it sent the first time."""
        sent: list[tuple[str, int | None, int]] = [
            (name, metres, t.sent) for name, s in sorted(self.skaters.items())
            for metres, t in sorted(s.passings.items())]
        sent += [(name, None, s.finish.sent) for name, s in sorted(self.skaters.items())
                 if s.finish is not None]
        name, metres, ms = data.draw(st.sampled_from(sent), label="retransmitted")
        if metres is None:
            self.issue(NOTHING, "record_finish", self.key, name, ms)
        else:
            self.issue(NOTHING, "record_passing", self.key, name, metres, ms)

    # -- what the boards must show -----------------------------------------------------------
    def drawn(self, name: str) -> tuple[bool, int, int, int]:
        """The order of the draw within a place or a status (decision 0013): a known pair first,
        in order; the inner lane before the outer; then the order of entry."""
        s = self.skaters[name]
        return (s.pair is None, s.pair or 0, s.lane, list(self.skaters).index(name))

    @invariant()
    def the_leaderboard_is_the_models(self) -> None:
        times = {n: s.finish.now for n, s in self.skaters.items()
                 if s.status == "OK" and s.finish is not None}
        others = {n: s.status for n, s in self.skaters.items()
                  if s.status is not None and s.status != "OK"}
        expected = [(r, n, "OK", ms) for r, n, ms in ranked_order(times, self.drawn)]
        assert outline(leaderboard(state_as_of(self.app), self.key)) == [
            *expected, *unranked_order(others, self.drawn)]

    @invariant()
    def the_standings_at_each_passing_point_are_the_models(self) -> None:
        state = state_as_of(self.app)
        for metres in self.points[:-1]:
            passed = {n: s for n, s in self.skaters.items() if metres in s.passings}
            times = {n: s.passings[metres].now for n, s in passed.items() if s.status != "DQ"}
            expected: list[tuple[int | None, str, int | None]] = [
                (r, n, ms) for r, n, ms in ranked_order(times, self.drawn)]
            expected += [(None, n, None) for n in sorted(passed, key=self.drawn)
                         if passed[n].status == "DQ"]
            rows = standings_at(state, self.key, metres).rows
            assert [(row.rank, row.skater, row.time_ms) for row in rows] == expected


TestTheLedgerBehavesLikeItsModel = LedgerAgainstModel.TestCase
TestTheLedgerBehavesLikeItsModel.settings = settings(stateful_step_count=30)


# -- the three stores ---------------------------------------------------------------------------
#: PostgreSQL takes part when reachable; under CI=true an unreachable server fails the import.
STORES = ("memory", "sqlite", "postgres") if postgres_available() else ("memory", "sqlite")


def test_postgresql_takes_part_in_the_store_comparison_under_ci() -> None:
    assert "postgres" in STORES or not IN_CI


def retransmit_first_value(app: Ledger, key: str, name: str, kind: str, metres: int | None,
                           ms: int) -> int | None:
    """Send a recorded passing or finish again, as the timing device first sent it."""
    if kind == "finish":
        return app.record_finish(key, name, ms)
    assert metres is not None
    return app.record_passing(key, name, metres, ms)


def correct(app: Ledger, key: str, name: str, kind: str, metres: int | None, ms: int) -> int | None:
    target = app.find_fact(key, name, kind, metres).fact_id
    return app.correct_time(key, target, ms, CORRECTION_REASON, REFEREE)


def stored_events(app: Ledger) -> list[tuple[int, str, dict[str, Any]]]:
    """The log as (position, topic, decoded event without its recorded timestamp)."""
    events = []
    for note in app.notifications():
        event = app.mapper.to_domain_event(note)
        payload = {k: v for k, v in vars(event).items() if k != "timestamp"}
        events.append((note.id, note.topic, payload))
    return events


class StoresAgree(RuleBasedStateMachine):
    """The same race-day commands, issued to a ledger on each store."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="skate-ledger-"))
        self.schema = new_pg_schema() if "postgres" in STORES else None
        self.apps: dict[str, Ledger] = {}
        try:
            self.apps["memory"] = build_app("memory")
            self.apps["sqlite"] = build_app(str(self.folder / "ledger.db"))
            if self.schema is not None:
                self.apps["postgres"] = build_app(pg_url(self.schema))
        except Exception:
            self.teardown()  # Hypothesis tears down only a machine it could build
            raise
        self.key = ""
        self.points: tuple[int, ...] = ()

    def teardown(self) -> None:
        for app in self.apps.values():
            app.close()
        if self.schema is not None:
            drop_pg_schema(self.schema)
        shutil.rmtree(self.folder, ignore_errors=True)

    def everywhere(self, command: Callable[..., Any], *args: Any) -> Any:
        """Issue one command to every ledger; all must agree on what it did (the position it
        appended at, nothing, or the same refusal). Returns what it returned."""
        outcomes = {}
        for store, app in self.apps.items():
            try:
                outcomes[store] = ("returned", command(app, *args))
            except LedgerError as e:
                outcomes[store] = ("refused", f"{type(e).__name__}: {e}")
        assert len(set(outcomes.values())) == 1, outcomes
        event(f"{getattr(command, '__name__', command)} {outcomes['memory'][0]}")
        return outcomes["memory"][1]

    @initialize(distance=st.sampled_from(DISTANCES), category=st.sampled_from(CATEGORIES),
                entered=st.lists(names, max_size=len(NAMES), unique=True))
    def schedule(self, distance: int, category: str, entered: list[str]) -> None:
        slug = self.everywhere(Ledger.schedule_competition, "Store Cup", VENUE, DAY)
        self.key = self.everywhere(Ledger.schedule_race, slug, distance, category, DAY)
        self.points = passing_points(distance)
        for name in entered:
            self.register_and_enter(name)

    # -- what the in-process ledger holds, to aim the commands --------------------------------
    def held(self, name: str, kinds: frozenset[FactKind] = TIMED) -> list[Fact]:
        sheet = self.apps["memory"].race(self.key).sheet
        return list(sheet.live_facts(skater_id(name), kinds))

    def draw_name(self, data: st.DataObject, timed: bool = False) -> str:
        """Mostly a skater still racing; with ``timed``, one who has a time to correct."""
        sheet = self.apps["memory"].race(self.key).sheet
        entered = [n for n in NAMES if skater_id(n) in sheet.entries]
        if timed:
            return draw_name(data, entered, [n for n in entered if self.held(n)])
        return draw_name(data, entered, [n for n in entered
                                         if not self.held(n, CLOSING)])

    def draw_time(self, data: st.DataObject, name: str, metres: int, label: str) -> int:
        return draw_time(data, name, metres, [f.ms for f in self.held(name) if f.ms], label)

    # -- the commands --------------------------------------------------------------------------
    @rule(name=names)
    def register_and_enter(self, name: str) -> None:
        self.everywhere(Ledger.register_skater, name, "NED")
        self.everywhere(Ledger.enter_starter, self.key, name)

    @rule(pair=st.integers(1, 3), inner=lanes, outer=lanes)
    def draw_pair(self, pair: int, inner: str | None, outer: str | None) -> None:
        self.everywhere(Ledger.draw_pair, self.key, pair, inner, outer)

    @rule(pair=st.integers(1, 3))
    def start(self, pair: int) -> None:
        self.everywhere(Ledger.start, self.key, pair)

    @rule(data=st.data())
    def record_passing(self, data: st.DataObject) -> None:
        name = self.draw_name(data)
        passed = [f.metres for f in self.held(name) if f.kind == "passing" and f.metres]
        metres = draw_metres(data, self.points, passed)
        ms = self.draw_time(data, name, metres, "at_ms")
        self.everywhere(Ledger.record_passing, self.key, name, metres, ms)

    @rule(data=st.data())
    def record_finish(self, data: st.DataObject) -> None:
        name = self.draw_name(data)
        ms = self.draw_time(data, name, self.points[-1], "at_ms")
        self.everywhere(Ledger.record_finish, self.key, name, ms)

    @rule(command=st.sampled_from((Ledger.record_dnf, Ledger.record_dns, Ledger.record_withdrawal)),
          data=st.data())
    def record_mark(self, command: Callable[..., Any], data: st.DataObject) -> None:
        self.everywhere(command, self.key, self.draw_name(data))

    @rule(data=st.data())
    def disqualify(self, data: st.DataObject) -> None:
        self.everywhere(Ledger.disqualify, self.key, self.draw_name(data), DQ_RULE, REFEREE)

    @rule(data=st.data())
    def correct_time(self, data: st.DataObject) -> None:
        name = self.draw_name(data, timed=True)
        recorded = sorted({f.metres for f in self.held(name) if f.kind == "passing" and f.metres is not None})
        metres = data.draw(st.none() | st.sampled_from([*recorded, *ANY_METRES]), label="m")
        ms = self.draw_time(data, name, metres or self.points[-1], "corrected to")
        kind = "finish" if metres is None else "passing"
        self.everywhere(correct, self.key, name, kind, metres, ms)

    @rule(data=st.data())
    def retransmit(self, data: st.DataObject) -> None:
        name = self.draw_name(data, timed=True)
        sent = [(f.kind, f.metres if f.kind == "passing" else None,
                 f.corrections[0]["before"] if f.corrections else f.ms) for f in self.held(name)]
        if sent:
            kind, metres, ms = data.draw(st.sampled_from(sent), label="retransmitted")
            self.everywhere(retransmit_first_value, self.key, name, kind, metres, ms)

    @invariant()
    def every_store_holds_the_same_log(self) -> None:
        memory = stored_events(self.apps["memory"])
        for store, app in self.apps.items():
            assert stored_events(app) == memory, store
            assert app.last_position() == len(memory), store

    @invariant()
    def every_store_shows_the_same_boards(self) -> None:
        boards = {}
        for store, app in self.apps.items():
            state = state_as_of(app)
            boards[store] = [leaderboard(state, self.key),
                             *(standings_at(state, self.key, m) for m in self.points)]
        assert all(b == boards["memory"] for b in boards.values()), boards


TestTheThreeStoresAgreeOnEveryCommand = StoresAgree.TestCase
TestTheThreeStoresAgreeOnEveryCommand.settings = settings(stateful_step_count=30)
