"""The leaderboard of a race, and the standings at a passing point, as of a basis.

Rows come in ranking order (projections.ranking); a time is shown truncated to hundredths but
ranked, and the gap to the leader given, in thousandths. Skaters sharing a place, and skaters of
one unranked status, come in the order of the draw (:func:`draw_key`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.errors import InvalidInputError, UnknownRaceError
from ledger.domain.race_state import Fact, RaceState
from ledger.domain.values import DEFAULT_DRAW_ORDER, DEFAULT_UNRANKED_ORDER
from projections.mass_start import Scored, is_mass_start, provisional_rows, scored_rows, table_for
from projections.ranking import Key, place_keys, rank
from projections.results import FactFilter, Result, everything, result_of, results
from projections.state import LedgerState

#: Which timing source is shown when several timed the same passing: the most precise first.
SOURCE_PRIORITY = ("photo-finish", "optical", "transponder", "manual", "list")


@attrs.frozen
class Row:
    rank: int | None
    skater_id: UUID
    skater: str
    nation: str | None
    status: str
    time_ms: int | None
    behind_ms: int | None
    pair: int | None
    lane: str | None
    place_reported: bool = False
    source: str | None = None
    #: the true time lies in time_ms .. time_ms + uncertain_ms (decision 0013: a list's DIFFs fix
    #: the gaps but not the winner's thousandth; a time known to the hundredth, 9)
    uncertain_ms: int = 0
    precision_ms: int = 1  # 10: only hundredths are known
    #: a mass start's row (projections/mass_start.py): its counted points, the points of each
    #: sprint (the final included) and the laps completed; None where unknown
    mass_start: bool = False
    points: int | None = None
    sprint_points: tuple[int, ...] | None = None
    laps: int | None = None


@attrs.frozen
class Leaderboard:
    race: str
    position: int
    at_m: int | None
    after_pair: int | None
    rows: tuple[Row, ...]


def sheet_or_error(state: LedgerState, key: str) -> RaceState:
    sheet = state.sheet(key)
    if sheet is None:
        raise UnknownRaceError(f"race {key!r} is not in the ledger at position {state.position}")
    return sheet


def pair_filter(sheet: RaceState, after_pair: int | None) -> FactFilter:
    """Facts of pairs up to N; facts of skaters whose pair is unknown only when every later pair is
    drawn (so they cannot have skated later)."""
    if after_pair is None:
        return everything
    later_drawn = all(p in sheet.pairs for p in range(after_pair + 1, sheet.pair_count + 1))

    def keep(fact: Fact) -> bool:
        return fact.pair <= after_pair if fact.pair is not None else later_drawn

    return keep


def leaderboard(state: LedgerState, key: str, after_pair: int | None = None,
                unranked_order: Sequence[str] = DEFAULT_UNRANKED_ORDER,
                within_place_order: Sequence[str] = DEFAULT_DRAW_ORDER) -> Leaderboard:
    sheet = sheet_or_error(state, key)
    if is_mass_start(sheet):
        table = table_for(sheet.day)
        scored = scored_rows(sheet, table, pair_filter(sheet, after_pair), unranked_order)
        return Leaderboard(key, state.position, None, after_pair, mass_start_rows(state, scored))
    found = results(sheet, pair_filter(sheet, after_pair))
    rows = board_rows(state, sheet, [(r, r.time_ms) for r in found], unranked_order,
                      place_key=final_place_keys(sheet), within_place_order=within_place_order)
    return Leaderboard(key, state.position, None, after_pair, rows)


def mass_start_rows(state: LedgerState, scored: Sequence[Scored]) -> tuple[Row, ...]:
    """A mass start's rows: no pair, lane or gap (points decide, not time); the finish time and
    the points as the rule gives them (projections/mass_start.py)."""
    rows = []
    for s in scored:
        info = state.skaters.get(s.skater)
        result = s.result
        shown = result.time_ms if result is not None and s.status == "OK" else None
        rows.append(Row(
            rank=s.rank, skater_id=s.skater, skater=state.name_of(s.skater),
            nation=info.nation if info else None, status=s.status, time_ms=shown, behind_ms=None,
            pair=None, lane=None, place_reported=bool(result and result.place is not None
                                                      and result.time_ms is None),
            source=result.source if result is not None else None,
            uncertain_ms=uncertainty(result) if result is not None and shown is not None else 0,
            precision_ms=result.precision_ms if result is not None else 1,
            mass_start=True, points=s.points, sprint_points=s.sprint_points, laps=s.laps))
    return tuple(rows)


def final_place_keys(sheet: RaceState, full: Sequence[Result] | None = None,
                     ) -> Callable[[tuple[Result, int | None]], Key | None]:
    """Where each place-only result sits among the times of the whole list, so that a board of an
    earlier moment (after pair N) ranks it against the skaters who had raced by then; ``full``:
    the sheet's results when the caller has them (``results(sheet)``)."""
    full = results(sheet) if full is None else full
    keys = place_keys([r.time_ms for r in full if r.status == "OK" and r.time_ms is not None],
                      [r.place for r in full if r.status == "OK" and r.time_ms is None
                       and r.place is not None])
    return lambda item: keys.get(item[0].place) if item[0].place is not None else None


