"""A mass start recorded live through the command gives the ranks and points a hand calculation
gives (rules.md §7, docs/decisions/0020-mass-start.md).

2025/26: intermediate sprints after laps 4, 8 and 12 score 3-2-1, the finish 60-40-20-10-6-3;
finishers rank by points, then by finishing order; a skater who did not finish (pulled after 10
laps) ranks behind every finisher and keeps no points; a disqualified finisher leaves the finishing
order (the others move up for the final sprint's points). 2017/18: 5-3-1 and 60-40-20.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli import run

KEY = "test-cup-2025/men-mass-start"
SKATERS = [f"Skater {c}" for c in "ABCDEFGHIJ"]


def record(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> None:
    done = run(capsys, "--db", db, "record", *args)
    assert done.code == 0, (args, done.err)


def rows(capsys: pytest.CaptureFixture[str], db: str, *options: str) -> list[dict[str, Any]]:
    done = run(capsys, "--db", db, "standings", KEY, "--format", "json", *options)
    assert done.code == 0, done.err
    shown: list[dict[str, Any]] = done.json()["rows"]
    return shown


@pytest.fixture
def day(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """The race of the module docstring, recorded command by command."""
    db = str(tmp_path / "ms.db")
    record(capsys, db, "competition", "Test Cup", "--venue", "Thialf", "--date", "2025-11-23")
    done = run(capsys, "--db", db, "record", "race", "test-cup-2025", "--discipline", "mass-start",
               "--laps", "16", "--category", "men", "--date", "2025-11-23")
    assert done.out.strip() == KEY, done.err
    for name in SKATERS:
        record(capsys, db, "skater", name, "--nation", "NED")
    record(capsys, db, "enter", KEY, *SKATERS)
    record(capsys, db, "dns", KEY, "Skater J")
    record(capsys, db, "start", KEY)
    record(capsys, db, "sprint", KEY, "--lap", "4", "Skater G", "Skater H", "Skater E")
    record(capsys, db, "sprint", KEY, "--lap", "8", "Skater G", "Skater B", "Skater H")
    record(capsys, db, "dnf", KEY, "Skater H", "--laps", "10", "--reason", "pulled")
    record(capsys, db, "sprint", KEY, "--lap", "12", "Skater A", "Skater G", "Skater E")
    for name, time in (("Skater B", "7:42.51"), ("Skater I", "7:42.60"), ("Skater C", "7:42.74"),
                       ("Skater A", "7:42.80"), ("Skater D", "7:42.90"), ("Skater E", "7:43.00"),
                       ("Skater F", "7:43.10"), ("Skater G", "7:50.00")):
        record(capsys, db, "finish", KEY, name, time)
    record(capsys, db, "dq", KEY, "Skater I", "--rule", "ISU 253: impeding", "--by", "Referee R")
    return db


def test_the_final_standings_are_the_hand_calculation(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    got = [(r["rank"], r["skater"], r["status"], r["points"], r["sprint_points"], r["laps"])
           for r in rows(capsys, day)]
    # sprints lap 4: G 3, H 2, E 1; lap 8: G 3, B 2, H 1; lap 12: A 3, G 2, E 1;
    # finish (I disqualified, out of the order): B 60, C 40, A 20, D 10, E 6, F 3, G 0
    assert got[:8] == [
        (1, "Skater B", "OK", 62, [0, 2, 0, 60], 16),
        (2, "Skater C", "OK", 40, [0, 0, 0, 40], 16),
        (3, "Skater A", "OK", 23, [0, 0, 3, 20], 16),
        (4, "Skater D", "OK", 10, [0, 0, 0, 10], 16),
        (5, "Skater E", "OK", 8, [1, 0, 1, 6], 16),   # 8 points, finished 6th across the line
        (6, "Skater G", "OK", 8, [3, 3, 2, 0], 16),   # 8 points, finished 8th: behind E
        (7, "Skater F", "OK", 3, [0, 0, 0, 3], 16),
        (None, "Skater H", "DNF", 0, [2, 1, 0, 0], 10),  # sprint points shown, total 0
    ]
    assert [(r[0], r[1], r[2], r[3]) for r in got[8:]] == [
        (None, "Skater I", "DQ", 0), (None, "Skater J", "DNS", 0)]


def test_the_standings_after_a_sprint_rank_by_the_points_so_far(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    after_8 = rows(capsys, day, "--lap", "8")
    assert [(r["rank"], r["skater"], r["points"], r["sprint_points"]) for r in after_8] == [
        (1, "Skater G", 6, [3, 3]), (2, "Skater H", 3, [2, 1]), (3, "Skater B", 2, [0, 2]),
        (4, "Skater E", 1, [1, 0]), (5, "Skater A", 0, [0, 0]), (5, "Skater C", 0, [0, 0]),
        (5, "Skater D", 0, [0, 0]), (5, "Skater F", 0, [0, 0]), (None, "Skater I", 0, [0, 0])]
    assert rows(capsys, day, "--at", "3200") == after_8


def test_the_standings_after_the_last_sprint_are_the_final_standings(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    assert rows(capsys, day, "--lap", "16") == rows(capsys, day)


def test_a_voided_sprint_takes_its_points_away(capsys: pytest.CaptureFixture[str], day: str) -> None:
    before = {r["skater"]: r["points"] for r in rows(capsys, day)}
    done = run(capsys, "--db", day, "record", "void", KEY, "--fact", sprint_fact(day, 12),
               "--reason", "wrong order entered", "--by", "Referee R")
    assert done.code == 0, done.err
    after = {r["skater"]: r for r in rows(capsys, day)}
    assert after["Skater A"]["points"] == 20 and after["Skater G"]["points"] == 6
    assert all(after[name]["points"] <= points for name, points in before.items())
    assert after["Skater G"]["sprint_points"] == [3, 3, 0, 0]
    record(capsys, day, "sprint", KEY, "--lap", "12", "Skater G", "Skater A")
    assert {r["skater"]: r["points"] for r in rows(capsys, day)}["Skater G"] == 9


def sprint_fact(db: str, lap: int) -> str:
    from ledger.bootstrap import build_app
    from ledger.domain.kinds import FactKind

    app = build_app(db)
    try:
        sheet = app.race(KEY).sheet
        return next(str(f.fact_id) for f in sheet.facts.values()
                    if f.kind == FactKind.SPRINT and f.live and f.detail.get("lap") == lap)
    finally:
        app.close()


def test_a_mass_start_of_2017_18_scores_5_3_1_and_60_40_20(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db, key = str(tmp_path / "ms.db"), "olympic-test-2018/women-mass-start"
    record(capsys, db, "competition", "Olympic Test", "--date", "2018-02-24")
    record(capsys, db, "race", "olympic-test-2018", "--discipline", "mass-start", "--laps", "16",
           "--category", "women", "--date", "2018-02-24")
    names = [f"Skater {c}" for c in "PQRS"]
    for name in names:
        record(capsys, db, "skater", name)
    record(capsys, db, "enter", key, *names)
    record(capsys, db, "start", key)
    record(capsys, db, "sprint", key, "--lap", "4", "Skater S", "Skater R", "Skater Q")
    record(capsys, db, "sprint", key, "--lap", "8", "Skater S", "Skater Q")
    record(capsys, db, "sprint", key, "--lap", "12", "Skater R", "Skater S", "Skater P")
    for name, time in (("Skater P", "8:00.00"), ("Skater Q", "8:00.10"), ("Skater R", "8:00.20"),
                       ("Skater S", "8:01.00")):
        record(capsys, db, "finish", key, name, time)
    board = run(capsys, "--db", db, "standings", key, "--format", "json").json()["rows"]
    # P 1 + 60; Q 1 + 3 + 40; R 3 + 5 + 20; S 5 + 5 + 3 (fourth across the line: no final points)
    assert [(r["rank"], r["skater"], r["points"], r["sprint_points"]) for r in board] == [
        (1, "Skater P", 61, [0, 0, 1, 60]), (2, "Skater Q", 44, [1, 3, 0, 40]),
        (3, "Skater R", 28, [3, 0, 5, 20]), (4, "Skater S", 13, [5, 5, 3, 0])]


@pytest.mark.parametrize(("args", "says"), [
    (("sprint", KEY, "--lap", "16", "Skater A"), "the finish is the final sprint"),
    (("sprint", KEY, "--lap", "4", "Skater A", "Skater A"), "names someone twice"),
    (("sprint", KEY, "--lap", "4", "Skater A"), "already recorded with another order"),
    (("sprint", KEY, "--lap", "5", "Skater J"), "did not start"),
    (("start", KEY, "2"), "one start and no pair 2"),
    (("pair", KEY, "1", "--inner", "Skater A"), "no pairs are drawn"),
])
def test_a_wrong_sprint_or_start_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], day: str, args: tuple[str, ...], says: str) -> None:
    done = run(capsys, "--db", day, "record", *args)
    assert done.code == 2 and says in done.err and len(done.err.strip().splitlines()) == 1


def test_a_sprint_in_a_race_of_pairs_is_refused(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    record(capsys, db, "competition", "Test Cup", "--date", "2025-11-23")
    record(capsys, db, "race", "test-cup-2025", "--distance", "5000", "--category", "men",
           "--date", "2025-11-23")
    record(capsys, db, "skater", "Skater A")
    record(capsys, db, "enter", "test-cup-2025/men-5000m", "Skater A")
    done = run(capsys, "--db", db, "record", "sprint", "test-cup-2025/men-5000m", "--lap", "4",
               "Skater A")
    assert done.code == 2 and "is not a mass start" in done.err
    assert run(capsys, "--db", db, "record", "start", "test-cup-2025/men-5000m").code == 2


def test_a_mass_start_exports_and_imports_to_the_same_standings_and_gives_no_best(
        capsys: pytest.CaptureFixture[str], day: str, tmp_path: Path) -> None:
    out = str(tmp_path / "day.jsonl")
    assert run(capsys, "--db", day, "export", "--output", out).code == 0
    again = str(tmp_path / "again.db")
    assert run(capsys, "--db", again, "import", out).code == 0
    assert rows(capsys, again) == rows(capsys, day)
    history = run(capsys, "--db", day, "history", "Skater B", "--format", "json").json()
    assert history["results"][0]["rank"] == 1 and history["ledger_bests"] == {}


def test_results_are_official_once_every_starter_has_an_outcome(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    record(capsys, day, "skater", "Skater K")
    record(capsys, day, "enter", KEY, "Skater K")  # entered late, never finished: no outcome
    early = run(capsys, "--db", day, "record", "official", KEY, "--by", "Referee R")
    assert early.code == 2 and "1 skater of the mass start" in early.err
    record(capsys, day, "dnf", KEY, "Skater K", "--laps", "3")
    assert run(capsys, "--db", day, "record", "official", KEY, "--by", "Referee R").code == 0


def test_the_csv_sheet_of_a_mass_start_carries_the_points(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    sheet = run(capsys, "--db", day, "standings", KEY, "--format", "csv").out.splitlines()
    assert sheet[0].endswith(",points,sprint_points,laps")
    assert sheet[1] == "1,Skater B,NED,7:42.51,462510,OK,,,,62,0 2 0 60,16"


def test_what_if_a_time_is_refused_for_a_mass_start(capsys: pytest.CaptureFixture[str],
                                                    day: str) -> None:
    done = run(capsys, "--db", day, "what-if", KEY, "7:40.00", "--skater", "Skater H")
    assert done.code == 2 and "ranked by points" in done.err
