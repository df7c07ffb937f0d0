"""The index view: which races and skaters a cross-race question must read (issue 14, item 2;
docs/decisions/0018-bitemporal-views.md, "Cross-race questions read only the races they name").

Qualification, classification and the regional report answer from a
:class:`~projections.state.LedgerState`. They read only some races of it: a competition's (a
qualification rule), the races named (a classification), the races of the chosen skaters (the
report). This view says which, so that :mod:`projections.scoped` can fold only those races' own
streams (and the names they show) instead of the whole log. It holds no answer, only who is
where; the answer is still the pure function's over the fold of those streams, so it cannot
drift from the fold's.

Rows of the view ``index`` (bodies are JSON; every body carries ``at``, the position of the fact
that opened the row, which is also its ``from_pos``):

- ``competition/<slug>``: one row per race of the competition (item: the race's key), opened by
  its ``Race.Scheduled``;
- ``skater/<id>``: one row per race the skater was entered in (item: the race's key; the body
  also holds the race's competition and day, what the report filters on), opened by the fact
  that entered or drew the skater;
- ``hometown/<x>``, ``club/<x>``, ``nation/<x>``: one row per skater registered with it (item:
  the skater's id), opened by ``Skater.Registered``;
  a field recorded sealed (docs/decisions/0029) is never a key: the skater has a row in
  ``sealed/`` instead (item: her id), opened by the registration or the fact that sealed it;
- ``kept/`` (item ``since``): the position of the first fact the keeper took in. The index is
  complete only when that is the log's first fact (views built before this view existed and
  then caught up lack the facts before it: the reader folds instead).

Nothing a race or a registration says is ever undone (entries are never removed, a race is never
unscheduled, a registration is made once), so no row is ever closed: as of position p the rows
opened at or before p are a superset of what any basis up to p holds, and the open rows are a
superset for any known-at moment (the fold of those streams then decides, fact by fact, by the
rule of the whole fold).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.race import Race
from ledger.domain.skater import Skater
from ledger.store.views import Change, Held
from projections.state import LedgerState

VIEW = "index"
KEPT = "kept/"
#: The skaters whose personal fields are sealed (one row each, item: the skater's id).
SEALED_KEY = "sealed/"
SINCE = "since"
#: The registration fields a report chooses skaters by (projections.report.Choice).
CHOSEN_BY = ("hometown", "club", "nation")

Items = dict[str, str]  # item → body


def competition_key(slug: str) -> str:
    return f"competition/{slug}"


def skater_key(skater: UUID) -> str:
    return f"skater/{skater.hex}"


def chosen_key(field: str, value: str) -> str:
    return f"{field}/{value}"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@attrs.frozen
class RaceAt:
    """A race the index names: its key, where its row opened, and (for a skater's races) the
    race's competition and day."""

    key: str
    at: int
    competition: str | None = None
    day: str | None = None


def races_from(held: Iterable[Held]) -> list[RaceAt]:
    """The races of a ``competition/`` or ``skater/`` key's rows, in the order they were opened."""
    found = []
    for h in held:
        body = json.loads(h.body)
        found.append(RaceAt(h.item, body["at"], body.get("competition"), body.get("day")))
    return sorted(found, key=lambda r: (r.at, r.key))


def skaters_from(held: Iterable[Held]) -> set[UUID]:
    """The skaters of a ``hometown/``, ``club/`` or ``nation/`` key's rows."""
    return {UUID(h.item) for h in held}


def since_of(held: Iterable[Held]) -> int | None:
    """The first position the keeper took in (None: the view was never kept)."""
    return next((int(json.loads(h.body)["at"]) for h in held if h.item == SINCE), None)


# -- keeping the view ----------------------------------------------------------------------------
def race_changes(state: LedgerState, event: Any, entered_before: int) -> list[Change]:
    """The rows a race's fact (just folded into ``state``) opens: the race in its competition
    when scheduled; the race among each skater's races for the entries it added (entries are
    only ever added, at the end of the sheet's dict, so the new ones follow the old count)."""
    sheet = state.races.get(event.originator_id)
    if sheet is None:
        return []
    at = state.position
    if isinstance(event, Race.Scheduled):
        return [Change(VIEW, competition_key(sheet.competition), sheet.key, dumps({"at": at}))]
    body = dumps({"at": at, "competition": sheet.competition, "day": sheet.day.isoformat()})
    return [Change(VIEW, skater_key(sid), sheet.key, body)
            for sid in islice(sheet.entries, entered_before, None)]


def registration_changes(state: LedgerState,
                         event: Skater.Registered | Skater.PersonalDataSealed) -> list[Change]:
    """A registration's rows: by each field held in clear; a sealed field is never a key here
    (the view would hold it in clear): the skater is among the ``sealed/`` ones instead, whom
    the reader asks with the master key (docs/decisions/0029)."""
    body = dumps({"at": state.position})
    sealed = getattr(event, "sealed", None) or {}
    found = [Change(VIEW, SEALED_KEY, event.originator_id.hex, body)] if sealed else []
    if isinstance(event, Skater.PersonalDataSealed):
        return found
    return [*found, *(Change(VIEW, chosen_key(field, value), event.originator_id.hex, body)
                      for field in CHOSEN_BY if field not in sealed
                      and (value := getattr(event, field, None)) is not None)]


class IndexKeeper:
    """Keeps the view ``index`` (a keeper of :class:`projections.views.Views`): before a race's
    fact, how many entries its race had; after, the rows it opens.

    It holds no copy of its rows: each row is opened by one fact only (a race is scheduled once,
    a skater entered in a race once, a registration made once), so there is nothing to compare
    with, and the projection's memory does not grow with the index. Were a row opened again, the
    earlier version would hold up to that fact and the new one after it: still a superset at
    every position."""

    view = VIEW

    def __init__(self, held: dict[str, Items]) -> None:
        self.kept = KEPT in held  # whether the row saying since when the index is kept is open

    def before(self, state: LedgerState, event: Any) -> int:
        if isinstance(event, Race.Event) and event.originator_id in state.races:
            return len(state.races[event.originator_id].entries)
        return 0

    def after(self, state: LedgerState, event: Any, before: Any) -> list[Change]:
        found: list[Change] = []
        if not self.kept:
            found.append(Change(VIEW, KEPT, SINCE, dumps({"at": state.position})))
            self.kept = True
        if isinstance(event, Race.Event):
            found += race_changes(state, event, before)
        elif isinstance(event, Skater.Registered | Skater.PersonalDataSealed):
            found += registration_changes(state, event)
        return found
