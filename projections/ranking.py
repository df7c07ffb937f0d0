"""The ISU ranking rules as pure functions (rules.md §1 and §4).

- Rank on full precision: equal hundredths are split by thousandths.
- Equal at full precision share the place, and the next place is skipped.
- Statuses other than OK are unranked and come after every ranked time, in a configurable order.
- Within a shared place, and within one unranked status, skaters come in the order of the draw
  (``within``: pair, then lane, then entry order; configurable, ledger.values.RaceRules), as the
  ISU lists print them; the name decides only what nothing else does.
- A result known only by its published place (its time unknown) keeps that place: it sorts just
  after the timed results that the published list puts ahead of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ledger.values import DEFAULT_UNRANKED_ORDER

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
         within: Callable[[T], tuple[Any, ...]] | None = None) -> list[tuple[int | None, T]]:
    """Order items by the ISU rules and give each its rank (None for the unranked).

    ``place_key`` positions place-only items from a wider board (e.g. the final list, when
    ranking the board after pair N); by default they are placed among ``items`` themselves.
    ``tiebreak`` separates equal times that are known only to the hundredth when the published
    list separated them (it had the thousandths); by default equal times share the place.
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
    ranks = competition_ranks([key(i) for i in ranked])
    order = {s: n for n, s in enumerate(unranked_order)}
    unranked = sorted((i for i in items if not ok(i)),
                      key=lambda i: (order.get(status(i), len(order)), after(i)))
    return [*zip(ranks, ranked, strict=True), *((None, i) for i in unranked)]
