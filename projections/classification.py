"""Samalog points for allround and sprint classifications (rules.md §6).

Each time in seconds is divided by (distance / 500) and **truncated** to three decimals; the points
are summed; lowest wins. Kept in integer thousandths of a point, so nothing is ever rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from projections.ranking import competition_ranks


def samalog_points(time_ms: int, distance_m: int) -> int:
    """Points in thousandths: 1:42.56 over 1500 m → 34186 (34.186)."""
    return time_ms * 500 // distance_m


def format_points(thousandths: int) -> str:
    return f"{thousandths // 1000}.{thousandths % 1000:03d}"


@attrs.frozen
class Standing:
    rank: int | None
    skater: str
    points: int | None  # thousandths of a point; None until every distance has a time
    distances: int


def classify(times: Iterable[tuple[str, int, int | None]], distances: Sequence[int]) -> list[Standing]:
    """Rank skaters by summed samalog points over ``distances``; (skater, distance, time or None).

    A skater without a valid time on every distance so far is listed unranked.
    """
    per: dict[str, dict[int, int | None]] = {}
    for skater, distance, ms in times:
        per.setdefault(skater, {})[distance] = ms
    complete = {s: sum(samalog_points(ms, d) for d, ms in t.items() if ms is not None)
                for s, t in per.items()
                if all(t.get(d) is not None for d in distances)}
    ordered = sorted(complete, key=lambda s: (complete[s], s))
    ranks = competition_ranks([complete[s] for s in ordered])
    rows = [Standing(r, s, complete[s], len(distances)) for r, s in zip(ranks, ordered, strict=True)]
    rest = sorted(set(per) - set(complete))
    return rows + [Standing(None, s, None, sum(v is not None for v in per[s].values())) for s in rest]
