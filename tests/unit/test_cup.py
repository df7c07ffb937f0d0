"""The cup's pure rules (projections/cup.py, decision 0022): which table, division and kind a race
takes, and how a table's list turns a place or a status into points."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from ledger.domain.competition import cup_name
from ledger.domain.errors import InvalidInputError
from projections.cup import cup_event_of, event_matches, event_of, kind_of, ranked_by, series_of, table_from

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


class Raced:
    def __init__(self, category: str, distance_m: int, discipline: str = "individual") -> None:
        self.category, self.distance_m, self.discipline = category, distance_m, discipline


@pytest.mark.parametrize(("category", "distance_m", "discipline", "event"), [
    ("women", 3000, "individual", "3000-5000"), ("women", 5000, "individual", "3000-5000"),
    ("men", 5000, "individual", "5000-10000"), ("men", 10000, "individual", "5000-10000"),
    ("men", 1500, "individual", "1500"), ("women", 500, "individual", "500"),
    ("men", 3000, "individual", "3000"),  # not a World Cup distance of men: a cup of its own
    ("women", 10000, "individual", "10000"),
    ("women", 0, "mass-start", "mass-start"), ("men", 0, "team-pursuit", "team-pursuit")])
def test_the_long_distances_count_for_one_combined_cup_of_their_category(
        category: str, distance_m: int, discipline: str, event: str) -> None:
    raced = Raced(category, distance_m, discipline)
    assert cup_event_of(raced) == event  # type: ignore[arg-type]
    # a race's own event stays its distance or discipline (what the SOQC ranks by)
    assert event_of(raced) == (str(distance_m) if discipline == "individual"  # type: ignore[arg-type]
                               else discipline)


@pytest.mark.parametrize(("asked", "event", "matches"), [
    (None, "500", True), ("500", "500", True), ("500", "1000", False),
    ("long", "3000-5000", True), ("long", "5000-10000", True), ("long", "1500", False),
    ("3000", "3000-5000", True), ("5000", "3000-5000", True), ("5000", "5000-10000", True),
    ("10000", "3000-5000", False), ("3000-5000", "5000-10000", False),
    ("mass-start", "mass-start", True), ("team-pursuit", "team-sprint", False)])
def test_distance_asks_for_its_cup_and_long_for_both_combined_cups(
        asked: str | None, event: str, matches: bool) -> None:
    assert event_matches(asked, event) is matches


def test_equal_totals_share_a_rank_the_next_is_skipped_and_no_points_is_not_listed() -> None:
    """No tie-break is applied (decision 0024: the regulations' was not found): equal totals
    share a rank, listed by name, and the next rank is skipped."""
    a, b, c, d, e = (UUID(int=n) for n in range(1, 6))
    names = {a: "Zed", b: "Amy", c: "Bob", d: "Cat", e: "Dan"}
    group = {a: {"one": 60, "two": 54}, b: {"one": 54, "two": 60}, c: {"one": 100},
             d: {"one": 43}, e: {"one": 0}}
    rows = ranked_by(lambda who: (names[who], None), "men", "500", group)
    assert [(r.rank, r.name, r.total) for r in rows] == [
        (1, "Amy", 114), (1, "Zed", 114), (3, "Bob", 100), (4, "Cat", 43)]
