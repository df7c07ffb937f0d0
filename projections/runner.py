"""Keeping a projection up to date: catch up with the log from where it left off.

:func:`catch_up` is the one catch-up loop of the read side: read the log after a position and fold
each event in order. A :class:`LiveView` folds only the events it has not seen
(``read_log(start=position + 1)``), so a board can follow a live race cheaply; the snapshots
(projections/snapshots.py) and the web board (scripts/board/live.py, through ``LiveView`` with a
``note`` for its timeline) catch up with the same loop. Rebuilding from scratch (a fresh view, or
:func:`projections.basis.state_as_of`) must give the same state, which the property tests check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ledger.application import Ledger
from projections.state import LedgerState, collector_paused

#: Called after each event is folded: the state, the event's position and the event.
Note = Callable[[LedgerState, int, Any], None]


def catch_up(app: Ledger, after: int, fold: Callable[[int, Any], None]) -> int:
    """Fold, in log order, every event after position ``after``; returns how many there were."""
    count = 0
    with collector_paused():
        for position, event in app.read_log(start=after + 1):
            fold(position, event)
            count += 1
    return count


@attrs.define
class LiveView:
    state: LedgerState = attrs.Factory(LedgerState)

    def catch_up(self, app: Ledger, note: Note | None = None) -> int:
        """Fold the events appended since the last call; returns how many there were. ``note``, when
        given, sees the state after each event (the board's timeline)."""
        state = self.state

        def fold(position: int, event: Any) -> None:
            state.apply(position, event)
            if note is not None:
                note(state, position, event)

        return catch_up(app, state.position, fold)
