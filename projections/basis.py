"""The "as of" basis of every query (docs/decisions/0004-as-of.md).

Which facts were known: as of a log position, or as known at a moment: every fact whose known-at
moment (ledger.domain.clocks: the timing system's own moment, else the store's time) is at or before it,
in log order, that names only facts known by then (docs/decisions/0014-two-clocks-at-the-door.md).
Which moment of the race: after pair N, at a passing point. A repeatable answer pins both; the
JSON output reports the resolved position (the last fact taken in).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import attrs

from ledger.application import Ledger
from ledger.domain.clocks import known_at_of
from ledger.domain.errors import InvalidInputError
from projections.state import LedgerState, collector_paused


@attrs.frozen
class Basis:
    position: int | None = None
    known_at: datetime | None = None
    after_pair: int | None = None
    at_m: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.position is not None and self.known_at is not None:
            raise InvalidInputError("--position and --known-at name two different bases; give one")
        if self.position is not None and self.position < 0:
            raise InvalidInputError(f"--position {self.position} is not 0 or more")
        if self.after_pair is not None and self.after_pair < 0:
            raise InvalidInputError(f"--after-pair {self.after_pair} is not 0 or more")

    def as_json(self, position: int) -> dict[str, Any]:
        return {"position": position,
                "known_at": self.known_at.isoformat() if self.known_at else None,
                "at_m": self.at_m, "after_pair": self.after_pair}


class Snapshots(Protocol):
    """The port of a faster fold: the state as of a basis from the nearest snapshot.

    :class:`projections.snapshots.SnapshotStore` implements it; this module (the port) does not
    import it, so the imports point one way: snapshots → basis.
    """

    def state_as_of(self, app: Ledger, basis: Basis | None = None) -> LedgerState: ...


def state_as_of(app: Ledger, basis: Basis = Basis(),
                snapshots: Snapshots | None = None) -> LedgerState:
    """The ledger folded up to the basis's position (or known-at moment); the whole log by default.

    With ``snapshots`` (a :class:`projections.snapshots.SnapshotStore` of this ledger) the same
    state comes from the nearest snapshot and a short fold instead of a fold from position 1.
    """
    if snapshots is not None:
        return snapshots.state_as_of(app, basis)
    state = LedgerState()
    last = app.last_position()
    stop = last if basis.position is None else min(basis.position, last)
    with collector_paused():
        for position, event in app.read_log(stop=stop):
            if basis.known_at is None or known_by(state, event, basis.known_at):
                state.apply(position, event)
    return state


def known_by(state: LedgerState, event: Any, moment: datetime) -> bool:
    """Whether ``event`` is a fact as known at ``moment``, folded after ``state``."""
    return known_at_of(event) <= moment and state.knows_what_it_names(event)
