"""A skater's history with PB/SB re-derived from the ledger, and the seed's what-if placement."""

from __future__ import annotations

from datetime import date

from ledger.application import Ledger
from ledger.domain.timing import parse_time
from projections.basis import state_as_of
from projections.history import history, season_of
from projections.whatif import what_if
from scripts.demo import okt2017


def test_with_1_16_05_leerdam_would_have_been_third_behind_ter_mors_and_leenstra_ahead_of_wust(
        memory_app: Ledger) -> None:
    keys = okt2017.load(memory_app)
    answer = what_if(state_as_of(memory_app), keys["women-1000"], parse_time("1:16.05"),
                     skater="Jutta Leerdam")
    assert answer.rank == 3
    assert answer.behind == ("Jorien ter Mors", "Marrit Leenstra")
    assert answer.ahead_of[0] == "Ireen Wüst"
    assert "Jutta Leerdam" not in answer.ahead_of + answer.behind


def test_an_equal_time_would_share_the_place(memory_app: Ledger) -> None:
    keys = okt2017.load(memory_app)
    answer = what_if(state_as_of(memory_app), keys["women-1000"], parse_time("1:16.03"))
    assert (answer.rank, answer.equal) == (2, ("Marrit Leenstra",))


def test_seasons_run_july_to_june() -> None:
    assert [season_of(date(2017, 12, 26)), season_of(date(2018, 6, 30)),
            season_of(date(2018, 7, 1))] == ["2017/18", "2017/18", "2018/19"]


def test_personal_and_season_bests_follow_corrections_and_disqualifications(memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("History Cup", "Rink", date(2017, 11, 1))
    later = app.schedule_competition("Later Cup", "Rink", date(2017, 12, 1))
    first = app.schedule_race(comp, 1000, "women", date(2017, 11, 1))
    second = app.schedule_race(later, 1000, "women", date(2017, 12, 1))
    app.register_skater("Skater H")
    for key, ms in ((first, 77_000), (second, 76_500)):
        app.enter_starter(key, "Skater H")
        app.record_finish(key, "Skater H", ms)
    app.know_bests(first, "Skater H", 77_500, None, "entry list")  # the baseline a PB needs
    now = history(state_as_of(app), "Skater H")
    assert now.personal_bests == {1000: 76_500}
    assert [r.marks for r in now.rows] == [("PB",), ("PB",)]  # a PB is a season best too
    app.disqualify(second, "Skater H", "ISU 253", "Referee R")
    after_dq = history(state_as_of(app), "Skater H")
    assert after_dq.personal_bests == {1000: 77_000}
    assert [(r.status, r.marks) for r in after_dq.rows] == [("OK", ("PB",)), ("DQ", ())]
    target = app.find_fact(first, "Skater H", "finish").fact_id
    app.correct_time(first, target, 76_900, "photo finish", "Referee R")
    assert history(state_as_of(app), "Skater H").season_bests == {"2017/18": {1000: 76_900}}


def test_what_if_of_the_winners_own_time_keeps_a_place_only_result_the_list_put_behind_her(
        memory_app: Ledger) -> None:
    # found by the broadened race-day generator: the list put Skater P second, behind the winner's
    # time and ahead of no timed result; what-if of the winner's own time placed P ahead of it
    comp = memory_app.schedule_competition("Place Cup", "Rink", date(2025, 3, 1))
    key = memory_app.schedule_race(comp, 1500, "men", date(2025, 3, 1))
    for name in ("Skater A", "Skater P"):
        memory_app.register_skater(name)
        memory_app.enter_starter(key, name)
    memory_app.record_finish(key, "Skater A", 97_500)
    memory_app.report_place(key, "Skater P", 2)
    answer = what_if(state_as_of(memory_app), key, 97_500, skater="Skater A")
    assert (answer.rank, answer.behind, answer.ahead_of) == (1, (), ("Skater P",))
