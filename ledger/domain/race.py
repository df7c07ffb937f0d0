"""The Race aggregate: one race (a distance of a category at a competition) and every fact of it.

Events are past-tense facts with explicit topics (stored data: never rename a TOPIC). Their
``record_on`` only assigns state on the race sheet, because it re-runs on every replay; deciding
whether a fact may be recorded happens before, in :mod:`ledger.domain.rules`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.domain import rules
from ledger.domain.clocks import known_at_of
from ledger.domain.errors import FactIdTakenError, RefusedFactError
from ledger.domain.kinds import FactDetail, FactKind, FinishDetail
from ledger.domain.race_state import NO_DETAIL, Fact, RaceState
from ledger.domain.values import RaceRules, fact_id, race_id

#: The precision of a hand-timed (manual) finish: hundredths.
MANUAL_PRECISION_MS = 10


class Race(Aggregate):
    TOPIC = "skate-ledger:Race"
    sheet: RaceState

    class Event(Aggregate.Event):
        TOPIC = "skate-ledger:Race.Event"

        def apply(self, race: Any) -> None:
            self.record_on(race.sheet)

        def record_on(self, sheet: RaceState) -> None:
            """Assign this fact on a race sheet (no decisions: this runs again on every replay)."""

    class Created(Event, Aggregate.Created):
        TOPIC = "skate-ledger:Race.Created"

    class Scheduled(Created):
        TOPIC = "skate-ledger:Race.Scheduled"
        key: str
        competition_id: UUID
        competition: str
        day: str
        distance_m: int
        category: str
        label: str | None
        track_m: int
        #: "team-pursuit": passings every half lap; events stored before this field load as individual
        discipline: str = "individual"

        def new_sheet(self) -> RaceState:
            return RaceState.scheduled(self.originator_id, self.key, self.competition_id,
                                       self.competition, self.day, self.distance_m, self.category,
                                       self.label, self.track_m, self.discipline)

    class StarterEntered(Event):
        TOPIC = "skate-ledger:Race.StarterEntered"
        fact_id: UUID
        skater: UUID

        def record_on(self, sheet: RaceState) -> None:
            sheet.enter(self.skater)
            sheet.add(_fact(self, FactKind.ENTRY, skater=self.skater))

    class PairDrawn(Event):
        TOPIC = "skate-ledger:Race.PairDrawn"
        fact_id: UUID
        pair: int
        inner: UUID | None
        outer: UUID | None
        lanes_known: bool  # False: the pair is known but not who skated which lane

        def record_on(self, sheet: RaceState) -> None:
            sheet.draw_pair(self.pair, self.inner, self.outer, self.lanes_known)
            sheet.add(_fact(self, FactKind.PAIR, pair=self.pair))

    class QuartetDrawn(Event):
        """A start of up to four skaters, two per lane (Division B since 2023/24): the lane of
        each, in draw order."""

        TOPIC = "skate-ledger:Race.QuartetDrawn"
        fact_id: UUID
        pair: int
        inner: list[UUID]
        outer: list[UUID]
        lanes_known: bool

        def record_on(self, sheet: RaceState) -> None:
            sheet.draw_quartet(self.pair, tuple(self.inner), tuple(self.outer), self.lanes_known)
            sheet.add(_fact(self, FactKind.PAIR, pair=self.pair))

    class Started(Event):
        TOPIC = "skate-ledger:Race.Started"
        fact_id: UUID
        pair: int
        signal_at: datetime | None

        def record_on(self, sheet: RaceState) -> None:
            clock = sheet.clock(self.pair)
            clock.starts += 1
            clock.running = True
            clock.started_seq = self.originator_version
            sheet.add(_fact(self, FactKind.START, pair=self.pair, signal_at=self.signal_at))

    class FalseStartRecorded(Event):
        TOPIC = "skate-ledger:Race.FalseStartRecorded"
        fact_id: UUID
        pair: int
        skater: UUID

        def record_on(self, sheet: RaceState) -> None:
            sheet.clock(self.pair).false_starts.append(self.skater)
            sheet.clear_clock(self.pair)
            sheet.add(_fact(self, FactKind.FALSE_START, skater=self.skater, pair=self.pair))

    class ClockCleared(Event):
        TOPIC = "skate-ledger:Race.ClockCleared"
        fact_id: UUID
        pair: int
        reason: str

        def record_on(self, sheet: RaceState) -> None:
            sheet.clear_clock(self.pair)
            sheet.add(_fact(self, FactKind.CLOCK_CLEARED, pair=self.pair, reason=self.reason))

    class PassingRecorded(Event):
        TOPIC = "skate-ledger:Race.PassingRecorded"
        fact_id: UUID
        skater: UUID
        attempt: int
        metres: int
        at_ms: int
        source: str | None  # None: the source was not given (unknown, never guessed)

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.PASSING, skater=self.skater, attempt=self.attempt,
                            metres=self.metres, ms=self.at_ms, source=self.source))

    class FinishRecorded(Event):
        TOPIC = "skate-ledger:Race.FinishRecorded"
        fact_id: UUID
        skater: UUID
        attempt: int
        at_ms: int
        source: str | None  # None: the source was not given (unknown, never guessed)
        #: 1: timed to the thousandth; 10: only hundredths known (a list, a hand time)
        precision_ms: int = 1
        #: the true time may lie up to this many ms above ``at_ms``: a list whose winner's
        #: thousandth is not printed (decision 0013); 0, the default, for every older event
        uncertain_ms: int = 0

        def record_on(self, sheet: RaceState) -> None:
            detail: FinishDetail = {"precision_ms": self.precision_ms}
            if self.uncertain_ms:  # absent, not 0, in the detail of every other finish
                detail = {**detail, "uncertain_ms": self.uncertain_ms}
            sheet.add(_fact(self, FactKind.FINISH, skater=self.skater, attempt=self.attempt,
                            metres=sheet.distance_m, ms=self.at_ms, source=self.source, **detail))

    class SourcePresented(Event):
        """Which timing source's passing the timing system presents (shows) at a passing point."""

        TOPIC = "skate-ledger:Race.SourcePresented"
        fact_id: UUID
        skater: UUID
        attempt: int
        metres: int
        passing: UUID  # the PassingRecorded fact presented
        source: str | None
        at_ms: int

        def record_on(self, sheet: RaceState) -> None:
            sheet.presented[(self.skater, self.attempt, self.metres)] = self.fact_id
            sheet.add(_fact(self, FactKind.PRESENTED, skater=self.skater, attempt=self.attempt,
                            metres=self.metres, ms=self.at_ms, source=self.source,
                            passing=self.passing))

    class TeamMembersNamed(Event):
        """The skaters of a team that races as one competitor (team pursuit)."""

        TOPIC = "skate-ledger:Race.TeamMembersNamed"
        fact_id: UUID
        team: UUID
        members: list[UUID]

        def record_on(self, sheet: RaceState) -> None:
            sheet.team_members[self.team] = list(self.members)
            sheet.add(_fact(self, FactKind.TEAM, skater=self.team, members=list(self.members)))

    class PlaceReported(Event):
        """A published list gives this skater's place but the time is not known."""

        TOPIC = "skate-ledger:Race.PlaceReported"
        fact_id: UUID
        skater: UUID
        place: int
        source: str

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.PLACE, skater=self.skater, place=self.place, source=self.source))

    class PointsPublished(Event):
        """A mass start row's points as a published sheet prints them: the total, the points of
        each sprint the skater scored in (laps and points, in lap order; None when the sheet
        gives none) and the laps completed (docs/decisions/0025-world-cup-day-gaps.md)."""

        TOPIC = "skate-ledger:Race.PointsPublished"
        fact_id: UUID
        skater: UUID
        points: int | None
        sprint_laps: list[int] | None
        sprint_points: list[int] | None
        laps: int | None
        source: str

        def record_on(self, sheet: RaceState) -> None:
            sprints = (None if self.sprint_laps is None or self.sprint_points is None
                       else tuple(zip(self.sprint_laps, self.sprint_points, strict=True)))
            sheet.add(_fact(self, FactKind.POINTS, skater=self.skater, source=self.source,
                            points=self.points, sprint_points=sprints, laps=self.laps))

    class MarksPublished(Event):
        """The record marks a published list prints beside a result (WR, NR, TR, PB, SB …)."""

        TOPIC = "skate-ledger:Race.MarksPublished"
        fact_id: UUID
        skater: UUID
        marks: list[str]
        source: str

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.MARKS, skater=self.skater, source=self.source,
                            marks=list(self.marks)))

    class BestsKnown(Event):
        """A skater's personal and season best at this distance as known before this race, from a
        source (a Vantage stream, an entry list): the baseline a derived PB or SB needs. A best
        the source does not give is None (unknown, not "none")."""

        TOPIC = "skate-ledger:Race.BestsKnown"
        fact_id: UUID
        skater: UUID
        pb_ms: int | None
        sb_ms: int | None
        season: str
        source: str

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.BESTS, skater=self.skater, source=self.source,
                            pb_ms=self.pb_ms, sb_ms=self.sb_ms, season=self.season))

    class Fell(Event):
        TOPIC = "skate-ledger:Race.Fell"
        fact_id: UUID
        skater: UUID
        attempt: int
        metres: int | None
        went_on: bool

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.FALL, skater=self.skater, attempt=self.attempt,
                            metres=self.metres, went_on=self.went_on))

    class DidNotFinish(Event):
        TOPIC = "skate-ledger:Race.DidNotFinish"
        fact_id: UUID
        skater: UUID
        attempt: int
        metres_reached: int | None
        reason: str | None

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.DNF, skater=self.skater, attempt=self.attempt,
                            metres=self.metres_reached, reason=self.reason))

    class DidNotStart(Event):
        TOPIC = "skate-ledger:Race.DidNotStart"
        fact_id: UUID
        skater: UUID
        reason: str | None

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.DNS, skater=self.skater, reason=self.reason))

    class Withdrawn(Event):
        TOPIC = "skate-ledger:Race.Withdrawn"
        fact_id: UUID
        skater: UUID
        reason: str | None

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.WDR, skater=self.skater, reason=self.reason))

    class Disqualified(Event):
        TOPIC = "skate-ledger:Race.Disqualified"
        fact_id: UUID
        skater: UUID
        rule: str
        author: str | None

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.DQ, skater=self.skater, rule=self.rule, author=self.author))

    class ReskateGranted(Event):
        TOPIC = "skate-ledger:Race.ReskateGranted"
        fact_id: UUID
        skater: UUID
        replaces_attempt: int
        pair: int | None
        reason: str
        author: str
        #: the lane the referee gave in the re-skate's pair (None: not known)
        lane: str | None = None
        #: False for events stored before a re-skate stated its lane: they take the pair's free
        #: lane on replay, as they always did (tests/adapters/test_nothing_false_goes_in_draw_names.py)
        lane_stated: bool = False

        def record_on(self, sheet: RaceState) -> None:
            sheet.reskate(self.skater, self.replaces_attempt + 1, self.pair, self.lane,
                          self.lane_stated)
            sheet.add(_fact(self, FactKind.RESKATE, skater=self.skater, pair=self.pair,
                            attempt=self.replaces_attempt, reason=self.reason, author=self.author))

    class DrawCorrected(Event):
        """The referee corrected a pair's draw (a wrong lane, a wrong skater, or a withdrawn
        skater's lane given to another); the draw it supersedes stays in the log."""

        TOPIC = "skate-ledger:Race.DrawCorrected"
        fact_id: UUID
        pair: int
        inner: UUID | None
        outer: UUID | None
        supersedes: UUID  # the fact of the pair's draw it replaces (PairDrawn or DrawCorrected)
        reason: str
        author: str

        def record_on(self, sheet: RaceState) -> None:
            before = sheet.pairs.get(self.pair, (None, None))
            sheet.redraw(self.pair, self.inner, self.outer)
            sheet.add(_fact(self, FactKind.REDRAW, pair=self.pair, supersedes=self.supersedes,
                            before=before, after=(self.inner, self.outer), reason=self.reason,
                            author=self.author))

    class QuartetDrawCorrected(Event):
        """The referee corrected the draw of a quartet start, or drew a pair into one: up to two
        skaters a lane, each lane in draw order (docs/decisions/0025-world-cup-day-gaps.md); the
        draw it supersedes stays in the log."""

        TOPIC = "skate-ledger:Race.QuartetDrawCorrected"
        fact_id: UUID
        pair: int
        inner: list[UUID]
        outer: list[UUID]
        supersedes: UUID
        reason: str
        author: str

        def record_on(self, sheet: RaceState) -> None:
            before, lanes_before = sheet.pairs.get(self.pair, (None, None)), sheet.lanes_of(self.pair)
            after = (tuple(self.inner), tuple(self.outer))
            sheet.redraw_quartet(self.pair, *after)
            sheet.add(_fact(self, FactKind.REDRAW, pair=self.pair, supersedes=self.supersedes,
                            before=before, after=sheet.pairs[self.pair], lanes_before=lanes_before,
                            lanes_after=after, reason=self.reason, author=self.author))

    class TimeCorrected(Event):
        TOPIC = "skate-ledger:Race.TimeCorrected"
        fact_id: UUID
        target: UUID
        at_ms: int
        reason: str
        author: str

        def record_on(self, sheet: RaceState) -> None:
            target = sheet.facts[self.target]
            target.corrections = (*target.corrections, {
                "before": target.ms, "after": self.at_ms, "reason": self.reason, "author": self.author,
                "by_fact": self.fact_id})
            target.ms = self.at_ms
            sheet.add(_fact(self, FactKind.CORRECTION, skater=target.skater, target=self.target,
                            ms=self.at_ms, reason=self.reason, author=self.author))

    class FactVoided(Event):
        TOPIC = "skate-ledger:Race.FactVoided"
        fact_id: UUID
        target: UUID
        reason: str
        author: str

        def record_on(self, sheet: RaceState) -> None:
            target = sheet.facts[self.target]
            target.voided = True
            target.detail = {**target.detail, "voided_by": self.fact_id}
            sheet.add(_fact(self, FactKind.VOID, skater=target.skater, target=self.target,
                            reason=self.reason, author=self.author))

    class ResultsDeclaredOfficial(Event):
        TOPIC = "skate-ledger:Race.ResultsDeclaredOfficial"
        fact_id: UUID
        author: str
        announced_at: datetime
        #: the referee's reason for declaring the results official before every drawn pair had
        #: skated (``--force``); None (and absent in events stored before it) when not forced
        forced_reason: str | None = None

        def record_on(self, sheet: RaceState) -> None:
            sheet.official = sheet.add(_fact(self, FactKind.OFFICIAL, author=self.author,
                                             announced_at=self.announced_at,
                                             reason=self.forced_reason))

    class SprintRecorded(Event):
        """The order in which skaters crossed the line at an intermediate sprint of a mass start,
        first first (the points it scores are the read side's: a season's table)."""

        TOPIC = "skate-ledger:Race.SprintRecorded"
        fact_id: UUID
        lap: int
        order: list[UUID]

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.SPRINT, lap=self.lap, order=list(self.order)))

    class OfficialsRecorded(Event):
        """Who officiated the race: its referee and its starter, as the sheet prints them. A
        later one corrects an earlier one (each name it gives replaces the one before; a name it
        leaves out, None, stays as it was)."""

        TOPIC = "skate-ledger:Race.OfficialsRecorded"
        fact_id: UUID
        referee: str | None
        starter: str | None
        author: str | None
        source: str | None

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.OFFICIALS, source=self.source, referee=self.referee,
                            starter=self.starter, author=self.author))

    class ConditionsRecorded(Event):
        """The ice and air measured at the start or the end of the race (tenths of a degree
        Celsius, relative humidity in percent; None: not given). A later one at the same moment
        corrects each value it gives."""

        TOPIC = "skate-ledger:Race.ConditionsRecorded"
        fact_id: UUID
        at: str
        ice_temp_dc: int | None
        air_temp_dc: int | None
        humidity_pct: int | None
        author: str | None
        source: str | None

        def record_on(self, sheet: RaceState) -> None:
            sheet.add(_fact(self, FactKind.CONDITIONS, source=self.source, at=self.at,
                            ice_temp_dc=self.ice_temp_dc, air_temp_dc=self.air_temp_dc,
                            humidity_pct=self.humidity_pct, author=self.author))

    # -- creation ----------------------------------------------------------------------------
    @staticmethod
    def create_id(key: str) -> UUID:
        return race_id(key)

    @event(Scheduled)
    def __init__(self, key: str, competition_id: UUID, competition: str, day: str,
                 distance_m: int, category: str, label: str | None, track_m: int,
                 discipline: str = "individual") -> None:
        self.sheet = RaceState.scheduled(race_id(key), key, competition_id, competition, day,
                                         distance_m, category, label, track_m, discipline)

    def __deepcopy__(self, memo: dict[int, Any]) -> Race:
        """The working copy a command gets of a cached race (the repository hands out copies, so a
        refused or lost command cannot change its cache): the sheet copied field by field, which
        is about thirty times cheaper than a generic deep copy of a 5000 m race."""
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied.sheet = self.sheet.copy()
        copied.__dict__["_pending_events"] = list(self.__dict__.get("_pending_events", ()))
        return copied

    # -- commands: decide with the rules, then record --------------------------------------
    def has(self, fid: UUID) -> bool:
        return fid in self.sheet.facts

    def _held(self, fid: UUID, given: bool, kind: FactKind, skater: UUID) -> bool:
        """Whether the fact is already recorded; a given id (a device's, a stream's) already
        recorded as another kind of fact, or for another skater, is refused."""
        if given:
            return rules.is_retransmission(self.sheet, fid, kind, skater=skater)
        return self.has(fid)

    def _natural(self, *parts: object) -> UUID:
        """The id of a fact from its natural key; a voided fact's key may be recorded afresh."""
        fid = fact_id(self.id, *parts)
        while fid in self.sheet.facts and self.sheet.facts[fid].voided:
            fid = uuid5(fid, "again")
        return fid

    def enter_starter(self, skater: UUID) -> None:
        fid = self._natural("entry", skater)
        if not self.has(fid) and skater not in self.sheet.entries:
            rules.refuse_after_official(self.sheet, "enter a starter")
            self.trigger_event(self.StarterEntered, fact_id=fid, skater=skater)

    def draw_pair(self, pair: int, inner: UUID | None, outer: UUID | None,
                  lanes_known: bool = True) -> None:
        fid = self._natural("pair", pair, inner, outer)
        if not self.has(fid):
            rules.check_pair_draw(self.sheet, pair, inner, outer)
            self.trigger_event(self.PairDrawn, fact_id=fid, pair=pair, inner=inner, outer=outer,
                               lanes_known=lanes_known)

    def draw_quartet(self, pair: int, inner: list[UUID], outer: list[UUID],
                     lanes_known: bool = True) -> None:
        """A pair with two skaters in a lane; a draw of at most one a lane is :meth:`draw_pair`."""
        if len(inner) <= 1 and len(outer) <= 1:
            self.draw_pair(pair, inner[0] if inner else None, outer[0] if outer else None,
                           lanes_known)
            return
        fid = self._natural("quartet", pair, *inner, "/", *outer)
        if not self.has(fid):
            rules.check_quartet_draw(self.sheet, pair, inner, outer)
            self.trigger_event(self.QuartetDrawn, fact_id=fid, pair=pair, inner=list(inner),
                               outer=list(outer), lanes_known=lanes_known)

    def start(self, pair: int, signal_at: datetime | None, fid: UUID | None = None) -> None:
        if fid is None and rules.pair_is_running(self.sheet, pair):
            return  # the start of the running clock, retransmitted
        fid = fid or self._natural("start", pair, self.sheet.clock(pair).starts + 1)
        if not self.has(fid):
            rules.check_start(self.sheet, pair, signal_at)
            self.trigger_event(self.Started, fact_id=fid, pair=pair, signal_at=signal_at)

    def false_start(self, skater: UUID, rule_set: RaceRules, fid: UUID | None = None) -> None:
        pair = rules.skater_pair(self.sheet, skater)
        fid = fid or self._natural("false-start", pair, self.sheet.clock(pair).starts)
        if self.has(fid):
            return  # retransmitted: this start's false start is already recorded
        rules.check_false_start(self.sheet, skater)
        self.trigger_event(self.FalseStartRecorded, fact_id=fid, pair=pair, skater=skater)
        if rules.false_start_disqualifies(self.sheet, skater, pair, rule_set.false_start_scope):
            self.trigger_event(self.Disqualified, fact_id=self._natural("dq", skater),
                               skater=skater, rule=rule_set.false_start_rule, author=None)

    def clear_clock(self, pair: int, reason: str, fid: UUID | None = None) -> None:
        rules.check_pair_exists(self.sheet, pair)
        if fid is None and not rules.pair_is_running(self.sheet, pair):
            return  # nothing runs: a retransmitted clear
        fid = fid or self._natural("clear", pair, self.sheet.clock(pair).starts)
        if not self.has(fid):
            rules.refuse_after_official(self.sheet, "clear the clock")
            self.trigger_event(self.ClockCleared, fact_id=fid, pair=pair, reason=reason)

    def record_passing(self, skater: UUID, metres: int, at_ms: int, source: str | None,
                       fid: UUID | None = None, at_line: bool = False) -> None:
        """``at_line``: a timing device's own detection at the finish line (rules.check_passing)."""
        attempt = self.sheet.attempt_of(skater)
        given = fid is not None  # a given id (a device's) must name this very fact
        fid = fid or self._natural("passing", skater, attempt, metres, source)
        content: dict[str, Any] = ({"skater": skater, "attempt": attempt, "metres": metres,
                                    "source": source} if given else {})
        if rules.is_retransmission(self.sheet, fid, FactKind.PASSING, at_ms=at_ms, **content):
            return
        rules.check_passing(self.sheet, skater, metres, at_ms, source, at_line)
        self.trigger_event(self.PassingRecorded, fact_id=fid, skater=skater, attempt=attempt,
                           metres=metres, at_ms=at_ms, source=source)

    def record_finish(self, skater: UUID, at_ms: int, source: str | None,
                      fid: UUID | None = None, precision_ms: int = 1, uncertain_ms: int = 0) -> None:
        """A hand (manual) time is known to the hundredth at best (rules.md §1)."""
        if source == "manual":
            precision_ms = max(precision_ms, MANUAL_PRECISION_MS)
        attempt = self.sheet.attempt_of(skater)
        given = fid is not None  # a given id (a device's) must name this very fact
        fid = fid or self._natural("finish", skater, attempt)
        content: dict[str, Any] = ({"skater": skater, "attempt": attempt, "source": source,
                                    "precision_ms": precision_ms} if given else {})
        if rules.is_retransmission(self.sheet, fid, FactKind.FINISH, at_ms=at_ms, **content):
            return
        rules.check_finish(self.sheet, skater, at_ms)
        rules.check_precision(at_ms, precision_ms)
        rules.check_uncertainty(precision_ms, uncertain_ms)
        self.trigger_event(self.FinishRecorded, fact_id=fid, skater=skater, attempt=attempt,
                           at_ms=at_ms, source=source, precision_ms=precision_ms,
                           uncertain_ms=uncertain_ms)

    def present_source(self, skater: UUID, metres: int, passing: UUID,
                       fid: UUID | None = None) -> None:
        attempt = self.sheet.attempt_of(skater)
        fid = fid or self._natural("presented", skater, attempt, metres, passing)
        if not self.has(fid):
            shown = rules.check_presentation(self.sheet, skater, metres, passing)
            self.trigger_event(self.SourcePresented, fact_id=fid, skater=skater, attempt=attempt,
                               metres=metres, passing=passing, source=shown.source, at_ms=shown.ms)

    def name_team_members(self, team: UUID, members: list[UUID], fid: UUID | None = None) -> None:
        fid = fid or self._natural("team", team)
        if not self.has(fid):
            rules.check_team_members(self.sheet, team, members)
            self.trigger_event(self.TeamMembersNamed, fact_id=fid, team=team, members=list(members))

    def record_sprint(self, lap: int, order: list[UUID]) -> None:
        """The order of crossing at the sprint after ``lap``; the same order again appends nothing."""
        fid = self._natural("sprint", lap)
        held = self.sheet.facts.get(fid)
        if held is not None and held.live and held.detail.get("order") == list(order):
            return
        rules.check_sprint(self.sheet, lap, order)
        self.trigger_event(self.SprintRecorded, fact_id=fid, lap=lap, order=list(order))

    def publish_points(self, skater: UUID, points: int | None,
                       sprint_points: tuple[tuple[int, int], ...] | None, laps: int | None,
                       source: str) -> None:
        """A mass start row's published points (the same again appends nothing; other points
        from the same source are refused)."""
        fid = self._natural("points", skater, source)
        held = self.sheet.facts.get(fid)
        content = (points, sprint_points, laps)
        if held is not None and (held.detail.get("points"), held.detail.get("sprint_points"),
                                 held.detail.get("laps")) == content:
            return
        rules.check_points(self.sheet, skater, points, sprint_points, laps)
        if held is not None:
            raise RefusedFactError(f"{source} already gave other points for this skater")
        self.trigger_event(self.PointsPublished, fact_id=fid, skater=skater, points=points,
                           sprint_laps=None if sprint_points is None else [k for k, _ in sprint_points],
                           sprint_points=None if sprint_points is None else [p for _, p in sprint_points],
                           laps=laps, source=source)

    def publish_marks(self, skater: UUID, marks: list[str], source: str) -> None:
        fid = self._natural("marks", skater, source)
        held = self.sheet.facts.get(fid)
        if held is not None and held.detail.get("marks") == list(marks):
            return
        rules.check_marks(self.sheet, skater, marks)
        if held is not None:
            raise RefusedFactError(f"{source} already gave other marks for this skater")
        self.trigger_event(self.MarksPublished, fact_id=fid, skater=skater, marks=list(marks),
                           source=source)

    def know_bests(self, skater: UUID, pb_ms: int | None, sb_ms: int | None, season: str,
                   source: str, fid: UUID | None = None) -> None:
        """Record the skater's bests known before this race (the same again appends nothing)."""
        fid = fid or self._natural("bests", skater, source)
        held = self.sheet.facts.get(fid)
        if held is not None and (held.detail.get("pb_ms"), held.detail.get("sb_ms")) == (pb_ms, sb_ms):
            return
        rules.check_bests(self.sheet, skater, pb_ms, sb_ms)
        if held is not None:
            raise RefusedFactError(f"{source} already gave other bests for this skater")
        self.trigger_event(self.BestsKnown, fact_id=fid, skater=skater, pb_ms=pb_ms, sb_ms=sb_ms,
                           season=season, source=source)

    def report_place(self, skater: UUID, place: int, source: str) -> None:
        fid = self._natural("place", skater)
        if rules.is_retransmission(self.sheet, fid, FactKind.PLACE, place=place):
            return
        rules.check_place(self.sheet, skater, place)
        self.trigger_event(self.PlaceReported, fact_id=fid, skater=skater, place=place,
                           source=source)

    def record_fall(self, skater: UUID, metres: int | None, went_on: bool,
                    fid: UUID | None = None, reason: str | None = None) -> None:
        attempt = self.sheet.attempt_of(skater)
        given = fid is not None
        fid = fid or self._natural("fall", skater, attempt, metres)
        if not self._held(fid, given, FactKind.FALL, skater):
            rules.check_fall(self.sheet, skater, metres)
            self.trigger_event(self.Fell, fact_id=fid, skater=skater, attempt=attempt,
                               metres=metres, went_on=went_on)
        if not went_on:
            where = f"fell at {metres} m" if metres is not None else "fell"
            self.record_dnf(skater, metres, reason or where)

    def record_dnf(self, skater: UUID, metres_reached: int | None, reason: str | None,
                   fid: UUID | None = None) -> None:
        attempt = self.sheet.attempt_of(skater)
        given = fid is not None
        fid = fid or self._natural("dnf", skater, attempt)
        if not self._held(fid, given, FactKind.DNF, skater):
            rules.check_dnf(self.sheet, skater, metres_reached)
            reached = (metres_reached if metres_reached is not None
                       else rules.metres_reached(self.sheet, skater))
            self.trigger_event(self.DidNotFinish, fact_id=fid, skater=skater, attempt=attempt,
                               metres_reached=reached, reason=reason)

    def record_dns(self, skater: UUID, reason: str | None, fid: UUID | None = None) -> None:
        given = fid is not None
        fid = fid or self._natural("dns", skater)
        if not self._held(fid, given, FactKind.DNS, skater):
            rules.check_not_started(self.sheet, skater, "did not start")
            self.trigger_event(self.DidNotStart, fact_id=fid, skater=skater, reason=reason)

    def record_withdrawal(self, skater: UUID, reason: str | None, fid: UUID | None = None) -> None:
        given = fid is not None
        fid = fid or self._natural("wdr", skater)
        if not self._held(fid, given, FactKind.WDR, skater):
            rules.check_not_started(self.sheet, skater, "withdrawn")
            self.trigger_event(self.Withdrawn, fact_id=fid, skater=skater, reason=reason)

    def disqualify(self, skater: UUID, rule: str, author: str | None,
                   fid: UUID | None = None) -> None:
        given = fid is not None
        fid = fid or self._natural("dq", skater)
        already = self._held(fid, given, FactKind.DQ, skater)
        held = self.sheet.facts.get(fid)
        if held is not None and held.live and held.detail.get("rule") != rule:
            raise RefusedFactError(
                f"the skater is already disqualified in {self.sheet.key} ({held.detail.get('rule')})")
        if not already:
            rules.check_disqualification(self.sheet, skater, rule, author)
            self.trigger_event(self.Disqualified, fact_id=fid, skater=skater, rule=rule,
                               author=author)

    def grant_reskate(self, skater: UUID, reason: str, author: str, pair: int | None,
                      replaces_attempt: int = 1, lane: str | None = None) -> None:
        fid = self._natural("reskate", skater, replaces_attempt)
        if not self.has(fid):
            rules.check_reskate(self.sheet, skater, replaces_attempt, reason, author, pair)
            rules.check_reskate_lane(self.sheet, skater, pair, lane)
            self.trigger_event(self.ReskateGranted, fact_id=fid, skater=skater,
                               replaces_attempt=replaces_attempt, pair=pair, reason=reason,
                               author=author, lane=lane, lane_stated=True)

    def correct_draw(self, pair: int, inner: UUID | None, outer: UUID | None, reason: str,
                     author: str) -> None:
        """A referee's correction of the pair's current draw (``rules.check_draw_correction``)."""
        current = rules.current_draw(self.sheet, pair)
        fid = fact_id(self.id, "redraw", pair, current.fact_id, inner, outer)
        if self.has(fid) or rules.is_redraw_retransmission(self.sheet, current, inner, outer):
            return
        rules.check_draw_correction(self.sheet, pair, inner, outer, reason, author)
        self.trigger_event(self.DrawCorrected, fact_id=fid, pair=pair, inner=inner, outer=outer,
                           supersedes=current.fact_id, reason=reason, author=author)

    def correct_lanes(self, pair: int, inner: list[UUID], outer: list[UUID], reason: str,
                      author: str) -> None:
        """A referee's correction of the pair's draw, a lane's skaters given in order: a pair
        of one a lane is :meth:`correct_draw`; a quartet start, or a correction into one, records
        every skater's lane (``rules.check_quartet_correction``)."""
        if pair not in self.sheet.quartets and len(inner) <= 1 and len(outer) <= 1:
            self.correct_draw(pair, inner[0] if inner else None, outer[0] if outer else None,
                              reason, author)
            return
        current = rules.current_draw(self.sheet, pair)
        fid = fact_id(self.id, "redraw-quartet", pair, current.fact_id, *inner, "/", *outer)
        if self.has(fid) or rules.is_quartet_redraw_retransmission(current, inner, outer):
            return
        rules.check_quartet_correction(self.sheet, pair, inner, outer, reason, author)
        self.trigger_event(self.QuartetDrawCorrected, fact_id=fid, pair=pair, inner=list(inner),
                           outer=list(outer), supersedes=current.fact_id, reason=reason,
                           author=author)

    def correct_time(self, target: UUID, at_ms: int, reason: str, author: str,
                     fid: UUID | None = None) -> None:
        given, fid = fid, fid or self._natural("correct", target, at_ms)
        while given is None and self.has(fid) and self.sheet.facts[target].ms != at_ms:
            fid = uuid5(fid, "again")  # back to a value since corrected away: a new correction
        if not self.has(fid):
            rules.check_time_correction(self.sheet, target, at_ms, reason, author)
            self.trigger_event(self.TimeCorrected, fact_id=fid, target=target, at_ms=at_ms,
                               reason=reason, author=author)

    def void_fact(self, target: UUID, reason: str, author: str) -> None:
        fid = self._natural("void", target)
        if not self.has(fid):
            rules.check_void(self.sheet, target, reason, author)
            self.trigger_event(self.FactVoided, fact_id=fid, target=target, reason=reason,
                               author=author)

    def declare_official(self, author: str, announced_at: datetime,
                         forced_reason: str | None = None) -> None:
        fid = self._natural("official")
        if not self.has(fid):
            rules.check_official(self.sheet, author, announced_at, forced_reason)
            self.trigger_event(self.ResultsDeclaredOfficial, fact_id=fid, author=author,
                               announced_at=announced_at, forced_reason=forced_reason)

    def record_officials(self, referee: str | None, starter: str | None, author: str | None,
                         source: str | None = None, fid: UUID | None = None) -> None:
        """The referee and starter; the same as the latest recorded (or a given id again)
        appends nothing, other names are a new fact that corrects the earlier."""
        rules.check_officials(referee, starter)
        said = {"referee": referee, "starter": starter}
        if self._restates(FactKind.OFFICIALS, fid, said):
            return
        self.trigger_event(self.OfficialsRecorded, fact_id=self._fresh(fid, "officials", said),
                           referee=referee, starter=starter, author=author, source=source)

    def record_conditions(self, at: str, ice_temp_dc: int | None, air_temp_dc: int | None,
                          humidity_pct: int | None, author: str | None, source: str | None = None,
                          fid: UUID | None = None) -> None:
        """The conditions at the start or the end; the same again appends nothing."""
        rules.check_conditions(at, ice_temp_dc, air_temp_dc, humidity_pct)
        said = {"ice_temp_dc": ice_temp_dc, "air_temp_dc": air_temp_dc,
                "humidity_pct": humidity_pct}
        if self._restates(FactKind.CONDITIONS, fid, said, at):
            return
        self.trigger_event(self.ConditionsRecorded, fact_id=self._fresh(fid, "conditions", at, said),
                           at=at, ice_temp_dc=ice_temp_dc, air_temp_dc=air_temp_dc,
                           humidity_pct=humidity_pct, author=author, source=source)

    def _restates(self, kind: FactKind, fid: UUID | None, said: dict[str, Any],
                  at: str | None = None) -> bool:
        """Whether this fact is already the ledger's: its given id is recorded (a retransmission;
        that id holding other content is refused), or each value it gives is the one in force."""
        if fid is not None and fid in self.sheet.facts:
            held = self.sheet.facts[fid]
            if held.kind != kind or any(held.detail.get(k) != v for k, v in said.items()):
                raise FactIdTakenError(f"fact {fid} is already recorded with other content")
            return True
        return all(v is None or self.sheet.stated(kind, k, at) == v for k, v in said.items())

    def _fresh(self, fid: UUID | None, *parts: object) -> UUID:
        """A given id, or one from the natural key that no fact holds yet (back to earlier
        values after a correction is a new fact)."""
        if fid is not None:
            return fid
        fresh = fact_id(self.id, *(str(part) for part in parts))
        while fresh in self.sheet.facts:
            fresh = uuid5(fresh, "again")
        return fresh


def _fact(event: Any, kind: FactKind, *, skater: UUID | None = None, pair: int | None = None,
          attempt: int = 1, metres: int | None = None, ms: int | None = None,
          source: str | None = None, **detail: Unpack[FactDetail]) -> Fact:
    return Fact(fact_id=event.fact_id, kind=kind, seq=event.originator_version,
                recorded_at=known_at_of(event), skater=skater, pair=pair, attempt=attempt,
                metres=metres, ms=ms, source=source, detail=detail or NO_DETAIL)
