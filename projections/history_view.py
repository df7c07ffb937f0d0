"""The skater histories view: what ``skate-ledger history SKATER`` answers, as bitemporal rows in
the store (docs/decisions/0018-bitemporal-views.md).

A skater's history is kept as rows of the view ``history`` keyed by the skater's id: one row
``""`` (the name, the personal and season bests, the ledger's bests) and one row per race with a
result (keyed by the race's key). Each fact of the log works out again only what it can change
(:class:`HistoryKeeper`, projections/history_kept.py: a passing one row of one skater, a result the
race's rows and its skaters' summaries, evidence the marks of its distance and category), and a
row is closed and opened again only when its body changed. The answer read back is the
:class:`projections.history.History` the fold gives, field for field (laws check it:
tests/laws/test_history_kept.py after every fact, tests/laws/test_history_view.py through the
store).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from uuid import UUID

import attrs

from ledger.domain.errors import UnknownSkaterError
from ledger.domain.values import distinct_skater_id, plain_name, skater_id
from ledger.store.views import Held
from projections.history import History, HistoryRow, history_of
from projections.history_kept import SUMMARY, VIEW, Items, KeptHistories, row_body, summary_body
from projections.leaderboard import leaderboard
from projections.marks import Boards
from projections.state import LedgerState

__all__ = ["SUMMARY", "VIEW", "HistoryKeeper", "Items", "difference", "history_from", "history_items",
           "items_of", "keys_of", "resolved"]


def items_of(found: History) -> Items:
    """The rows of a history: its summary and one per race."""
    items = {SUMMARY: summary_body(found.skater, found.personal_bests, found.season_bests,
                                   found.ledger_bests)}
    for row in found.rows:
        items[row.race] = row_body(row)
    return items


def history_items(state: LedgerState, sid: UUID, boards: Boards = leaderboard) -> Items:
    """The rows of a skater's history as ``state`` holds it, drawn from scratch (none: not
    registered): what the rows kept fact by fact must equal (tests/laws/test_history_kept.py)."""
    info = state.skaters.get(sid)
    return {} if info is None else items_of(history_of(state, info, boards=boards))


def row_of(body: str) -> HistoryRow:
    d = json.loads(body)
    return HistoryRow(d["race"], d["competition"], date.fromisoformat(d["day"]), d["distance_m"],
                      d["rank"], d["status"], d["time_ms"], tuple((m, ms) for m, ms in d["passings"]),
                      tuple(d["marks"]), tuple(d["published"]), d.get("team"))


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
class HistoryKeeper(KeptHistories):
    """Keeps the view ``history`` (a keeper of :class:`projections.views.Views`): before a fact is
    folded, how many entrants and facts its race had; after, the rows of the histories it changed,
    each worked out only as far as the fact can reach (projections/history_kept.py)."""

    view = VIEW


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
