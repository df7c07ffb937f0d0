"""Where a race stands, as the rink's board shows it (issue 16, item 2; docs/decisions/0027):
its status (scheduled, running, provisional, official), the pair on the ice and the next pair, and
each skater's times at the passing points.

Small pure functions over a race's sheet; each answers from the facts the sheet holds only (a
race with no fact of its own is "scheduled", never guessed to be over).
"""

from __future__ import annotations

from uuid import UUID

import attrs

from ledger.domain.kinds import FactKind
from ledger.domain.race_state import RaceState
from ledger.domain.timing import MASS_START
from projections.leaderboard import passing_at
from projections.pair import latest_start, on_ice
from projections.results import FactFilter, everything, result_of

#: The statuses of a race, in the order a race goes through them.
STATUSES = ("scheduled", "running", "provisional", "official")
#: At most this many passing points before the finish are shown as columns of times (500 m to
#: 1500 m: 100 m; 200 and 600 m; 300, 700 and 1100 m); a longer race shows its lap times instead,
#: as the ISU's live results do.
SPLIT_COLUMNS = 3


#: Results that do not show a pair skated: a skater who withdrew or did not start leaves the pair
#: to the other.
NOT_SKATED = frozenset({"WDR", "DNS"})


def race_status(sheet: RaceState) -> str:
    """``official`` once declared; ``running`` while a pair is on the ice, or after a start or a
    result while a drawn pair is still to skate (:func:`next_pair`; a mass start: after its start
    while a starter has no result); ``provisional`` when no pair is left to skate; ``scheduled``
    while the race holds no start and no result."""
    if sheet.official is not None:
        return "official"
    found = on_ice(sheet)
    if found is not None and found.racing:
        return "running"
    pending = [sid for sid in sheet.entries if result_of(sheet, sid) is None]
    if found is None and len(pending) == len(sheet.entries):
        return "scheduled"
    if sheet.discipline == MASS_START:  # one start for all: running until each has a result
        return "running" if found is not None and pending else "provisional"
    return "running" if next_pair(sheet) is not None else "provisional"


def started_pairs(sheet: RaceState) -> set[int]:
    """The pairs with a live start."""
    return {f.pair for f in sheet.facts.values()
            if f.kind == FactKind.START and f.live and f.pair is not None}


def skated(sheet: RaceState, number: int, started: set[int] | None = None) -> bool:
    """Whether pair ``number`` has skated or is skating: it started (``started``: the pairs with a
    live start, when known already), or one of its skaters has a result other than a withdrawal or
    a non-start (a list's result: the pair's start is not held)."""
    if number in (started_pairs(sheet) if started is None else started):
        return True
    results = (result_of(sheet, sid) for sid in sheet.skaters_in(number))
    return any(r is not None and r.status not in NOT_SKATED for r in results)


def next_pair(sheet: RaceState) -> int | None:
    """The pair to start next: the first drawn pair after the one started last (or from the first
    pair, before any start) that has not skated and has a skater still to skate; None when no pair
    is left, or the race is official."""
    if sheet.official is not None:
        return None
    found = latest_start(sheet)
    last = found[0] if found is not None else 0
    started = started_pairs(sheet)
    for number in sorted(sheet.pairs):
        if number <= last or skated(sheet, number, started):
            continue
        if any(result_of(sheet, sid) is None for sid in sheet.skaters_in(number)):
            return number
    return None


@attrs.frozen
class Split:
    """A skater's time at one passing point, and the lap since the point before (None when that
    time is not known)."""

    at_m: int
    time_ms: int | None
    lap_ms: int | None


def intermediate_points(sheet: RaceState, upto_m: int | None = None) -> tuple[int, ...]:
    """The passing points before the finish (up to ``upto_m`` when the board stands at a point)."""
    return tuple(m for m in sheet.points
                 if m < sheet.distance_m and (upto_m is None or m <= upto_m))


def splits_of(sheet: RaceState, sid: UUID, keep: FactFilter = everything,
              upto_m: int | None = None) -> tuple[Split, ...]:
    """The skater's times at the passing points before the finish (of the attempt that counts),
    each with the lap since the point before; a point with no passing is left out, and the lap
    after it unknown. Laps are of times cut to hundredths, as the board shows them."""
    attempt = sheet.attempt_of(sid)
    found: list[Split] = []
    previous: int | None = 0
    for metres in intermediate_points(sheet, upto_m):
        fact = passing_at(sheet, sid, attempt, metres, keep)
        if fact is None or fact.ms is None:
            previous = None
            continue
        cut = fact.ms - fact.ms % 10
        found.append(Split(metres, fact.ms, cut - previous if previous is not None else None))
        previous = cut
    return tuple(found)


def laps_shown(sheet: RaceState) -> bool:
    """Whether the board shows lap times (a long race) rather than a column per passing point."""
    return len(intermediate_points(sheet)) > SPLIT_COLUMNS


__all__ = ["NOT_SKATED", "SPLIT_COLUMNS", "STATUSES", "Split", "intermediate_points", "laps_shown",
           "next_pair", "race_status", "skated", "splits_of", "started_pairs"]
