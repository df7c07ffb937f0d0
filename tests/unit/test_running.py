"""Where a race stands, as the rink's board shows it (projections/running.py; decision 0027).

A race is scheduled until its first start or result, running while a pair is on the ice or a drawn
pair is still to skate, provisional when none is left, official once declared. The next pair is the
first drawn pair after the one started last that has not skated; a pair whose skaters both withdrew
is skipped, a pair with one left still goes. A skater's times at the passing points before the
finish each carry the lap since the point before; a point not passed leaves the next lap unknown.
"""

from __future__ import annotations

from ledger.application import Ledger
from ledger.domain.race_state import RaceState
from projections.basis import Basis, state_as_of
from projections.running import laps_shown, next_pair, race_status, splits_of
from tests.helpers import RACE_DAY, draw, known, race_day

SKATERS = ["Skater A", "Skater B", "Skater C", "Skater D", "Skater E", "Skater F"]


def sheet_of(app: Ledger, key: str) -> RaceState:
    return known(state_as_of(app, Basis()).sheet(key))


def drawn(app: Ledger, distance_m: int = 1000) -> str:
    key = race_day(app, distance_m, SKATERS)
    draw(app, key, ("Skater A", "Skater B"), ("Skater C", "Skater D"), ("Skater E", "Skater F"))
    return key


def test_a_race_goes_scheduled_running_provisional_official(memory_app: Ledger) -> None:
    key = drawn(memory_app)
    seen = [race_status(sheet_of(memory_app, key))]
    for pair, (inner, outer) in enumerate((("Skater A", "Skater B"), ("Skater C", "Skater D"),
                                           ("Skater E", "Skater F")), start=1):
        memory_app.start(key, pair)
        seen.append(race_status(sheet_of(memory_app, key)))  # on the ice
        memory_app.record_finish(key, inner, 76_000 + pair)
        memory_app.record_finish(key, outer, 77_000 + pair)
        seen.append(race_status(sheet_of(memory_app, key)))  # between pairs, or after the last
    memory_app.declare_official(key, "Referee R")
    seen.append(race_status(sheet_of(memory_app, key)))
    assert seen == ["scheduled", "running", "running", "running", "running", "running",
                    "provisional", "official"]


def test_the_next_pair_follows_the_one_started_last_and_none_after_the_last(memory_app: Ledger) -> None:
    key = drawn(memory_app)
    assert next_pair(sheet_of(memory_app, key)) == 1  # before any start
    memory_app.start(key, 1)
    assert next_pair(sheet_of(memory_app, key)) == 2  # while pair 1 skates
    memory_app.record_finish(key, "Skater A", 76_000)
    memory_app.record_finish(key, "Skater B", 77_000)
    assert next_pair(sheet_of(memory_app, key)) == 2
    memory_app.start(key, 2)
    memory_app.start(key, 3)
    assert next_pair(sheet_of(memory_app, key)) is None


def test_a_pair_whose_skaters_both_withdrew_is_skipped_one_left_still_goes(memory_app: Ledger) -> None:
    key = drawn(memory_app)
    memory_app.record_withdrawal(key, "Skater A")
    memory_app.record_withdrawal(key, "Skater B")
    memory_app.record_withdrawal(key, "Skater C")
    sheet = sheet_of(memory_app, key)
    assert next_pair(sheet) == 2  # Skater D skates alone
    assert race_status(sheet) == "running"  # withdrawals are results: the race has begun


def test_a_pair_known_only_from_a_result_has_skated(memory_app: Ledger) -> None:
    """A list gives a time of pair 1 and no start: pair 1 skated, the next is 2 (the demo's men's
    5000 m: pair 9's Bosker has no place in the reports, but Bergsma's time says pair 9 skated)."""
    key = drawn(memory_app)
    memory_app.record_finish(key, "Skater A", 76_000)
    assert next_pair(sheet_of(memory_app, key)) == 2


def test_passing_times_carry_the_lap_since_the_point_before(memory_app: Ledger) -> None:
    key = drawn(memory_app, 1500)
    memory_app.start(key, 1)
    memory_app.record_passing(key, "Skater A", 300, 25_304)
    memory_app.record_passing(key, "Skater A", 700, 52_115)
    memory_app.record_passing(key, "Skater A", 1100, 79_998)
    got = [(s.at_m, s.time_ms, s.lap_ms) for s in splits_of(sheet_of(memory_app, key),
                                                             known(memory_app.skater("Skater A")))]
    # laps from times cut to hundredths: 52.11 - 25.30, 79.99 - 52.11
    assert got == [(300, 25_304, 25_300), (700, 52_115, 26_810), (1100, 79_998, 27_880)]
    assert not laps_shown(sheet_of(memory_app, key))  # 1500 m: a column per point


def test_a_point_not_passed_leaves_the_next_lap_unknown(memory_app: Ledger) -> None:
    key = drawn(memory_app, 5000)
    memory_app.start(key, 1)
    memory_app.record_passing(key, "Skater A", 200, 19_000)
    memory_app.record_passing(key, "Skater A", 1000, 79_000)
    memory_app.record_passing(key, "Skater A", 1400, 109_000)
    sheet = sheet_of(memory_app, key)
    got = [(s.at_m, s.lap_ms) for s in splits_of(sheet, known(memory_app.skater("Skater A")))]
    assert got == [(200, 19_000), (1000, None), (1400, 30_000)]
    assert laps_shown(sheet)  # 5000 m: lap times, as the ISU's live results
    at_600 = splits_of(sheet, known(memory_app.skater("Skater A")), upto_m=600)
    assert [s.at_m for s in at_600] == [200]


def test_a_mass_start_runs_from_its_start_until_every_starter_has_a_result(memory_app: Ledger) -> None:
    comp = memory_app.schedule_competition("Test Cup", "Thialf", RACE_DAY)
    key = memory_app.schedule_mass_start(comp, 16, "men", RACE_DAY)
    for name in SKATERS[:3]:
        memory_app.register_skater(name)
    memory_app.enter_starters(key, SKATERS[:3])
    seen = [race_status(sheet_of(memory_app, key))]
    memory_app.start(key, 1)
    seen.append(race_status(sheet_of(memory_app, key)))
    for name, ms in (("Skater A", 462_000), ("Skater B", 462_500)):
        memory_app.record_finish(key, name, ms)
    seen.append(race_status(sheet_of(memory_app, key)))
    memory_app.record_finish(key, "Skater C", 470_000)
    seen.append(race_status(sheet_of(memory_app, key)))
    assert seen == ["scheduled", "running", "running", "provisional"]
    assert next_pair(sheet_of(memory_app, key)) is None  # one start for all: no pairs
