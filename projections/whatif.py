"""Where a given time would have placed in a race's board: the seed's "with 1:16.05 she would
have finished third, behind ter Mors and Leenstra and ahead of Wüst"."""

from __future__ import annotations

import attrs

from ledger.domain.errors import InvalidInputError
from projections.leaderboard import Row, leaderboard
from projections.mass_start import is_mass_start
from projections.state import LedgerState


@attrs.frozen
class WhatIf:
    race: str
    time_ms: int
    rank: int
    behind: tuple[str, ...]  # the skaters who would still be ahead
    ahead_of: tuple[str, ...]  # the skaters the time would beat
    equal: tuple[str, ...]  # the skaters it would tie at full precision


def what_if(state: LedgerState, key: str, time_ms: int, skater: str | None = None,
            after_pair: int | None = None) -> WhatIf:
    """Rank ``time_ms`` in the board of ``key`` (without ``skater``'s own result, if named). A
    mass start ranks by points, not time (decision 0020): a time alone places nowhere there."""
    sheet = state.sheet(key)
    if sheet is not None and is_mass_start(sheet):
        raise InvalidInputError(f"{key} is a mass start, ranked by points then finishing order: "
                                "a time alone gives no place there")
    ranked = [r for r in leaderboard(state, key, after_pair).rows if r.rank is not None]
    rows = [r for r in ranked if r.skater != skater]
    faster = tuple(r.skater for r in rows if r.time_ms is not None and r.time_ms < time_ms)
    equal = tuple(r.skater for r in rows if r.time_ms == time_ms)
    slower = tuple(r.skater for r in rows if r.time_ms is not None and r.time_ms > time_ms)
    place_only = [r for r in rows if r.time_ms is None]
    # a place-only result is ahead when the list puts it before the first slower timed result,
    # unless the list puts it after a time as fast as this one or slower (the named skater's own
    # time counts here: it tells where the place-only result sits)
    first_slower = min((r.rank for r in rows if r.skater in slower and r.rank), default=None)

    def known_slower(row: Row) -> bool:
        return any(r.time_ms is not None and r.time_ms >= time_ms and (r.rank or 0) < (row.rank or 0)
                   for r in ranked)

    ahead_unknown = tuple(r.skater for r in place_only if not known_slower(r) and (
        first_slower is None or (r.rank or 0) < first_slower))
    behind_unknown = tuple(r.skater for r in place_only if r.skater not in ahead_unknown)
    behind = faster + ahead_unknown
    return WhatIf(key, time_ms, len(behind) + 1, behind, slower + behind_unknown, equal)
