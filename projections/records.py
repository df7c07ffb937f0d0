"""Records derived from the ledger: track, national and championship records (the scopes are
data: projections/record_scopes.json), with the record marks each result earned at its moment.

Results are taken in race order (day, then log position). Only valid times count (status OK, a
known time), so a time that a later DQ voids never held the record, and the record before it
stands again — nothing is stored, everything is re-derived.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any
from uuid import UUID

import attrs

from projections.leaderboard import leaderboard
from projections.state import LedgerState


@attrs.frozen
class Record:
    mark: str
    scope: tuple[str, ...]  # e.g. ("Thialf, Heerenveen", "women", "1000")
    skater: str
    time_ms: int
    race: str
    day: str


@attrs.frozen
class Records:
    current: dict[tuple[str, tuple[str, ...]], Record]
    marks: dict[tuple[str, UUID], tuple[str, ...]]  # (race key, skater) → marks earned then


def load_scopes() -> list[dict[str, Any]]:
    text = resources.files("projections").joinpath("record_scopes.json").read_text(encoding="utf-8")
    return json.loads(text)["scopes"]  # type: ignore[no-any-return]


def series_of(name: str) -> str:
    """The championship a competition belongs to: its name without years and edition numbers."""
    words = re.sub(r"\b(19|20)\d\d(/\d\d(\d\d)?)?\b|^\d+\.\s*", " ", name)
    return " ".join(words.split()).casefold()


def records(state: LedgerState, scopes: list[dict[str, Any]] | None = None) -> Records:
    scopes = scopes if scopes is not None else load_scopes()
    current: dict[tuple[str, tuple[str, ...]], Record] = {}
    marks: dict[tuple[str, UUID], tuple[str, ...]] = {}
    for sheet in sorted(state.races.values(), key=lambda s: (s.day, s.key)):
        comp = state.competitions.get(sheet.competition_id)
        rows = [r for r in leaderboard(state, sheet.key).rows
                if r.status == "OK" and r.time_ms is not None]
        for row in sorted(rows, key=lambda r: r.time_ms or 0):
            info = state.skaters.get(row.skater_id)
            facts = {"venue": comp.venue if comp else None, "category": sheet.category,
                     "distance_m": str(sheet.distance_m), "nation": info.nation if info else None,
                     "series": series_of(comp.name) if comp else None}
            earned = []
            for scope in scopes:
                values = tuple(facts.get(k) for k in scope["over"])
                if any(v is None for v in values):
                    continue
                key = (scope["mark"], tuple(str(v) for v in values))
                held = current.get(key)
                if held is None or (row.time_ms or 0) < held.time_ms:
                    current[key] = Record(scope["mark"], key[1], row.skater, row.time_ms or 0,
                                          sheet.key, sheet.day.isoformat())
                    earned.append(scope["mark"])
            if earned:
                marks[(sheet.key, row.skater_id)] = tuple(earned)
    return Records(current, marks)
