"""The ISU ranking rules as pure functions (rules.md §1 and §4).

- Rank on full precision: equal hundredths are split by thousandths.
- Equal at full precision share the place, and the next place is skipped.
- Statuses other than OK are unranked and come after every ranked time, in a configurable order.
- A result known only by its published place (its time unknown) keeps that place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import attrs

from ledger.values import DEFAULT_UNRANKED_ORDER

T = TypeVar("T")


@attrs.frozen
class Ranked:
    """One item with its rank (None when unranked)."""

    rank: int | None
    item: object


def competition_ranks(times: Sequence[int]) -> list[int]:
    """Ranks of times sorted ascending: 1 + the number strictly faster ("1224" ranking)."""
    ranks: list[int] = []
    for i, ms in enumerate(times):
        ranks.append(ranks[-1] if i and times[i - 1] == ms else i + 1)
    return ranks


def rank(items: Sequence[T], *, status: Callable[[T], str], time_ms: Callable[[T], int | None],
         place: Callable[[T], int | None], name: Callable[[T], str],
         unranked_order: Sequence[str] = DEFAULT_UNRANKED_ORDER) -> list[tuple[int | None, T]]:
    """Order items by the ISU rules and give each its rank (None for the unranked)."""
    timed = sorted((i for i in items if status(i) == "OK" and time_ms(i) is not None),
                   key=lambda i: (time_ms(i), name(i)))
    placed = sorted((i for i in items if status(i) == "OK" and time_ms(i) is None
                     and place(i) is not None), key=lambda i: (place(i), name(i)))
    order = {s: n for n, s in enumerate(unranked_order)}
    unranked = sorted((i for i in items if status(i) != "OK" or (time_ms(i) is None
                       and place(i) is None)),
                      key=lambda i: (order.get(status(i), len(order)), name(i)))
    return [*merge_places(timed, placed, time_ms, place), *((None, i) for i in unranked)]


def merge_places(timed: list[T], placed: list[T], time_ms: Callable[[T], int | None],
                 place: Callable[[T], int | None]) -> list[tuple[int | None, T]]:
    """Timed results in the slots that published places leave free, ties sharing their rank."""
    out: list[tuple[int | None, T]] = []
    last_time: int | None = None
    last_rank = 0
    ti = pi = 0
    while ti < len(timed) or pi < len(placed):
        slot = len(out) + 1
        if pi < len(placed) and ((place(placed[pi]) or 0) <= slot or ti == len(timed)):
            out.append((place(placed[pi]), placed[pi]))
            pi += 1
            continue
        ms = time_ms(timed[ti])
        last_rank = last_rank if ms == last_time and out and out[-1][1] is timed[ti - 1] else slot
        last_time = ms
        out.append((last_rank, timed[ti]))
        ti += 1
    return out
