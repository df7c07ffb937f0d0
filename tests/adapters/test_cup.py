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
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from projections.cup import table_from
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


#: The distances of the combined long-distance cups (the ISU's: women 3000/5000 m, men 5000/10000 m).
LONG = {"3000-5000": {3000, 5000}, "5000-10000": {5000, 10000}}


def expected_points(category: str, event: str) -> dict[str, int]:
    """Each skater's cup points over the list's races of ``event`` (metres, a combined long
    distance, or mass-start), by its published places (a blank POS shares the place above) and
    TABLE: the hand calculation."""
    _, sections = printed_sections(WORLD_CUP_2)
    totals: dict[str, int] = {}
    kind = "mass-start" if event == "mass-start" else "individual"
    distances = LONG.get(event, {int(event)} if event.isdigit() else set())
    for section in sections:
        held = (section.heading.startswith("Mass Start") if kind == "mass-start"
                else section.individual and section.distance_m in distances)
        if not held or section.category != category:
            continue
        points = TABLE["places"]["B" if section.label == "Division B" else "A"][kind]
        for row in section.rows:
            won = points[row.place - 1] if row.place is not None and row.place <= len(points) else 0
            totals[row.name] = totals.get(row.name, 0) + won
    return {name: total for name, total in totals.items() if total > 0}


@pytest.mark.parametrize(("category", "event"), [
    ("men", "500"), ("women", "500"), ("women", "1000"), ("men", "5000-10000"),
    ("women", "3000-5000"), ("women", "mass-start"), ("men", "mass-start")])
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


#: TABLE with Division B team points too.
TEAMS: dict[str, Any] = {**TABLE, "places": {**TABLE["places"],
                                             "B": {**TABLE["places"]["B"], "team": [3, 2]}}}


def expected_team_points(category: str) -> list[int]:
    """The team pursuit points of the list's teams, by the published places (a team's skaters
    share its place) and TABLE, highest first: the hand calculation (the list names a team's
    skaters, not the team)."""
    _, sections = printed_sections(WORLD_CUP_2)
    found = []
    for section in sections:
        if section.heading.startswith("Team Pursuit") and section.category == category:
            points = TEAMS["places"]["B" if section.label == "Division B" else "A"]["team"]
            places = sorted({row.place for row in section.rows if row.place is not None})
            found += [points[p - 1] for p in places if p <= len(points)]
    return sorted(found, reverse=True)


@pytest.mark.parametrize("category", ["men", "women"])
def test_the_real_world_cup_lists_team_pursuits_score_each_team_its_place(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, category: str) -> None:
    table = write(tmp_path, "table.json", json.dumps(TEAMS))
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(WORLD_CUP_2)))
    ok(run(capsys, "--db", db, "record", "cup", "2-world-cup-2025-2026", "world-cup-2025-26"))
    got = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--category", category,
                 "--distance", "team-pursuit", "--table", str(table), "--format", "json")).json()
    assert [r["total"] for r in got["rows"]] == expected_team_points(category) == [30, 20, 10, 3, 2]
    assert {r["distance"] for r in got["rows"]} == {"team-pursuit"}
    assert all(r["competitor"] == r["nation"] for r in got["rows"])  # a team is its nation


def long_cups(tmp_path: Path) -> tuple[Path, Path]:
    """Two competitions: the women's 3000 m and the men's 5000 m at the first, the women's 5000 m
    and the men's 10000 m at the second."""
    one = write(tmp_path, "long-one.csv", HEADER + "\n" + csv_rows(
        "Long One", "2025-11-14", "world-cup-2025-26",
        "3000,women,,1,inner,Skater K,NED,3:56.000,", "3000,women,,1,outer,Skater L,NOR,3:57.000,",
        "5000,men,,1,inner,Skater M,NED,6:05.000,", "5000,men,,1,outer,Skater N,USA,6:06.000,"))
    two = write(tmp_path, "long-two.csv", HEADER + "\n" + csv_rows(
        "Long Two", "2025-11-21", "world-cup-2025-26",
        "5000,women,,1,inner,Skater L,NOR,6:50.000,", "5000,women,,1,outer,Skater K,NED,6:52.000,",
        "5000,women,,2,inner,Skater O,CZE,6:53.000,",
        "10000,men,,1,inner,Skater N,USA,12:40.000,", "10000,men,,1,outer,Skater M,NED,12:45.000,"))
    return one, two


