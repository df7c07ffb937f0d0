"""Marks from evidence only (issue 12, rules.md §8; docs/decisions/0015-marks-from-evidence.md).

A PB, SB or record is claimed only against a baseline the ledger holds: the skater's bests known
before the race (a Vantage stream, an entry list), or a record table with its date. A published
mark is kept as published, apart. Without a baseline there is no mark; an equal time is no new PB;
a record equalled is marked as equalled.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.record import SCOPE_MARKS
from ledger.importing.records import import_records
from ledger.importing.vantage import import_vantage
from projections.basis import Basis, state_as_of
from projections.history import history
from projections.marks import MARK_OF, derive, legend, meaning
from projections.records import records
from projections.snapshots import SnapshotStore
from scripts.demo import okt2017
from tests.adapters.test_board import client_of
from tests.cli import digest, ok, refused, run

SHARED = Path(__file__).resolve().parents[2].parent / "shared/data"
LADIES = SHARED / "vantage/ec2020-ladies-1000m-pair4.jsonl"
PURSUIT = SHARED / "vantage/ec2020-men-team-pursuit-pair3.jsonl"
EC2020 = "isu-european-single-distances-speed-skating-championships-2020"
HEADER = "scope,distance,category,time,skater,nation,date,source\n"


def races_of(app: Ledger, times: list[int], venue: str = "Rink", nation: str = "NED",
             first: date = date(2017, 11, 1)) -> list[str]:
    """Skater S's 1000 m races, one a month from ``first``, with these times."""
    app.register_skater("Skater S", nation)
    keys = []
    for n, ms in enumerate(times):
        day = date(first.year + (first.month + n - 1) // 12, (first.month + n - 1) % 12 + 1, 1)
        comp = app.schedule_competition(f"Cup {day.isoformat()}", venue, day)
        key = app.schedule_race(comp, 1000, "women", day)
        app.enter_starter(key, "Skater S")
        app.record_finish(key, "Skater S", ms)
        keys.append(key)
    return keys


def marks(app: Ledger, keys: list[str], skater: str = "Skater S") -> list[tuple[str, ...]]:
    found = derive(state_as_of(app)).derived
    return [found.get((key, app.skater(skater)), ()) for key in keys]


def table(app: Ledger, tmp_path: Path, *lines: str) -> None:
    path = tmp_path / "records.csv"
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    import_records(app, path)


# -- personal and season bests ---------------------------------------------------------------------
def test_a_first_result_without_a_baseline_is_neither_a_pb_nor_an_sb(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [77_000, 76_500])
    assert marks(memory_app, keys) == [(), ()]
    assert history(state_as_of(memory_app), "Skater S").personal_bests == {}


def test_a_time_better_than_the_known_personal_best_is_a_pb(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [77_000])
    memory_app.know_bests(keys[0], "Skater S", 77_100, 77_500, "entry list")
    assert marks(memory_app, keys) == [("PB",)]


def test_a_time_equal_to_the_personal_best_is_not_a_new_pb(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [77_000, 77_009])
    memory_app.know_bests(keys[0], "Skater S", 77_000, None, "entry list")
    assert marks(memory_app, keys) == [(), ()]  # 1:17.009 reads 1:17.00 too: equal, as published


def test_an_equal_time_after_a_pb_in_the_ledger_does_not_earn_a_pb_again(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [76_500, 76_500, 76_400])
    memory_app.know_bests(keys[0], "Skater S", 77_000, None, "entry list")
    assert marks(memory_app, keys) == [("PB",), (), ("PB",)]
    assert history(state_as_of(memory_app), "Skater S").personal_bests == {1000: 76_400}


def test_a_season_best_that_is_no_personal_best_is_an_sb(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [77_200, 77_300])
    memory_app.know_bests(keys[0], "Skater S", 76_000, 77_500, "entry list")
    assert marks(memory_app, keys) == [("SB",), ()]
    assert history(state_as_of(memory_app), "Skater S").season_bests == {"2017/18": {1000: 77_200}}


def test_a_season_best_of_last_season_is_no_baseline_for_this_one(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [77_200, 77_100], first=date(2018, 6, 1))
    memory_app.know_bests(keys[0], "Skater S", 76_000, 77_500, "entry list")
    assert marks(memory_app, keys) == [("SB",), ()]  # July starts 2018/19: no SB known there


def test_a_dq_that_removes_a_pb_restores_the_best_before(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [76_500, 76_800])
    memory_app.know_bests(keys[0], "Skater S", 77_000, None, "entry list")
    assert marks(memory_app, keys) == [("PB",), ()]
    memory_app.disqualify(keys[0], "Skater S", "ISU 253", "Referee R")
    assert marks(memory_app, keys) == [(), ("PB",)]
    assert history(state_as_of(memory_app), "Skater S").personal_bests == {1000: 76_800}


def test_bests_that_name_no_time_are_refused(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [77_000])
    with pytest.raises(ValueError, match="need a personal or a season best"):
        memory_app.know_bests(keys[0], "Skater S", None, None, "entry list")
    with pytest.raises(ValueError, match=r"season best 1:16\.000 is faster than personal best"):
        memory_app.know_bests(keys[0], "Skater S", 77_000, 76_000, "entry list")


def test_bests_recorded_by_hand_are_a_baseline_and_recorded_once(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "day.db")
    ok(run(capsys, "--db", db, "demo"))
    key, args = "okt-2017/women-1000m", ["--pb", "1.16,05", "--source", "KNSB entry list"]
    ok(run(capsys, "--db", db, "record", "bests", key, "Jutta Leerdam", *args))
    before = digest(tmp_path / "day.db")
    ok(run(capsys, "--db", db, "record", "bests", key, "Jutta Leerdam", *args))
    assert digest(tmp_path / "day.db") == before
    refused(run(capsys, "--db", db, "record", "bests", key, "Jutta Leerdam", "--pb", "1:16.00",
                "--source", "KNSB entry list"), "KNSB entry list already gave other bests")
    rows = run(capsys, "--db", db, "standings", key, "--format", "json").json()["rows"]
    assert {r["skater"]: r["marks"] for r in rows}["Jutta Leerdam"] == []  # 1:17.08 is no PB
    assert all(r["marks"] == [] for r in rows)


# -- records -------------------------------------------------------------------------------------
def test_without_a_record_table_the_first_time_at_a_venue_is_no_record(memory_app: Ledger) -> None:
    keys = races_of(memory_app, [77_000], venue="Thialf, Heerenveen")
    assert marks(memory_app, keys) == [()]
    assert records(state_as_of(memory_app)).current == {}


def test_a_time_better_than_the_track_record_is_a_track_record(memory_app: Ledger,
                                                              tmp_path: Path) -> None:
    table(memory_app, tmp_path, "track:Thialf,1000,women,1:16.00,Skater R,NED,2017-07-01,KNSB")
    keys = races_of(memory_app, [75_990, 75_995], venue="Thialf, Heerenveen")
    assert marks(memory_app, keys) == [("TR",), ("TR=",)]  # the second equals the new record


def test_a_time_equal_to_the_record_is_the_record_equalled_and_does_not_take_it(
        memory_app: Ledger, tmp_path: Path) -> None:
    table(memory_app, tmp_path, "world,1000,women,1:16.00,Skater R,CAN,2017-07-01,ISU")
    keys = races_of(memory_app, [76_004])
    assert marks(memory_app, keys) == [("WR=",)]
    [held] = records(state_as_of(memory_app)).current.values()
    assert (held.skater, held.time_ms, held.race) == ("Skater R", 76_000, None)
    assert legend(["WR="]) == "WR= world record equalled"


def test_a_record_table_dated_after_the_race_is_no_baseline_for_it(memory_app: Ledger,
                                                                   tmp_path: Path) -> None:
    table(memory_app, tmp_path, "national:NED,1000,women,1:18.00,,NED,2017-12-15,KNSB")
    keys = races_of(memory_app, [77_500, 77_600])  # 1 November and 1 December
    assert marks(memory_app, keys) == [(), ()]


def test_a_national_record_needs_a_table_for_the_skaters_nation(memory_app: Ledger,
                                                                tmp_path: Path) -> None:
    table(memory_app, tmp_path, "national:CAN,1000,women,1:18.00,,CAN,2017-07-01,SSC")
    assert marks(memory_app, races_of(memory_app, [77_500], nation="NED")) == [()]


def test_a_championship_record_is_kept_over_the_championship_by_its_name(memory_app: Ledger,
                                                                         tmp_path: Path) -> None:
    table(memory_app, tmp_path, "championship:Dutch Championships,1000,women,1:18.00,,,2017-07-01,"
                                "KNSB")
    keys = []
    for name in ("Dutch Championships 2018", "Cup 2018"):
        comp = memory_app.schedule_competition(name, "Rink", date(2017, 12, 27))
        keys.append(memory_app.schedule_race(comp, 1000, "women", date(2017, 12, 27)))
        memory_app.register_skater("Skater S")
        memory_app.enter_starter(keys[-1], "Skater S")
        memory_app.record_finish(keys[-1], "Skater S", 77_500)
    assert marks(memory_app, keys) == [("CR",), ()]


def test_every_scope_a_record_table_may_name_has_its_mark_and_legend() -> None:
    assert MARK_OF == SCOPE_MARKS
    assert all(meaning(mark) != "as published" for mark in MARK_OF.values())


# -- importing record tables and streams -----------------------------------------------------------
def test_a_record_table_is_imported_once(app: Ledger, tmp_path: Path) -> None:
    table(app, tmp_path, "world,500,men,33.61,Pavel Kulizhnikov,RUS,2025-11-01,ISU")
    last = app.last_position()
    table(app, tmp_path, "world,500,men,33.61,Pavel Kulizhnikov,RUS,2025-11-01,ISU")
    assert app.last_position() == last
    [held] = records(state_as_of(app)).current.values()
    assert (held.mark, held.scope, held.time_ms, held.day) == ("WR", ("world", "men", "500"),
                                                                33_610, "2025-11-01")


def test_another_time_for_a_record_the_source_already_gave_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db, path = tmp_path / "day.db", tmp_path / "records.csv"
    path.write_text(HEADER + "world,500,men,33.61,P K,RUS,2025-11-01,ISU\n", encoding="utf-8")
    ok(run(capsys, "--db", str(db), "import", str(path)))
    path.write_text(HEADER + "world,500,men,33.62,P K,RUS,2025-11-01,ISU\n", encoding="utf-8")
    before = digest(db)
    refused(run(capsys, "--db", str(db), "import", str(path), "--format", "records"),
            f"{path}:2: ISU already gave another world record (men 500 m) on 2025-11-01")
    assert digest(db) == before


@pytest.mark.parametrize(("line", "says"), [
    ("planet:Earth,500,men,33.61,,,2025-11-01,ISU", "scope 'planet:Earth' is not track:<venue>"),
    ("national:Holland,500,men,33.61,,,2025-11-01,ISU", "a nation is a three-letter code"),
    ("world,500,men,,,,2025-11-01,ISU", "time is empty"),
    ("world,500,men,33.61,,,2025-11-01,", "source is empty"),
])
def test_a_bad_record_table_line_is_refused_naming_its_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, line: str, says: str) -> None:
    db, path = tmp_path / "day.db", tmp_path / "records.csv"
    build_app(str(db)).close()  # an empty ledger (a read command creates nothing)
    path.write_text(HEADER + "world,500,women,36.09,,,2025-11-01,ISU\n" + line + "\n",
                    encoding="utf-8")
    before = digest(db)
    refused(run(capsys, "--db", str(db), "import", str(path)), f"{path}:3: ", says)
    assert digest(db) == before


