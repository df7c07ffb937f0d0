"""The cup's pure rules (projections/cup.py, decision 0022): which table, division and kind a race
takes, and how a table's list turns a place or a status into points."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.domain.competition import cup_name
from ledger.domain.errors import InvalidInputError
from projections.cup import kind_of, series_of, table_from

GOOD: dict[str, Any] = {"series": "world-cup", "season": "2025/26", "source": "a test table",
                        "places": {"A": {"individual": [5, 3, 3, 1]}}, "unranked": {"DQ": 1}}


def test_a_place_scores_its_listed_points_past_the_list_nothing_and_a_status_what_the_table_says(
) -> None:
    table = table_from("t", GOOD)
    assert [table.points("A", "individual", rank, "OK") for rank in (1, 2, 3, 4, 5, 40)] == [
        5, 3, 3, 1, 0, 0]
    assert table.points("A", "individual", None, "DQ") == 1  # the table gives DQ a point
    assert table.points("A", "individual", None, "DNF") == 0  # a status the table does not name
    assert table.points("B", "individual", 1, "OK") is None  # no list: unscored, not 0
    assert table.points("A", "team", 1, "OK") is None


@pytest.mark.parametrize(("change", "says"), [
    ({"places": {"A": {"individual": [3, 5]}}}, "never rising"),
    ({"places": {"A": {"individual": [3, -1]}}}, "0 or more"),
    ({"places": {"C": {"individual": [3]}}}, "is not A or B"),
    ({"places": {"A": {"relay": [3]}}}, "event kind 'relay'"),
    ({"season": "2025-26"}, "is not like 2025/26"),
    ({"source": ""}, "no 'source'"),
    ({"unranked": {"OK": 3}}, "'unranked'"),
])
def test_a_malformed_table_is_refused_naming_what_is_wrong(change: dict[str, Any], says: str
                                                           ) -> None:
    with pytest.raises(InvalidInputError, match=says):
        table_from("t", {**GOOD, **change})


def test_a_cups_series_is_its_name_without_the_season() -> None:
    assert series_of("world-cup-2025-26") == "world-cup"
    assert series_of("knsb-cup") == "knsb-cup"
    assert cup_name("world-cup-2025-26") == "world-cup-2025-26"
    for bad in ("World Cup", "-cup", "cup-", "wc_2025", ""):
        with pytest.raises(InvalidInputError):
            cup_name(bad)


class Sheet:
    def __init__(self, discipline: str) -> None:
        self.discipline = discipline


@pytest.mark.parametrize(("discipline", "kind"), [
    ("individual", "individual"), ("mass-start", "mass-start"), ("team-pursuit", "team"),
    ("team-sprint", "team"), ("mixed-relay", "team")])
def test_a_races_discipline_picks_the_event_kind(discipline: str, kind: str) -> None:
    assert kind_of(Sheet(discipline)) == kind  # type: ignore[arg-type]  # only its discipline is read
