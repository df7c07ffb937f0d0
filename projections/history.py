"""A skater's history: every race with place, time, status and passings; the personal and season
bests the ledger has evidence of (a baseline, improved by later results: projections/marks.py; a
season runs July to June); the best valid time per distance the ledger holds (projections/bests.py),
which is not a PB; the marks each result had at its moment, derived and published kept apart.

Derived from the ledger, so a correction or a DQ that changes the past changes the history too.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import attrs

from ledger.domain.errors import UnknownSkaterError
from ledger.domain.kinds import FactKind
from ledger.domain.race_state import RaceState
from ledger.domain.record import season_of
from ledger.domain.values import distinct_skater_id, plain_name, skater_id
from projections.bests import ledger_bests
from projections.leaderboard import leaderboard
from projections.marks import Boards, Marks, derive_for
from projections.results import result_of
from projections.state import LedgerState, SkaterInfo


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
    marks: tuple[str, ...]  # PB, SB, records as the result stood at its moment (from evidence)
    published_marks: tuple[str, ...]  # what a published list printed beside it
    #: the team the skater raced for (a team pursuit, team sprint or mixed relay): the rank,
    #: status and time are the team's, never the skater's own, so they give no marks, no best
    #: and no point of a progression (docs/decisions/0025-world-cup-day-gaps.md)
    team: str | None = None


@attrs.frozen
class History:
    skater: str
    rows: tuple[HistoryRow, ...]
    personal_bests: dict[int, int]  # distance → PB, only where a baseline is known
    season_bests: dict[str, dict[int, int]]  # season → distance → SB, likewise
    ledger_bests: dict[int, int] = attrs.Factory(dict)  # distance → best valid time held (not a PB)


def history(state: LedgerState, name: str, found: Marks | None = None) -> History:
    sid = skater_id(name)
    info = state.skaters.get(sid)
    exact = distinct_skater_id(name)  # a skater registered with --new (docs/decisions/0016)
    if exact in state.skaters and (info is None or plain_name(info.name) != plain_name(name)):
        sid, info = exact, state.skaters[exact]
    if info is None:
        raise UnknownSkaterError(f"skater {name!r} is not registered")
    return history_of(state, info, found)


def history_of(state: LedgerState, info: SkaterInfo, found: Marks | None = None,
               boards: Boards = leaderboard) -> History:
    """The history of a registered skater (``history`` finds them by name); ``boards``: where the
    races' leaderboards come from (drawn afresh by default)."""
    sid = info.skater
    raced = sorted((s for s in state.races.values() if sid in s.entries),
                   key=lambda s: (s.day, s.key))
    found = found or derive_for(state, raced, boards)
    rows: list[HistoryRow] = []
    for sheet in raced:
        result = result_of(sheet, sid)
        if result is None:
            continue
        ranks = {r.skater_id: r.rank for r in boards(state, sheet.key).rows}
        passings = tuple((f.metres or 0, f.ms or 0) for f in sheet.passings(sid, result.attempt))
        published = tuple(m for f in sheet.live_facts(sid, frozenset({FactKind.MARKS}))
                          for m in f.detail["marks"])
        rows.append(HistoryRow(sheet.key, sheet.competition, sheet.day, sheet.distance_m,
                               ranks.get(sid), result.status, result.time_ms, passings,
                               found.derived.get((sheet.key, sid), ()), published))
    rows += [row for sheet in state.races.values()
             if (row := team_row(state, sheet, sid, boards)) is not None]
    rows.sort(key=lambda r: (r.day, r.race))
    pbs = {d: ms for (s, d), ms in found.personal_bests.items() if s == sid}
    sbs: dict[str, dict[int, int]] = {}
    for (s, season, d), ms in found.season_bests.items():
        if s == sid:
            sbs.setdefault(season, {})[d] = ms
    return History(info.name, tuple(rows), pbs, sbs, ledger_bests(state, sid, raced))


def team_of(sheet: RaceState, sid: UUID) -> UUID | None:
    """The team the skater is a named member of in this race (None: none; an entrant races for
    themself)."""
    if sid in sheet.entries:
        return None
    return next((team for team, members in sheet.team_members.items() if sid in members), None)


def team_row(state: LedgerState, sheet: RaceState, sid: UUID,
             boards: Boards = leaderboard) -> HistoryRow | None:
    """A team member's row of a team race: the team's rank, status and time as the lists show
    them beside each member, the marks published beside the member, no passings and no derived
    marks (the team's times are not the member's); None when the skater raced for no team there,
    or the team has no result."""
    team = team_of(sheet, sid)
    result = result_of(sheet, team) if team is not None else None
    if team is None or result is None:
        return None
    ranks = {r.skater_id: r.rank for r in boards(state, sheet.key).rows}
    info = state.skaters.get(team)
    return HistoryRow(sheet.key, sheet.competition, sheet.day, sheet.distance_m, ranks.get(team),
                      result.status, result.time_ms, (), (), published_of(sheet, sid),
                      info.name if info is not None else None)


def published_of(sheet: RaceState, sid: UUID) -> tuple[str, ...]:
    return tuple(m for f in sheet.live_facts(sid, frozenset({FactKind.MARKS}))
                 for m in f.detail["marks"])


@attrs.frozen
class Progression:
    """A skater's valid times at one distance, in the order raced, and the fastest and slowest."""

    distance_m: int
    points: tuple[tuple[date, int], ...]  # (day, time)
    best_ms: int
    worst_ms: int


def progression(found: History) -> list[Progression]:
    """Per distance (shortest first) where the history holds a valid time: the valid times by date."""
    series = []
    for distance in sorted({r.distance_m for r in found.rows}):
        points = tuple((r.day, r.time_ms) for r in found.rows
                       if r.distance_m == distance and r.status == "OK" and r.time_ms is not None
                       and r.team is None)
        if points:
            times = [t for _, t in points]
            series.append(Progression(distance, points, min(times), max(times)))
    return series


__all__ = ["History", "HistoryRow", "Progression", "history", "history_of", "progression", "season_of",
           "team_of", "team_row"]
