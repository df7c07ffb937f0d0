"""Cup points and cup standings through the command (docs/decisions/0022-cup-points.md).

The ISU's World Cup points tables for 2024/25 and 2025/26 are not shipped (decision 0022: they
were not at hand, and a table is copied from its regulation, never guessed). These tests therefore
give the command a points table of their own, TABLE below, named as a test fixture in its
``source``: what they check is how places become points (shared places, skipped places,
non-finishers, divisions, event kinds, as of a basis), which holds whatever the regulation's
numbers are. The real list of ../shared/data/isu-lists is read independently of the importer
(tests/adapters/test_isu_text.py's plain parse) for the published places.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.test_isu_text import FILES, printed_sections
from tests.cli import Ran, run

#: A points table for the tests, not the ISU's: distinct numbers per place so that a place
#: mixed up shows, fewer places than starters so that a place past the end scores 0.
TABLE: dict[str, Any] = {
    "series": "world-cup", "season": "2025/26",
    "source": "test fixture (tests/adapters/test_cup.py), not the ISU's table",
    "places": {"A": {"individual": [60, 54, 48, 43, 40], "team": [30, 20, 10],
                     "mass-start": [25, 15, 10, 6]},
               "B": {"individual": [9, 7, 5], "mass-start": [4, 2]}},
    "unranked": {"DQ": 0},
}
HEADER = "competition,venue,date,distance,category,label,pair,lane,skater,nation,time,status,cup"


def csv_rows(comp: str, day: str, cup: str, *rows: str) -> str:
    return "".join(f"{comp},Rink,{day},{row},{cup}\n" for row in rows)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def table(tmp_path: Path) -> Path:
    return write(tmp_path, "table.json", json.dumps(TABLE))


def first_cup(tmp_path: Path) -> Path:
    """Cup One's 500 m: a tie at 2nd (the next place, 3rd, skipped), a DNF, a DQ; and its
    Division B race."""
    return write(tmp_path, "one.csv", HEADER + "\n" + csv_rows(
        "Cup One", "2025-11-14", "world-cup-2025-26",
        "500,men,,1,inner,Skater A,NED,34.500,",
        "500,men,,1,outer,Skater B,USA,34.700,",
        "500,men,,2,inner,Skater C,JPN,34.700,",
        "500,men,,2,outer,Skater D,CAN,34.900,",
        "500,men,,3,inner,Skater E,NOR,,DNF",
        "500,men,,3,outer,Skater F,GER,34.800,DQ",
        "500,men,Division B,1,inner,Skater G,ITA,35.100,",
        "500,men,Division B,1,outer,Skater H,POL,35.300,"))


def second_cup(tmp_path: Path) -> Path:
    return write(tmp_path, "two.csv", HEADER + "\n" + csv_rows(
        "Cup Two", "2025-11-21", "world-cup-2025-26",
        "500,men,,1,inner,Skater B,USA,34.400,",
        "500,men,,1,outer,Skater A,NED,34.600,",
        "500,men,,2,inner,Skater D,CAN,34.650,"))


def ok(ran: Ran) -> Ran:
    assert ran.code == 0, ran.err
    return ran


def test_a_cup_race_scores_its_places_shared_places_share_and_non_finishers_score_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(first_cup(tmp_path))))
    board = ok(run(capsys, "--db", db, "standings", "cup-one-2025/men-500m", "--format", "json",
                   "--cup-table", str(table))).json()
    points = {r["skater"]: r["cup_points"] for r in board["rows"]}
    # A 1st: 60; B and C share 2nd: 54 each; D is 4th (3rd skipped): 43; DNF and DQ: 0
    assert points == {"Skater A": 60, "Skater B": 54, "Skater C": 54, "Skater D": 43,
                      "Skater E": 0, "Skater F": 0}
    assert board["cup"] == "world-cup-2025-26" and board["cup_source"] == TABLE["source"]
    division_b = ok(run(capsys, "--db", db, "standings", "cup-one-2025/men-500m-b", "--format",
                        "json", "--cup-table", str(table))).json()
    assert [r["cup_points"] for r in division_b["rows"]] == [9, 7]


def test_without_a_table_for_the_season_a_cup_race_carries_null_points_and_says_why(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(first_cup(tmp_path))))
    board = ok(run(capsys, "--db", db, "standings", "cup-one-2025/men-500m",
                   "--format", "json")).json()
    assert {r["cup_points"] for r in board["rows"]} == {None}
    assert "no points table of world-cup 2025/26" in board["cup_unscored"]


def test_a_race_of_no_cup_carries_no_cup_points(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = str(tmp_path / "l.db")
    plain = write(tmp_path, "plain.csv", "competition,date,distance,category,skater,time\n"
                  "Plain Meet,2025-11-14,500,men,Skater A,34.500\n")
    ok(run(capsys, "--db", db, "import", str(plain)))
    board = ok(run(capsys, "--db", db, "standings", "plain-meet-2025/men-500m", "--format",
                   "json", "--cup-table", str(table))).json()
    assert "cup" not in board and all("cup_points" not in r for r in board["rows"])


def test_cup_standings_sum_the_competitions_and_answer_as_of_any_position(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(first_cup(tmp_path))))
    standings_one = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--table", str(table),
                           "--format", "json")).json()
    position_one = standings_one["basis"]["position"]
    between = datetime.now(UTC)
    time.sleep(0.01)
    ok(run(capsys, "--db", db, "import", str(second_cup(tmp_path))))
    now = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--category", "men",
                 "--distance", "500m", "--table", str(table), "--format", "json")).json()
    assert now["competitions"] == ["cup-one-2025", "cup-two-2025"]
    rows = {r["competitor"]: (r["rank"], r["points"], r["total"]) for r in now["rows"]}
    assert rows["Skater B"] == (1, {"cup-one-2025": 54, "cup-two-2025": 60}, 114)
    assert rows["Skater A"] == (1, {"cup-one-2025": 60, "cup-two-2025": 54}, 114)  # equal: shared
    assert rows["Skater D"] == (3, {"cup-one-2025": 43, "cup-two-2025": 48}, 91)
    assert rows["Skater C"] == (4, {"cup-one-2025": 54, "cup-two-2025": None}, 54)
    # Division B points count in the same cup, by their own table
    assert rows["Skater G"] == (5, {"cup-one-2025": 9, "cup-two-2025": None}, 9)
    assert "Skater E" not in rows and "Skater F" not in rows  # no points, not listed
    then = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--table", str(table),
                  "--position", str(position_one), "--format", "json")).json()
    assert then == standings_one
    known = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--table", str(table),
                   "--known-at", between.isoformat(), "--format", "json")).json()
    assert known["rows"] == standings_one["rows"] and known["races"] == standings_one["races"]
    csv_out = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--table", str(table),
                     "--format", "csv")).out.splitlines()
    assert csv_out[0] == "category,distance,rank,competitor,nation,cup-one-2025,cup-two-2025,total"
    assert "men,500,1,Skater A,NED,60,54,114" in csv_out


def test_a_competition_joins_one_cup_once(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    slug = ok(run(capsys, "--db", db, "record", "competition", "Live Cup", "--date", "2025-11-14",
                  "--cup", "world-cup-2025-26")).out.strip()
    again = ok(run(capsys, "--db", db, "record", "cup", slug, "world-cup-2025-26"))
    assert "(already)" in again.out
    other = run(capsys, "--db", db, "record", "cup", slug, "world-cup-2026-27")
    assert other.code == 2 and "counts for cup 'world-cup-2025-26' already" in other.err
    bad = run(capsys, "--db", db, "record", "cup", slug, "World Cup 2025/26")
    assert bad.code == 2 and "is not a cup key" in bad.err
    two = write(tmp_path, "two.csv", HEADER + "\n"
                + "Two Cups,Rink,2025-11-14,500,men,,1,inner,Skater A,NED,34.500,,world-cup-2025-26\n"
                + "Two Cups,Rink,2025-11-14,500,men,,1,outer,Skater B,NED,34.600,,other-cup-2025-26\n")
    refused = run(capsys, "--db", db, "import", str(two))
    assert refused.code == 2 and "a competition counts for one cup" in refused.err


def test_a_list_with_its_cup_column_reimported_appends_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    listed = first_cup(tmp_path)
    first = ok(run(capsys, "--db", db, "import", str(listed)))
    assert "0 new event(s)" not in first.out
    again = ok(run(capsys, "--db", db, "import", str(listed)))
    assert "0 new event(s)" in again.out


def test_cup_of_no_competition_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(first_cup(tmp_path))))
    ran = run(capsys, "--db", db, "cup", "world-cup-2024-25")
    assert ran.code == 2 and "no competition counts for cup 'world-cup-2024-25'" in ran.err
    table = write(tmp_path, "rising.json", json.dumps({**TABLE, "places": {"A": {"individual":
                                                                                  [5, 6]}}}))
    ran = run(capsys, "--db", db, "cup", "world-cup-2025-26", "--table", str(table))
    assert ran.code == 2 and "never rising" in ran.err


# -- the real list ------------------------------------------------------------------------------
WORLD_CUP_2 = next(p for p in FILES if p.name == "2-world-cup-20252026.txt")


def expected_points(category: str, event: str) -> dict[str, int]:
    """Each skater's cup points over the list's races of ``event`` (metres, or mass-start), by
    its published places (a blank POS shares the place above) and TABLE: the hand calculation."""
    _, sections = printed_sections(WORLD_CUP_2)
    totals: dict[str, int] = {}
    kind = "mass-start" if event == "mass-start" else "individual"
    for section in sections:
        held = (section.heading.startswith("Mass Start") if kind == "mass-start"
                else section.individual and str(section.distance_m) == event)
        if not held or section.category != category:
            continue
        points = TABLE["places"]["B" if section.label == "Division B" else "A"][kind]
        for row in section.rows:
            won = points[row.place - 1] if row.place is not None and row.place <= len(points) else 0
            totals[row.name] = totals.get(row.name, 0) + won
    return {name: total for name, total in totals.items() if total > 0}


@pytest.mark.parametrize(("category", "event"), [
    ("men", "500"), ("women", "500"), ("women", "1000"), ("men", "5000"), ("women", "mass-start"),
    ("men", "mass-start")])
def test_the_real_world_cup_list_scores_its_published_places(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path,
        category: str, event: str) -> None:
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(WORLD_CUP_2)))
    ok(run(capsys, "--db", db, "record", "cup", "2-world-cup-2025-2026", "world-cup-2025-26"))
    got = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--category", category,
                 "--distance", event, "--table", str(table), "--format", "json")).json()
    expected = expected_points(category, event)
    # both divisions scored: the places of A's list and of B's, at least
    kind = "mass-start" if event == "mass-start" else "individual"
    assert len(expected) >= len(TABLE["places"]["A"][kind]) + len(TABLE["places"]["B"][kind])
    assert {r["competitor"]: r["total"] for r in got["rows"]} == expected
    assert all(r["source"] == TABLE["source"] for r in got["races"])


def test_the_races_view_keeps_a_competitions_cup_as_the_fold_has_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The races view's competition rows carry the cup (projections/races_view.py), joined after
    the view was built (kept by its catch-up) or from the start (a rebuild): views check finds
    the view and the fold the same."""
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "record", "competition", "View Cup", "--date", "2025-11-14"))
    ok(run(capsys, "--db", db, "views", "rebuild"))
    ok(run(capsys, "--db", db, "record", "cup", "view-cup-2025", "world-cup-2025-26"))
    ok(run(capsys, "--db", db, "views", "catch-up"))
    ok(run(capsys, "--db", db, "views", "check"))
    ok(run(capsys, "--db", db, "record", "competition", "Cup From Start", "--date", "2025-11-21",
           "--cup", "world-cup-2025-26"))
    ok(run(capsys, "--db", db, "views", "rebuild"))
    ok(run(capsys, "--db", db, "views", "check"))
