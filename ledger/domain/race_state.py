"""The race sheet: what the ledger knows of one race, folded from its facts in log order.

The same fold serves the write side (the ``Race`` aggregate decides against it) and the read side
(projections fold the log, or a prefix of it, into sheets and rank them). One fold, so the two
sides cannot disagree about what a fact means.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

import attrs

from ledger.domain.kinds import Correction, FactDetail, FactKind
from ledger.domain.timing import MASS_START, MASS_START_PAIR, passing_points

TIMED_KINDS = frozenset({FactKind.PASSING, FactKind.FINISH, FactKind.PRESENTED})
#: The detail of most facts: one shared, read-only, empty mapping (a fact's detail and corrections
#: are replaced, never changed in place, so copies of a sheet can share them; and a million facts
#: do not each carry an empty dict and list).
class _NoDetail(dict[str, Any]):
    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a fact's detail is replaced, never changed in place")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = __ior__ = _refuse

    def __copy__(self) -> _NoDetail:
        return self

    def __deepcopy__(self, memo: Any) -> _NoDetail:
        return self


NO_DETAIL: FactDetail = cast(FactDetail, _NoDetail())


@attrs.define
class Fact:
    """One recorded fact about a skater or a pair, with its current (possibly corrected) value."""

    fact_id: UUID
    kind: FactKind
    seq: int  # the race's own order (the aggregate version)
    recorded_at: datetime
    skater: UUID | None = None
    pair: int | None = None
    attempt: int = 1
    metres: int | None = None
    ms: int | None = None
    source: str | None = None
    detail: FactDetail = NO_DETAIL
    voided: bool = False
    #: corrections applied to this fact, oldest first
    corrections: tuple[Correction, ...] = ()

    @property
    def live(self) -> bool:
        return not self.voided


@attrs.define
class Entry:
    """A skater entered in the race: drawn into a pair and lane, or with the pair unknown."""

    skater: UUID
    pair: int | None = None
    lane: str | None = None
    attempt: int = 1


@attrs.define
class PairClock:
    """The state of one pair's clock: how many start signals, and whether it runs now."""

    starts: int = 0
    running: bool = False
    started_seq: int = 0  # the race's own order of the latest start signal
    false_starts: list[UUID] = attrs.Factory(list)


