"""The skater histories view: what ``skate-ledger history SKATER`` answers, as bitemporal rows in
the store (docs/decisions/0018-bitemporal-views.md).

A skater's history is kept as rows of the view ``history`` keyed by the skater's id: one row
``""`` (the name, the personal and season bests, the ledger's bests) and one row per race with a
result (keyed by the race's key). Each fact of the log recomputes the histories it can change
(:func:`touched`: the race's entrants, and the skaters of later races of its distance and category
when a record table bears on them), and a row is closed and opened again only when its body
changed. The answer read back is the :class:`projections.history.History` the fold gives, field
for field (a law checks it: tests/laws/test_history_view.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.competition import Competition
from ledger.domain.errors import UnknownSkaterError
from ledger.domain.race import Race
from ledger.domain.record import Record
from ledger.domain.skater import Skater
from ledger.domain.values import distinct_skater_id, plain_name, skater_id
from ledger.store.views import Change, Held
from projections.history import History, HistoryRow, history_of
from projections.leaderboard import Leaderboard, leaderboard
from projections.marks import Boards
from projections.state import LedgerState

VIEW = "history"
SUMMARY = ""  # the item of the skater-level row (races are keyed by their key, never empty)

Items = dict[str, str]  # item → body


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def items_of(found: History) -> Items:
    """The rows of a history: its summary and one per race."""
    items = {SUMMARY: dumps({
        "skater": found.skater, "pbs": list(found.personal_bests.items()),
        "sbs": [[season, list(bests.items())] for season, bests in found.season_bests.items()],
        "bests": list(found.ledger_bests.items())})}
    for row in found.rows:
        items[row.race] = dumps({
            "race": row.race, "competition": row.competition, "day": row.day.isoformat(),
            "distance_m": row.distance_m, "rank": row.rank, "status": row.status,
            "time_ms": row.time_ms, "passings": row.passings, "marks": row.marks,
            "published": row.published_marks})
    return items


class KeptBoards:
    """The races' leaderboards kept between facts: a race's is drawn again only after a fact of
    that race, and all of them after any other fact the fold takes in (names, venues, records)."""

    def __init__(self) -> None:
        self.kept: dict[str, Leaderboard] = {}

    def __call__(self, state: LedgerState, key: str) -> Leaderboard:
        found = self.kept.get(key)
        if found is None:
            found = self.kept[key] = leaderboard(state, key)
        return found

    def forget(self, state: LedgerState, event: Any) -> None:
        """Drop what ``event`` (just folded into ``state``) may have changed."""
        if isinstance(event, Race.Event):
            self.kept.pop(state.races[event.originator_id].key, None)
        else:
            self.kept.clear()


def history_items(state: LedgerState, sid: UUID, boards: Boards = leaderboard) -> Items:
    """The rows of a skater's history as ``state`` holds it (none: not registered)."""
    info = state.skaters.get(sid)
    return {} if info is None else items_of(history_of(state, info, boards=boards))


def row_of(body: str) -> HistoryRow:
    d = json.loads(body)
    return HistoryRow(d["race"], d["competition"], date.fromisoformat(d["day"]), d["distance_m"],
                      d["rank"], d["status"], d["time_ms"], tuple((m, ms) for m, ms in d["passings"]),
                      tuple(d["marks"]), tuple(d["published"]))


def history_from(held: Iterable[Held]) -> History | None:
    """The history the rows of one skater make (None: no summary row, not registered)."""
    summary, rows = None, []
    for h in held:
        if h.item == SUMMARY:
            summary = json.loads(h.body)
        else:
            rows.append(row_of(h.body))
    if summary is None:
        return None
    rows.sort(key=lambda r: (r.day, r.race))
    return History(summary["skater"], tuple(rows), dict(summary["pbs"]),
                   {season: dict(bests) for season, bests in summary["sbs"]}, dict(summary["bests"]))


def resolved(name: str, mine: History | None, exact: History | None) -> History:
    """The history ``name`` finds, as :func:`projections.history.history` finds its skater: the
    skater registered with ``--new`` under the exact name when the usual one is someone else."""
    if exact is not None and (mine is None or plain_name(mine.skater) != plain_name(name)):
        return exact
    if mine is None:
        raise UnknownSkaterError(f"skater {name!r} is not registered")
    return mine


def keys_of(name: str) -> tuple[str, str]:
    """The view keys ``name`` may find: the usual id and the exact name's id."""
    return skater_id(name).hex, distinct_skater_id(name).hex


# -- keeping the view ----------------------------------------------------------------------------
def group_races(state: LedgerState, groups: set[tuple[int, str]], since: date) -> set[UUID]:
    """The entrants of the races of these (distance, category) groups skated on or after ``since``."""
    found: set[UUID] = set()
    for sheet in state.races.values():
        if (sheet.distance_m, sheet.category) in groups and sheet.day >= since:
            found |= sheet.entries.keys()
    return found


