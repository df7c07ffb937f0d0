"""The cups view: each cup race's points, kept as bitemporal rows in the store, so that ``cup``
answers from indexed lookups at the head and as of any position or known-at moment the views hold
(docs/decisions/0024-cup-standings-view.md, 0018-bitemporal-views.md).

The view ``cups`` holds one row per race of a competition in a cup (key ``cup/<cup>``, item the
race's key: its category, cup event, day, competition, the points of each competitor, and the
table that scored it or why none did), and one per competitor that scored in one (key
``competitor``, item its id: the name and nation its cup row shows). A fact of a cup race rewrites
that race's row; a competition joining a cup writes the rows of all its races; a registration
rewrites its skater's name row when it has one. The standings are then summed and ranked by the
same pure function as the fold's (:func:`projections.cup.standings_of`), so the answer read back
is the fold's, field for field (tests/laws/test_cup_view.py).

The points are those of the tables shipped (``projections/cup_tables``): a ``--table`` given to
``cup`` folds. The view keeps a digest of the shipped tables it scored with (key ``#tables``); a
reader whose shipped tables differ declines (the question folds) and ``views catch-up``
rebuilds.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from ledger.domain.competition import Competition
from ledger.domain.race import Race
from ledger.domain.race_state import RaceState
from ledger.domain.skater import Skater
from ledger.store.views import Change, ViewsRecorder
from projections.basis import Basis
from projections.cup import (
    CupRace,
    CupStandings,
    PointsTable,
    RacePoints,
    cup_event_of,
    cup_of,
    cup_standings,
    named_by,
    race_points,
    shipped_tables,
    standings_of,
    tables_by_season,
)
from projections.state import LedgerState
from projections.view_reading import DECLINED, UPSTREAM, Compared, Marking, items_of, put_row, rows_at

VIEW = "cups"
COMPETITOR = "competitor"
#: The key of the row holding the digest of the tables the view scored with.
TABLES = "#tables"

Tables = dict[tuple[str, str], PointsTable]


def kept_tables() -> Tables:
    """The tables the view scores with: the shipped ones (projections/cup_tables)."""
    return tables_by_season(shipped_tables())


def digest_of(tables: Tables) -> str:
    """A digest of ``tables``: a view scored with other tables does not answer."""
    text = json.dumps(sorted([t.series, t.season, t.source, sorted(
        [list(k), list(v)] for k, v in t.places.items()), sorted(t.unranked.items())]
        for t in tables.values()), separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def race_key(cup: str) -> str:
    return f"cup/{cup}"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def race_body(race: CupRace) -> str:
    scored = race.points
    table = [scored.table.series, scored.table.season] if scored.table is not None else None
    return dumps({"race": scored.race, "competition": scored.competition,
                  "category": race.category, "event": race.event, "day": race.day,
                  "points": {who.hex: p for who, p in scored.points.items()},
                  "table": table, "unscored": scored.unscored})


def race_from(body: str, tables: Tables) -> CupRace:
    d = json.loads(body)
    table = tables.get((d["table"][0], d["table"][1])) if d["table"] is not None else None
    points = {UUID(hex=who): p for who, p in d["points"].items()}
    return CupRace(d["category"], d["event"], d["day"],
                   RacePoints(d["race"], d["competition"], points, table, d["unscored"]))


def competitor_body(state: LedgerState, who: UUID) -> str:
    name, nation = named_by(state)(who)
    return dumps({"name": name, "nation": nation})


# -- keeping the view ------------------------------------------------------------------------------
class CupsKeeper:
    """Keeps the view ``cups`` (a keeper of :class:`projections.views.Views`)."""

    view = VIEW

    def __init__(self, held: dict[str, dict[str, str]], tables: Tables | None = None) -> None:
        self.held = held
        self.tables = kept_tables() if tables is None else tables
        self.marking = Marking()

    def before(self, state: LedgerState, event: Any) -> None:
        self.marking.begin(state.position)

    def after(self, state: LedgerState, event: Any, before: Any) -> list[Change]:
        found = self.marking.due(VIEW)
        if found:
            found += self.put(TABLES, "", dumps(digest_of(self.tables)))
        if isinstance(event, Race.Event):
            sheet = state.races.get(event.originator_id)
            if sheet is not None:
                found += self.race(state, sheet)
        elif isinstance(event, Competition.JoinedCup):
            for sheet in state.races.values():
                if sheet.competition_id == event.originator_id:
                    found += self.race(state, sheet)
        elif (isinstance(event, Skater.Registered)
              and event.originator_id.hex in self.held.get(COMPETITOR, {})):
            found += self.put(COMPETITOR, event.originator_id.hex,
                              competitor_body(state, event.originator_id))
        return found

    def race(self, state: LedgerState, sheet: RaceState) -> list[Change]:
        cup = cup_of(state, sheet)
        if cup is None:
            return []
        scored = CupRace(sheet.category, cup_event_of(sheet), sheet.day.isoformat(),
                         race_points(state, sheet, self.tables))
        found = self.put(race_key(cup), sheet.key, race_body(scored))
        for who in scored.points.points:
            if who.hex not in self.held.get(COMPETITOR, {}):
                found += self.put(COMPETITOR, who.hex, competitor_body(state, who))
        return found

    def put(self, key: str, item: str, body: str) -> list[Change]:
        return put_row(self.held, VIEW, key, item, body)


# -- reading ---------------------------------------------------------------------------------------
def scored_with(views: ViewsRecorder, tables: Tables) -> bool:
    """Whether the view was scored with ``tables`` (its digest row, as the views hold it now)."""
    tracked = views.max_tracking_id(UPSTREAM) or 0
    held = views.held_at(VIEW, TABLES, tracked)
    return bool(held) and json.loads(held[0].body) == digest_of(tables)


def view_standings(views: ViewsRecorder, basis: Basis, last: int, position: int, cup: str,
                   category: str | None = None, event: str | None = None,
                   tables: Tables | None = None) -> CupStandings | None:
    """The standings of ``cup`` as of ``basis`` from the view's rows (a few indexed lookups), or
    None when the view does not hold the basis (:func:`projections.view_reading.rows_at`) or
    scored with other tables. ``position``: the log position the basis answers as of."""
    tables = kept_tables() if tables is None else tables
    rows = rows_at(views, VIEW, basis, last)
    if rows is None or not scored_with(views, tables):
        return None
    races = sorted((race_from(body, tables) for body in items_of(rows(race_key(cup))).values()),
                   key=lambda r: (r.day, r.points.race))
    names = {UUID(hex=item): json.loads(body) for item, body in items_of(rows(COMPETITOR)).items()}

    def named(who: UUID) -> tuple[str, str | None]:
        found = names.get(who)
        return (found["name"], found["nation"]) if found else (str(who), None)

    return standings_of(cup, category, event, position, races, named)


# -- checking --------------------------------------------------------------------------------------
def check(views: ViewsRecorder, state: LedgerState, basis: Basis, last: int) -> Compared:
    """The view against the fold ``state`` (as of ``basis``): the standings of every cup."""
    tables = kept_tables()
    agreed = 0
    for cup in sorted({c.cup for c in state.competitions.values() if c.cup is not None}):
        found = view_standings(views, basis, last, state.position, cup, tables=tables)
        if found is None:
            return Compared(agreed, declined=DECLINED)
        fold = cup_standings(state, cup, tables)
        if found != fold:
            return Compared(agreed, difference=f"cup {cup}: {difference(found, fold)}")
        agreed += len(fold.rows) + len(fold.races)
    return Compared(agreed)


def difference(view: CupStandings, fold: CupStandings) -> str:
    for what in ("races", "rows"):
        mine, theirs = getattr(view, what), getattr(fold, what)
        for a, b in zip(mine, theirs, strict=False):
            if a != b:
                return f"{what}: the view has {a!r}, the fold {b!r}"
        if len(mine) != len(theirs):
            return f"the view has {len(mine)} {what}, the fold {len(theirs)}"
    return f"the view has {view!r}, the fold {fold!r}"