def ranks_of(sheet: RaceState, found: Sequence[Result]) -> dict[UUID, int | None]:
    """Each skater's rank on the race's leaderboard (``leaderboard(state, key).rows``) given its
    results (``results(sheet)``), without drawing the rows: a rank is 1 + the results ahead of it,
    so it depends on the results alone, not on names or the draw, which only order the skaters of
    one place. The skater histories view keeps the results and asks this after a result changed
    (projections/history_kept.py); tests/unit/test_ranking.py compares it with the board."""
    if all(r.place is None and r.precision_ms == 1 for r in found):
        return plain_ranks(found)  # every result timed to the thousandth, or unranked
    ordered = rank(
        [(r, r.time_ms) for r in found],
        status=lambda i: i[0].status,
        time_ms=lambda i: i[1] if i[0].status == "OK" else None,
        place=lambda i: i[0].place if i[0].status == "OK" else None,
        name=lambda i: "",
        place_key=final_place_keys(sheet, found),
        tiebreak=lambda i: (i[0].place or 0) if i[0].precision_ms > 1 and i[1] is not None else 0,
        precision=lambda i: i[0].precision_ms,
    )
    return {result.skater: position for position, (result, _) in ordered}


def plain_ranks(found: Sequence[Result]) -> dict[UUID, int | None]:
    """``rank``'s ranks when no result is known by its place alone nor to a coarser precision:
    the valid times in order, equal times sharing the place (the next one skipped)."""
    ranks: dict[UUID, int | None] = {r.skater: None for r in found}
    timed = sorted((r.time_ms, n) for n, r in enumerate(found)
                   if r.status == "OK" and r.time_ms is not None)
    for n, (ms, index) in enumerate(timed):
        ranks[found[index].skater] = n + 1 if n == 0 or timed[n - 1][0] != ms else ranks[
            found[timed[n - 1][1]].skater]
    return ranks


