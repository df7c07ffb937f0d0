"""A skater's best valid time the ledger holds: the one computation of a "best" over the ledger's
own results, which the pair panel's season and personal best references (projections/pair.py) and
a skater's history (projections/history.py) read.

Only a valid result counts (status OK, time known), as the result stands now: a DQ or a correction
that removes a best gives the one before. These are the bests *the ledger holds*; the PB and SB
marks a result earned are derived against a baseline of bests known before it
(projections/marks.py, docs/decisions/0015-marks-from-evidence.md), which the ledger's own times
then improve.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import attrs

from ledger.domain.race_state import RaceState
from ledger.domain.record import season_of
from ledger.domain.timing import MASS_START
from projections.results import result_of
from projections.state import LedgerState


@attrs.frozen
class Best:
    """A best valid time, and the race it was skated in."""

    time_ms: int
    race: RaceState = attrs.field(eq=False, repr=False)


def valid_time(sheet: RaceState, sid: UUID) -> int | None:
    """The skater's time in this race when it counts as a result (status OK, time known); a mass
    start's time is none: points rank it, and its time is no best at a distance (decision 0020)."""
    if sheet.discipline == MASS_START:
        return None
    result = result_of(sheet, sid)
    if result is None or result.status != "OK" or result.time_ms is None:
        return None
    return result.time_ms


def best_of(sheets: Iterable[RaceState], sid: UUID) -> Best | None:
    """The fastest valid time of ``sid`` in these races (the first of them on a tie)."""
    best: Best | None = None
    for sheet in sheets:
        ms = valid_time(sheet, sid) if sid in sheet.entries else None
        if ms is not None and (best is None or ms < best.time_ms):
            best = Best(ms, sheet)
    return best


def ledger_best(state: LedgerState, sid: UUID, distance_m: int, season: str | None = None,
                besides: str | None = None) -> Best | None:
    """The skater's best valid time at ``distance_m`` in the ledger's races (in ``season`` only,
    when given: a season runs July to June); ``besides`` names a race left out (the one on ice)."""
    return best_of((s for s in state.races.values()
                    if s.distance_m == distance_m and s.key != besides
                    and (season is None or season_of(s.day) == season)), sid)


def ledger_bests(state: LedgerState, sid: UUID, sheets: Iterable[RaceState]) -> dict[int, int]:
    """Distance → the skater's best valid time the ledger holds there, for each distance of
    ``sheets`` where the skater has a valid time (in the order those distances were first timed)."""
    found: dict[int, int] = {}
    for sheet in sheets:
        if sheet.distance_m not in found and valid_time(sheet, sid) is not None:
            best = ledger_best(state, sid, sheet.distance_m)
            if best is not None:
                found[sheet.distance_m] = best.time_ms
    return found
