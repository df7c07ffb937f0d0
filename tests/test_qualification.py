"""Qualification outcomes from rules kept as data: the KNSB 2017/18 selection order, and top-N.

The OKT 2017 facts are those of ../shared/domain/okt-2017.md. The women's 3000 m below uses the
four times that file reports; its date is not reported, so the test places it on 27 December as
test data only (the demo does not).
"""

from __future__ import annotations

from datetime import date

import pytest

from ledger.application import Ledger
from ledger.errors import InvalidInputError
from ledger.timing import parse_time
from projections.basis import state_as_of
from projections.qualification import evaluate, load_rule
from scripts import okt2017


def slots(app: Ledger, rule: str) -> dict[int, tuple[str | None, str]]:
    outcome = evaluate(state_as_of(app), load_rule(rule))
    return {s.slot: (s.skater, s.status) for s in outcome.slots}


def test_after_day_1_ter_mors_and_leenstra_are_certain_and_wust_depends_on_other_results(
        memory_app: Ledger) -> None:
    okt2017.load(memory_app)
    women = slots(memory_app, "knsb-olympic-2018-women")
    assert women[4] == ("Jorien ter Mors", "certain")
    assert women[7] == ("Marrit Leenstra", "certain")
    assert women[12] == ("Ireen Wüst", "dependent")
    assert women[1] == (None, "vacant") and women[8] == (None, "unknown")


def test_wust_is_in_once_she_qualifies_on_another_distance_and_slot_12_counts_for_her(
        memory_app: Ledger) -> None:
    okt2017.load(memory_app)
    key = memory_app.schedule_race("okt-2017", 3000, "women", date(2017, 12, 27))
    for name, time in (("Letitia de Jong", "4:02.07"), ("Ireen Wüst", "4:03.39"),
                       ("Antoinette de Jong", "4:03.99"), ("Carlijn Achtereekte", "4:05.76")):
        memory_app.register_skater(name, "NED")
        memory_app.enter_starter(key, name)
        memory_app.record_finish(key, name, parse_time(time), source="list", precision_ms=10)
    outcome = evaluate(state_as_of(memory_app), load_rule("knsb-olympic-2018-women"))
    by_slot = {s.slot: s for s in outcome.slots}
    assert (by_slot[2].skater, by_slot[2].status) == ("Ireen Wüst", "certain")
    assert (by_slot[12].skater, by_slot[12].status) == ("Ireen Wüst", "certain")
    assert "already selected by slot 2" in by_slot[12].reason
    assert outcome.skaters["Ireen Wüst"] == "certain"
    assert "Ireen Wüst" in outcome.selected


def test_a_race_that_is_not_final_gives_provisional_slots(memory_app: Ledger) -> None:
    okt2017.load(memory_app)  # Marcel Bosker's 5000 m result is not known: the race is not final
    men = slots(memory_app, "knsb-olympic-2018-men")
    assert men[2] == ("Bob de Vries", "provisional")
    assert men[10] == ("Sven Kramer", "provisional")
    assert men[15] == ("Jan Blokhuijsen", "dependent")


def test_top_two_qualify_directly_and_number_three_depends(memory_app: Ledger) -> None:
    okt2017.load(memory_app)
    outcome = evaluate(state_as_of(memory_app), load_rule("okt-2017-top-2"))
    women = [(s.place, s.skater, s.status) for s in outcome.slots if s.category == "women"]
    assert women == [(1, "Jorien ter Mors", "certain"), (2, "Marrit Leenstra", "certain"),
                     (3, "Ireen Wüst", "dependent")]


def test_an_exact_tie_at_a_qualifying_place_is_shown_as_unresolved(memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("OKT", "Thialf", date(2017, 12, 26))
    key = app.schedule_race(comp, 500, "women", date(2017, 12, 26))
    for name, ms in (("Skater A", 38_420), ("Skater B", 38_520), ("Skater C", 38_520)):
        app.register_skater(name)
        app.enter_starter(key, name)
        app.record_finish(key, name, ms)
    rule = {**load_rule("okt-2017-top-2"), "competition": comp}
    outcome = evaluate(state_as_of(app), rule)
    assert [(s.place, s.status) for s in outcome.slots] == [
        (1, "certain"), (2, "unresolved"), (3, "vacant")]
    assert outcome.slots[1].skater == "Skater B / Skater C"


def test_an_unknown_rule_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match="knsb-olympic-2018-women"):
        load_rule("no-such-rule")
