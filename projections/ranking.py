"""The ISU ranking rules as pure functions (rules.md §1 and §4).

- Rank on full precision: equal hundredths are split by thousandths.
- Equal at full precision share the place, and the next place is skipped.
- Two times of which one is known only to the hundredth (a hand time, an old list) are compared at
  the coarser precision of the two: a manual 35.12 shares the place with an electronic 35.129.
- Statuses other than OK are unranked and come after every ranked time, in a configurable order.
- Within a shared place, and within one unranked status, skaters come in the order of the draw
  (``within``: pair, then lane, then entry order; configurable, ledger.domain.values.RaceRules), as the
  ISU lists print them; the name decides only what nothing else does.
- A result known only by its published place (its time unknown) keeps that place: it sorts just
  after the timed results that the published list puts ahead of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ledger.domain.values import DEFAULT_UNRANKED_ORDER

T = TypeVar("T")
#: A sort key: (time in ms, 0, 0) for a timed result; (time of the last timed result ahead of it,
#: 1, published place) for a result known only by its place.
Key = tuple[int, int, int]


def competition_ranks(times: Sequence[object]) -> list[int]:
    """Ranks of values sorted ascending: 1 + the number strictly ahead ("1224" ranking)."""
    ranks: list[int] = []
    for i, value in enumerate(times):
        ranks.append(ranks[-1] if i and times[i - 1] == value else i + 1)
    return ranks


def coarse_ranks(ranked: Sequence[T], key: Callable[[T], Key],
                 time_ms: Callable[[T], int | None],
                 precision: Callable[[T], int]) -> list[int]:
    """Ranks of sorted items, each 1 + the number of items strictly ahead of it, two times compared
    at the coarser precision of the two (a published place breaks a tie of two coarse times only,
    as the list that had their thousandths did)."""
    def ahead(a: T, b: T) -> bool:
        ms_a, ms_b = time_ms(a), time_ms(b)
        if ms_a is None or ms_b is None:
            return key(a) < key(b)
        step = max(precision(a), precision(b))
        both_coarse = precision(a) > 1 and precision(b) > 1
        return ((ms_a // step, key(a)[2] if both_coarse else 0)
                < (ms_b // step, key(b)[2] if both_coarse else 0))

    return [1 + sum(1 for other in ranked if ahead(other, item)) for item in ranked]


def place_keys(times: Sequence[int], places: Sequence[int]) -> dict[int, Key]:
    """Sort keys for published places among known times: place p comes after the p-1 results
    ahead of it, whatever mix of timed and placed results those are."""
    timed = sorted(times)
    keys: dict[int, Key] = {}
    ti = 0
    last = -1
    for place in sorted(places):
        while ti < len(timed) and ti + len(keys) < place - 1:
            last = timed[ti]
            ti += 1
        keys[place] = (last, 1, place)
    return keys


def rank(items: Sequence[T], *, status: Callable[[T], str], time_ms: Callable[[T], int | None],
         place: Callable[[T], int | None], name: Callable[[T], str],
         unranked_order: Sequence[str] = DEFAULT_UNRANKED_ORDER,
         place_key: Callable[[T], Key | None] | None = None,
         tiebreak: Callable[[T], int] | None = None,
         precision: Callable[[T], int] | None = None,
         within: Callable[[T], tuple[Any, ...]] | None = None) -> list[tuple[int | None, T]]:
    """Order items by the ISU rules and give each its rank (None for the unranked).

    ``place_key`` positions place-only items from a wider board (e.g. the final list, when
    ranking the board after pair N); by default they are placed among ``items`` themselves.
    ``tiebreak`` separates equal times that are known only to the hundredth when the published
    list separated them (it had the thousandths); by default equal times share the place.
    ``precision`` gives each time's precision in ms (1 by default): two times are equal when they
    are equal at the coarser precision of the two.
    ``within`` orders the items of one place (and of one unranked status) before the name does.
    """
    def after(i: T) -> tuple[Any, ...]:
        return (*(within(i) if within else ()), name(i))

    def ok(i: T) -> bool:
        return status(i) == "OK" and (time_ms(i) is not None or place(i) is not None)

    rankable = [i for i in items if ok(i)]
    own = place_keys([t for i in rankable if (t := time_ms(i)) is not None],
                     [p for i in rankable if time_ms(i) is None and (p := place(i)) is not None])

    def key(i: T) -> Key:
        ms = time_ms(i)
        if ms is not None:
            return (ms, 0, tiebreak(i) if tiebreak else 0)
        wider = place_key(i) if place_key else None
        return wider or own[place(i) or 0]

    ranked = sorted(rankable, key=lambda i: (key(i), after(i)))
    coarse = precision is not None and any(precision(i) > 1 for i in ranked
                                           if time_ms(i) is not None)
    if coarse and precision is not None:
        ranks = coarse_ranks(ranked, key, time_ms, precision)
    else:
        ranks = competition_ranks([key(i) for i in ranked])
    order = {s: n for n, s in enumerate(unranked_order)}
    unranked = sorted((i for i in items if not ok(i)),
                      key=lambda i: (order.get(status(i), len(order)), after(i)))
    return [*zip(ranks, ranked, strict=True), *((None, i) for i in unranked)]
