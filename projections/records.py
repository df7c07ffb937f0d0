"""Records as the ledger knows them: each record table line (``import --format records``) as it
stood on its date, bettered by valid times the ledger holds after it (projections/marks.py).

A record needs a baseline: without a table for a scope there is no record and no record mark (the
first time at a venue is not a track record). Only valid times count (status OK, a known time), so
a time that a later DQ voids never held the record, and the record before it stands again —
nothing is stored, everything is re-derived.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from projections.marks import derive, series_of
from projections.state import LedgerState

__all__ = ["Record", "Records", "records", "series_of"]


@attrs.frozen
class Record:
    mark: str
    scope: tuple[str, ...]  # (scope, category, distance): ("track:Thialf", "women", "500")
    skater: str | None
    time_ms: int
    race: str | None  # the race that set it; None: as the record table gives it
    day: str  # the race's day, or the table's date
    source: str  # the table's source, or "ledger"


@attrs.frozen
class Records:
    current: dict[tuple[str, tuple[str, ...]], Record]
    marks: dict[tuple[str, UUID], tuple[str, ...]]  # (race key, skater) → marks earned then


def records(state: LedgerState) -> Records:
    """The records as they stand, and the record marks (with the PBs and SBs) of the races of the
    categories and distances that a record table covers."""
    if not state.records:
        return Records({}, {})
    found = derive(state, over={(r.category, r.distance_m) for r in state.records.values()})
    current: dict[tuple[str, tuple[str, ...]], Record] = {}
    for (scope, category, distance), held in found.records.items():
        key = (scope, category, str(distance))
        current[(held.mark, key)] = Record(held.mark, key, held.skater, held.time_ms, held.race,
                                           held.since, held.source)
    return Records(current, found.derived)
