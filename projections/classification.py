"""Samalog points for allround and sprint classifications (rules.md §6).

Each time in seconds is divided by (distance / 500) and **truncated** to three decimals; the points
are summed; lowest wins. Kept in integer thousandths of a point, so nothing is ever rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from ledger.domain.errors import InvalidInputError
from ledger.domain.race_state import RaceState
from projections.ranking import competition_ranks
from projections.results import result_of
from projections.state import LedgerState


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


def classification_of(state: LedgerState, sheets: Sequence[RaceState]) -> list[Standing]:
    """The classification over these races (one per distance): every entrant's result, a valid
    time or none (a DQ, DNF, … counts as no time), ranked by :func:`classify`."""
    times: list[tuple[str, int, int | None]] = []
    distances = []
    for sheet in sheets:
        distances.append(sheet.distance_m)
        for skater in sheet.entries:
            result = result_of(sheet, skater)
            if result is not None:
                ok = result.status == "OK" and result.time_ms is not None
                times.append((state.name_of(skater), sheet.distance_m, result.time_ms if ok else None))
    if len(set(distances)) != len(distances):
        raise InvalidInputError("a classification takes each distance once")
    return classify(times, distances)
