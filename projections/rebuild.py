"""Rebuilding every race's board from the whole log, in bounded memory.

A fold of the whole log (:class:`projections.state.LedgerState`) keeps every fact of every race:
its memory grows with the federation's history (about 0.7 GB at a million events). The boards do
not need that: a race's facts arrive together, on its day, and then (almost always) no more. So the
rebuild keeps the sheets of the ``keep`` races most recently written to; when one more is needed,
the least recent sheet is ranked into its board and dropped. A late fact for a dropped race (a
correction weeks later) loads that race as it stood just before the fact — the write side's own
fold of its events, :meth:`Ledger.race_at` — and goes on from there; its board is ranked again.

The boards are the ones :func:`projections.leaderboard.leaderboard` gives on a fold of the whole log,
field for field (a property test checks it, with ``keep`` as small as 1 to force every reload).
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

import attrs

from ledger.application import Ledger
from ledger.domain.race import Race
from projections.leaderboard import Leaderboard, leaderboard
from projections.state import LedgerState, collector_paused

#: How many race sheets a rebuild keeps in memory (a competition's races are written in turn).
DEFAULT_KEEP = 256


@attrs.define
class Rebuilt:
    """Every race's board as of the end of the log, and the skaters and competitions (``state``,
    whose ``races`` hold only the sheets still kept at the end)."""

    state: LedgerState
    boards: dict[str, Leaderboard]
    events: int = 0
    reloads: int = 0  # races dropped and loaded again for a late fact


def rebuild_boards(app: Ledger, keep: int = DEFAULT_KEEP) -> Rebuilt:
    if keep < 1:
        raise ValueError("keep at least one race sheet")
    state = LedgerState()
    done = Rebuilt(state, {})
    recent: OrderedDict[UUID, None] = OrderedDict()  # kept sheets, least recently written first
    with collector_paused():
        for position, event in app.read_log():
            done.events += 1
            if not isinstance(event, Race.Event):
                state.apply(position, event)
                continue
            rid = event.originator_id
            if rid not in state.races and not isinstance(event, Race.Scheduled):
                sheet = app.race_at(rid, event.originator_version - 1).sheet
                state.races[rid] = sheet
                done.boards.pop(sheet.key, None)
                done.reloads += 1
            state.apply(position, event)
            recent[rid] = None
            recent.move_to_end(rid)
            if len(recent) > keep:
                dropped, _ = recent.popitem(last=False)
                key = state.races[dropped].key
                done.boards[key] = leaderboard(state, key)
                del state.races[dropped]
        for rid in recent:
            key = state.races[rid].key
            done.boards[key] = leaderboard(state, key)
    # A board ranked when its sheet was dropped is the board at the end: no later fact touched it.
    done.boards = {key: attrs.evolve(done.boards[key], position=state.position) for key in state.race_keys}
    return done
