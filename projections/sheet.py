"""The head and notes of the official result sheet (docs/decisions/0030-the-result-sheet.md).

What an ISU result sheet prints around its rows, as the ledger knows it at a basis: the
competition, venue, date, distance, category and division; the referee and the starter; the ice
and air at the start and the end; whether the results are provisional or official (and when they
were announced, by whom); and each skater's notes: the rule of a disqualification, falls,
re-skates and the reason of a DNF, DNS or withdrawal. A value the ledger does not hold is None
(printed as "unknown"): nothing here is guessed.

The result is plain JSON (str, int, None, lists and dicts), so a sheet carries it and ``verify
--sheet`` can compare it with the same fold of an export.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.domain.kinds import FactKind
from ledger.domain.race_state import RaceState
from ledger.domain.rules import CONDITION_MOMENTS
from projections.state import LedgerState

NOTE_KINDS = frozenset({FactKind.FALL, FactKind.RESKATE, FactKind.DQ, FactKind.DNF,
                        FactKind.DNS, FactKind.WDR})


def sheet_head(state: LedgerState, sheet: RaceState) -> dict[str, Any]:
    """The head of a race's result sheet as of ``state``."""
    comp = state.competitions.get(sheet.competition_id)
    official = sheet.official
    return {
        "competition": comp.name if comp else sheet.competition,
        "venue": comp.venue if comp else None,
        "date": sheet.day.isoformat(),
        "distance_m": sheet.distance_m,
        "category": sheet.category,
        "division": sheet.label,
        "discipline": sheet.discipline,
        "referee": sheet.stated(FactKind.OFFICIALS, "referee"),
        "starter": sheet.stated(FactKind.OFFICIALS, "starter"),
        "conditions": {at: conditions_at(sheet, at) for at in CONDITION_MOMENTS},
        "status": "official" if official is not None else "provisional",
        "announced_at": (official.detail["announced_at"].isoformat()
                         if official is not None and "announced_at" in official.detail else None),
        "declared_by": official.detail.get("author") if official is not None else None,
    }


def conditions_at(sheet: RaceState, at: str) -> dict[str, int | None]:
    """Ice and air temperature (tenths of a degree Celsius) and humidity (percent), or None."""
    return {key: sheet.stated(FactKind.CONDITIONS, key, at)
            for key in ("ice_temp_dc", "air_temp_dc", "humidity_pct")}


def skater_notes(sheet: RaceState, skater: UUID) -> list[str]:
    """What the sheet notes of a skater, in log order: a DQ with its rule, falls, re-skates, the
    reason of a DNF, DNS or withdrawal (none when the ledger holds none)."""
    return [note for fact in sheet.live_facts(skater, NOTE_KINDS)
            if (note := note_of(fact.kind, fact.metres, fact.detail)) is not None]


def note_of(kind: FactKind, metres: int | None, detail: Any) -> str | None:
    reason = detail.get("reason")
    if kind == FactKind.DQ:
        return f"DQ: {detail.get('rule')}"
    if kind == FactKind.FALL:
        where = f" at {metres} m" if metres is not None else ""
        return f"fell{where}" + ("" if detail.get("went_on", True) else ", stopped")
    if kind == FactKind.RESKATE:
        return f"re-skate: {reason}" if reason else "re-skate"
    if reason:
        return f"{kind.upper()}: {reason}"
    return None


def notes_by_row(state: LedgerState, sheet: RaceState, skaters: list[UUID]) -> list[list[str]]:
    """The notes of each row of the board, in row order."""
    return [skater_notes(sheet, skater) for skater in skaters]
