"""The SOQC's pure rules (projections/soqc.py, decision 0023): the walk that gives nations their
places under a cap, when a place by points is certain with races still to come, how many skaters
a nation may enter (9/8/7), and which places the reduction to 82 could take.

The skaters, nations and points here are test fixtures, not real results.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from ledger.domain.race_state import RaceState
from projections.soqc import (
    Classed,
    EventRule,
    Place,
    Remaining,
    category_order,
    noc_most,
    points_status,
    removable,
    shared_ranks,
    walk,
)


def rows(*lines: tuple[str, str | None, int]) -> list[Classed]:
    return shared_ranks([(uuid4(), name, nation, value, None, 0) for name, nation, value in lines])


def race() -> RaceState:
    return RaceState.scheduled(UUID(int=1), "wc3/women-1500m", UUID(int=2), "wc3", "2025-12-05",
                               1500, "women", None, 400)


def test_a_nation_at_its_cap_is_passed_over_and_the_walk_stops_when_the_places_are_given() -> None:
    classed = rows(("a1", "NED", 50), ("a2", "NED", 40), ("b1", "USA", 30), ("a3", "NED", 20),
                   ("c1", "JPN", 10), ("d1", "CAN", 5))
    held: dict[str | None, int] = {}
    walked = walk(classed, 3, 2, held)
    assert [(w.skater.skater, w.given) for w in walked] == [
        ("a1", True), ("a2", True), ("b1", True)]
    held = {}
    walked = walk(classed, 4, 2, held)
    assert [(w.skater.skater, w.given) for w in walked] == [
        ("a1", True), ("a2", True), ("b1", True), ("a3", False), ("c1", True)]
    assert held == {"NED": 2, "USA": 1, "JPN": 1}


def test_skaters_already_placed_and_skaters_of_no_nation_give_no_place() -> None:
    classed = rows(("a1", "NED", 50), ("x", None, 45), ("b1", "USA", 30), ("c1", "JPN", 10))
    walked = walk(classed, 2, 3, {}, passed=frozenset({classed[0].skater_id}))
    assert [w.skater.skater for w in walked if w.given] == ["b1", "c1"]


def test_equal_values_share_a_rank_and_the_next_is_skipped() -> None:
    assert [r.rank for r in rows(("a", "NED", 9), ("b", "USA", 7), ("c", "JPN", 7),
                                 ("d", "CAN", 5))] == [1, 2, 2, 4]


def test_a_points_place_is_certain_only_when_too_few_can_still_reach_it() -> None:
    classed = rows(("a1", "NED", 100), ("b1", "USA", 90), ("c1", "JPN", 50), ("d1", "CAN", 40))
    left = Remaining((race(),), ())
    # 20 points still to win: only b1 can reach a1's 100; with 2 places by points a1 is certain
    assert points_status(classed[0], classed, 2, 20, left)[0] == "certain"
    # 10 still to win: c1 (50) and d1 (40) cannot reach b1's 90, a1 is ahead: b1 is 2nd at worst
    assert points_status(classed[1], classed, 2, 10, left)[0] == "certain"
    # 40 to win: c1 can reach b1 exactly (equal counts against b1: the tie-break is not held)
    assert points_status(classed[1], classed, 2, 40, left)[0] == "provisional"
    # as much to win as c1 holds: a skater with no points yet could reach her
    assert points_status(classed[2], classed, 4, 50, left)[0] == "provisional"


def test_with_a_qualifying_competition_still_unheld_no_points_place_is_certain() -> None:
    classed = rows(("a1", "NED", 100), ("b1", "USA", 1))
    unheld = Remaining((), ("4-world-cup-2025-2026",))
    status, reason = points_status(classed[0], classed, 2, None, unheld)
    assert status == "provisional" and "no race yet of 4-world-cup-2025-2026" in reason
    assert points_status(classed[0], classed, 2, None, Remaining((), ()))[0] == "certain"


def individual(*caps: tuple[str, int]) -> list[EventRule]:
    return [EventRule(event, None, cap, None, None, None, ("points", "times")) for event, cap in caps]


EVENTS = individual(("500", 3), ("5000", 2), ("mass-start", 2))


def test_nine_with_a_team_and_the_cap_by_points_everywhere_eight_with_a_team_and_a_place_everywhere(
        ) -> None:
    full = {"500": 3, "5000": 2, "mass-start": 2}
    assert noc_most(True, EVENTS, full, full) == 9
    # the cap everywhere, but one of the 500 m places by times: not all by points
    assert noc_most(True, EVENTS, full, {**full, "500": 2}) == 8
    # a place in every individual event, a team: 8; no team: 7 whatever the places
    one = {"500": 1, "5000": 1, "mass-start": 1}
    assert noc_most(True, EVENTS, one, one) == 8
    assert noc_most(False, EVENTS, full, full) == 7
    # a team, but no place in the mass start: 7
    assert noc_most(True, EVENTS, {"500": 3, "5000": 2}, {"500": 3, "5000": 2}) == 7


def test_the_reduction_takes_the_lowest_places_in_the_events_order_under_either_reading() -> None:
    def places(*names: str) -> list[Place]:
        return [Place(n, "points", "NED", name, n, "certain", "") for n, name in enumerate(names, 1)]

    lists = [places("a3", "a2", "a1"), places("b2", "b1"), places("c1")]  # lowest first
    # two over: one event after another in turn takes a3 and b2; the first event emptied first
    # takes a3 and a2: each could go
    assert removable(lists, 2) == {(0, 0), (1, 0), (0, 1)}
    assert removable(lists, 0) == set()
    # more over than places: every place could go
    assert removable(lists, 9) == {(i, k) for i, held in enumerate(lists) for k in range(len(held))}


def test_the_reduction_order_of_a_category_is_its_own_events_only() -> None:
    order = ["500 women", "500 men", "1000 men", "1000 women", "1500 women", "1500 men",
             "mass start men", "mass start women"]
    rule = {"category": "men", "reduction": {"value": {"order": order}}}
    assert category_order(rule) == ("500", "1000", "1500", "mass-start")
    assert category_order({**rule, "category": "women"}) == ("500", "1000", "1500", "mass-start")
    assert category_order({"category": "men"}) == ()
