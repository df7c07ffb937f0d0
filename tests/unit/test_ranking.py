"""The ISU ranking rules (rules.md §1 and §4), as pure functions and end to end through the ledger.

- Rank on full precision: equal hundredths are split by thousandths.
- Equal at full precision share the place, and the next place is skipped.
- When only hundredths are known, equal hundredths share the place.
- DNF, DQ, DNS and WDR are unranked and come after every time, in a configurable order.
- A result known only by its published place keeps that place.

The real examples use the real skaters' published times only. A published list gives the winner's
time and each skater's gap to it; where a test needs a winner, it is an anonymous ``Skater`` whose
time is chosen so that the real skaters' published times and gaps come out as printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.timing import format_gap, format_time, truncate_to_hundredths
from ledger.domain.values import DEFAULT_UNRANKED_ORDER
from projections.ranking import competition_ranks, rank
from tests.helpers import board, draw, known, places, race_day, row_of, timed_race

# -- the pure functions ----------------------------------------------------------------------


@attrs.frozen
class Line:
    """One line of a result list, as the ranking functions see it."""

    name: str
    ms: int | None = None
    status: str = "OK"
    place: int | None = None


def ranked(lines: Sequence[Line], unranked_order: Sequence[str] = DEFAULT_UNRANKED_ORDER
           ) -> list[tuple[int | None, str]]:
    """(rank, name) in ranking order."""
    out = rank(lines, status=lambda i: i.status, time_ms=lambda i: i.ms, place=lambda i: i.place,
               name=lambda i: i.name, unranked_order=unranked_order)
    return [(position, line.name) for position, line in out]


def test_competition_ranks_give_a_tie_the_same_rank_and_skip_the_next() -> None:
    assert competition_ranks([67_010, 67_010, 67_100]) == [1, 1, 3]
    assert competition_ranks([66_000, 66_110, 67_010, 67_010, 67_010, 67_500]) == [1, 2, 3, 3, 3, 6]


def test_competition_ranks_of_distinct_times_count_one_to_n() -> None:
    assert competition_ranks([1, 2, 3, 4]) == [1, 2, 3, 4]
    assert competition_ranks([]) == []


def test_the_fastest_time_ranks_first_whatever_the_input_order() -> None:
    lines = [Line("Skater C", 70_000), Line("Skater A", 68_000), Line("Skater B", 69_000)]
    assert ranked(lines) == [(1, "Skater A"), (2, "Skater B"), (3, "Skater C")]


def test_equal_hundredths_are_split_by_thousandths() -> None:
    lines = [Line("Skater B", 371_618), Line("Skater A", 371_616)]
    assert ranked(lines) == [(1, "Skater A"), (2, "Skater B")]


def test_equal_thousandths_share_the_place_and_skip_the_next() -> None:
    lines = [Line("Skater D", 67_020), Line("Skater C", 67_010), Line("Skater B", 67_010),
             Line("Skater A", 66_000)]
    assert ranked(lines) == [(1, "Skater A"), (2, "Skater B"), (2, "Skater C"), (4, "Skater D")]


def test_three_equal_times_share_the_place_and_skip_two() -> None:
    lines = [Line(f"Skater {c}", 38_420) for c in "CBA"] + [Line("Skater D", 38_500)]
    assert ranked(lines) == [(1, "Skater A"), (1, "Skater B"), (1, "Skater C"), (4, "Skater D")]


def test_equal_hundredths_share_the_place_when_only_hundredths_are_known() -> None:
    # A manual or old list gives 1:08.07 for both: nothing splits them.
    lines = [Line("Skater B", 68_070), Line("Skater A", 68_070), Line("Skater C", 68_080)]
    assert ranked(lines) == [(1, "Skater A"), (1, "Skater B"), (3, "Skater C")]


def test_unranked_statuses_come_after_every_time_in_the_order_dnf_dq_dns_wdr() -> None:
    lines = [Line("Skater W", status="WDR"), Line("Skater S", status="DNS"),
             Line("Skater Q", 60_000, status="DQ"), Line("Skater F", status="DNF"),
             Line("Skater Z", 99_000)]
    assert ranked(lines) == [(1, "Skater Z"), (None, "Skater F"), (None, "Skater Q"),
                             (None, "Skater S"), (None, "Skater W")]


def test_a_custom_unranked_order_is_followed() -> None:
    lines = [Line("Skater W", status="WDR"), Line("Skater S", status="DNS"),
             Line("Skater Q", status="DQ"), Line("Skater F", status="DNF"), Line("Skater Z", 99_000)]
    order = ("DQ", "DNS", "WDR", "DNF")
    assert ranked(lines, unranked_order=order) == [
        (1, "Skater Z"), (None, "Skater Q"), (None, "Skater S"), (None, "Skater W"),
        (None, "Skater F")]


def test_skaters_with_the_same_status_are_listed_by_name() -> None:
    lines = [Line("Skater B", status="DNF"), Line("Skater A", status="DNF")]
    assert ranked(lines) == [(None, "Skater A"), (None, "Skater B")]


def test_a_disqualified_skater_is_unranked_even_with_the_fastest_measured_time() -> None:
    lines = [Line("Skater A", 60_000, status="DQ"), Line("Skater B", 70_000)]
    assert ranked(lines) == [(1, "Skater B"), (None, "Skater A")]


def test_a_published_place_without_a_time_keeps_its_place_between_times() -> None:
    lines = [Line("Skater A", 68_000), Line("Skater B", 69_000), Line("Skater P", place=2),
             Line("Skater C", 70_000)]
    assert ranked(lines) == [(1, "Skater A"), (2, "Skater P"), (3, "Skater B"), (4, "Skater C")]


def test_a_published_shared_place_is_kept_after_a_tie_of_times() -> None:
    lines = [Line("Skater A", 68_070), Line("Skater B", 68_070), Line("Skater P", place=3),
             Line("Skater C", 69_000)]
    assert ranked(lines) == [(1, "Skater A"), (1, "Skater B"), (3, "Skater P"), (4, "Skater C")]


def test_a_published_place_behind_every_known_time_comes_after_them() -> None:
    lines = [Line("Skater P", place=4), Line("Skater B", 69_000), Line("Skater A", 68_000)]
    assert [name for _, name in ranked(lines)] == ["Skater A", "Skater B", "Skater P"]


def test_a_result_with_neither_time_nor_place_is_not_ranked() -> None:
    lines = [Line("Skater A"), Line("Skater B", 68_000), Line("Skater F", status="DNF")]
    assert ranked(lines) == [(1, "Skater B"), (None, "Skater F"), (None, "Skater A")]


TIMES = st.lists(st.integers(min_value=25_000, max_value=26_000), max_size=12)


@given(times=TIMES)
def test_a_rank_is_one_plus_the_number_of_strictly_faster_times(times: list[int]) -> None:
    by_name = {f"Skater {n:02d}": ms for n, ms in enumerate(times)}
    lines = [Line(name, ms) for name, ms in by_name.items()]
    for position, name in ranked(lines):
        assert position == 1 + sum(ms < by_name[name] for ms in times)


@given(times=TIMES)
def test_ranking_never_puts_a_slower_time_before_a_faster_one(times: list[int]) -> None:
    by_name = {f"Skater {n:02d}": ms for n, ms in enumerate(times)}
    lines = [Line(name, ms) for name, ms in by_name.items()]
    shown = [by_name[name] for _, name in ranked(lines)]
    assert shown == sorted(times)


# -- end to end: the real examples of rules.md -----------------------------------------------


def test_olympic_5000_m_2018_bloemen_second_before_pedersen_third_both_shown_6_11_61(
        app: Ledger) -> None:
    key = timed_race(app, 5000, [("Skater W", 369_000), ("Ted-Jan Bloemen", 371_616),
                                 ("Sverre Lunde Pedersen", 371_618)],
                     competition="Olympic Winter Games 2018", day=date(2018, 2, 11))
    rows = board(app, key)
    assert [(r.rank, r.skater) for r in rows] == [
        (1, "Skater W"), (2, "Ted-Jan Bloemen"), (3, "Sverre Lunde Pedersen")]
    assert [format_time(known(r.time_ms)) for r in rows[1:]] == ["6:11.61", "6:11.61"]
    assert [r.time_ms for r in rows[1:]] == [371_616, 371_618]


def test_okt_2025_1000_m_nuis_third_and_prins_fourth_by_five_thousandths(memory_app: Ledger
                                                                          ) -> None:
    # The list: Nuis 1:07.54 +0.698, Prins 1:07.54 +0.703. The winner's time is chosen so both
    # gaps and both published times come out as printed.
    winner = 66_842
    key = timed_race(memory_app, 1000, [
        ("Skater W", winner), ("Skater S", 67_200),
        ("Kjeld Nuis", winner + 698), ("Tim Prins", winner + 703), ("Skater E", 68_000)],
        competition="OKT 2025")
    rows = board(memory_app, key)
    assert [(r.rank, r.skater) for r in rows][2:4] == [(3, "Kjeld Nuis"), (4, "Tim Prins")]
    assert [format_time(known(r.time_ms)) for r in rows[2:4]] == ["1:07.54", "1:07.54"]
    assert [format_gap(known(r.behind_ms)) for r in rows[2:4]] == ["+0.698", "+0.703"]


def test_world_cup_1_2025_26_1000_m_wennemars_and_mcleod_share_ninth_and_the_next_is_eleventh(
        memory_app: Ledger) -> None:
    # The list: Wennemars and McLeod both 1:07.01, +1.352: equal at full precision.
    winner = 67_010 - 1_352
    faster = [(f"Skater {n}", winner + 100 * n) for n in range(8)]
    times = [*faster, ("Joep Wennemars", 67_010), ("Cooper McLeod", 67_010), ("Skater K", 67_200)]
    key = timed_race(memory_app, 1000, times, competition="World Cup 1 2025/26")
    rows = board(memory_app, key)
    # Sharing ninth, they come in the order of the draw: pair 5, Wennemars in the inner lane.
    assert [(r.rank, r.skater) for r in rows][8:] == [
        (9, "Joep Wennemars"), (9, "Cooper McLeod"), (11, "Skater K")]
    assert {format_time(known(r.time_ms)) for r in rows[8:10]} == {"1:07.01"}
    assert {r.behind_ms for r in rows[8:10]} == {1_352}


def test_equal_hundredths_share_the_place_when_only_hundredths_are_known_in_the_ledger(
        memory_app: Ledger) -> None:
    key = race_day(memory_app, 500, ["Skater A", "Skater B", "Skater C"])
    for name, ms in (("Skater A", 38_420), ("Skater B", 38_420), ("Skater C", 38_520)):
        memory_app.record_finish(key, name, ms, source="manual")
    assert places(memory_app, key) == [(1, "Skater A"), (1, "Skater B"), (3, "Skater C")]


def test_the_gap_to_the_leader_is_kept_in_thousandths(memory_app: Ledger) -> None:
    key = timed_race(memory_app, 1000, [("Skater A", 67_538), ("Skater B", 68_241)])
    leader, second = board(memory_app, key)
    assert leader.behind_ms is None
    assert second.behind_ms == 703
    assert format_gap(second.behind_ms) == "+0.703"


def test_the_board_shows_full_precision_and_publishes_truncated_hundredths(memory_app: Ledger
                                                                           ) -> None:
    key = timed_race(memory_app, 1000, [("Skater A", 67_549)])
    (row,) = board(memory_app, key)
    assert row.time_ms == 67_549
    assert format_time(row.time_ms) == "1:07.54"
    assert truncate_to_hundredths(row.time_ms) == 67_540


def unranked_day(app: Ledger) -> str:
    """A 500 m with one time and one of each unranked outcome."""
    names = ["Skater T", "Skater F", "Skater Q", "Skater S", "Skater W"]
    key = race_day(app, 500, names)
    draw(app, key, ("Skater T", "Skater F"), ("Skater Q", "Skater S"), ("Skater W", None))
    app.record_withdrawal(key, "Skater W", "ill")
    app.record_dns(key, "Skater S")
    app.start(key, 1)
    app.record_finish(key, "Skater T", 39_000)
    app.record_fall(key, "Skater F", 300, went_on=False)
    app.start(key, 2)
    app.record_finish(key, "Skater Q", 38_000)
    app.disqualify(key, "Skater Q", "ISU 2xx: lane change", "Referee")
    return key


def test_dnf_dq_dns_and_wdr_come_after_all_times_in_the_default_order(app: Ledger) -> None:
    key = unranked_day(app)
    rows = board(app, key)
    assert [(r.rank, r.skater, r.status) for r in rows] == [
        (1, "Skater T", "OK"), (None, "Skater F", "DNF"), (None, "Skater Q", "DQ"),
        (None, "Skater S", "DNS"), (None, "Skater W", "WDR")]
    assert [r.time_ms for r in rows[1:]] == [None, None, None, None]


def test_dnf_dq_dns_and_wdr_follow_a_custom_unranked_order(memory_app: Ledger) -> None:
    key = unranked_day(memory_app)
    rows = board(memory_app, key, unranked_order=("WDR", "DNS", "DQ", "DNF"))
    assert [(r.rank, r.status) for r in rows] == [
        (1, "OK"), (None, "WDR"), (None, "DNS"), (None, "DQ"), (None, "DNF")]


def test_a_place_only_result_keeps_its_published_place_between_timed_results(
        memory_app: Ledger) -> None:
    key = timed_race(memory_app, 1000, [("Skater A", 68_000), ("Skater B", 69_000),
                                        ("Skater C", 70_000)])
    memory_app.register_skater("Skater P")
    memory_app.enter_starter(key, "Skater P")
    memory_app.report_place(key, "Skater P", 2)
    rows = board(memory_app, key)
    assert [(r.rank, r.skater) for r in rows] == [
        (1, "Skater A"), (2, "Skater P"), (3, "Skater B"), (4, "Skater C")]
    placed = row_of(memory_app, key, "Skater P")
    assert (placed.time_ms, placed.behind_ms, placed.place_reported) == (None, None, True)
    assert row_of(memory_app, key, "Skater B").behind_ms == 1_000


@pytest.mark.parametrize("after_pair", [1, 2])
def test_the_board_after_a_pair_ranks_only_the_pairs_skated_so_far(memory_app: Ledger,
                                                                   after_pair: int) -> None:
    key = timed_race(memory_app, 500, [("Skater A", 39_000), ("Skater B", 38_900),
                                       ("Skater C", 38_000), ("Skater D", 38_500)])
    expected = {1: [(1, "Skater B"), (2, "Skater A")],
                2: [(1, "Skater C"), (2, "Skater D"), (3, "Skater B"), (4, "Skater A")]}
    assert places(memory_app, key, after_pair=after_pair) == expected[after_pair]


def unknown_pair_day(app: Ledger, draw_pair_3: bool) -> str:
    """Six entered: pairs 1 and 2 drawn, pair 3 drawn only when asked; Skater F's pair is not known
    (a list gave her time, not her pair)."""
    key = race_day(app, 500, ["Skater A", "Skater B", "Skater C", "Skater D", "Skater E", "Skater F"])
    draw(app, key, ("Skater A", "Skater B"), ("Skater C", "Skater D"))
    if draw_pair_3:
        app.draw_pair(key, 3, "Skater E", None)
    for name, ms in (("Skater A", 39_000), ("Skater B", 38_900), ("Skater F", 38_000)):
        app.record_finish(key, name, ms)
    return key


def test_a_skater_of_unknown_pair_is_left_out_after_pair_n_while_some_later_pair_is_undrawn(
        memory_app: Ledger) -> None:
    # pair 2 is drawn but pair 3 is not: Skater F may be in pair 3, so she had not raced after pair 1
    key = unknown_pair_day(memory_app, draw_pair_3=False)
    assert places(memory_app, key, after_pair=1) == [(1, "Skater B"), (2, "Skater A")]


def test_a_skater_of_unknown_pair_counts_after_pair_n_once_every_later_pair_is_drawn_without_her(
        memory_app: Ledger) -> None:
    key = unknown_pair_day(memory_app, draw_pair_3=True)
    assert places(memory_app, key, after_pair=1) == [
        (1, "Skater F"), (2, "Skater B"), (3, "Skater A")]


# -- lists that print hundredths but ranked on thousandths ---------------------------------------
def test_equal_hundredths_from_a_list_keep_the_lists_order_when_it_separated_them(memory_app: Ledger) -> None:
    """World Cup 2 2025/26 women's 1000 m: van Elst and Bosiek both 1:15.42 (+3.060), yet 17th
    and 18th: the list had thousandths it did not print. Our ranking keeps the list's order then."""
    from datetime import date

    from projections.basis import state_as_of
    from projections.leaderboard import leaderboard
    app = memory_app
    comp = app.schedule_competition("World Cup 2 2025/2026", "Olympic Oval", date(2025, 11, 21))
    key = app.schedule_race(comp, 1000, "women", date(2025, 11, 21))
    for name, place in (("Isabelle van Elst", 17), ("Karolina Bosiek", 18), ("Skater Z", 18)):
        app.register_skater(name)
        app.enter_starter(key, name)
        app.record_finish(key, name, 75_420, source="list", precision_ms=10)
        app.report_place(key, name, place)
    rows = leaderboard(state_as_of(app), key).rows
    assert [(r.rank, r.skater) for r in rows] == [
        (1, "Isabelle van Elst"), (2, "Karolina Bosiek"), (2, "Skater Z")]


def test_equal_thousandths_share_the_place_whatever_the_list_order(memory_app: Ledger) -> None:
    from datetime import date

    from projections.basis import state_as_of
    from projections.leaderboard import leaderboard
    app = memory_app
    comp = app.schedule_competition("Tie Cup", "Rink", date(2025, 11, 21))
    key = app.schedule_race(comp, 1000, "men", date(2025, 11, 21))
    for name, place in (("Skater X", 9), ("Skater Y", 10)):
        app.register_skater(name)
        app.enter_starter(key, name)
        app.record_finish(key, name, 67_013)
        app.report_place(key, name, place)
    assert [r.rank for r in leaderboard(state_as_of(app), key).rows] == [1, 1]
