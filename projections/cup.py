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
the table says nothing. Equal totals share a cup rank: the tie-break of the regulations was not
found, so none is applied (decisions 0022, 0024).

A race counts for the cup event of its distance, except the long distances, which make one cup
each as the ISU World Cup awards them: the women's 3000 and 5000 m (``3000-5000``) and the men's
5000 and 10000 m (``5000-10000``); a mass start or a team race counts for its discipline's cup.
The standings are summed by one pure function (:func:`standings_of`) from the scored races, the
fold's (:func:`cup_standings`) and the cups view's (projections/cup_view.py) alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
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
#: The most points a place may score in a table (a sanity bound, not a regulation's number).
MAX_POINTS = 9999
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
        kind = dict if field == "places" else str  # the places an object, the rest text
        if not isinstance(data.get(field), kind) or not data.get(field):
            raise InvalidInputError(f"{name}: the points table has no {field!r} "
                                    f"({'an object' if kind is dict else 'text'})")
    if not re.fullmatch(r"[0-9]{4}/[0-9]{2}", data["season"]):
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
                    or not all(type(p) is int and 0 <= p <= MAX_POINTS for p in points)
                    or any(a < b for a, b in pairwise(points))):
                raise InvalidInputError(f"{name}: {division} {kind}: the points per place are "
                                        f"whole numbers, 0 or more (at most {MAX_POINTS}), never rising")
            places[(division, kind)] = tuple(points)
    unranked = data.get("unranked", {})
    if not isinstance(unranked, dict) or not all(
            s in {"DNF", "DQ", "DNS", "WDR"} and type(p) is int and 0 <= p <= MAX_POINTS
            for s, p in unranked.items()):
        raise InvalidInputError(f"{name}: 'unranked' maps DNF, DQ, DNS or WDR to points")
    return PointsTable(data["series"], data["season"], data["source"], places, unranked)


def read_table(path: Path) -> PointsTable:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot be read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{path}: not a points table (not UTF-8 text)") from None
    try:
        return table_from(str(path), json.loads(text))
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"{path}: line {e.lineno}: not JSON ({e.msg})") from None
    except RecursionError:
        raise InvalidInputError(f"{path}: not a points table (JSON nested too deep)") from None


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


#: The combined long-distance cups (women 3000/5000 m, men 5000/10000 m: one cup each, as the
#: ISU World Cup awards them): category → distances → the cup event they count for.
LONG: Mapping[str, tuple[frozenset[int], str]] = {
    "women": (frozenset({3000, 5000}), "3000-5000"),
    "men": (frozenset({5000, 10000}), "5000-10000"),
}
#: ``--distance long``: the combined long-distance cup of each category.
LONG_EVENT = "long"


def event_of(sheet: RaceState) -> str:
    """A race's event: its distance, or its discipline when not individual (what the SOQC ranks
    by, branch soqc; a cup counts :func:`cup_event_of`)."""
    return str(sheet.distance_m) if sheet.discipline == "individual" else sheet.discipline


def cup_event_of(sheet: RaceState) -> str:
    """The cup event a race counts for: its event (:func:`event_of`), except the long distances,
    which count for the combined cup of their category (the women's 3000 and 5000 m, the men's
    5000 and 10000 m)."""
    event = event_of(sheet)
    if sheet.discipline != "individual":
        return event
    distances, combined = LONG.get(sheet.category, (frozenset(), ""))
    return combined if sheet.distance_m in distances else event


def event_matches(asked: str | None, event: str) -> bool:
    """Whether the cup event ``event`` is the one ``--distance`` asked for: the same event, any
    combined long-distance cup for ``long``, or the combined cup a distance asked counts in
    (``5000``: the women's 3000-5000 and the men's 5000-10000)."""
    if asked is None or asked == event:
        return True
    combined = {name: distances for distances, name in LONG.values()}
    if asked == LONG_EVENT:
        return event in combined
    return asked.isdigit() and int(asked) in combined.get(event, frozenset())


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


