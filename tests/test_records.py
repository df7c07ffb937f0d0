"""Records are derived: a better valid time sets one, a DQ that voids it restores the one before."""

from __future__ import annotations

from datetime import date

from ledger.application import Ledger
from projections.basis import state_as_of
from projections.records import records, series_of


def day_at_thialf(app: Ledger, name: str, day: date, times: dict[str, int]) -> str:
    comp = app.schedule_competition(name, "Thialf", day)
    key = app.schedule_race(comp, 500, "women", day)
    for skater, ms in times.items():
        app.register_skater(skater, "NED" if skater != "Skater C" else "CAN")
        app.enter_starter(key, skater)
        app.record_finish(key, skater, ms)
    return key


def test_a_faster_valid_time_sets_the_track_record_and_earns_the_mark(memory_app: Ledger) -> None:
    first = day_at_thialf(memory_app, "Cup 2024", date(2024, 1, 5), {"Skater A": 37_100})
    second = day_at_thialf(memory_app, "Cup 2025", date(2025, 1, 5),
                           {"Skater B": 36_900, "Skater C": 37_000})
    found = records(state_as_of(memory_app))
    track = found.current[("TR", ("Thialf", "women", "500"))]
    assert (track.skater, track.time_ms, track.race) == ("Skater B", 36_900, second)
    assert found.marks[(first, memory_app.skater("Skater A"))] == ("TR", "NR", "CR")
    assert found.marks[(second, memory_app.skater("Skater B"))] == ("TR", "NR", "CR")
    assert found.marks[(second, memory_app.skater("Skater C"))] == ("NR",)  # first Canadian time


def test_a_record_broken_by_a_time_a_later_dq_voids_is_restored(memory_app: Ledger) -> None:
    day_at_thialf(memory_app, "Cup 2024", date(2024, 1, 5), {"Skater A": 37_100})
    second = day_at_thialf(memory_app, "Cup 2025", date(2025, 1, 5), {"Skater B": 36_900})
    memory_app.disqualify(second, "Skater B", "ISU 253: lane change", "Referee R")
    track = records(state_as_of(memory_app)).current[("TR", ("Thialf", "women", "500"))]
    assert (track.skater, track.time_ms) == ("Skater A", 37_100)


def test_a_championship_is_the_competition_name_without_its_year() -> None:
    assert series_of("OKT 2017") == series_of("OKT 2021") == "okt"
    assert series_of("2. World Cup 2025/2026") == "world cup"
