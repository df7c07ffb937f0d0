"""Cup points and cup standings: a pure projection over the fold (docs/decisions/0022-cup-points.md).

A competition counts for a cup (``Competition.JoinedCup``). Each race of it scores its final places
through a points table: data, one file per series and season (``projections/cup_tables/``, or a
path given with ``--table``), holding a list of points per place for each division (a race labelled
"Division B" is B, every other race A) and event kind (individual, mass start, team), and naming its
source. The table is chosen by the cup's series (its name without the season: ``world-cup`` of
``world-cup-2025-26``) and the race's season (July to June). A race without a table scores nothing
and is listed as unscored with the reason: points are never guessed.

Shared places share points: a place is the race's rank (equal at full precision share a rank, the
next is skipped), and each skater of a shared place gets the points of that place. A result
without a rank (DNF, DQ, DNS, WDR) scores what the table's ``unranked`` says for its status, 0 when
the table says nothing. Equal totals share a cup rank: the tie-break of the regulations is not in
any table shipped, so none is applied (decision 0022).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.errors import InvalidInputError
from ledger.domain.race_state import RaceState
from ledger.domain.record import season_of
from projections.leaderboard import Row, leaderboard
from projections.state import LedgerState

TABLES_PACKAGE = "projections.cup_tables"
DIVISIONS = ("A", "B")
KINDS = ("individual", "mass-start", "team")
#: The team disciplines (ledger.domain.timing.DISCIPLINES): the team is the competitor.
TEAM_DISCIPLINES = frozenset({"team-pursuit", "team-sprint", "mixed-relay"})
#: ``world-cup-2025-26`` → series ``world-cup``: a cup's name ends in its season.
CUP_SEASON = re.compile(r"^(?P<series>.+?)-\d{4}-\d{2}$")


@attrs.frozen
class PointsTable:
    """The points per place of one series and season, as its source gives them."""

    series: str
    season: str
    source: str
    #: (division, kind) → points of place 1, 2, …; a place past the end scores 0
    places: Mapping[tuple[str, str], tuple[int, ...]]
    #: a status without a rank (DNF, DQ, DNS, WDR) → its points; a status not named scores 0
    unranked: Mapping[str, int] = attrs.field(factory=dict)

    def points(self, division: str, kind: str, rank: int | None, status: str) -> int | None:
        """The points of a result; None when the table has no list for this division and kind."""
        listed = self.places.get((division, kind))
        if listed is None:
            return None
        if rank is None:
            return self.unranked.get(status, 0)
        return listed[rank - 1] if rank <= len(listed) else 0


def table_from(name: str, data: Any) -> PointsTable:
    """A points table from its JSON; a malformed one is refused with one line naming ``name``."""
    if not isinstance(data, dict):
        raise InvalidInputError(f"{name}: a points table is a JSON object")
    for field in ("series", "season", "source", "places"):
        if not isinstance(data.get(field), (str, dict)) or not data.get(field):
            raise InvalidInputError(f"{name}: the points table has no {field!r}")
    if not re.fullmatch(r"\d{4}/\d{2}", data["season"]):
        raise InvalidInputError(f"{name}: season {data['season']!r} is not like 2025/26")
    places: dict[tuple[str, str], tuple[int, ...]] = {}
    for division, kinds in data["places"].items():
        if division not in DIVISIONS or not isinstance(kinds, dict):
            raise InvalidInputError(f"{name}: division {division!r} is not A or B")
        for kind, points in kinds.items():
            if kind not in KINDS:
                raise InvalidInputError(f"{name}: event kind {kind!r} is not one of "
                                        f"{', '.join(KINDS)}")
            if (not isinstance(points, list) or not points
                    or not all(isinstance(p, int) and p >= 0 for p in points)
                    or any(a < b for a, b in pairwise(points))):
                raise InvalidInputError(f"{name}: {division} {kind}: the points per place are "
                                        f"whole numbers, 0 or more, never rising")
            places[(division, kind)] = tuple(points)
    unranked = data.get("unranked", {})
    if not isinstance(unranked, dict) or not all(
            s in {"DNF", "DQ", "DNS", "WDR"} and isinstance(p, int) and p >= 0
            for s, p in unranked.items()):
        raise InvalidInputError(f"{name}: 'unranked' maps DNF, DQ, DNS or WDR to points")
    return PointsTable(data["series"], data["season"], data["source"], places, unranked)


def read_table(path: Path) -> PointsTable:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        return table_from(str(path), json.loads(text))
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"{path}: line {e.lineno}: not JSON ({e.msg})") from None


def shipped_tables() -> list[PointsTable]:
    """The tables shipped with the ledger (projections/cup_tables/*.json)."""
    found = resources.files(TABLES_PACKAGE)
    return [table_from(f"cup_tables/{p.name}", json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(found.iterdir(), key=lambda p: p.name) if p.name.endswith(".json")]


def tables_by_season(tables: Iterable[PointsTable]) -> dict[tuple[str, str], PointsTable]:
    """(series, season) → table; a table given later (``--table``) replaces a shipped one."""
    return {(t.series, t.season): t for t in tables}


def series_of(cup: str) -> str:
    found = CUP_SEASON.match(cup)
    return found["series"] if found else cup


def division_of(sheet: RaceState) -> str:
    """The division a race's label names: "Division B" is B; no label, or "Division A", is A."""
    return "B" if (sheet.label or "").strip().lower() == "division b" else "A"


def kind_of(sheet: RaceState) -> str:
    if sheet.discipline == "mass-start":
        return "mass-start"
    return "team" if sheet.discipline in TEAM_DISCIPLINES else "individual"


def cup_of(state: LedgerState, sheet: RaceState) -> str | None:
    info = state.competitions.get(sheet.competition_id)
    return info.cup if info else None


@attrs.frozen
class RacePoints:
    """One race's cup points, or why it has none (``unscored``)."""

    race: str
    competition: str
    points: Mapping[UUID, int]
    table: PointsTable | None
    unscored: str | None = None


def race_points(state: LedgerState, sheet: RaceState,
                tables: Mapping[tuple[str, str], PointsTable],
                rows: Sequence[Row] | None = None) -> RacePoints:
    """The cup points of every result of ``sheet`` (its final leaderboard unless ``rows``)."""
    cup = cup_of(state, sheet)
    if cup is None:
        return RacePoints(sheet.key, sheet.competition, {}, None, "the competition is in no cup")
    season, division, kind = season_of(sheet.day), division_of(sheet), kind_of(sheet)
    table = tables.get((series_of(cup), season))
    if table is None:
        return RacePoints(sheet.key, sheet.competition, {}, None,
                          f"no points table of {series_of(cup)} {season} in the ledger")
    if (division, kind) not in table.places:
        return RacePoints(sheet.key, sheet.competition, {}, table,
                          f"the table of {table.series} {season} has no Division {division} "
                          f"{kind} points")
    rows = rows if rows is not None else leaderboard(state, sheet.key).rows
    scored = {}
    for row in rows:
        points = table.points(division, kind, row.rank, row.status)
        if points is not None:
            scored[row.skater_id] = points
    return RacePoints(sheet.key, sheet.competition, scored, table)


def event_of(sheet: RaceState) -> str:
    """The cup event a race counts for: its distance, or its discipline when not individual."""
    return str(sheet.distance_m) if sheet.discipline == "individual" else sheet.discipline


@attrs.frozen
class CupRow:
    category: str
    event: str
    rank: int
    competitor: UUID
    name: str
    nation: str | None
    #: competition slug → points there (the sum of its races of this event)
    per_competition: Mapping[str, int]
    total: int


@attrs.frozen
class CupStandings:
    cup: str
    category: str | None
    event: str | None
    position: int
    races: tuple[RacePoints, ...]
    rows: tuple[CupRow, ...]


def cup_standings(state: LedgerState, cup: str, tables: Mapping[tuple[str, str], PointsTable],
                  category: str | None = None, event: str | None = None) -> CupStandings:
    """The standings of ``cup`` as the state holds them: one ranking per category and event (the
    distance, or the discipline), or only the one asked for.

    Every race of every competition of the cup counts; a competitor's total is the sum of its
    points, a competitor with none is not listed. Equal totals share a rank and the next rank is
    skipped; ties are listed by name."""
    sheets = sorted((s for s in state.races.values()
                     if cup_of(state, s) == cup and (category is None or s.category == category)
                     and (event is None or event_of(s) == event)),
                    key=lambda s: (s.day, s.key))
    scored = [race_points(state, s, tables) for s in sheets]
    totals: dict[tuple[str, str], dict[UUID, dict[str, int]]] = {}
    for sheet, race in zip(sheets, scored, strict=True):
        group = totals.setdefault((sheet.category, event_of(sheet)), {})
        for who, points in race.points.items():
            per = group.setdefault(who, {})
            per[race.competition] = per.get(race.competition, 0) + points
    rows: list[CupRow] = []
    for (cat, ev), group in sorted(totals.items(), key=lambda g: (g[0][0], event_order(g[0][1]))):
        rows.extend(ranked(state, cat, ev, group))
    return CupStandings(cup, category, event, state.position, tuple(scored), tuple(rows))


def event_order(event: str) -> tuple[int, str]:
    """Distances shortest first, then the disciplines."""
    return (int(event), "") if event.isdigit() else (1 << 30, event)


def ranked(state: LedgerState, category: str, event: str,
           group: Mapping[UUID, Mapping[str, int]]) -> list[CupRow]:
    totals = {who: sum(per.values()) for who, per in group.items()}
    order = sorted((w for w in group if totals[w] > 0),
                   key=lambda w: (-totals[w], state.name_of(w).casefold()))
    rows: list[CupRow] = []
    for index, who in enumerate(order):
        rank = rows[-1].rank if rows and rows[-1].total == totals[who] else index + 1
        info = state.skaters.get(who)
        rows.append(CupRow(category, event, rank, who, state.name_of(who),
                           info.nation if info else None, dict(group[who]), totals[who]))
    return rows