def test_the_long_distances_make_one_cup_each_women_3000_5000_and_men_5000_10000(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = str(tmp_path / "l.db")
    for listed in long_cups(tmp_path):
        ok(run(capsys, "--db", db, "import", str(listed)))
    asked = ("cup", "world-cup-2025-26", "--table", str(table), "--format", "json")
    both = ok(run(capsys, "--db", db, *asked, "--distance", "long")).json()
    rows = {(r["distance"], r["competitor"]): (r["rank"], r["points"], r["total"])
            for r in both["rows"]}
    assert rows == {
        # women: 3000 m at Long One, 5000 m at Long Two, one cup
        ("3000-5000", "Skater K"): (1, {"long-one-2025": 60, "long-two-2025": 54}, 114),
        ("3000-5000", "Skater L"): (1, {"long-one-2025": 54, "long-two-2025": 60}, 114),
        ("3000-5000", "Skater O"): (3, {"long-one-2025": None, "long-two-2025": 48}, 48),
        # men: 5000 m at Long One, 10000 m at Long Two, one cup
        ("5000-10000", "Skater M"): (1, {"long-one-2025": 60, "long-two-2025": 54}, 114),
        ("5000-10000", "Skater N"): (1, {"long-one-2025": 54, "long-two-2025": 60}, 114)}
    women = ok(run(capsys, "--db", db, *asked, "--distance", "3000-5000")).json()
    assert women["rows"] == [r for r in both["rows"] if r["distance"] == "3000-5000"]
    assert ok(run(capsys, "--db", db, *asked, "--distance", "3000m")).json()["rows"] == women["rows"]
    men = ok(run(capsys, "--db", db, *asked, "--distance", "5000", "--category", "men")).json()
    assert men["rows"] == [r for r in both["rows"] if r["distance"] == "5000-10000"]
    assert ok(run(capsys, "--db", db, *asked)).json()["rows"] == both["rows"]  # every event
    bad = run(capsys, "--db", db, *asked, "--distance", "longest")
    assert bad.code == 2 and "long, 3000-5000, 5000-10000" in bad.err


def view_tables() -> Any:
    """The cups view scores with the shipped tables: none is shipped (decision 0024), so these
    tests ship TABLE for the length of a test."""
    return mock.patch("projections.cup_view.shipped_tables",
                      return_value=[table_from("test fixture", TABLE)])


def test_cup_answers_the_same_from_the_views_and_folds_while_they_lag(
        capsys: pytest.CaptureFixture[str], command_db: str, tmp_path: Path) -> None:
    """``cup`` without ``--table`` reads the cups view when the views hold the basis (decision
    0024): the same JSON as the fold before and after ``views rebuild``, while the views lag
    (the fold answers) and after ``views catch-up``; as of a position and a known-at moment."""
    db = command_db
    with view_tables():
        ok(run(capsys, "--db", db, "import", str(first_cup(tmp_path))))
        asked = ("cup", "world-cup-2025-26", "--format", "json")
        folded = ok(run(capsys, "--db", db, *asked)).json()
        position_one = folded["basis"]["position"]
        assert {r["source"] for r in folded["races"]} == {TABLE["source"]}
        between = datetime.now(UTC)
        time.sleep(0.01)
        ok(run(capsys, "--db", db, "import", str(second_cup(tmp_path))))
        now = ok(run(capsys, "--db", db, *asked)).json()
        ok(run(capsys, "--db", db, "views", "rebuild"))
        assert ok(run(capsys, "--db", db, *asked)).json() == now
        at = ("--position", str(position_one))
        assert ok(run(capsys, "--db", db, *asked, *at)).json() == folded
        known = ok(run(capsys, "--db", db, *asked, "--known-at", between.isoformat())).json()
        assert known["rows"] == folded["rows"] and known["races"] == folded["races"]
        late = write(tmp_path, "late.csv", HEADER + "\n" + csv_rows(
            "Cup Three", "2025-11-28", "world-cup-2025-26", "500,men,,1,inner,Skater C,JPN,34.300,"))
        ok(run(capsys, "--db", db, "import", str(late)))  # the views lag: the fold answers
        lagging = ok(run(capsys, "--db", db, *asked)).json()
        assert lagging["competitions"][-1] == "cup-three-2025"
        assert ok(run(capsys, "--db", db, *asked, *at)).json() == folded  # from the views
        ok(run(capsys, "--db", db, "views", "catch-up"))
        assert ok(run(capsys, "--db", db, *asked)).json() == lagging
        checked = ok(run(capsys, "--db", db, "views", "check", "--samples", "2", "--seed", "3"))
        assert "the views agree with the fold" in checked.out  # the cups view among them


def test_cup_reads_the_view_and_check_names_a_changed_cup_row(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    with view_tables():
        ok(run(capsys, "--db", db, "import", str(first_cup(tmp_path))))
        ok(run(capsys, "--db", db, "views", "rebuild"))
        conn = sqlite3.connect(db)
        with conn:
            rowid, body = conn.execute(
                "SELECT rowid, body FROM views_rows WHERE view='cups' AND key LIKE 'cup/%' "
                "AND item='cup-one-2025/men-500m' AND to_pos IS NULL").fetchone()
            changed = json.loads(body)
            changed["points"] = dict.fromkeys(changed["points"], 1)
            conn.execute("UPDATE views_rows SET body=? WHERE rowid=?", (json.dumps(changed), rowid))
        conn.close()
        read = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--format", "json")).json()
        assert {r["competitor"]: r["total"] for r in read["rows"]}["Skater A"] == 1  # the changed row, read
        differs = run(capsys, "--db", db, "views", "check", "--samples", "1", "--seed", "7")
        assert differs.code == 1, differs
        assert "first difference, now: view cups: cup world-cup-2025-26: races:" in differs.out
    # without the tables the view scored with, cup folds: no table shipped, every race unscored
    unscored = ok(run(capsys, "--db", db, "cup", "world-cup-2025-26", "--format", "json")).json()
    assert unscored["rows"] == [] and all(r["unscored"] for r in unscored["races"])
