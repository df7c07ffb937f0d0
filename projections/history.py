"""A skater's history: every race with place, time, status and passings; personal and season
bests per distance (a season runs July to June); the PB/SB marks each result had at its moment.

Derived from the ledger, so a correction or a DQ that changes the past changes the history too.
"""

from __future__ import annotations

from datetime import date

import attrs

from ledger.errors import UnknownSkaterError
from ledger.values import distinct_skater_id, plain_name, skater_id
from projections.leaderboard import leaderboard
from projections.results import result_of
from projections.state import LedgerState


def season_of(day: date) -> str:
    """2017-12-26 → "2017/18"; a season runs July to June."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


@attrs.frozen
class HistoryRow:
    race: str
    competition: str
    day: date
    distance_m: int
    rank: int | None
    status: str
    time_ms: int | None
    passings: tuple[tuple[int, int], ...]
    marks: tuple[str, ...]  # PB / SB as the result stood at its moment (ours, derived)
    published_marks: tuple[str, ...]  # what a published list printed beside it


@attrs.frozen
class History:
    skater: str
    rows: tuple[HistoryRow, ...]
    personal_bests: dict[int, int]
    season_bests: dict[str, dict[int, int]]


def history(state: LedgerState, name: str) -> History:
    sid = skater_id(name)
    info = state.skaters.get(sid)
    exact = distinct_skater_id(name)  # a skater registered with --new (docs/decisions/0016)
    if exact in state.skaters and (info is None or plain_name(info.name) != plain_name(name)):
        sid, info = exact, state.skaters[exact]
    if info is None:
        raise UnknownSkaterError(f"skater {name!r} is not registered")
    raced = sorted((s for s in state.races.values() if sid in s.entries),
                   key=lambda s: (s.day, s.key))
    rows: list[HistoryRow] = []
    pbs: dict[int, int] = {}
    sbs: dict[str, dict[int, int]] = {}
    for sheet in raced:
        result = result_of(sheet, sid)
        if result is None:
            continue
        ranks = {r.skater_id: r.rank for r in leaderboard(state, sheet.key).rows}
        marks = new_bests(pbs, sbs.setdefault(season_of(sheet.day), {}), sheet.distance_m,
                          result.time_ms if result.status == "OK" else None)
        passings = tuple((f.metres or 0, f.ms or 0) for f in sheet.passings(sid, result.attempt))
        published = tuple(m for f in sheet.live_facts(sid, frozenset({"marks"}))
                          for m in f.detail["marks"])
        rows.append(HistoryRow(sheet.key, sheet.competition, sheet.day, sheet.distance_m,
                               ranks.get(sid), result.status, result.time_ms, passings, marks,
                               published))
    return History(info.name, tuple(rows), pbs, sbs)


def new_bests(pbs: dict[int, int], sbs: dict[int, int], distance: int,
              ms: int | None) -> tuple[str, ...]:
    """Update the bests with a valid time and say which it improved (a first time counts)."""
    if ms is None:
        return ()
    marks = []
    if distance not in pbs or ms < pbs[distance]:
        pbs[distance] = ms
        marks.append("PB")
    if distance not in sbs or ms < sbs[distance]:
        sbs[distance] = ms
        marks.append("SB")
    return tuple(marks)