def with_records(state: LedgerState, groups: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """The groups a record table line bears on (only there do others' results change a mark)."""
    held = {(r.distance_m, r.category) for r in state.records.values()}
    return groups & held


def race_touches(state: LedgerState, before: set[UUID], rid: UUID) -> set[UUID]:
    sheet = state.races[rid]
    found = before | sheet.entries.keys()
    groups = with_records(state, {(sheet.distance_m, sheet.category)})
    return found | group_races(state, groups, sheet.day) if groups else found


def skaters_touches(state: LedgerState, skaters: set[UUID]) -> set[UUID]:
    """These skaters, and when a record table bears on their races, the skaters of those groups."""
    raced = [s for s in state.races.values() if skaters & s.entries.keys()]
    groups = with_records(state, {(s.distance_m, s.category) for s in raced})
    if not groups:
        return set(skaters)
    return skaters | group_races(state, groups, min(s.day for s in raced))


def touched(state: LedgerState, event: Any, before: set[UUID]) -> set[UUID]:
    """The skaters whose history ``event`` (just folded into ``state``) may have changed;
    ``before``: the entrants of its race before it. Errs on the side of more."""
    if isinstance(event, Race.Event):
        return race_touches(state, before, event.originator_id)
    if isinstance(event, Skater.Registered):
        return skaters_touches(state, {event.originator_id})
    if isinstance(event, Competition.Scheduled):
        entrants = {sid for s in state.races.values() if s.competition_id == event.originator_id
                    for sid in s.entries}
        return skaters_touches(state, entrants)
    if isinstance(event, Record.Stood):
        return group_races(state, {(event.distance_m, event.category)}, date.min)
    return set()  # the fold takes nothing else in (an alias note): no history changes


def entrants_before(state: LedgerState, event: Any) -> set[UUID]:
    """The entrants of the race ``event`` belongs to, before it is folded."""
    if isinstance(event, Race.Event) and event.originator_id in state.races:
        return set(state.races[event.originator_id].entries)
    return set()


def changes(held: dict[str, Items], state: LedgerState, skaters: Iterable[UUID],
            boards: Boards = leaderboard) -> list[Change]:
    """The rows of these skaters' histories that differ from ``held``; ``held`` is brought up to date."""
    found: list[Change] = []
    for sid in sorted(skaters):
        key = sid.hex
        old, new = held.get(key, {}), history_items(state, sid, boards)
        found += [Change(VIEW, key, item, body) for item, body in new.items() if old.get(item) != body]
        found += [Change(VIEW, key, item, None) for item in old if item not in new]
        if new:
            held[key] = new
        else:
            held.pop(key, None)
    return found


class HistoryKeeper:
    """Keeps the view ``history`` (a keeper of :class:`projections.views.Views`): before a fact is
    folded, the entrants of its race; after, the rows of the histories it may have changed."""

    view = VIEW

    def __init__(self, held: dict[str, Items]) -> None:
        self.held = held
        self.boards = KeptBoards()

    def before(self, state: LedgerState, event: Any) -> set[UUID]:
        return entrants_before(state, event)

    def after(self, state: LedgerState, event: Any, before: Any) -> list[Change]:
        self.boards.forget(state, event)
        return changes(self.held, state, touched(state, event, before), self.boards)


def held_of(rows: dict[tuple[str, str], str]) -> dict[str, Items]:
    """The view's open rows (``ViewsRecorder.open_rows``) as the projection holds them."""
    held: dict[str, Items] = {}
    for (key, item), body in rows.items():
        held.setdefault(key, {})[item] = body
    return held


def difference(view: History | None, fold: History | None) -> str | None:
    """The first way the view's history differs from the fold's, in words (None: the same)."""
    if view == fold:
        return None
    if view is None or fold is None:
        return ("the view has no history where the fold has one" if view is None
                else "the view has a history where the fold has none")
    for field in ("skater", "personal_bests", "season_bests", "ledger_bests"):
        mine, theirs = getattr(view, field), getattr(fold, field)
        if mine != theirs:
            return f"{field}: the view has {mine!r}, the fold {theirs!r}"
    for mine_row, fold_row in zip(view.rows, fold.rows, strict=False):
        for name in (a.name for a in attrs.fields(HistoryRow)):
            mine, theirs = getattr(mine_row, name), getattr(fold_row, name)
            if mine != theirs:
                return f"race {fold_row.race}, {name}: the view has {mine!r}, the fold {theirs!r}"
    return f"the view has {len(view.rows)} races, the fold {len(fold.rows)}"
