"""The read side's one entry point, beside the write side's ``build_app``: the ledger as of a basis.

The command (scripts/cli/), the web board (scripts/board/) and the benchmarks (scripts/bench/) get
every state through these functions and fold no log themselves:

- :func:`state_at`: the state of a ledger as of a :class:`~projections.basis.Basis`, folded from
  position 1 (:func:`projections.basis.state_as_of`) or from the nearest checkpoint of a
  :class:`~projections.checkpoints.CheckpointStore`; the same state either way.
- :func:`checkpoints_of`: a checkpoint store of a ledger, caught up with its log.
- :func:`fold` and :func:`folding`: the state of given ``(position, event)`` pairs (an exported
  log, a replay), all at once or after each event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from ledger.application import Ledger
from projections.basis import Basis, Checkpoints, known_by, state_as_of
from projections.checkpoints import DEFAULT_EVERY, CheckpointStore
from projections.state import LedgerState, collector_paused


def state_at(app: Ledger, basis: Basis | None = None,
             checkpoints: Checkpoints | None = None) -> LedgerState:
    """The ledger as of ``basis`` (the whole log by default): which facts were known. The race
    moment of the basis (after pair N, at a passing point) is the boards' part."""
    return state_as_of(app, basis or Basis(), checkpoints)


def checkpoints_of(app: Ledger, every: int = DEFAULT_EVERY) -> CheckpointStore:
    """Checkpoints of ``app``'s log, folded up to its last position (give them to :func:`state_at`)."""
    return CheckpointStore.build(app, every)


def folding(events: Iterable[tuple[int, Any]], state: LedgerState | None = None,
            known_at: datetime | None = None) -> Iterator[tuple[int, Any, LedgerState]]:
    """Fold ``events`` in order into ``state`` (a new one by default), yielding the position, the
    event and the state just after it (the same state object each time: read it at once). With
    ``known_at``, only the events known by then are folded (and yielded), as in a known-at basis."""
    state = LedgerState() if state is None else state
    for position, event in events:
        if known_at is not None and not known_by(state, event, known_at):
            continue
        state.apply(position, event)
        yield position, event, state


def fold(events: Iterable[tuple[int, Any]], state: LedgerState | None = None,
         known_at: datetime | None = None) -> LedgerState:
    """The state after folding ``events`` in order (see :func:`folding`)."""
    state = LedgerState() if state is None else state
    with collector_paused():
        for _ in folding(events, state, known_at):
            pass
    return state
