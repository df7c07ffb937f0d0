"""Records stand on a record table; a better valid time after it sets one, a DQ that voids it
restores the one before."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ledger.application import Ledger
from ledger.importing.records import import_records
from projections.basis import state_as_of
from projections.records import records, series_of

TABLE = ("scope,distance,category,time,skater,nation,date,source\n"
         "track:Thialf,500,women,37.10,Skater A,NED,2024-01-01,KNSB\n"
         "national:NED,500,women,37.10,Skater A,NED,2024-01-01,KNSB\n")


def day_at_thialf(app: Ledger, name: str, day: date, times: dict[str, int]) -> str:
    comp = app.schedule_competition(name, "Thialf", day)
    key = app.schedule_race(comp, 500, "women", day)
    for skater, ms in times.items():
        app.register_skater(skater, "NED" if skater != "Skater C" else "CAN")
        app.enter_starter(key, skater)
        app.record_finish(key, skater, ms)
    return key


def table(app: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_text(TABLE, encoding="utf-8")
    import_records(app, path)


def test_a_faster_valid_time_than_the_table_sets_the_record_and_earns_the_mark(
        memory_app: Ledger, tmp_path: Path) -> None:
    table(memory_app, tmp_path)
    second = day_at_thialf(memory_app, "Cup 2025", date(2025, 1, 5),
                           {"Skater B": 36_900, "Skater C": 37_000})
    found = records(state_as_of(memory_app))
    track = found.current[("TR", ("track:Thialf", "women", "500"))]
    assert (track.skater, track.time_ms, track.race) == ("Skater B", 36_900, second)
    assert found.marks[(second, memory_app.skater("Skater B"))] == ("TR", "NR")
    assert (second, memory_app.skater("Skater C")) not in found.marks  # no Canadian table: no NR


def test_a_record_broken_by_a_time_a_later_dq_voids_is_restored(memory_app: Ledger,
                                                                  tmp_path: Path) -> None:
    table(memory_app, tmp_path)
    second = day_at_thialf(memory_app, "Cup 2025", date(2025, 1, 5), {"Skater B": 36_900})
    memory_app.disqualify(second, "Skater B", "ISU 253: lane change", "Referee R")
    track = records(state_as_of(memory_app)).current[("TR", ("track:Thialf", "women", "500"))]
    assert (track.skater, track.time_ms, track.race) == ("Skater A", 37_100, None)


def test_a_championship_is_the_competition_name_without_its_year() -> None:
    assert series_of("OKT 2017") == series_of("OKT 2021") == "okt"
    assert series_of("2. World Cup 2025/2026") == "world cup"
