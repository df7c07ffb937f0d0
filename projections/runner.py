"""Keeping a projection up to date: catch up with the log from where it left off.

A :class:`LiveView` folds only the events it has not seen (``read_log(start=position + 1)``), so a
board can follow a live race cheaply; rebuilding from scratch (a fresh view, or
:func:`projections.basis.state_as_of`) must give the same state, which the property tests check.
"""

from __future__ import annotations

import attrs

from ledger.application import Ledger
from projections.state import LedgerState, collector_paused


@attrs.define
class LiveView:
    state: LedgerState = attrs.Factory(LedgerState)

    def catch_up(self, app: Ledger) -> int:
        """Fold the events appended since the last call; returns how many there were."""
        count = 0
        with collector_paused():
            for position, event in app.read_log(start=self.state.position + 1):
                self.state.apply(position, event)
                count += 1
        return count
