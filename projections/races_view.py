"""The races and competitions view: what ``skate-ledger races`` lists, and what the board's index
and day pages need of the competitions, as bitemporal rows in the store
(docs/decisions/0018-bitemporal-views.md).

The view ``races`` holds one row per race (key ``race``, item the race's key: its key, day,
distance, category, label, discipline, competition, number of starters, whether it is official)
and one per competition (key ``competition``, item the competition's id: slug, name, venue, first
and last day). A race's row names its competition by id and a reader joins the two at the same basis, so a
competition's row changes without touching its races'. A fact rewrites at most one row, its race's
or its competition's, and only when the body changed (a passing changes neither). The answer read
back is the :class:`Catalogue` the fold gives, field for field (tests/laws/test_races_view.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.competition import Competition
from ledger.domain.race import Race
from ledger.domain.race_state import RaceState
from ledger.store.views import Change, ViewsRecorder
from projections.basis import Basis
from projections.state import CompetitionInfo, LedgerState
from projections.view_reading import (
    DECLINED,
    Compared,
    Marking,
    first_difference,
    items_of,
    put_row,
    rows_at,
)

VIEW = "races"
RACE = "race"
COMPETITION = "competition"


@attrs.frozen
class Listing:
    """A race as ``races`` lists it (design/interfaces.md, ``races --format json``)."""

    key: str
    competition: str  # the competition's name (its slug when the competition is not known)
    competition_slug: str
    venue: str | None
    date: str
    distance_m: int
    category: str
    label: str | None
    discipline: str
    starters: int
    official: bool


@attrs.frozen
class Catalogue:
    """The competitions, by first day and slug, and the races, by day and key."""

    competitions: tuple[CompetitionInfo, ...]
    races: tuple[Listing, ...]


def listing_of(sheet: RaceState, comp: CompetitionInfo | None) -> Listing:
    return Listing(sheet.key, comp.name if comp else sheet.competition, sheet.competition,
                   comp.venue if comp else None, sheet.day.isoformat(), sheet.distance_m,
                   sheet.category, sheet.label, sheet.discipline, len(sheet.entries),
                   sheet.official is not None)


def ordered(competitions: list[CompetitionInfo], races: list[Listing]) -> Catalogue:
    return Catalogue(tuple(sorted(competitions, key=lambda c: (c.first_day, c.slug, c.competition))),
                     tuple(sorted(races, key=lambda r: (r.date, r.key))))


def catalogue(state: LedgerState) -> Catalogue:
    """The fold's answer: every competition and race ``state`` holds."""
    races = [listing_of(s, state.competitions.get(s.competition_id)) for s in state.races.values()]
    return ordered(list(state.competitions.values()), races)


# -- rows ------------------------------------------------------------------------------------------
def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def race_body(sheet: RaceState) -> str:
    return dumps({"key": sheet.key, "competition_id": sheet.competition_id.hex,
                  "slug": sheet.competition, "date": sheet.day.isoformat(),
                  "distance_m": sheet.distance_m, "category": sheet.category, "label": sheet.label,
                  "discipline": sheet.discipline, "starters": len(sheet.entries),
                  "official": sheet.official is not None})


def competition_body(info: CompetitionInfo) -> str:
    """A competition's row; its cup only when it has one (decision 0022), so that the rows of a
    competition in no cup are as they were before cups."""
    body = {"competition": info.competition.hex, "slug": info.slug, "name": info.name,
            "venue": info.venue, "first_day": info.first_day, "last_day": info.last_day}
    return dumps(body if info.cup is None else {**body, "cup": info.cup})


def competition_from(body: str) -> CompetitionInfo:
    d = json.loads(body)
    return CompetitionInfo(UUID(hex=d["competition"]), d["slug"], d["name"], d["venue"],
                           d["first_day"], d["last_day"], d.get("cup"))


def listing_from(body: str, comps: dict[UUID, CompetitionInfo]) -> Listing:
    d = json.loads(body)
    comp = comps.get(UUID(hex=d["competition_id"]))
    return Listing(d["key"], comp.name if comp else d["slug"], d["slug"],
                   comp.venue if comp else None, d["date"], d["distance_m"], d["category"],
                   d["label"], d["discipline"], d["starters"], d["official"])


def catalogue_from(races: dict[str, str], competitions: dict[str, str]) -> Catalogue:
    """The catalogue the rows of one basis make."""
    comps = {info.competition: info for info in map(competition_from, competitions.values())}
    return ordered(list(comps.values()), [listing_from(body, comps) for body in races.values()])


def view_catalogue(views: ViewsRecorder, basis: Basis, last: int) -> Catalogue | None:
    """The catalogue as of ``basis`` from the view's rows (two indexed lookups), or None when the
    view does not hold the basis (:func:`projections.view_reading.rows_at`)."""
    rows = rows_at(views, VIEW, basis, last)
    if rows is None:
        return None
    return catalogue_from(items_of(rows(RACE)), items_of(rows(COMPETITION)))


# -- keeping the view ------------------------------------------------------------------------------
class RacesKeeper:
    """Keeps the view ``races`` (a keeper of :class:`projections.views.Views`): after a fact of a
    race, that race's row; after a competition is scheduled or joins a cup, its row; nothing after
    any other."""

    view = VIEW

    def __init__(self, held: dict[str, dict[str, str]]) -> None:
        self.held = held
        self.marking = Marking()

    def before(self, state: LedgerState, event: Any) -> None:
        self.marking.begin(state.position)

    def after(self, state: LedgerState, event: Any, before: Any) -> list[Change]:
        found = self.marking.due(VIEW)
        if isinstance(event, Race.Event):
            sheet = state.races.get(event.originator_id)
            if sheet is not None:
                found += self.put(RACE, sheet.key, race_body(sheet))
        elif isinstance(event, (Competition.Scheduled, Competition.JoinedCup)):
            info = state.competitions[event.originator_id]
            found += self.put(COMPETITION, info.competition.hex, competition_body(info))
        return found

    def put(self, key: str, item: str, body: str) -> list[Change]:
        return put_row(self.held, VIEW, key, item, body)


# -- checking --------------------------------------------------------------------------------------
def difference(view: Catalogue, fold: Catalogue) -> str | None:
    """The first way the view's catalogue differs from the fold's, in words (None: the same)."""
    return (listed_difference(view.competitions, fold.competitions, "competitions",
                              lambda c: f"competition {c.slug}")
            or listed_difference(view.races, fold.races, "races", lambda r: f"race {r.key}"))


def listed_difference(view: Sequence[Any], fold: Sequence[Any], what: str,
                      named: Callable[[Any], str]) -> str | None:
    """The first entry of two lists that differs, or their lengths, in words (None: the same)."""
    for mine, theirs in zip(view, fold, strict=False):
        differs = first_difference(mine, theirs, named(theirs))
        if differs is not None:
            return differs
    if len(view) != len(fold):
        return f"the view has {len(view)} {what}, the fold {len(fold)}"
    return None


def check(views: ViewsRecorder, state: LedgerState, basis: Basis, last: int) -> Compared:
    """The view against the fold ``state`` (as of ``basis``): every race and competition."""
    found = view_catalogue(views, basis, last)
    if found is None:
        return Compared(declined=DECLINED)
    fold = catalogue(state)
    differs = difference(found, fold)
    if differs is not None:
        return Compared(difference=differs)
    return Compared(agreed=len(fold.races) + len(fold.competitions))