@attrs.define
class RaceState:
    race_id: UUID
    key: str
    competition_id: UUID
    competition: str
    day: date
    distance_m: int
    category: str
    label: str | None
    track_m: int = 400
    discipline: str = "individual"  # or "team-pursuit", "mass-start" (ledger.domain.timing.DISCIPLINES)
    entries: dict[UUID, Entry] = attrs.Factory(dict)
    pairs: dict[int, tuple[UUID | None, UUID | None]] = attrs.Factory(dict)
    clocks: dict[int, PairClock] = attrs.Factory(dict)
    facts: dict[UUID, Fact] = attrs.Factory(dict)
    official: Fact | None = None
    #: the presented source of each passing point: (skater, attempt, metres) → the SourcePresented fact
    presented: dict[tuple[UUID, int, int], UUID] = attrs.Factory(dict)
    #: the members of a team that races as one competitor (team pursuit): team → skaters, in order
    team_members: dict[UUID, list[UUID]] = attrs.Factory(dict)
    #: the pairs that start as a quartet (two skaters in a lane): pair → (inner lane, outer lane),
    #: each in draw order; ``pairs`` holds the first of each lane (docs/decisions/0021-teams.md)
    quartets: dict[int, tuple[tuple[UUID, ...], tuple[UUID, ...]]] = attrs.Factory(dict)
    #: an index of ``facts``: each skater's facts in log order (the rules ask per skater; scanning
    #: every fact of the race for each new fact made the write side quadratic in a race's facts)
    by_skater: dict[UUID, list[Fact]] = attrs.field(factory=dict, eq=False, repr=False)

    # -- folding ---------------------------------------------------------------------------
    @classmethod
    def scheduled(cls, race_id: UUID, key: str, competition_id: UUID, competition: str, day: str,
                  distance_m: int, category: str, label: str | None, track_m: int,
                  discipline: str = "individual") -> RaceState:
        """The empty sheet of a race just scheduled."""
        return cls(race_id=race_id, key=key, competition_id=competition_id,
                   competition=competition, day=date.fromisoformat(day), distance_m=distance_m,
                   category=category, label=label, track_m=track_m, discipline=discipline)

    def add(self, fact: Fact) -> Fact:
        """Record a fact; a skater's fact belongs to the pair the skater races in at that moment."""
        if fact.pair is None and fact.skater is not None:
            fact.pair = self.pair_of(fact.skater)
        self.facts[fact.fact_id] = fact
        if fact.skater is not None:
            self.by_skater.setdefault(fact.skater, []).append(fact)
        return fact

    def enter(self, skater: UUID, pair: int | None = None, lane: str | None = None) -> None:
        """Enter a skater (drawn in a pair and lane when given); in a mass start every starter
        is in its one start, without a lane."""
        if pair is None and self.discipline == MASS_START:
            pair = MASS_START_PAIR
        entry = self.entries.setdefault(skater, Entry(skater))
        if pair is not None:
            entry.pair, entry.lane = pair, lane

    def draw_pair(self, pair: int, inner: UUID | None, outer: UUID | None,
                  lanes_known: bool = True) -> None:
        self.pairs[pair] = (inner, outer)
        for skater, lane in ((inner, "inner"), (outer, "outer")):
            if skater is not None:
                self.enter(skater, pair, lane if lanes_known else None)

    def draw_quartet(self, pair: int, inner: tuple[UUID, ...], outer: tuple[UUID, ...],
                     lanes_known: bool = True) -> None:
        """A start of up to four: the first of each lane stands in ``pairs``, every skater's lane in
        their entry."""
        self.pairs[pair] = (inner[0] if inner else None, outer[0] if outer else None)
        self.quartets[pair] = (inner, outer)
        for lane, skaters in (("inner", inner), ("outer", outer)):
            for skater in skaters:
                self.enter(skater, pair, lane if lanes_known else None)

    def skaters_in(self, pair: int) -> tuple[UUID, ...]:
        """Every skater drawn in the pair: two, or up to four in a quartet start."""
        if pair in self.quartets:
            inner, outer = self.quartets[pair]
            return (*inner, *outer)
        return tuple(s for s in self.pairs.get(pair, ()) if s is not None)

    def redraw(self, pair: int, inner: UUID | None, outer: UUID | None) -> None:
        """A corrected draw: the pair holds these skaters in these lanes; a skater it no longer
        holds is drawn in no pair (their facts keep the pair they were recorded in)."""
        for skater in self.pairs.get(pair, ()):
            entry = self.entries.get(skater) if skater is not None else None
            if entry is not None and skater not in (inner, outer) and entry.pair == pair:
                entry.pair = entry.lane = None
        self.draw_pair(pair, inner, outer)

    def lanes_of(self, pair: int) -> tuple[tuple[UUID, ...], tuple[UUID, ...]]:
        """The skaters of each lane of the pair, (inner, outer), in draw order."""
        if pair in self.quartets:
            return self.quartets[pair]
        inner, outer = self.pairs.get(pair, (None, None))
        return ((inner,) if inner else ()), ((outer,) if outer else ())

    def redraw_quartet(self, pair: int, inner: tuple[UUID, ...], outer: tuple[UUID, ...]) -> None:
        """A corrected quartet draw: the pair holds these skaters in these lanes (it stays a
        quartet start, even of one a lane); a skater it no longer holds is drawn in no pair."""
        for skater in self.skaters_in(pair):
            entry = self.entries.get(skater)
            if entry is not None and skater not in (*inner, *outer) and entry.pair == pair:
                entry.pair = entry.lane = None
        self.draw_quartet(pair, inner, outer)

    def clock(self, pair: int) -> PairClock:
        return self.clocks.setdefault(pair, PairClock())

    def clear_clock(self, pair: int) -> None:
        """A cleared clock voids the pair's passings and finishes since its latest start signal."""
        clock = self.clock(pair)
        clock.running = False
        for fact in self.facts.values():
            current = fact.attempt == self.attempt_of(fact.skater) and fact.seq > clock.started_seq
            if fact.kind in TIMED_KINDS and fact.live and fact.pair == pair and current:
                fact.voided = True
                fact.detail = {**fact.detail, "voided_by": "clock cleared"}

    def reskate(self, skater: UUID, attempt: int, pair: int | None, lane: str | None = None,
                lane_stated: bool = False) -> None:
        """A re-skate opens the skater's next race, in a new pair or the same, clock at rest.

        In a new pair the skater takes the lane the referee gave (``lane``; None: not known, and
        the skater fills the pair's free place without a lane). A re-skate stored before the lane
        was stated (``lane_stated`` False) takes the free lane, as such events always replayed."""
        entry = self.entries[skater]
        entry.attempt = attempt
        if pair is not None and pair != entry.pair:
            inner, outer = self.pairs.get(pair, (None, None))
            free = "inner" if inner is None else "outer"
            if not lane_stated:
                lane = free
            place = lane or free
            self.pairs[pair] = (skater, outer) if place == "inner" else (inner, skater)
            entry.pair, entry.lane = pair, lane
        if entry.pair is not None and entry.pair in self.clocks:
            self.clocks[entry.pair].running = False

    def copy(self) -> RaceState:
        """An independent copy: folding more facts into either leaves the other as it was. About
        thirty times cheaper than ``copy.deepcopy`` (docs/benchmarks.md)."""
        facts = {fid: Fact(f.fact_id, f.kind, f.seq, f.recorded_at, f.skater, f.pair, f.attempt,
                           f.metres, f.ms, f.source, f.detail, f.voided, f.corrections)
                 for fid, f in self.facts.items()}
        by_skater: dict[UUID, list[Fact]] = {}
        for fact in facts.values():
            if fact.skater is not None:
                by_skater.setdefault(fact.skater, []).append(fact)
        return RaceState(
            race_id=self.race_id, key=self.key, competition_id=self.competition_id,
            competition=self.competition, day=self.day, distance_m=self.distance_m,
            category=self.category, label=self.label, track_m=self.track_m,
            discipline=self.discipline,
            entries={s: Entry(e.skater, e.pair, e.lane, e.attempt) for s, e in self.entries.items()},
            pairs=dict(self.pairs),
            clocks={p: PairClock(c.starts, c.running, c.started_seq, list(c.false_starts))
                    for p, c in self.clocks.items()},
            facts=facts,
            official=facts[self.official.fact_id] if self.official is not None else None,
            presented=dict(self.presented),
            team_members={t: list(m) for t, m in self.team_members.items()},
            quartets=dict(self.quartets),
            by_skater=by_skater,
        )

    # -- reading ---------------------------------------------------------------------------
    @property
    def points(self) -> tuple[int, ...]:
        return passing_points(self.distance_m, self.track_m, self.discipline)

    @property
    def pair_count(self) -> int:
        """Pairs the race must have: half the starters, rounded up (a quartet start counted as
        one pair of its own), or the highest pair drawn."""
        in_quartets = sum(len(self.skaters_in(p)) for p in self.quartets)
        return max([len(self.quartets) + (len(self.entries) - in_quartets + 1) // 2, *self.pairs])

    def pair_of(self, skater: UUID | None) -> int | None:
        entry = self.entries.get(skater) if skater else None
        return entry.pair if entry else None

    def attempt_of(self, skater: UUID | None) -> int:
        entry = self.entries.get(skater) if skater else None
        return entry.attempt if entry else 1

    def live_facts(self, skater: UUID, kinds: frozenset[FactKind] | None = None,
                   attempt: int | None = None) -> Iterator[Fact]:
        for fact in self.by_skater.get(skater, ()):
            if (kinds is None or fact.kind in kinds) and not fact.voided and (
                attempt is None or fact.attempt == attempt
            ):
                yield fact

    def first(self, skater: UUID, kind: FactKind, attempt: int | None = None) -> Fact | None:
        return next(self.live_facts(skater, frozenset({kind}), attempt), None)

    def passings(self, skater: UUID, attempt: int) -> list[Fact]:
        found = self.live_facts(skater, frozenset({FactKind.PASSING}), attempt)
        return sorted(found, key=lambda f: (f.metres or 0, f.ms or 0))

    def finish(self, skater: UUID, attempt: int) -> Fact | None:
        return self.first(skater, FactKind.FINISH, attempt)

    def stated(self, kind: FactKind, key: str, at: str | None = None) -> Any:
        """The value in force of a race's own fact (officials, conditions at ``at``): the latest
        fact of that kind that gives ``key`` (a later one corrects an earlier), else None."""
        found = None
        for fact in self.facts.values():
            if (fact.kind == kind and fact.live and (at is None or fact.detail.get("at") == at)
                    and fact.detail.get(key) is not None):
                found = fact.detail.get(key)
        return found

    def presented_passing(self, skater: UUID, attempt: int, metres: int) -> Fact | None:
        """The passing the timing system presents at ``metres`` (None when no source was presented)."""
        fid = self.presented.get((skater, attempt, metres))
        shown = self.facts.get(fid) if fid is not None else None
        passing = self.facts.get(shown.detail["passing"]) if shown is not None and shown.live else None
        return passing if passing is not None and passing.live else None


# -- independent copies of a sheet (checkpoints, and the aggregate cache) -------------------------
# RaceState.copy copies every mutable part of a sheet and shares the immutable ones (ids, times,
# strings, tuples, a fact's detail and corrections, which are replaced and never changed in place).
# It names each field, so a field added to one of these classes must be added here too: this
# guard fails at import until it is (and the checkpoint property test checks values).
_COPIED_FIELDS = {
    RaceState: ("race_id", "key", "competition_id", "competition", "day", "distance_m", "category",
                "label", "track_m", "discipline", "entries", "pairs", "clocks", "facts", "official",
                "presented", "team_members", "quartets", "by_skater"),
    Fact: ("fact_id", "kind", "seq", "recorded_at", "skater", "pair", "attempt", "metres", "ms",
           "source", "detail", "voided", "corrections"),
    Entry: ("skater", "pair", "lane", "attempt"),
    PairClock: ("starts", "running", "started_seq", "false_starts"),
}
for _cls, _names in _COPIED_FIELDS.items():
    if tuple(f.name for f in attrs.fields(_cls)) != _names:
        raise TypeError(f"{_cls.__name__} has new fields: teach RaceState.copy them")
