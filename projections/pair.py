"""The pair on ice: who is racing, every passing with its split, lap, virtual place and gap to the
leader among all who passed that point so far, laps to go, and a projected finish against a
reference race (the skater's season best, personal best, or this race's leader).

Pure functions over a :class:`~projections.state.LedgerState` and a race's sheet, returning attrs
values; the web board (scripts/board/views.py) only turns them into text and dicts.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from ledger.domain.errors import InvalidInputError
from ledger.domain.kinds import FactKind
from ledger.domain.race_state import Fact, RaceState
from ledger.domain.record import season_of
from projections.bests import ledger_best
from projections.leaderboard import Leaderboard, leaderboard, passing_at, standings_at
from projections.results import Result, everything, result_of
from projections.state import LedgerState

#: What a projected finish can be measured against.
REFERENCES = ("sb", "pb", "leader")
REFERENCE_LABEL = {"sb": "season best", "pb": "personal best"}


@attrs.frozen
class OnIce:
    """The pair started last, and whether it is still racing (a skater without a result)."""

    race: str
    pair: int
    racing: bool
    started_at: datetime
    skaters: tuple[UUID, ...]


@attrs.frozen
class Passing:
    """One passing of a skater on ice, placed among all who passed that point so far."""

    at_m: int
    time_ms: int | None
    lap_ms: int | None  # since the passing before (hundredths), None when that one is missing
    source: str | None
    place: int | None
    passed: int  # how many have passed this point
    behind_ms: int | None  # behind the leader at this point
    laps_to_go: int
    corrected: tuple[str, ...]  # the reasons of the corrections of this passing


@attrs.frozen
class Reference:
    """The race a projected finish is measured against: its finish and its passings."""

    label: str
    finish_ms: int
    splits: dict[int, int]  # metres → time at that passing


@attrs.frozen
class Estimate:
    """A projected finish: the time at the last passing plus what the reference took from there."""

    time_ms: int
    reference: str
    reference_ms: int
    versus_ms: int  # the estimate minus the reference's finish


@attrs.frozen
class SkaterOnIce:
    skater_id: UUID
    lane: str | None
    status: str | None  # the result's status, None while racing
    time_ms: int | None
    passings: tuple[Passing, ...]
    laps_to_go: int
    estimate: Estimate | None


@attrs.frozen
class PairPanel:
    race: str
    pair: int
    racing: bool
    reference: str
    skaters: tuple[SkaterOnIce, ...]


def latest_start(sheet: RaceState) -> tuple[int, Fact] | None:
    """The pair of the latest live start, and that start."""
    starts = [f for f in sheet.facts.values() if f.kind == FactKind.START and f.live and f.pair is not None]
    if not starts:
        return None
    last = max(starts, key=lambda f: f.seq)
    return last.pair or 0, last


def on_ice(sheet: RaceState) -> OnIce | None:
    """The pair started last, and whether it is still racing (its clock runs and a skater has no
    result yet)."""
    found = latest_start(sheet)
    if found is None:
        return None
    number, start = found
    skaters = sheet.skaters_in(number)
    racing = sheet.clocks[number].running and any(result_of(sheet, s) is None for s in skaters)
    return OnIce(sheet.key, number, racing, start.recorded_at, skaters)


def pair_panel(state: LedgerState, sheet: RaceState, after_pair: int | None = None,
               reference: str = "sb", pair: int | None = None) -> PairPanel | None:
    """Both skaters of the pair on ice (or ``pair``; after pair N, at most pair N): every passing
    placed among all who passed that point so far, laps to go, and a projected finish against
    ``reference`` (one of :data:`REFERENCES`)."""
    if reference not in REFERENCES:
        raise InvalidInputError(f"ref {reference!r} is not one of {', '.join(REFERENCES)}")
    if pair is None:
        found = latest_start(sheet)
        if found is None:
            return None
        pair = found[0]
        if after_pair is not None and pair > after_pair:
            pair = after_pair
    if pair not in sheet.pairs:
        return None
    boards: dict[int, Leaderboard] = {}
    skaters = tuple(skater_on_ice(state, sheet, sid, boards, after_pair, reference)
                    for sid in sheet.skaters_in(pair))
    clock = sheet.clocks.get(pair)
    racing = bool(clock and clock.running) and any(s.status is None for s in skaters)
    return PairPanel(sheet.key, pair, racing, reference, skaters)


def skater_on_ice(state: LedgerState, sheet: RaceState, sid: UUID, boards: dict[int, Leaderboard],
                  after_pair: int | None, reference: str) -> SkaterOnIce:
    """One skater of the pair: the passings (``boards`` keeps the standings at each point, shared by
    both skaters), and the projected finish while racing."""
    attempt = sheet.attempt_of(sid)
    result = result_of(sheet, sid)
    points = sheet.points
    rows: list[Passing] = []
    previous: int | None = 0
    for index, metres in enumerate(points):
        shown = shown_at(sheet, sid, attempt, metres, result)
        if shown is None:
            previous = None
            continue
        if metres not in boards:
            boards[metres] = standings_at(state, sheet.key, metres, after_pair)
        row = next((r for r in boards[metres].rows if r.skater_id == sid), None)
        cut = shown.ms - shown.ms % 10 if shown.ms is not None else None
        lap = cut - previous if cut is not None and previous is not None else None
        rows.append(Passing(metres, shown.ms, lap, shown.source, row.rank if row else None,
                            len(boards[metres].rows), row.behind_ms if row else None,
                            len(points) - index - 1,
                            tuple(c["reason"] for c in shown.corrections)))
        previous = cut
    last = rows[-1] if rows else None
    return SkaterOnIce(sid, sheet.entries[sid].lane, result.status if result else None,
                       result.time_ms if result else None, tuple(rows),
                       last.laps_to_go if last else len(points),
                       None if result is not None or last is None
                       else estimate(state, sheet, sid, last, reference))


def shown_at(sheet: RaceState, sid: UUID, attempt: int, metres: int,
             result: Result | None) -> Fact | None:
    """The fact shown at ``metres``: the finish at the line, else the passing there."""
    if metres == sheet.distance_m and result is not None and result.fact is not None:
        fact = sheet.facts.get(result.fact)
        if fact is not None and fact.kind == FactKind.FINISH:
            return fact
    return passing_at(sheet, sid, attempt, metres, everything)


def estimate(state: LedgerState, sheet: RaceState, sid: UUID, last: Passing,
             reference: str) -> Estimate | None:
    """A projected finish: the time at the last passing plus what the reference race took from that
    point to the line (its own passing there when known, else in proportion to the distance)."""
    ref = reference_race(state, sheet, sid, reference)
    if ref is None or last.time_ms is None:
        return None
    at_ms, metres = last.time_ms, last.at_m
    if metres in ref.splits:
        est = at_ms + ref.finish_ms - ref.splits[metres]
    else:
        est = at_ms * sheet.distance_m // metres if metres else ref.finish_ms
    return Estimate(est, ref.label, ref.finish_ms, est - ref.finish_ms)


def reference_race(state: LedgerState, sheet: RaceState, sid: UUID,
                   reference: str) -> Reference | None:
    """The reference's finish and its passings: the skater's season or personal best at this
    distance (the best valid time of the ledger's other races, projections/bests.py), or this
    race's leader."""
    if reference == "leader":
        for row in leaderboard(state, sheet.key).rows:
            if row.rank == 1 and row.time_ms is not None and row.skater_id != sid:
                return Reference(f"leader {row.skater}", row.time_ms, splits_of(sheet, row.skater_id))
        return None
    season = season_of(sheet.day) if reference == "sb" else None
    best = ledger_best(state, sid, sheet.distance_m, season, besides=sheet.key)
    if best is None:
        return None
    return Reference(REFERENCE_LABEL[reference], best.time_ms, splits_of(best.race, sid))


def splits_of(sheet: RaceState, sid: UUID) -> dict[int, int]:
    """The skater's time at each passing point of this race (where a passing is known)."""
    attempt = sheet.attempt_of(sid)
    found = {}
    for metres in sheet.points:
        fact = passing_at(sheet, sid, attempt, metres, everything)
        if fact is not None and fact.ms is not None:
            found[metres] = fact.ms
    return found
