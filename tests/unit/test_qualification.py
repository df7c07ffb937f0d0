"""Qualification outcomes from rules kept as data: the KNSB 2017/18 selection order, and top-N.

The OKT 2017 facts are those of the demo (scripts/demo/okt2017.py), built from
../shared/domain/okt-2017.md and the reports it cites.
"""

from __future__ import annotations

from datetime import date

import pytest

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from projections.basis import Basis, state_as_of
from projections.qualification import evaluate, load_rule
from scripts.demo import okt2017
from tests.helpers import finished


def slots(app: Ledger, rule: str) -> dict[int, tuple[str | None, str]]:
    outcome = evaluate(state_as_of(app), load_rule(rule))
    return {s.slot: (s.skater, s.status) for s in outcome.slots}


def test_after_day_1_ter_mors_and_leenstra_are_certain_and_wust_depends_on_other_results(
        memory_app: Ledger) -> None:
    okt2017.load(memory_app, through=okt2017.DAY)
    women = slots(memory_app, "knsb-olympic-2018-women")
    assert women[4] == ("Jorien ter Mors", "certain")
    assert women[7] == ("Marrit Leenstra", "certain")
    assert women[12] == ("Ireen Wüst", "dependent")
    assert women[1] == (None, "not yet skated") and women[8] == (None, "unknown")  # 3000 m: day 2


def test_wust_is_in_once_she_qualifies_on_another_distance_and_slot_12_counts_for_her(
        memory_app: Ledger) -> None:
    okt2017.load(memory_app, through=date(2017, 12, 26))
    day_1 = memory_app.last_position()
    okt2017.load(memory_app)
    rule = load_rule("knsb-olympic-2018-women")
    then = evaluate(state_as_of(memory_app, Basis(position=day_1)), rule)
    assert {s.slot: s.status for s in then.slots}[12] == "dependent"
    outcome = evaluate(state_as_of(memory_app), load_rule("knsb-olympic-2018-women"))
    by_slot = {s.slot: s for s in outcome.slots}
    assert (by_slot[2].skater, by_slot[2].status) == ("Ireen Wüst", "certain")
    assert (by_slot[12].skater, by_slot[12].status) == ("Ireen Wüst", "certain")
    assert "already selected by slot 2" in by_slot[12].reason
    assert outcome.skaters["Ireen Wüst"] == "certain"
    assert set(outcome.selected) >= {"Jorien ter Mors", "Marrit Leenstra", "Ireen Wüst"}


def test_a_race_that_is_not_final_gives_provisional_slots(memory_app: Ledger) -> None:
    # Marcel Bosker's 5000 m result is not known: the race is not final
    okt2017.load(memory_app, through=okt2017.DAY)
    men = slots(memory_app, "knsb-olympic-2018-men")
    assert men[2] == ("Bob de Vries", "provisional")
    assert men[10] == ("Sven Kramer", "provisional")
    assert men[15] == ("Jan Blokhuijsen", "dependent")


def test_top_two_qualify_directly_and_number_three_depends(memory_app: Ledger) -> None:
    okt2017.load(memory_app, through=okt2017.DAY)
    outcome = evaluate(state_as_of(memory_app), load_rule("okt-2017-top-2"))
    women = [(s.place, s.skater, s.status) for s in outcome.slots if s.category == "women"]
    assert women == [(1, "Jorien ter Mors", "certain"), (2, "Marrit Leenstra", "certain"),
                     (3, "Ireen Wüst", "dependent")]


def test_an_exact_tie_at_a_qualifying_place_is_shown_as_unresolved(memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("OKT", "Thialf", date(2017, 12, 26))
    key = app.schedule_race(comp, 500, "women", date(2017, 12, 26))
    finished(app, key, (("Skater A", 38_420), ("Skater B", 38_520), ("Skater C", 38_520)))
    rule = {**load_rule("okt-2017-top-2"), "competition": comp}
    outcome = evaluate(state_as_of(app), rule)
    assert [(s.place, s.status) for s in outcome.slots] == [
        (1, "certain"), (2, "unresolved"), (3, "vacant")]
    assert outcome.slots[1].skater == "Skater B / Skater C"


def two_final_races(app: Ledger) -> str:
    """A women's 500 m won by Skater A (Skater B second) and a 1000 m won by Skater C, both final:
    every entered skater has a time."""
    comp = app.schedule_competition("Cap Cup", "Thialf", date(2017, 12, 26))
    for distance, times in ((500, (("Skater A", 38_420), ("Skater B", 38_520))),
                            (1000, (("Skater C", 76_000),))):
        key = app.schedule_race(comp, distance, "women", date(2017, 12, 26))
        for name, ms in times:
            app.register_skater(name)
            app.enter_starter(key, name)
            app.record_finish(key, name, ms)
    return comp


def order(comp: str, cap: int, *slots: tuple[int | None, int | None]) -> dict[str, object]:
    return {"rule": "cap-test", "version": 1, "kind": "selection-order", "competition": comp,
            "category": "women", "cap": cap,
            "slots": [{"slot": n, "distance_m": d, "place": p} for n, (d, p) in enumerate(slots, 1)]}


def test_a_slot_exactly_at_the_cap_with_an_earlier_slot_undecided_is_dependent_not_certain(
        memory_app: Ledger) -> None:
    # slot 1 is Skater A's, slot 2 is not known (it may bring a second skater and fill the cap of 2)
    comp = two_final_races(memory_app)
    outcome = evaluate(state_as_of(memory_app), order(comp, 2, (500, 1), (None, None), (1000, 1)))
    assert [(s.skater, s.status) for s in outcome.slots] == [
        ("Skater A", "certain"), (None, "unknown"), ("Skater C", "dependent")]
    assert outcome.selected == ("Skater A",)


def test_a_vacant_slot_of_a_final_race_brings_nobody_so_a_later_slot_within_the_cap_is_certain(
        memory_app: Ledger) -> None:
    # nobody is third in the final 500 m: slot 1 can bring no skater, so Skater C is the second
    comp = two_final_races(memory_app)
    outcome = evaluate(state_as_of(memory_app), order(comp, 2, (500, 3), (500, 1), (1000, 1)))
    assert [(s.skater, s.status) for s in outcome.slots] == [
        (None, "vacant"), ("Skater A", "certain"), ("Skater C", "certain")]
    assert outcome.selected == ("Skater A", "Skater C")


def test_an_unknown_rule_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match="knsb-olympic-2018-women"):
        load_rule("no-such-rule")
