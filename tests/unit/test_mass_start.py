"""The mass start's points tables and its ranking rule, as pure functions (decision 0020)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from projections.mass_start import (
    TABLES,
    Standing,
    load_tables,
    points_for,
    provisional_key,
    ranking_key,
    table_for,
)


def standing(finished: bool, points: int | None = 0, position: int | None = None,
             laps: int | None = None, last_ms: int | None = None) -> Standing:
    return Standing(uuid4(), "OK" if finished else "DNF", finished, position, points, laps, last_ms)


def test_the_season_picks_the_table() -> None:
    olympics = table_for(date(2018, 2, 24))  # PyeongChang, season 2017/18
    assert olympics is not None and (olympics.intermediate, olympics.final) == ((5, 3, 1),
                                                                                (60, 40, 20))
    calgary = table_for(date(2025, 11, 23))  # World Cup 2 2025/26
    assert calgary is not None and (calgary.intermediate, calgary.final) == (
        (3, 2, 1), (60, 40, 20, 10, 6, 3))
    assert table_for(date(2025, 6, 30)) == table_for(date(2024, 7, 1))  # a season runs July-June
    assert table_for(date(2017, 6, 30)) is None  # before every table: points unknown


def test_every_table_names_its_source_and_sprints_after_laps_4_8_and_12() -> None:
    assert len(TABLES) == 2
    for table in TABLES:
        assert table.source.strip() and table.sprint_laps == (4, 8, 12) and table.laps == 16
        assert not table.non_finishers_keep_points


def test_a_table_is_data() -> None:
    text = ('{"tables": [{"from": "2030/31", "laps": 10, "sprint_laps": [5], "intermediate": [2],'
            ' "final": [9, 4], "non_finishers_keep_points": true, "source": "a test"}]}')
    (table,) = load_tables(text)
    assert table_for(date(2031, 1, 1), (table,)) == table
    assert table_for(date(2030, 6, 1), (table,)) is None


def test_points_beyond_the_scale_are_none() -> None:
    assert [points_for(n, (3, 2, 1)) for n in range(5)] == [3, 2, 1, 0, 0]


def test_finishers_rank_by_points_then_finishing_order() -> None:
    more = standing(True, 12, position=6)
    fewer = standing(True, 10, position=0)
    later = standing(True, 10, position=3)
    assert sorted([later, fewer, more], key=ranking_key) == [more, fewer, later]


def test_a_finisher_without_points_ranks_ahead_of_a_non_finisher_with_sprint_points() -> None:
    """Points of a skater who did not finish are not counted (the ISU sheets: total 0), and
    every finisher ranks ahead of every non-finisher."""
    nothing = standing(True, 0, position=20)
    pulled = standing(False, 0, laps=15)
    assert ranking_key(nothing) < ranking_key(pulled)


def test_non_finishers_rank_by_laps_completed_then_who_completed_them_first() -> None:
    fifteen = standing(False, laps=15, last_ms=400_000)
    ten_early, ten_late = standing(False, laps=10, last_ms=280_000), standing(False, laps=10,
                                                                             last_ms=281_000)
    unknown = standing(False, laps=10)
    assert sorted([unknown, ten_late, fifteen, ten_early], key=ranking_key) == [
        fifteen, ten_early, ten_late, unknown]


def test_between_sprints_points_then_the_latest_sprints_order() -> None:
    assert provisional_key(3, 0) < provisional_key(3, 1) < provisional_key(3, None)
    assert provisional_key(4, None) < provisional_key(3, 0)
    assert provisional_key(0, None) == provisional_key(0, None)
