"""Skaters who share a place, and skaters of one unranked status, come in the order of the draw.

The ISU lists print a shared place, and the DQ/DNF/DNS/WDR rows, in the order of the draw (pair,
then lane), not the alphabet. A list without pairs (an ISU text list) gives its own row order as
the only evidence: the import enters its skaters in that order, and that order decides
(tests/adapters/test_isu_thousandths.py checks it on every race of the real lists). Skaters whose pair is
unknown come after those whose pair is known, in the order they were entered. The order is rules
data (``RaceRules.within_place_order``): "name" gives the alphabet back.
"""

from __future__ import annotations

import pytest

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from ledger.domain.values import DEFAULT_DRAW_ORDER, RaceRules
from tests.helpers import draw, places, race_day


def test_skaters_sharing_a_place_come_in_the_order_of_pair_then_lane(memory_app: Ledger) -> None:
    key = race_day(memory_app, 500, ["Skater A", "Skater B", "Skater C", "Skater D"])
    draw(memory_app, key, ("Skater D", None), ("Skater C", "Skater B"), ("Skater A", None))
    for pair in (1, 2, 3):
        memory_app.start(key, pair)
    for name, ms in (("Skater D", 38_000), ("Skater A", 38_420), ("Skater B", 38_420),
                     ("Skater C", 38_420)):
        memory_app.record_finish(key, name, ms)
    assert places(memory_app, key) == [(1, "Skater D"), (2, "Skater C"), (2, "Skater B"),
                                       (2, "Skater A")]


def test_skaters_of_one_unranked_status_come_in_the_order_of_the_draw(memory_app: Ledger) -> None:
    key = race_day(memory_app, 1000, ["Skater A", "Skater B", "Skater C", "Skater D"])
    draw(memory_app, key, ("Skater D", "Skater C"), ("Skater B", "Skater A"))
    for name in ("Skater A", "Skater C", "Skater D"):
        memory_app.record_dns(key, name)
    memory_app.start(key, 2)
    memory_app.record_finish(key, "Skater B", 70_000)
    assert places(memory_app, key) == [(1, "Skater B"), (None, "Skater D"), (None, "Skater C"),
                                       (None, "Skater A")]


def test_a_skater_whose_pair_is_unknown_comes_after_the_drawn_ones_in_entry_order(
        memory_app: Ledger) -> None:
    key = race_day(memory_app, 500, ["Skater Z", "Skater Y", "Skater B", "Skater A"])
    draw(memory_app, key, ("Skater A", "Skater B"))
    for name in ("Skater Z", "Skater Y", "Skater B", "Skater A"):
        memory_app.record_dns(key, name)
    assert places(memory_app, key) == [(None, "Skater A"), (None, "Skater B"), (None, "Skater Z"),
                                       (None, "Skater Y")]


def test_the_order_within_a_place_is_rules_data_and_name_gives_the_alphabet(
        memory_app: Ledger) -> None:
    key = race_day(memory_app, 500, ["Skater B", "Skater A"])
    for name in ("Skater B", "Skater A"):
        memory_app.record_dnf(key, name)
    assert places(memory_app, key) == [(None, "Skater B"), (None, "Skater A")]
    rules = RaceRules(within_place_order=("name",))
    assert places(memory_app, key, within_place_order=rules.within_place_order) == [
        (None, "Skater A"), (None, "Skater B")]
    assert RaceRules().within_place_order == DEFAULT_DRAW_ORDER == ("pair", "lane", "entry")


def test_an_unknown_key_for_the_order_within_a_place_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="order within a place 'colour' is not one of "
                                                "pair, lane, entry, name"):
        RaceRules(within_place_order=("pair", "colour"))
