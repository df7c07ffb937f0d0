"""The skate-ledger command as users and checks rely on it (design/interfaces.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import digest, run
from tests.conftest import _PG, drop_pg_schema, new_pg_schema, pg_url

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CSV_HEADER = "competition,venue,date,distance,category,label,pair,lane,skater,nation,time,status,splits\n"
DAY = [
    "Test Cup,Test Rink,2025-01-05,1000,men,,1,inner,Skater A,NED,1:07.541,,200=16.80;600=42.10",
    "Test Cup,Test Rink,2025-01-05,1000,men,,1,outer,Skater B,NED,1:07.546,,200=16.90;600=42.00",
    "Test Cup,Test Rink,2025-01-05,1000,men,,2,inner,Skater C,USA,\"1.06,840\",,",
    "Test Cup,Test Rink,2025-01-05,1000,men,,2,outer,Skater D,JPN,,DNF,200=17.00",
]
KEY = "test-cup-2025/men-1000m"




@pytest.fixture
def day_csv(tmp_path: Path) -> Path:
    path = tmp_path / "day.csv"
    path.write_text(CSV_HEADER + "\n".join(DAY) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.db")


def skater_exe() -> str:
    found = shutil.which("skate-ledger") or str(Path(sys.executable).parent / "skate-ledger")
    assert Path(found).exists(), "the skate-ledger command is not installed (pip install -e .)"
    return found


def test_the_installed_command_passes_the_shared_interface_check() -> None:
    checker = SHARED / "tools" / "check-interfaces"
    assert checker.exists(), f"{checker} is missing: CI lays ../shared beside the clone"
    done = subprocess.run([sys.executable, str(checker), "--exe", skater_exe()],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout


def test_a_csv_day_imports_and_ranks_by_thousandths(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str) -> None:
    assert run(capsys, "--db", db, "import", str(day_csv)).code == 0
    board = run(capsys, "standings", KEY, "--format", "json", "--db", db).json()
    got = [(r["rank"], r["skater"], r["time"], r["status"], r["behind"]) for r in board["rows"]]
    assert got == [
        (1, "Skater C", "1:06.84", "OK", None),
        (2, "Skater A", "1:07.54", "OK", "+0.701"),
        (3, "Skater B", "1:07.54", "OK", "+0.706"),
        (None, "Skater D", None, "DNF", None),
    ]
    assert board["basis"] == {"position": board["basis"]["position"], "known_at": None,
                              "at_m": None, "after_pair": None}


def test_standings_at_a_passing_point_rank_everyone_who_passed_it(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str) -> None:
    run(capsys, "--db", db, "import", str(day_csv))
    at_600 = run(capsys, "--db", db, "standings", KEY, "--at", "600", "--format", "json").json()
    assert [(r["rank"], r["skater"], r["time"]) for r in at_600["rows"]] == [
        (1, "Skater B", "42.00"), (2, "Skater A", "42.10")]
    lap_0 = run(capsys, "--db", db, "standings", KEY, "--lap", "0", "--format", "json").json()
    assert lap_0["basis"]["at_m"] == 200
    assert [r["skater"] for r in lap_0["rows"]] == ["Skater A", "Skater B", "Skater D"]
    assert lap_0["rows"][2]["status"] == "DNF" and lap_0["rows"][2]["rank"] == 3


def test_after_pair_and_position_bases_show_the_board_of_that_moment(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str) -> None:
    run(capsys, "--db", db, "import", str(day_csv))
    after_1 = run(capsys, "--db", db, "standings", KEY, "--after-pair", "1", "--format", "json").json()
    assert [r["skater"] for r in after_1["rows"]] == ["Skater A", "Skater B"]
    nothing = run(capsys, "--db", db, "standings", KEY, "--position", "3", "--format", "json")
    assert nothing.code == 0 and nothing.json()["rows"] == []
    csv_out = run(capsys, "--db", db, "standings", KEY, "--format", "csv", "--notation", "nl").out
    assert csv_out.splitlines()[1].startswith("1,Skater C,USA,\"1.06,84\",66840,OK")


def test_known_at_before_a_correction_shows_the_old_time(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str) -> None:
    run(capsys, "--db", db, "import", str(day_csv))
    import datetime as dt
    before = dt.datetime.now(dt.UTC).isoformat()
    fixed = run(capsys, "--db", db, "record", "correct", KEY, "Skater A", "--time", "1:07.538",
                "--reason", "photo finish", "--by", "Referee R")
    assert fixed.code == 0 and "recorded at position" in fixed.out
    then = run(capsys, "--db", db, "standings", KEY, "--known-at", before, "--format", "json").json()
    now = run(capsys, "--db", db, "standings", KEY, "--format", "json").json()
    assert [r["time_ms"] for r in then["rows"] if r["skater"] == "Skater A"] == [67541]
    assert [r["time_ms"] for r in now["rows"] if r["skater"] == "Skater A"] == [67538]
    assert then["basis"]["position"] == now["basis"]["position"] - 1


def test_export_then_import_rebuilds_the_same_ledger_byte_for_byte(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str, tmp_path: Path) -> None:
    run(capsys, "--db", db, "import", str(day_csv))
    run(capsys, "--db", db, "record", "dq", KEY, "Skater B", "--rule", "ISU 253", "--by", "Ref")
    first = tmp_path / "first.jsonl"
    assert run(capsys, "--db", db, "export", "--output", str(first)).code == 0
    copy = str(tmp_path / "copy.db")
    assert run(capsys, "--db", copy, "import", str(first)).code == 0
    second = tmp_path / "second.jsonl"
    run(capsys, "--db", copy, "export", "--output", str(second))
    assert first.read_bytes() == second.read_bytes()
    boards = [run(capsys, "--db", d, "standings", KEY, "--format", "json").out for d in (db, copy)]
    assert boards[0] == boards[1]
    again = run(capsys, "--db", copy, "import", str(first))
    assert again.code == 0 and "0 new event" in again.out


def test_a_damaged_export_is_refused_naming_the_line_and_nothing_is_appended(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str, tmp_path: Path) -> None:
    run(capsys, "--db", db, "import", str(day_csv))
    export = tmp_path / "log.jsonl"
    run(capsys, "--db", db, "export", "--output", str(export))
    lines = export.read_text(encoding="utf-8").splitlines()
    target = str(tmp_path / "target.db")
    damaged = tmp_path / "damaged.jsonl"
    for bad, line in [([*lines[:3], "{not json", *lines[4:]], 4),
                      (lines[:2] + lines[3:], 3),
                      ([*lines[:5], lines[5].replace('"version":', '"versio":'), *lines[6:]], 6)]:
        damaged.write_text("\n".join(bad) + "\n", encoding="utf-8")
        refused = run(capsys, "--db", target, "import", str(damaged), "--format", "jsonl")
        assert refused.code == 2, refused
        assert f"{damaged}:{line}" in refused.err
        assert len(refused.err.strip().splitlines()) == 1
        assert run(capsys, "--db", target, "races", "--format", "json").json() == []


def test_reimporting_a_csv_leaves_the_sqlite_file_unchanged(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str) -> None:
    run(capsys, "--db", db, "import", str(day_csv))
    before = digest(Path(db))
    again = run(capsys, "--db", db, "import", str(day_csv))
    assert again.code == 0 and "0 new event" in again.out
    assert digest(Path(db)) == before


@pytest.mark.parametrize(("args", "says"), [
    (["standings", "nowhere/men-500m"], "race 'nowhere/men-500m' is not in the ledger"),
    (["standings", KEY, "--at", "300"], "300 m is not a passing point"),
    (["standings", KEY, "--lap", "9"], "lap 9 is not a lap of the 1000 m"),
    (["standings", KEY, "--known-at", "15:02"], "is not an ISO 8601 date-time"),
    (["standings", KEY, "--known-at", "2025-01-05T15:02"], "has no time zone"),
    (["standings", KEY, "--position", "1", "--known-at", "2025-01-05T15:02Z"], "give one"),
    (["record", "finish", KEY, "Skater A", "1:07.00"], "already recorded as 1:07.541"),
    (["record", "finish", KEY, "Nobody", "1:07.00"], "'Nobody' is not registered"),
    (["record", "pass", KEY, "Skater C", "300", "20.00"], "300 m is not a passing point"),
    (["record", "correct", KEY, "Skater D", "--time", "1:10.00", "--reason", "r", "--by", "R"],
     "holds no finish"),
    (["import", "missing.csv"], "missing.csv: cannot be read"),
    (["--db", "mysql://x/y", "races"], "only file paths"),
    (["standings"], "Missing argument"),
])
def test_bad_input_is_refused_in_one_line_with_exit_code_2(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str, args: list[str], says: str) -> None:
    run(capsys, "--db", db, "import", str(day_csv))
    before = digest(Path(db))
    refused = run(capsys, *(["--db", db] if "--db" not in args else []), *args)
    assert refused.code == 2, refused
    assert says in refused.err
    assert len(refused.err.strip().splitlines()) == 1 and "Traceback" not in refused.err
    assert digest(Path(db)) == before


def test_a_live_race_recorded_from_the_command_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "live.db")

    def ok(*args: str) -> str:
        done = run(capsys, "--db", db, *args)
        assert done.code == 0, done
        return done.out.strip()

    comp = ok("record", "competition", "Live Cup", "--venue", "Thialf", "--date", "2025-02-01")
    key = ok("record", "race", comp, "--distance", "500m", "--category", "women",
             "--date", "2025-02-01")
    assert key == "live-cup-2025/women-500m"
    for name in ("Skater P", "Skater Q"):
        ok("record", "skater", name, "--nation", "NED")
    ok("record", "pair", key, "1", "--inner", "Skater P", "--outer", "Skater Q")
    ok("record", "start", key, "1")
    assert ok("record", "false-start", key, "Skater Q").startswith("recorded")
    ok("record", "start", key, "1")
    ok("record", "pass", key, "Skater P", "100", "10.51", "--device", "x2", "--seq", "1")
    assert ok("record", "pass", key, "Skater P", "100", "10.51", "--device", "x2", "--seq", "1") \
        == "already recorded; nothing appended"
    ok("record", "finish", key, "Skater P", "38.429")
    ok("record", "fall", key, "Skater Q", "--at", "300", "--stopped")
    ok("record", "official", key, "--by", "Referee R")
    late = run(capsys, "--db", db, "record", "finish", key, "Skater Q", "39.00")
    assert late.code == 2 and "official" in late.err
    ok("record", "correct", key, "Skater P", "--time", "38.431", "--reason", "photo finish",
       "--by", "Referee R")
    board = run(capsys, "--db", db, "standings", key, "--format", "json").json()
    assert [(r["rank"], r["skater"], r["time"], r["status"]) for r in board["rows"]] == [
        (1, "Skater P", "38.43", "OK"), (None, "Skater Q", None, "DNF")]
    assert board["rows"][0]["lane"] == "inner" and board["rows"][0]["pair"] == 1


def test_the_demo_tells_the_founding_day_without_inventing_a_result(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "okt.db")
    shown = run(capsys, "--db", db, "demo")
    assert shown.code == 0
    assert "Jorien ter Mors" in shown.out and "did not finish" in shown.out
    women = run(capsys, "--db", db, "standings", "okt-2017/women-1000m", "--format", "json").json()
    ranks = {r["skater"]: (r["rank"], r["time"]) for r in women["rows"]}
    assert ranks["Jorien ter Mors"] == (1, "1:15.38")
    assert ranks["Ireen Wüst"] == (3, "1:16.29")
    assert ranks["Jutta Leerdam"] == (9, "1:17.08")
    assert ranks["Tessa Boogaard"] == (18, "1:19.65")
    assert len(women["rows"]) == 19
    placeholders = [r for r in women["rows"] if r["skater"].startswith("Unknown skater")]
    assert [r["rank"] for r in placeholders] == [7, 8, 10, 13, 15, 16, 19]
    assert all(r["time"] is None and r["time_ms"] is None and r["nation"] is None
               for r in placeholders)
    before_last = run(capsys, "--db", db, "standings", "okt-2017/women-1000m", "--after-pair", "9",
                      "--format", "json").json()
    names = [r["skater"] for r in before_last["rows"]]
    assert "Marrit Leenstra" not in names and "Ireen Wüst" not in names
    assert names[:2] == ["Jorien ter Mors", "Letitia de Jong"]
    men = run(capsys, "--db", db, "standings", "okt-2017/men-5000m", "--format", "json").json()
    assert men["rows"][-1] == {**men["rows"][-1], "skater": "Jos de Vos", "status": "DNF",
                               "rank": None}
    assert [r["rank"] for r in men["rows"] if r["skater"] == "Erik Jan Kooiman"] == [13]
    again = run(capsys, "--db", db, "demo")
    assert again.code == 0 and again.out == shown.out


@pytest.mark.postgres
def test_the_command_works_on_postgresql(capsys: pytest.CaptureFixture[str], day_csv: Path) -> None:
    if not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true this fails in conftest instead)")
    schema = new_pg_schema()
    try:
        url = pg_url(schema)
        assert run(capsys, "--db", url, "import", str(day_csv)).code == 0
        again = run(capsys, "import", str(day_csv), "--db", url)
        assert again.code == 0 and "0 new event" in again.out
        board = run(capsys, "standings", KEY, "--format", "json", "--db", url).json()
        assert [r["skater"] for r in board["rows"]] == ["Skater C", "Skater A", "Skater B", "Skater D"]
    finally:
        drop_pg_schema(schema)


def test_the_command_reads_the_ledger_from_the_environment(
        capsys: pytest.CaptureFixture[str], day_csv: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("SKATE_LEDGER_DB", str(db))
    assert run(capsys, "import", str(day_csv)).code == 0
    assert db.exists()
    assert os.environ["SKATE_LEDGER_DB"] == str(db)


def test_several_result_files_import_in_one_transaction(
        capsys: pytest.CaptureFixture[str], day_csv: Path, db: str, tmp_path: Path) -> None:
    second = tmp_path / "second.csv"
    second.write_text(CSV_HEADER + "Test Cup,Test Rink,2025-01-06,500,women,,,,Skater K,NED,"
                      "38.429,,\nTest Cup,Test Rink,2025-01-06,500,women,,,,Skater L,NED,,DNS,"
                      "100=10.2\n", encoding="utf-8")
    refused = run(capsys, "--db", db, "import", str(day_csv), str(second))
    assert refused.code == 2
    assert f"{second}:3" in refused.err and "already raced" in refused.err
    assert run(capsys, "--db", db, "races", "--format", "json").json() == []
