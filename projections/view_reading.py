"""Reading a view of the store as of a basis (docs/decisions/0018-bitemporal-views.md), for the
views that answer whole lists (the races and competitions, the records): whether the views hold
the basis asked about, and then the rows of a key that hold at it.

A view answers only what it has taken in from position 1. A store whose views were built before a
view existed holds none of its rows, and an empty list read from it would be a wrong answer, not
an empty one: so each such view writes a *marker* row when it starts from nothing (a rebuild),
and a reader finds the view built only when the marker is there. Without it the reader declines
and the question folds, as it does while the views lag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ledger.application import Ledger
from ledger.store.views import Change, Held, ViewsRecorder, micros
from projections.basis import Basis
from projections.state import LedgerState

#: The upstream application's name: the views' tracking row is kept under it.
UPSTREAM = Ledger.name
#: The key of a view's marker row (no key of a view's own rows starts with "#").
BUILT = "#built"

Rows = Callable[[str], list[Held]]  # a key of the view → its rows that hold at the basis


def marker(view: str) -> Change:
    """The row that says ``view`` has taken in the log from its first fact."""
    return Change(view, BUILT, "", "{}")


@attrs.define
class Marking:
    """Whether a keeper still owes its view's marker: it does when it starts from nothing (the
    fold before its first fact is empty: a rebuild, which starts from a store emptied of rows)."""

    owed: bool | None = None

    def begin(self, position: int) -> None:
        if self.owed is None:
            self.owed = position == 0

    def due(self, view: str) -> list[Change]:
        if self.owed:
            self.owed = False
            return [marker(view)]
        return []


def put_row(held: dict[str, dict[str, str]], view: str, key: str, item: str, body: str) -> list[Change]:
    """The change that writes ``body`` as ``item`` of ``key`` in ``view``, noted in ``held`` (the
    keeper's rows: key → item → body); none when ``held`` holds that body already."""
    rows = held.setdefault(key, {})
    if rows.get(item) == body:
        return []
    rows[item] = body
    return [Change(view, key, item, body)]


def built(views: ViewsRecorder, view: str) -> bool:
    """Whether the store holds ``view`` taken in from position 1 (its marker row)."""
    tracked = views.max_tracking_id(UPSTREAM) or 0
    return tracked > 0 and bool(views.held_at(view, BUILT, tracked))


def rows_at(views: ViewsRecorder, view: str, basis: Basis, last: int) -> Rows | None:
    """How to read the rows of ``view`` as of ``basis`` (a position, a known-at moment, or now),
    or None when the view cannot answer: it was not built from position 1, it has not taken in
    the basis (a position after the one it holds; a moment while it lags the log), or the facts
    known at that moment are not a prefix of the log (a late fact). ``last``: the log's last
    position. The caller folds instead."""
    if basis.after_pair is not None or basis.at_m is not None or not built(views, view):
        return None
    tracked = views.max_tracking_id(UPSTREAM) or 0
    if basis.known_at is not None:
        moment = micros(basis.known_at)
        if tracked < last or views.disordered(moment):
            return None
        return lambda key: views.held_known(view, key, moment)
    position = last if basis.position is None else min(basis.position, last)
    if position > tracked:
        return None
    return lambda key: views.held_at(view, key, position)


def items_of(rows: list[Held]) -> dict[str, str]:
    """Rows as item → body."""
    return {h.item: h.body for h in rows}


@attrs.frozen
class Compared:
    """One view checked against the fold at one basis: how many answers agreed, or why the view
    did not answer, or the first difference, in words."""

    agreed: int = 0
    declined: str | None = None
    difference: str | None = None


#: A view's check: the view against the fold (``state``, as of ``basis``; ``last``: the log's end).
Check = Callable[[ViewsRecorder, LedgerState, Basis, int], Compared]
#: Why a view declines, as ``views check`` says it.
DECLINED = ("the view does not hold this basis (run views rebuild), or facts known late make it no "
            "prefix of the log")


def first_difference(view: Any, fold: Any, what: str) -> str | None:
    """The first field in which two attrs values differ, in words (None: equal)."""
    if view == fold:
        return None
    for field in attrs.fields(type(fold)):
        mine, theirs = getattr(view, field.name), getattr(fold, field.name)
        if mine != theirs:
            return f"{what}, {field.name}: the view has {mine!r}, the fold {theirs!r}"
    return f"{what}: the view has {view!r}, the fold {fold!r}"
