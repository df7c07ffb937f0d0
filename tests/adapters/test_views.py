"""skate-ledger views: rebuild, catch up and check the read models in the store, on the OKT 2017
demo day (docs/decisions/0018-bitemporal-views.md)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import build_app
from tests.cli import run


@pytest.fixture
def okt(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    db = str(tmp_path / "okt.db")
    assert run(capsys, "--db", db, "demo").code == 0
    return db


def test_check_refuses_a_ledger_without_views(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    done = run(capsys, "--db", okt, "views", "check")
    assert done.code == 2
    assert "holds no views" in done.err


def test_rebuild_then_check_agrees_and_a_changed_row_is_named(capsys: pytest.CaptureFixture[str],
                                                              okt: str) -> None:
    built = run(capsys, "--db", okt, "views", "rebuild")
    assert built.code == 0, built
    assert "views hold position 194 of 194" in built.out
    checked = run(capsys, "--db", okt, "views", "check", "--samples", "3", "--seed", "7")
    assert checked.code == 0, checked
    assert "agree with the fold at 7 bases (0 not answered" in checked.out
    assert run(capsys, "--db", okt, "views", "catch-up").out.startswith("views hold position 194 of 194")

    conn = sqlite3.connect(okt)
    with conn:
        rowid, body = conn.execute("SELECT rowid, body FROM views_rows WHERE item != '' AND to_pos IS NULL "
                                   "AND body LIKE '%\"rank\":1,%' ORDER BY rowid LIMIT 1").fetchone()
        conn.execute("UPDATE views_rows SET body=? WHERE rowid=?",
                     (json.dumps({**json.loads(body), "rank": 2}), rowid))
    conn.close()
    differs = run(capsys, "--db", okt, "views", "check", "--samples", "1", "--seed", "7")
    assert differs.code == 1
    assert "first difference, now: view history: skater" in differs.out
    assert "rank: the view has 2, the fold 1" in differs.out


def test_history_answers_the_same_from_the_views_and_folds_while_they_lag(
        capsys: pytest.CaptureFixture[str], okt: str) -> None:
    asked = ("history", "Jutta Leerdam", "--format", "json")
    folded = run(capsys, "--db", okt, *asked).out
    at = ("--position", "120")
    folded_at = run(capsys, "--db", okt, *asked, *at).out
    assert run(capsys, "--db", okt, "views", "rebuild").code == 0
    assert run(capsys, "--db", okt, *asked).out == folded
    assert run(capsys, "--db", okt, *asked, *at).out == folded_at
    table = run(capsys, "--db", okt, "history", "Jutta Leerdam")
    assert table.code == 0 and "Jutta Leerdam" in table.out

    app = build_app(okt)  # a fact after the views' position: they lag, and the fold answers
    try:
        app.register_skater("Nieuwe Rijdster")
    finally:
        app.close()
    late = run(capsys, "--db", okt, "history", "Nieuwe Rijdster", "--format", "json")
    assert late.code == 0, late
    assert late.json()["skater"] == "Nieuwe Rijdster"


TABLE = ("scope,distance,category,time,skater,nation,date,source\n"
         "track:Thialf,1000,women,1:16.00,Old Holder,NED,2017-01-01,KNSB\n"  # bettered on day 1
         "world,1000,women,1:12.09,Old Holder,NED,2017-01-01,ISU\n"
         "national:NED,500,women,37.60,Old Holder,NED,2017-01-01,KNSB\n")
ASKED = (("races", "--format", "json"), ("races", "--position", "60", "--format", "json"),
         ("races", "--known-at", "2017-12-26T15:02+01:00", "--format", "json"),
         ("records", "--format", "json"), ("records", "--position", "100", "--format", "json"),
         ("records", "--known-at", "2017-12-26T15:02+01:00", "--format", "json"),
         ("records", "--mark", "TR", "--format", "json"))


@pytest.fixture
def okt_records(capsys: pytest.CaptureFixture[str], command_db: str, tmp_path: Path) -> str:
    """The demo day on SQLite and on PostgreSQL, then a record table it betters in part."""
    assert run(capsys, "--db", command_db, "demo").code == 0
    table = tmp_path / "records.csv"
    table.write_text(TABLE, encoding="utf-8")
    assert run(capsys, "--db", command_db, "import", "--format", "records", str(table)).code == 0
    return command_db


def answers(capsys: pytest.CaptureFixture[str], db: str) -> list[str]:
    found = []
    for asked in ASKED:
        done = run(capsys, "--db", db, *asked)
        assert done.code == 0, (asked, done)
        found.append(done.out)
    return found


def test_races_and_records_answer_the_same_from_the_views_and_fold_while_they_lag(
        capsys: pytest.CaptureFixture[str], okt_records: str) -> None:
    folded = answers(capsys, okt_records)
    assert any(r["race"] == "okt-2017/women-1000m" for r in json.loads(folded[3])["records"])
    tables = [run(capsys, "--db", okt_records, what).out for what in ("races", "records")]
    assert run(capsys, "--db", okt_records, "views", "rebuild").code == 0
    assert answers(capsys, okt_records) == folded
    assert [run(capsys, "--db", okt_records, what).out for what in ("races", "records")] == tables

    app = build_app(okt_records)  # facts after the views' position: they lag, and the fold answers
    try:
        key = app.schedule_race("okt-2017", 1000, "women", date(2017, 12, 29), "Division B")
        app.enter_starter(key, "Jutta Leerdam")
        app.record_finish(key, "Jutta Leerdam", 73_000)
    finally:
        app.close()
    races = run(capsys, "--db", okt_records, "races", "--format", "json").json()
    assert any(r["key"] == key and r["starters"] == 1 and r["label"] == "Division B" for r in races)
    [track] = [r for r in run(capsys, "--db", okt_records, "records", "--format", "json").json()["records"]
               if r["mark"] == "TR"]
    assert (track["skater"], track["time"]) == ("Jutta Leerdam", "1:13.00")
    lagging = answers(capsys, okt_records)  # now and known-at folded; positions from the views
    assert lagging[1:3] == folded[1:3] and lagging[4] == folded[4]  # the past is the same
    assert run(capsys, "--db", okt_records, "views", "catch-up").code == 0
    assert answers(capsys, okt_records) == lagging
    assert "0 not answered" in run(capsys, "--db", okt_records, "views", "check", "--samples", "3").out


def test_check_names_the_view_of_a_changed_race_or_record_row(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    db = str(tmp_path / "okt.db")
    assert run(capsys, "--db", db, "demo").code == 0
    table = tmp_path / "records.csv"
    table.write_text(TABLE, encoding="utf-8")
    assert run(capsys, "--db", db, "import", "--format", "records", str(table)).code == 0
    assert run(capsys, "--db", db, "views", "rebuild").code == 0
    assert run(capsys, "--db", db, "views", "check", "--samples", "2", "--seed", "1").code == 0
    for view, key, field, value, said in (
            ("races", "race", "starters", 99, "view races: race okt-2017/"),
            ("records", "record", "time_ms", 1, "view records: record ")):
        conn = sqlite3.connect(db)
        with conn:
            rowid, body = conn.execute("SELECT rowid, body FROM views_rows WHERE view=? AND key=? "
                                       "AND to_pos IS NULL ORDER BY rowid LIMIT 1", (view, key)).fetchone()
            conn.execute("UPDATE views_rows SET body=? WHERE rowid=?",
                         (json.dumps({**json.loads(body), field: value}), rowid))
        conn.close()
        differs = run(capsys, "--db", db, "views", "check", "--samples", "1", "--seed", "7")
        assert differs.code == 1, differs
        assert f"first difference, now: {said}" in differs.out
        assert f"{field}: the view has {value}" in differs.out
        assert run(capsys, "--db", db, "views", "rebuild").code == 0


def test_views_built_before_a_view_existed_are_not_read_and_catch_up_rebuilds(
        capsys: pytest.CaptureFixture[str], okt: str) -> None:
    folded = run(capsys, "--db", okt, "races", "--format", "json").out
    assert run(capsys, "--db", okt, "views", "rebuild").code == 0
    conn = sqlite3.connect(okt)  # as views built by a version without the races view
    with conn:
        conn.execute("DELETE FROM views_rows WHERE view='races'")
    conn.close()
    assert run(capsys, "--db", okt, "races", "--format", "json").out == folded  # folded, not []
    checked = run(capsys, "--db", okt, "views", "check", "--samples", "1", "--seed", "2")
    assert checked.code == 0 and "views races: the view does not hold this basis" in checked.out
    assert run(capsys, "--db", okt, "views", "catch-up").code == 0
    assert "0 not answered" in run(capsys, "--db", okt, "views", "check", "--samples", "1").out
    conn = sqlite3.connect(okt)
    with conn:
        assert conn.execute("SELECT count(*) FROM views_rows WHERE view='races'").fetchone()[0] > 1
    conn.close()
