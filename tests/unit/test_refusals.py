"""Refusals, retransmissions and the race-day rules that change a result (rules.md §3–§5).

Bad input raises a clear error — the specific :class:`~ledger.domain.errors.LedgerError`, with a message
that names the problem — and appends nothing. Expected outcomes (a false start, a fall, a re-skate,
a DQ and its void) are facts, and the leaderboard follows them.

A few tests run on every store (``app``), so that "appends nothing" is checked where it matters;
the rest on the in-process store (``memory_app``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import (
    InvalidInputError,
    InvalidTimeError,
    LedgerError,
    RefusedFactError,
    ResultsOfficialError,
    UnknownFactError,
    UnknownRaceError,
    UnknownSkaterError,
)
from ledger.domain.kinds import FactKind
from ledger.domain.values import RaceRules, device_fact_id
from projections.basis import state_as_of
from projections.leaderboard import leaderboard
from tests.helpers import board, draw, known, places, race_day, row_of

SKATERS = ("Skater A", "Skater B", "Skater C", "Skater D")
ANNOUNCED = datetime(2025, 11, 14, 15, 2, tzinfo=UTC)


def live_race(app: Ledger, distance_m: int = 1000) -> str:
    """Four skaters in two pairs, (A, B) and (C, D); pair 1 is on the ice. Skater X is registered
    but not entered; Skater E is entered but not drawn."""
    key = race_day(app, distance_m, [*SKATERS, "Skater E"])
    app.register_skater("Skater X")
    draw(app, key, ("Skater A", "Skater B"), ("Skater C", "Skater D"))
    app.start(key, 1)
    return key


def official_race(app: Ledger) -> str:
    """Pair 1 finished (A 1:08.000, B 1:09.000), pair 2 not skated, and the results declared
    official by force (with the referee's reason)."""
    key = live_race(app)
    app.record_finish(key, "Skater A", 68_000)
    app.record_finish(key, "Skater B", 69_000)
    app.declare_official(key, "Referee R", ANNOUNCED, forced_reason="pair 2 is postponed")
    return key


@contextmanager
def refused(app: Ledger, error: type[LedgerError], match: str) -> Iterator[None]:
    """The command inside raises exactly ``error`` with a message matching ``match``, and the log
    does not grow."""
    before = app.last_position()
    with pytest.raises(error, match=match) as raised:
        yield
    assert type(raised.value) is error
    assert app.last_position() == before


# -- unknown race, unknown skater, wrong pair ------------------------------------------------


def test_a_fact_for_an_unknown_race_is_refused(app: Ledger) -> None:
    live_race(app)
    with refused(app, UnknownRaceError, r"race 'test-cup-2025/men-5000m' is not in the ledger"):
        app.record_finish("test-cup-2025/men-5000m", "Skater A", 68_000)


def test_a_fact_for_an_unregistered_skater_is_refused(app: Ledger) -> None:
    key = live_race(app)
    with refused(app, UnknownSkaterError, r"skater 'Skater Nobody' is not registered"):
        app.record_finish(key, "Skater Nobody", 68_000)


def test_a_passing_for_a_skater_not_entered_in_the_race_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    with refused(memory_app, UnknownSkaterError, r"'Skater X' is not entered in test-cup-2025"):
        memory_app.record_passing(key, "Skater X", 200, 17_000)


def test_a_false_start_by_a_skater_not_drawn_in_a_pair_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    with refused(memory_app, RefusedFactError, r"has no pair .*draw the pairs first"):
        memory_app.false_start(key, "Skater E")


def test_a_false_start_by_a_skater_whose_pair_is_not_on_the_ice_is_refused(memory_app: Ledger
                                                                             ) -> None:
    key = live_race(memory_app)
    with refused(memory_app, RefusedFactError, r"pair 2 has not been started"):
        memory_app.false_start(key, "Skater C")


# -- passings and finishes -------------------------------------------------------------------


def test_a_passing_at_a_point_the_distance_does_not_have_is_refused(app: Ledger) -> None:
    key = live_race(app)
    with refused(app, InvalidInputError,
                 r"400 m is not a passing point of the 1000 m \(200, 600, 1000\)"):
        app.record_passing(key, "Skater A", 400, 30_000)


def test_a_passing_that_is_not_later_than_the_one_before_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.record_passing(key, "Skater A", 200, 32_000)
    with refused(memory_app, RefusedFactError,
                 r"31\.000 at 600 m does not follow 32\.000 at 200 m: passing times must increase"):
        memory_app.record_passing(key, "Skater A", 600, 31_000)


def test_a_passing_recorded_late_must_still_be_earlier_than_the_next_point(memory_app: Ledger
                                                                           ) -> None:
    key = live_race(memory_app)
    memory_app.record_passing(key, "Skater A", 600, 45_000)
    with refused(memory_app, RefusedFactError, r"passing times must increase"):
        memory_app.record_passing(key, "Skater A", 200, 45_000)


def test_a_finish_before_the_last_passing_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.record_passing(key, "Skater A", 600, 60_000)
    with refused(memory_app, RefusedFactError,
                 r"finish 59\.000 is not after the last passing \(1:00\.000 at 600 m\)"):
        memory_app.record_finish(key, "Skater A", 59_000)


@pytest.mark.parametrize(
    ("at_ms", "problem"),
    [(0, "not positive"), (-68_000, "not positive"), (20_000, "impossibly fast for 1000 m"),
     (3_600_000, "absurdly slow for 1000 m")],
)
def test_a_zero_negative_or_absurd_finish_is_refused(memory_app: Ledger, at_ms: int,
                                                     problem: str) -> None:
    key = live_race(memory_app)
    with refused(memory_app, InvalidTimeError, problem):
        memory_app.record_finish(key, "Skater A", at_ms)


@pytest.mark.parametrize(
    ("at_ms", "problem"),
    [(0, "not positive"), (-1, "not positive"), (5_000, "impossibly fast for 200 m"),
     (600_000, "absurdly slow for 200 m")],
)
def test_a_zero_negative_or_absurd_passing_is_refused(memory_app: Ledger, at_ms: int,
                                                      problem: str) -> None:
    key = live_race(memory_app)
    with refused(memory_app, InvalidTimeError, problem):
        memory_app.record_passing(key, "Skater A", 200, at_ms)


def test_a_second_finish_with_another_time_is_refused(app: Ledger) -> None:
    key = live_race(app)
    app.record_finish(key, "Skater A", 69_000)
    with refused(app, RefusedFactError,
                 r"the finish is already recorded as 1:09\.000; record a correction to change it"):
        app.record_finish(key, "Skater A", 68_500)


def test_a_second_passing_at_the_same_point_from_the_same_source_is_refused(memory_app: Ledger
                                                                            ) -> None:
    key = live_race(memory_app)
    memory_app.record_passing(key, "Skater A", 200, 17_000, source="transponder")
    with refused(memory_app, RefusedFactError, r"passing at 200 m \(transponder\) is already"):
        memory_app.record_passing(key, "Skater A", 200, 17_100, source="transponder")


def test_a_finish_after_a_dnf_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.record_dnf(key, "Skater A", 600, "stopped")
    with refused(memory_app, RefusedFactError, r"already has a DNF .*needs a correction"):
        memory_app.record_finish(key, "Skater A", 70_000)


def test_a_passing_after_a_dnf_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.record_dnf(key, "Skater A", 200, "stopped")
    with refused(memory_app, RefusedFactError, r"cannot record a passing: .*already has a DNF"):
        memory_app.record_passing(key, "Skater A", 600, 45_000)


def test_a_finish_after_a_dq_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.disqualify(key, "Skater A", "ISU 2xx: cut the curve", "Referee R")
    with refused(memory_app, RefusedFactError, r"cannot record a finish: .*already has a DQ"):
        memory_app.record_finish(key, "Skater A", 70_000)


def test_a_passing_after_the_finish_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.record_finish(key, "Skater A", 70_000)
    with refused(memory_app, RefusedFactError, r"already has a finish"):
        memory_app.record_passing(key, "Skater A", 600, 45_000)


# -- corrections -----------------------------------------------------------------------------


def test_a_correction_of_a_fact_that_does_not_exist_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    missing = uuid4()
    with refused(memory_app, UnknownFactError, rf"holds no fact {missing}"):
        memory_app.correct_time(key, missing, 68_000, "backup timing", "Referee R")


def test_a_void_of_a_fact_that_does_not_exist_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    missing = uuid4()
    with refused(memory_app, UnknownFactError, rf"holds no fact {missing}"):
        memory_app.void_fact(key, missing, "protest upheld", "Jury")


def test_a_correction_of_a_finish_never_recorded_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    with refused(memory_app, UnknownFactError, r"no finish for 'Skater A' to correct"):
        memory_app.find_fact(key, "Skater A", "finish")


@pytest.mark.parametrize(
    ("reason", "author", "problem"),
    [("", "Referee R", "a correction needs a reason"),
     ("   ", "Referee R", "a correction needs a reason"),
     ("backup timing", "", r"a correction needs an author")],
)
def test_a_correction_without_a_reason_or_an_author_is_refused(memory_app: Ledger, reason: str,
                                                               author: str, problem: str) -> None:
    key = live_race(memory_app)
    memory_app.record_finish(key, "Skater A", 68_000)
    target = memory_app.find_fact(key, "Skater A", "finish").fact_id
    with refused(memory_app, InvalidInputError, problem):
        memory_app.correct_time(key, target, 68_100, reason, author)


# -- after the results are official ----------------------------------------------------------


def test_a_new_finish_after_the_results_are_official_is_refused(app: Ledger) -> None:
    key = official_race(app)
    with refused(app, ResultsOfficialError,
                 r"cannot record a finish: the results of .* are official; record a correction"):
        app.record_finish(key, "Skater C", 70_000)


OFFICIAL_REFUSALS: dict[str, Callable[[Ledger, str], object]] = {
    "record a passing": lambda app, key: app.record_passing(key, "Skater C", 200, 17_000),
    "start a pair": lambda app, key: app.start(key, 2),
    "record a false start": lambda app, key: app.false_start(key, "Skater C"),
    "record a fall": lambda app, key: app.record_fall(key, "Skater C", 200, went_on=True),
    "record a DNF": lambda app, key: app.record_dnf(key, "Skater C", 200),
    "record did not start": lambda app, key: app.record_dns(key, "Skater C"),
    "record withdrawn": lambda app, key: app.record_withdrawal(key, "Skater D"),
    "report a place": lambda app, key: app.report_place(key, "Skater C", 3),
    "draw a pair": lambda app, key: app.draw_pair(key, 3, "Skater E", None),
    "grant a re-skate": lambda app, key: app.grant_reskate(key, "Skater B", "hindered", "Ref"),
    "clear the clock": lambda app, key: app.clear_clock(key, 1, "restart"),
    "disqualify": lambda app, key: app.disqualify(key, "Skater A", "ISU 2xx: lane change"),
}


@pytest.mark.parametrize("what", OFFICIAL_REFUSALS)
def test_any_change_after_the_results_are_official_without_a_correction_is_refused(
        memory_app: Ledger, what: str) -> None:
    key = official_race(memory_app)
    with refused(memory_app, ResultsOfficialError, rf"cannot {what}\b.*are official"):
        OFFICIAL_REFUSALS[what](memory_app, key)
    assert places(memory_app, key) == [(1, "Skater A"), (2, "Skater B")]


def test_a_correction_after_the_results_are_official_without_a_reason_is_refused(
        memory_app: Ledger) -> None:
    key = official_race(memory_app)
    target = memory_app.find_fact(key, "Skater B", "finish").fact_id
    with refused(memory_app, InvalidInputError, r"a correction needs a reason"):
        memory_app.correct_time(key, target, 67_900, "", "Referee R")


def test_a_correction_after_the_results_are_official_with_a_reason_and_author_is_accepted(
        app: Ledger) -> None:
    key = official_race(app)
    before = app.last_position()
    target = app.find_fact(key, "Skater B", "finish").fact_id
    position = app.correct_time(key, target, 67_900, "photo-finish read again", "Referee R")
    assert position == before + 1 == app.last_position()
    assert places(app, key) == [(1, "Skater B"), (2, "Skater A")]
    assert row_of(app, key, "Skater B").time_ms == 67_900
    (correction,) = app.race(key).sheet.facts[target].corrections
    assert correction["before"] == 69_000
    assert (correction["reason"], correction["author"]) == ("photo-finish read again", "Referee R")


def test_a_disqualification_after_the_results_are_official_with_an_author_is_accepted(
        memory_app: Ledger) -> None:
    key = official_race(memory_app)
    assert memory_app.disqualify(key, "Skater A", "ISU 2xx: lane change", "Jury") is not None
    assert places(memory_app, key) == [(1, "Skater B"), (None, "Skater A")]


def test_declaring_the_results_official_needs_the_referee(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    with refused(memory_app, InvalidInputError, r"needs the referee's name"):
        memory_app.declare_official(key, "  ", ANNOUNCED)


# -- retransmissions -------------------------------------------------------------------------


def test_a_retransmitted_finish_is_stored_once(app: Ledger) -> None:
    key = live_race(app)
    first = app.record_finish(key, "Skater A", 68_000)
    assert first == app.last_position()
    assert app.record_finish(key, "Skater A", 68_000) is None
    assert app.last_position() == first


def test_a_retransmitted_passing_is_stored_once(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    first = memory_app.record_passing(key, "Skater A", 200, 17_000)
    assert memory_app.record_passing(key, "Skater A", 200, 17_000) is None
    assert memory_app.last_position() == first


def test_a_fact_retransmitted_by_the_timing_device_is_stored_once(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    fid = device_fact_id("vantage-thialf", 4711)
    first = memory_app.record_passing(key, "Skater A", 200, 17_000, fid=fid)
    assert first is not None
    assert memory_app.record_passing(key, "Skater A", 200, 17_000, fid=fid) is None
    assert memory_app.last_position() == first
    assert memory_app.race(key).sheet.facts[fid].ms == 17_000


def test_a_device_fact_id_sent_again_with_another_time_is_refused(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    fid = device_fact_id("vantage-thialf", 4711)
    memory_app.record_passing(key, "Skater A", 200, 17_000, fid=fid)
    with refused(memory_app, RefusedFactError, r"already recorded as 17\.000"):
        memory_app.record_passing(key, "Skater A", 200, 17_050, fid=fid)


def test_the_same_passing_from_another_source_is_a_new_fact(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    first = memory_app.record_passing(key, "Skater A", 200, 17_000, source="transponder")
    second = memory_app.record_passing(key, "Skater A", 200, 17_004, source="optical")
    assert first is not None
    assert second == first + 1


# -- false starts and cleared clocks ---------------------------------------------------------


def dq_rules(app: Ledger, key: str, skater: str) -> list[str]:
    sheet = app.race(key).sheet
    return [f.detail["rule"] for f in sheet.live_facts(app.skater(skater), frozenset({FactKind.DQ}))]


def test_the_second_false_start_by_the_same_skater_disqualifies(app: Ledger) -> None:
    key = live_race(app)
    app.false_start(key, "Skater A")
    assert dq_rules(app, key, "Skater A") == []
    app.start(key, 1)
    app.false_start(key, "Skater A")
    assert dq_rules(app, key, "Skater A") == [RaceRules().false_start_rule]
    app.start(key, 1)
    app.record_finish(key, "Skater B", 69_000)
    assert [(r.rank, r.skater, r.status) for r in board(app, key)] == [
        (1, "Skater B", "OK"), (None, "Skater A", "DQ")]


def test_one_false_start_each_disqualifies_nobody_when_counted_per_skater(memory_app: Ledger
                                                                          ) -> None:
    key = live_race(memory_app)
    memory_app.false_start(key, "Skater A")
    memory_app.start(key, 1)
    memory_app.false_start(key, "Skater B")
    assert dq_rules(memory_app, key, "Skater A") == dq_rules(memory_app, key, "Skater B") == []


def test_the_second_false_start_of_the_pair_disqualifies_its_author_when_counted_per_pair(
        ) -> None:
    memory_app = build_app("memory", rules=RaceRules(false_start_scope="pair"))
    key = live_race(memory_app)
    memory_app.false_start(key, "Skater A")
    memory_app.start(key, 1)
    memory_app.false_start(key, "Skater B")
    assert dq_rules(memory_app, key, "Skater A") == []
    assert dq_rules(memory_app, key, "Skater B") == [RaceRules().false_start_rule]


def test_the_rules_are_given_at_the_root_and_each_ledger_holds_its_own() -> None:
    assert build_app("memory").rules == RaceRules()
    per_pair = build_app("memory", rules=RaceRules(false_start_scope="pair"))
    assert per_pair.rules.false_start_scope == "pair"
    assert build_app("memory").rules.false_start_scope == "skater"  # not shared through the class


def test_a_retransmitted_false_start_is_stored_once_and_does_not_disqualify(memory_app: Ledger
                                                                            ) -> None:
    key = live_race(memory_app)
    first = memory_app.false_start(key, "Skater A")
    assert memory_app.false_start(key, "Skater A") is None
    assert memory_app.last_position() == first
    assert dq_rules(memory_app, key, "Skater A") == []


def live_passings(app: Ledger, key: str, skater: str) -> list[tuple[int | None, int | None]]:
    sheet = app.race(key).sheet
    sid = app.skater(skater)
    return [(f.metres, f.ms) for f in sheet.passings(sid, sheet.attempt_of(sid))]


def test_a_false_start_voids_the_passings_of_the_pair(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.record_passing(key, "Skater A", 200, 17_000)
    memory_app.record_passing(key, "Skater B", 200, 17_200)
    memory_app.false_start(key, "Skater B")
    assert live_passings(memory_app, key, "Skater A") == []
    assert live_passings(memory_app, key, "Skater B") == []
    memory_app.start(key, 1)
    memory_app.record_passing(key, "Skater A", 200, 16_900)
    assert live_passings(memory_app, key, "Skater A") == [(200, 16_900)]


def test_no_passing_is_taken_while_the_clock_is_stopped_by_a_false_start(memory_app: Ledger
                                                                          ) -> None:
    key = live_race(memory_app)
    memory_app.false_start(key, "Skater A")
    with refused(memory_app, RefusedFactError, r"clock of pair 1 is stopped.*record a new start"):
        memory_app.record_passing(key, "Skater A", 200, 17_000)


def test_a_cleared_clock_voids_the_passings_of_its_pair_only(app: Ledger) -> None:
    key = live_race(app)
    app.start(key, 2)
    app.record_passing(key, "Skater A", 200, 17_000)
    app.record_passing(key, "Skater B", 200, 17_100)
    app.record_passing(key, "Skater C", 200, 17_300)
    app.clear_clock(key, 1, "start signal failed")
    assert live_passings(app, key, "Skater A") == live_passings(app, key, "Skater B") == []
    assert live_passings(app, key, "Skater C") == [(200, 17_300)]


# -- re-skates -------------------------------------------------------------------------------


def reskate_day(app: Ledger, first: int | None, second: int) -> str:
    """Skater A is hindered in pair 1 (``first`` is her time, None when she did not finish), and
    re-skates in pair 3 next to Skater E, who had no partner."""
    key = live_race(app)
    app.draw_pair(key, 3, "Skater E", None)
    if first is None:
        app.record_passing(key, "Skater A", 200, 17_000)
        app.record_dnf(key, "Skater A", reason="hindered by a fallen skater at the crossing")
    else:
        app.record_finish(key, "Skater A", first)
    app.record_finish(key, "Skater B", 69_000)
    app.grant_reskate(key, "Skater A", "hindered at the crossing", "Referee R", pair=3)
    app.start(key, 3)
    app.record_finish(key, "Skater A", second)
    app.record_finish(key, "Skater E", 70_000)
    return key


def test_a_reskate_faster_than_the_hindered_race_counts(memory_app: Ledger) -> None:
    key = reskate_day(memory_app, first=69_500, second=68_700)
    assert places(memory_app, key) == [(1, "Skater A"), (2, "Skater B"), (3, "Skater E")]
    assert row_of(memory_app, key, "Skater A").time_ms == 68_700


def test_a_reskate_slower_than_the_completed_hindered_race_leaves_the_first_time(
        memory_app: Ledger) -> None:
    key = reskate_day(memory_app, first=68_700, second=69_500)
    assert row_of(memory_app, key, "Skater A").time_ms == 68_700
    assert places(memory_app, key)[0] == (1, "Skater A")


def test_a_hindered_race_that_was_not_completed_does_not_count(memory_app: Ledger) -> None:
    key = reskate_day(memory_app, first=None, second=69_500)
    row = row_of(memory_app, key, "Skater A")
    assert (row.rank, row.status, row.time_ms) == (2, "OK", 69_500)


def test_a_reskate_needs_a_reason_and_an_author(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    with refused(memory_app, InvalidInputError, r"a re-skate needs a reason"):
        memory_app.grant_reskate(key, "Skater A", "", "Referee R")


def test_a_disqualified_skater_gets_no_reskate(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.disqualify(key, "Skater A", "ISU 2xx: lane change", "Referee R")
    with refused(memory_app, RefusedFactError, r"disqualified skater gets no re-skate"):
        memory_app.grant_reskate(key, "Skater A", "hindered", "Referee R")


def test_a_dq_during_the_reskate_closes_the_whole_race_not_only_the_reskate(
        memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.draw_pair(key, 3, "Skater E", None)
    memory_app.record_finish(key, "Skater A", 68_000)
    memory_app.grant_reskate(key, "Skater A", "hindered at the crossing", "Referee R", pair=3)
    memory_app.start(key, 3)
    memory_app.record_passing(key, "Skater A", 200, 17_000)
    memory_app.disqualify(key, "Skater A", "ISU 256: leaving the lane", "Referee R")
    with refused(memory_app, RefusedFactError, r"already has a DQ"):
        memory_app.record_finish(key, "Skater A", 69_000)
    row = row_of(memory_app, key, "Skater A")
    assert (row.rank, row.status, row.time_ms) == (None, "DQ", None)  # nor the first race's time


def test_a_dns_for_the_reskate_closes_the_whole_race_not_only_the_reskate(
        memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.draw_pair(key, 3, "Skater E", None)
    memory_app.clear_clock(key, 1, "an obstacle on the ice")
    memory_app.grant_reskate(key, "Skater A", "obstacle on the ice", "Referee R", pair=3)
    memory_app.record_dns(key, "Skater A")
    memory_app.start(key, 3)
    with refused(memory_app, RefusedFactError, r"already has a DNS"):
        memory_app.record_finish(key, "Skater A", 69_000)
    assert row_of(memory_app, key, "Skater A").status == "DNS"


# -- falls, DNF and DQ -----------------------------------------------------------------------


def test_a_fall_without_going_on_records_a_dnf_with_the_metres_reached(memory_app: Ledger
                                                                       ) -> None:
    key = live_race(memory_app)
    memory_app.record_passing(key, "Skater A", 200, 17_000)
    memory_app.record_fall(key, "Skater A", 500, went_on=False)
    row = row_of(memory_app, key, "Skater A")
    assert (row.rank, row.status, row.time_ms) == (None, "DNF", None)
    sheet = memory_app.race(key).sheet
    (dnf,) = sheet.live_facts(memory_app.skater("Skater A"), frozenset({FactKind.DNF}))
    assert dnf.metres == 500
    assert dnf.detail["reason"] == "fell at 500 m"


def test_a_dnf_without_metres_takes_the_last_passing_as_the_metres_reached(memory_app: Ledger
                                                                           ) -> None:
    key = live_race(memory_app)
    memory_app.record_passing(key, "Skater A", 200, 17_000)
    memory_app.record_passing(key, "Skater A", 600, 45_000)
    memory_app.record_dnf(key, "Skater A", reason="stopped")
    sheet = memory_app.race(key).sheet
    (dnf,) = sheet.live_facts(memory_app.skater("Skater A"), frozenset({FactKind.DNF}))
    assert dnf.metres == 600


def test_a_skater_who_falls_and_goes_on_gets_a_time_and_a_rank(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.record_fall(key, "Skater A", 500, went_on=True)
    memory_app.record_finish(key, "Skater A", 95_000)
    memory_app.record_finish(key, "Skater B", 69_000)
    assert places(memory_app, key) == [(1, "Skater B"), (2, "Skater A")]


def test_voiding_a_dq_restores_the_skaters_time_and_rank(app: Ledger) -> None:
    key = live_race(app)
    app.record_finish(key, "Skater A", 68_000)
    app.record_finish(key, "Skater B", 69_000)
    app.disqualify(key, "Skater A", "ISU 2xx: crossing-straight collision", "Referee R")
    assert places(app, key) == [(1, "Skater B"), (None, "Skater A")]
    dq = app.race(key).sheet.first(app.skater("Skater A"), FactKind.DQ)
    assert dq is not None
    app.void_fact(key, dq.fact_id, "protest upheld: the other skater was responsible", "Jury")
    assert places(app, key) == [(1, "Skater A"), (2, "Skater B")]
    assert row_of(app, key, "Skater A").time_ms == 68_000
    assert row_of(app, key, "Skater B").behind_ms == 1_000


def test_a_disqualification_sent_twice_is_stored_once(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    first = memory_app.disqualify(key, "Skater A", "ISU 2xx: lane change", "Referee R")
    assert memory_app.disqualify(key, "Skater A", "ISU 2xx: lane change", "Referee R") is None
    assert memory_app.last_position() == first
    assert dq_rules(memory_app, key, "Skater A") == ["ISU 2xx: lane change"]


def test_a_disqualification_needs_the_rule_broken(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    with refused(memory_app, InvalidInputError, r"needs the rule broken"):
        memory_app.disqualify(key, "Skater A", "  ", "Referee R")


def test_a_skater_who_raced_cannot_be_recorded_as_not_started(memory_app: Ledger) -> None:
    key = live_race(memory_app)
    memory_app.record_passing(key, "Skater A", 200, 17_000)
    with refused(memory_app, RefusedFactError, r"cannot record did not start: .*already raced"):
        memory_app.record_dns(key, "Skater A")


# -- found in review: a second DQ, re-skates in a new pair, live races need a start --------------
def test_a_second_disqualification_with_another_rule_is_refused(memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("Review Cup", "Rink", date(2025, 3, 1))
    key = app.schedule_race(comp, 500, "men", date(2025, 3, 1))
    app.register_skater("Skater R")
    app.enter_starter(key, "Skater R")
    app.disqualify(key, "Skater R", "ISU 253: lane change", "Referee")
    assert app.disqualify(key, "Skater R", "ISU 253: lane change", "Referee") is None
    before = app.last_position()
    with pytest.raises(RefusedFactError, match="already disqualified"):
        app.disqualify(key, "Skater R", "ISU 255: false start", "Referee")
    assert app.last_position() == before


def test_a_reskate_in_a_new_pair_starts_with_a_fresh_clock_and_the_better_time_counts(
        memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("Review Cup", "Rink", date(2025, 3, 1))
    key = app.schedule_race(comp, 500, "men", date(2025, 3, 1))
    for name in ("Skater S", "Skater T"):
        app.register_skater(name)
    app.draw_pair(key, 1, "Skater S", "Skater T")
    app.start(key, 1)
    app.record_finish(key, "Skater S", 36_500)
    app.record_finish(key, "Skater T", 35_900)
    app.grant_reskate(key, "Skater S", "hindered at the crossing", "Referee", pair=9)
    with pytest.raises(RefusedFactError, match="pair 9 has not been started"):
        app.record_finish(key, "Skater S", 35_800)
    app.start(key, 9)
    app.record_finish(key, "Skater S", 35_800)
    rows = leaderboard(state_as_of(app), key).rows
    assert [(r.rank, r.skater, r.time_ms, r.pair) for r in rows] == [
        (1, "Skater S", 35_800, 9), (2, "Skater T", 35_900, 1)]


def test_clearing_the_clock_keeps_the_times_recorded_before_the_latest_start(memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("Review Cup", "Rink", date(2025, 3, 1))
    key = app.schedule_race(comp, 500, "men", date(2025, 3, 1))
    for name in ("Skater U", "Skater V"):
        app.register_skater(name)
    app.draw_pair(key, 1, "Skater U", "Skater V")
    app.start(key, 1)
    app.record_finish(key, "Skater U", 36_000)
    app.grant_reskate(key, "Skater V", "obstacle on the ice", "Referee")
    app.start(key, 1)
    app.record_passing(key, "Skater V", 100, 10_400)
    app.clear_clock(key, 1, "false start recall")
    race = app.race(key)
    assert known(race.sheet.finish(app.skater("Skater U"), 1)).ms == 36_000
    assert race.sheet.passings(app.skater("Skater V"), 2) == []
