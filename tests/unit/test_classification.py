"""Samalog points: truncated, never rounded (rules.md §6, Adelskalender regression cases)."""

from __future__ import annotations

from ledger.domain.timing import parse_time
from projections.classification import classify, format_points, samalog_points

ROEST = [(500, "35.74", "35.740"), (1500, "1:42.56", "34.186"), (5000, "6:03.70", "36.370"),
         (10000, "12:47.89", "38.394")]
KLASSEN = [(500, "37.51", "37.510"), (1500, "1:51.79", "37.263"), (3000, "3:53.34", "38.890"),
           (5000, "6:48.97", "40.897")]


def test_patrick_roest_totals_144_690_by_truncation_where_rounding_gives_144_692() -> None:
    points = [samalog_points(parse_time(t), d) for d, t, _ in ROEST]
    assert [format_points(p) for p in points] == [p for *_, p in ROEST]
    assert format_points(sum(points)) == "144.690"
    rounded = sum(round(parse_time(t) / 1000 / (d / 500), 3) for d, t, _ in ROEST)
    assert f"{rounded:.3f}" == "144.692"


def test_cindy_klassen_totals_154_560() -> None:
    points = [samalog_points(parse_time(t), d) for d, t, _ in KLASSEN]
    assert [format_points(p) for p in points] == [p for *_, p in KLASSEN]
    assert format_points(sum(points)) == "154.560"


def test_the_lowest_total_wins_and_an_incomplete_skater_is_unranked() -> None:
    times = [(name, d, parse_time(t)) for name, series in (("Roest", ROEST), ("Other", ROEST[:3]))
             for d, t, _ in series]
    times.append(("Faster", 500, 35_000))
    for d, t, _ in ROEST[1:]:
        times.append(("Faster", d, parse_time(t)))
    standings = classify(times, [500, 1500, 5000, 10000])
    assert [(s.rank, s.skater, format_points(s.points) if s.points else None) for s in standings] == [
        (1, "Faster", "143.950"), (2, "Roest", "144.690"), (None, "Other", None)]