def standings_at(state: LedgerState, key: str, metres: int, after_pair: int | None = None,
                 unranked_order: Sequence[str] = DEFAULT_UNRANKED_ORDER,
                 within_place_order: Sequence[str] = DEFAULT_DRAW_ORDER) -> Leaderboard:
    """Every skater who has passed ``metres``, ranked by the passing time there."""
    sheet = sheet_or_error(state, key)
    if metres not in sheet.points:
        points = ", ".join(map(str, sheet.points))
        raise InvalidInputError(f"{metres} m is not a passing point of {key} ({points})")
    keep = pair_filter(sheet, after_pair)
    if is_mass_start(sheet):  # the standings after the sprint of that lap (the last: final)
        table = table_for(sheet.day)
        scored = (scored_rows(sheet, table, keep, unranked_order) if metres == sheet.distance_m
                  else provisional_rows(sheet, table, metres // sheet.track_m, keep, unranked_order))
        return Leaderboard(key, state.position, metres, after_pair, mass_start_rows(state, scored))
    if metres == sheet.distance_m:
        found = [r for r in results(sheet, keep) if r.status == "OK" and r.time_ms is not None]
        rows = board_rows(state, sheet, [(r, r.time_ms) for r in found], unranked_order,
                          within_place_order=within_place_order)
        return Leaderboard(key, state.position, metres, after_pair, rows)
    passed: list[tuple[Result, int | None]] = []
    for skater in sheet.entries:
        result = result_of(sheet, skater, keep)
        attempt = result.attempt if result else sheet.attempt_of(skater)
        shown = passing_at(sheet, skater, attempt, metres, keep)
        if shown is not None:
            status = result.status if result else "OK"
            passed.append((Result(skater, status, shown.ms, attempt, source=shown.source), shown.ms))
    rows = board_rows(state, sheet, passed, unranked_order, ranked_statuses=("OK", "DNF"),
                      within_place_order=within_place_order)
    return Leaderboard(key, state.position, metres, after_pair, rows)


def passing_at(sheet: RaceState, skater: UUID, attempt: int, metres: int,
               keep: FactFilter) -> Fact | None:
    """The time shown at a passing point: the one the timing system presented (with any correction
    of it), else the most precise source that timed it."""
    fid = sheet.presented.get((skater, attempt, metres))
    shown = sheet.facts.get(fid) if fid is not None else None
    if shown is not None and shown.live and keep(shown) and sheet.presented_passing(
            skater, attempt, metres) is not None:
        return shown
    candidates = [f for f in sheet.passings(skater, attempt) if f.metres == metres and keep(f)]
    candidates.sort(key=lambda f: SOURCE_PRIORITY.index(f.source)
                    if f.source in SOURCE_PRIORITY else len(SOURCE_PRIORITY))
    return candidates[0] if candidates else None


def board_rows(state: LedgerState, sheet: RaceState, found: list[tuple[Result, int | None]],
               unranked_order: Sequence[str], ranked_statuses: tuple[str, ...] = ("OK",),
               place_key: Callable[[tuple[Result, int | None]], Key | None] | None = None,
               within_place_order: Sequence[str] = DEFAULT_DRAW_ORDER,
               ) -> tuple[Row, ...]:
    names = {r.skater: state.name_of(r.skater) for r, _ in found}
    drawn = draw_key(sheet, within_place_order, names)
    ordered = rank(
        found,
        status=lambda i: "OK" if i[0].status in ranked_statuses else i[0].status,
        time_ms=lambda i: i[1] if i[0].status in ranked_statuses else None,
        place=lambda i: i[0].place if i[0].status in ranked_statuses else None,
        name=lambda i: names[i[0].skater],
        unranked_order=unranked_order,
        place_key=place_key,
        tiebreak=lambda i: (i[0].place or 0) if i[0].precision_ms > 1 and i[1] is not None else 0,
        precision=lambda i: i[0].precision_ms,
        within=lambda i: drawn(i[0].skater),
    )
    leader = ordered[0][1][1] if ordered and ordered[0][0] == 1 else None
    leader_precision = ordered[0][1][0].precision_ms if leader is not None else 1
    return tuple(make_row(state, sheet, position, result, ms, leader, leader_precision)
                 for position, (result, ms) in ordered)


LANE_ORDER = {"inner": 0, "outer": 1}


def draw_key(sheet: RaceState, order: Sequence[str],
             names: dict[UUID, str]) -> Callable[[UUID], tuple[Any, ...]]:
    """The order of the draw for skaters who share a place or an unranked status: a known pair
    before an unknown one, then the pair's number; the inner lane before the outer; then the order
    of entry (an imported list's own row order: the only evidence of order a list without pairs
    gives); "name", if configured, alphabetically."""
    entered = {skater: n for n, skater in enumerate(sheet.entries)}

    def part(skater: UUID, what: str) -> tuple[int, Any]:
        entry = sheet.entries.get(skater)
        if what == "pair":
            pair = entry.pair if entry else None
            return (0, pair) if pair is not None else (1, 0)
        if what == "lane":
            lane = entry.lane if entry else None
            return (LANE_ORDER.get(lane or "", len(LANE_ORDER)), 0)
        if what == "entry":
            return (entered.get(skater, len(entered)), 0)
        return (0, names.get(skater, ""))

    return lambda skater: tuple(part(skater, what) for what in order)


def make_row(state: LedgerState, sheet: RaceState, position: int | None, result: Result,
             ms: int | None, leader_ms: int | None, leader_precision: int = 1) -> Row:
    """``behind`` at the coarser precision of the row's and the leader's time: a gap to a hand
    time (known to the hundredth) is known to the hundredth, never to an invented thousandth."""
    info = state.skaters.get(result.skater)
    entry = sheet.entries[result.skater]
    shown = ms if position is not None else None
    step = max(leader_precision, result.precision_ms)
    behind = ((shown - shown % step) - (leader_ms - leader_ms % step)
              if shown is not None and leader_ms is not None else None)
    return Row(rank=position, skater_id=result.skater, skater=state.name_of(result.skater),
               nation=info.nation if info else None, status=result.status, time_ms=shown,
               behind_ms=behind if behind and position != 1 else None, pair=entry.pair, lane=entry.lane,
               place_reported=result.place is not None and ms is None, source=result.source,
               uncertain_ms=uncertainty(result) if shown is not None else 0,
               precision_ms=result.precision_ms)


def uncertainty(result: Result) -> int:
    """How far above its time_ms the true time may lie: the winner's unknown digit of a list, or
    the unknown digits of a time known to a coarser precision."""
    return result.uncertain_ms if result.precision_ms == 1 else result.precision_ms - 1