@attrs.frozen
class CupRace:
    """A race of a cup as its standings read it: its category, cup event and day, and its points."""

    category: str
    event: str
    day: str
    points: RacePoints


#: A competitor → the name and nation its cup row shows.
Named = Callable[[UUID], tuple[str, str | None]]


def cup_races(state: LedgerState, cup: str,
              tables: Mapping[tuple[str, str], PointsTable]) -> list[CupRace]:
    """Every race of every competition of ``cup``, scored, by day and key."""
    sheets = sorted((s for s in state.races.values() if cup_of(state, s) == cup),
                    key=lambda s: (s.day, s.key))
    return [CupRace(s.category, cup_event_of(s), s.day.isoformat(), race_points(state, s, tables))
            for s in sheets]


def named_by(state: LedgerState) -> Named:
    def named(who: UUID) -> tuple[str, str | None]:
        info = state.skaters.get(who)
        return state.name_of(who), info.nation if info else None
    return named


def cup_standings(state: LedgerState, cup: str, tables: Mapping[tuple[str, str], PointsTable],
                  category: str | None = None, event: str | None = None) -> CupStandings:
    """The standings of ``cup`` as the state holds them: one ranking per category and event (the
    distance, the combined long distance, or the discipline), or only the one asked for
    (:func:`event_matches`).

    Every race of every competition of the cup counts; a competitor's total is the sum of its
    points, a competitor with none is not listed. Equal totals share a rank and the next rank is
    skipped; ties are listed by name."""
    return standings_of(cup, category, event, state.position, cup_races(state, cup, tables),
                        named_by(state))


def standings_of(cup: str, category: str | None, event: str | None, position: int,
                 races: Sequence[CupRace], named: Named) -> CupStandings:
    """The standings the scored races of a cup make (in day and key order): the fold's
    (:func:`cup_standings`) and the cups view's (projections/cup_view.py) alike."""
    chosen = [r for r in races if (category is None or r.category == category)
              and event_matches(event, r.event)]
    totals: dict[tuple[str, str], dict[UUID, dict[str, int]]] = {}
    for race in chosen:
        group = totals.setdefault((race.category, race.event), {})
        for who, points in race.points.points.items():
            per = group.setdefault(who, {})
            competition = race.points.competition
            per[competition] = per.get(competition, 0) + points
    rows: list[CupRow] = []
    for (cat, ev), group in sorted(totals.items(), key=lambda g: (g[0][0], event_order(g[0][1]))):
        rows.extend(ranked_by(named, cat, ev, group))
    return CupStandings(cup, category, event, position, tuple(r.points for r in chosen),
                        tuple(rows))


def event_order(event: str) -> tuple[int, str]:
    """Distances shortest first (a combined cup by its first distance), then the disciplines."""
    first = event.split("-", 1)[0]
    return (int(first), event) if first.isdigit() else (1 << 30, event)


def ranked(state: LedgerState, category: str, event: str,
           group: Mapping[UUID, Mapping[str, int]]) -> list[CupRow]:
    """The cup rows of one category and event, named as ``state`` names them."""
    return ranked_by(named_by(state), category, event, group)


def ranked_by(named: Named, category: str, event: str,
              group: Mapping[UUID, Mapping[str, int]]) -> list[CupRow]:
    """The cup rows of one category and event: by total, equal totals sharing a rank (the next
    skipped: no tie-break is applied, decision 0024), ties listed by name."""
    totals = {who: sum(per.values()) for who, per in group.items()}
    names = {who: named(who) for who in group}
    order = sorted((w for w in group if totals[w] > 0),
                   key=lambda w: (-totals[w], names[w][0].casefold()))
    rows: list[CupRow] = []
    for index, who in enumerate(order):
        rank = rows[-1].rank if rows and rows[-1].total == totals[who] else index + 1
        name, nation = names[who]
        rows.append(CupRow(category, event, rank, who, name, nation, dict(group[who]),
                           totals[who]))
    return rows