def test_the_vantage_streams_give_pb_for_smeding_only(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    db = str(tmp_path / "day.db")
    ok(run(capsys, "--db", db, "import", str(LADIES), str(PURSUIT)))
    given = {}
    for race in run(capsys, "--db", db, "races", "--format", "json").json():
        for row in run(capsys, "--db", db, "standings", race["key"], "--format", "json").json()["rows"]:
            given[row["skater"]] = (row["marks"], row["published_marks"])
    assert given == {"Ellia Smeding": (["PB"], []), "Andzelika Wójcik": ([], []),
                     "Russia": ([], []), "Italy": ([], [])}
    table_ = run(capsys, "--db", db, "standings", f"{EC2020}/women-1000m").out
    assert "PB personal best" in table_.split("Wójcik")[1]  # the legend under the table


def test_the_bests_a_stream_carries_are_baselines_not_marks(app: Ledger) -> None:
    import_vantage(app, LADIES)
    last = app.last_position()
    import_vantage(app, LADIES)
    assert app.last_position() == last  # the bests, like every fact, are recorded once
    wojcik = history(state_as_of(app), "Andzelika Wójcik")
    assert wojcik.personal_bests == {1000: 77_570}  # as the stream gives it, not her 1:19.24
    assert wojcik.season_bests == {"2019/20": {1000: 78_730}}
    assert wojcik.ledger_bests == {1000: 79_248} and wojcik.rows[0].marks == ()


def test_checkpoints_hold_the_record_tables_as_the_fold_does(memory_app: Ledger,
                                                             tmp_path: Path) -> None:
    races_of(memory_app, [77_000, 76_900])
    table(memory_app, tmp_path, "world,1000,women,1:11.61,,,2017-07-01,ISU",
          "world,1000,women,1:11.60,,,2017-11-15,ISU")
    store = SnapshotStore(every=2, full_every=2)
    for position in range(1, memory_app.last_position() + 1):
        basis = Basis(position=position)
        assert store.state_as_of(memory_app, basis) == state_as_of(memory_app, basis)
    assert len(store.state_as_of(memory_app).records) == 2


# -- what the user reads ---------------------------------------------------------------------------
def test_the_okt_2017_demo_shows_no_mark(memory_app: Ledger) -> None:
    """The reports of OKT 2017 (domain/okt-2017.md) give no PB, SB or record mark."""
    okt2017.load(memory_app)
    state = state_as_of(memory_app)
    assert derive(state).derived == {}
    assert all(not h.marks and not h.published_marks
               for name in ("Jorien ter Mors", "Jutta Leerdam", "Bob de Vries")
               for h in history(state, name).rows)


def test_published_marks_are_kept_as_published_apart_from_derived(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "isu.db")
    ok(run(capsys, "--db", db, "import", str(SHARED / "isu-lists/2-world-cup-20252026.txt")))
    key = next(r["key"] for r in run(capsys, "--db", db, "races", "--format", "json").json()
               if r["distance_m"] == 1000 and r["category"] == "men" and not r["label"])
    rows = run(capsys, "--db", db, "standings", key, "--format", "json").json()["rows"]
    assert [(r["skater"], r["marks"], r["published_marks"]) for r in rows[:3]] == [
        ("Jordan Stolz", [], []), ("Jenning de Boo", [], ["SB"]), ("Joep Wennemars", [], ["PB"])]
    shown = run(capsys, "--db", db, "standings", key).out
    assert "SB*" in shown and "Marks: SB season best · PB personal best" in shown


def test_the_board_names_every_mark_it_shows(memory_app: Ledger) -> None:
    import_vantage(memory_app, LADIES)
    page = client_of(memory_app).get(f"/races/{EC2020}/women-1000m").text
    assert '<abbr class="mark" title="personal best (from evidence the ledger holds)">PB</abbr>' in page
    assert 'class="legend"' in page and '<abbr title="personal best">PB</abbr>' in page
