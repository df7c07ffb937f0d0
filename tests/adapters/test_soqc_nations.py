"""SOQC, second part (decision 0023): the team pursuit's quota places, the nation totals 9/8/7
and the ISU's reduction to 82 per category, through the command.

The World Cups here are TEST FIXTURES, built by hand as ISU lists: "Cup One 2025" and "Cup Two
2025", women's 1500 m and team pursuit, skaters named by nation ("Skater NED 1" …), with the
points table of tests/adapters/test_soqc.py (not the ISU's: it is not shipped, decision 0022).
The rule is the shipped women's rule (caps, the team pursuit's cap of 1 and no host place, the
9/8/7 and the reduction's order) with what a small fixture needs set by the tests: only the
1500 m and the team pursuit, fewer places, and a smaller limit than 82.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from projections.qualification import load_rule
from tests.adapters.test_isu_text import ROW
from tests.adapters.test_soqc import CUP, SHIPPED, TABLE, WORLD_CUP_2, json_file, split_places
from tests.cli import ok, run

#: the points table of the tests, with points for team races: 10, 8, 6 … (A), 3, 2, 1 (B)
TEAM_TABLE: dict[str, Any] = {**TABLE, "places": {
    "A": {"individual": [10, 8, 6, 5, 4, 3, 2, 1], "team": [10, 8, 6, 5, 4, 3, 2, 1]},
    "B": {"individual": [3, 2, 1], "team": [3, 2, 1]}}}

Rows = list[tuple[str, str, str]]  # name (or team's nation), nation, time


def ms(time: str) -> int:
    minutes, _, seconds = time.rpartition(":")
    return int(minutes or 0) * 60_000 + round(float(seconds) * 1000)


def section(heading: str, rows: Rows, team: bool) -> list[str]:
    """One race of a fixture list, in the ISU's layout (team members repeat the team's line)."""
    out = [heading, "", f"{'POS':<6}{'NAME':<26}{'AG':<9}{'NAT':<6}{'TIME':<10}{'DIFF':<9}RECORD"]
    first = ms(rows[0][2])
    for pos, (name, nation, time) in enumerate(rows, 1):
        diff = "" if pos == 1 else f"+{(ms(time) - first) / 1000:.3f}"
        members = [f"Skater {nation} {k}" for k in (1, 2, 3)] if team else [name]
        out += [f"{pos:<6}{m:<26}{'Senior':<9}{nation:<6}{time:<10}{diff:<9}" for m in members]
    return [*out, "", ""]


def fixture_list(tmp_path: Path, title: str, days: str, day: str,
                 races: list[tuple[str, Rows, bool]]) -> Path:
    lines = [title, days, "Rink (CAN)", ""]
    for heading, rows, team in races:
        lines += section(f"{heading}, {day}", rows, team)
    path = tmp_path / f"{title.replace(' ', '-')}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def teams(*lines: tuple[str, str]) -> Rows:
    return [(nation, nation, time) for nation, time in lines]


#: Cup One: the 1500 m of tests/adapters/test_soqc.py (four Dutch skaters ahead of an American,
#: a Japanese, a Canadian and an Italian), and a team pursuit of four teams.
CUP_ONE_1500: Rows = [("Skater A1", "NED", "1:53.00"), ("Skater A2", "NED", "1:53.50"),
                      ("Skater A3", "NED", "1:54.00"), ("Skater A4", "NED", "1:54.50"),
                      ("Skater B1", "USA", "1:55.00"), ("Skater C1", "JPN", "1:55.50"),
                      ("Skater D1", "CAN", "1:56.00"), ("Skater I1", "ITA", "1:58.00")]
CUP_ONE_TP = teams(("NED", "2:52.52"), ("CAN", "2:52.68"), ("JPN", "2:53.08"), ("ITA", "2:55.00"))
#: Cup Two's team pursuit: Canada wins Division A; Germany skates the fastest time of all in
#: Division B (3 points only).
CUP_TWO_TP_A = teams(("CAN", "2:51.00"), ("USA", "2:53.50"), ("NED", "2:54.00"))
CUP_TWO_TP_B = teams(("GER", "2:50.00"), ("BEL", "3:00.58"))


def cup_one(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    ok(run(capsys, "--db", db, "import", "--format", "isu-text", str(fixture_list(
        tmp_path, "Cup One 2025", "14. - 16.11.2025", "16.11.2025",
        [("1500 meter (Women)", CUP_ONE_1500, False),
         ("Team Pursuit (Women)", CUP_ONE_TP, True)]))))
    ok(run(capsys, "--db", db, "record", "cup", "cup-one-2025", CUP))


def cup_two(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    ok(run(capsys, "--db", db, "import", "--format", "isu-text", str(fixture_list(
        tmp_path, "Cup Two 2025", "21. - 23.11.2025", "23.11.2025",
        [("Team Pursuit (Women)", CUP_TWO_TP_A, True),
         ("Team Pursuit (Women)", CUP_TWO_TP_B, True)]))))  # the second: Division B
    ok(run(capsys, "--db", db, "record", "cup", "cup-two-2025", CUP))


def fixture_rule(tmp_path: Path, competitions: tuple[str, ...], limit: int = 82,
                 team_reserve: int = 0) -> Path:
    """The shipped women's rule, its 1500 m and team pursuit only, with the fixture's places:
    1500 m 3 by points + 2 by times, no reserve; team pursuit 2 by points + 1 by times and a
    reserve list of ``team_reserve`` teams."""
    rule = load_rule(SHIPPED)
    rule["rule"] = "soqc-test-fixture-nations"
    rule["competitions"] = [{"world_cup": n, "competition": c}
                            for n, c in enumerate(competitions, 1)]
    split = {"1500": (3, 2), "team-pursuit": (2, 1)}
    rule["events"] = [e for e in rule["events"] if e["event"] in split]
    for event in rule["events"]:
        points, times = split[event["event"]]
        reserve = team_reserve if event["event"] == "team-pursuit" else 0
        split_places(event, points, times, reserve)
    rule["reduction"]["value"]["per_gender"] = limit
    return json_file(tmp_path, f"rule-{limit}-{team_reserve}.json", rule)


@pytest.fixture
def table(tmp_path: Path) -> Path:
    return json_file(tmp_path, "table.json", TEAM_TABLE)


def ask(capsys: pytest.CaptureFixture[str], db: str, rule: Path, table: Path,
        *more: str) -> dict[str, Any]:
    got: dict[str, Any] = ok(run(capsys, "--db", db, "qualification", str(rule), "--cup-table",
                                 str(table), "--format", "json", *more)).json()
    return got


def event_of(got: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in got["events"] if e["event"] == name)
    return found


def entry(event: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(p["by"], p["nation"], p["status"]) for p in event["places"] if p["place"] is not None]


def test_team_pursuit_places_go_to_teams_by_points_then_by_times_and_the_host_gets_none(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = str(tmp_path / "l.db")
    cup_one(capsys, tmp_path, db)
    rule = fixture_rule(tmp_path, ("cup-one-2025", "cup-two-2025"))
    tp = event_of(ask(capsys, db, rule, table, "--distance", "team-pursuit"), "team-pursuit")
    assert tp["competitor"] == "team" and tp["host_rule"] == "reserve"
    # after Cup One only: NED 10, CAN 8 by points; JPN the best time of the rest; Cup Two to come
    assert entry(tp) == [("points", "NED", "provisional"), ("points", "CAN", "provisional"),
                         ("times", "JPN", "provisional")]
    cup_two(capsys, tmp_path, db)
    tp = event_of(ask(capsys, db, rule, table, "--distance", "team-pursuit"), "team-pursuit")
    # points over both cups, both divisions: CAN 8+10, NED 10+6, USA 8, JPN 6, ITA 5, GER 3, BEL 2
    assert [(r["skater"], r["points"]) for r in tp["points"]["rows"]] == [
        ("CAN", 18), ("NED", 16), ("USA", 8), ("JPN", 6), ("ITA", 5), ("GER", 3), ("BEL", 2)]
    # GER's Division B time is the fastest of all: the place by times is Germany's
    assert tp["times"][0]["skater"] == "GER" and tp["times"][0]["time"] == "2:50.00"
    assert entry(tp) == [("points", "CAN", "certain"), ("points", "NED", "certain"),
                         ("times", "GER", "certain")]
    # Italy has no team pursuit place and, not on the reserve list, the host rule gives it none
    # (oasport 2025-12: Italy's women do not qualify the team pursuit)
    assert not [p for p in tp["places"] if p["by"] == "host"]
    assert tp["nations"] == {"CAN": 1, "GER": 1, "NED": 1}
    # with a reserve list of 3 teams (JPN, USA, ITA by times) Italy is on it: it is given an
    # additional place (oasport 2025-11-25), and the last place may be replaced
    three = fixture_rule(tmp_path, ("cup-one-2025", "cup-two-2025"), team_reserve=3)
    tp = event_of(ask(capsys, db, three, table, "--distance", "team-pursuit"), "team-pursuit")
    assert [(p["by"], p["nation"]) for p in tp["places"] if p["by"] == "reserve"] == [
        ("reserve", "JPN"), ("reserve", "USA"), ("reserve", "ITA")]
    assert entry(tp) == [("points", "CAN", "certain"), ("points", "NED", "certain"),
                         ("times", "GER", "dependent"), ("host", "ITA", "dependent")]
    assert tp["nations"] == {"CAN": 1, "GER": 1, "ITA": 1, "NED": 1}


def test_a_nation_may_enter_nine_eight_or_seven_and_at_most_its_places_allow(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = str(tmp_path / "l.db")
    cup_one(capsys, tmp_path, db)
    got = ask(capsys, db, fixture_rule(tmp_path, ("cup-one-2025",)), table)
    # 1500 m: A1-A3 (NED, its cap) by points; B1 (USA), C1 (JPN) by times; ITA the host's place
    assert entry(event_of(got, "1500")) == [
        ("points", "NED", "certain"), ("points", "NED", "certain"), ("points", "NED", "certain"),
        ("times", "USA", "certain"), ("times", "JPN", "certain"), ("host", "ITA", "dependent")]
    # team pursuit: NED, CAN by points; JPN by times
    nations = {n["nation"]: (n["most"], n["skaters"], n["team_pursuit"], n["status"])
               for n in got["nations"]}
    assert nations == {
        "NED": (9, 6, True, "certain"),  # its cap by points in every individual event + a team
        "JPN": (8, 4, True, "certain"),  # a place in every individual event + a team: 1 + 3
        "CAN": (7, 3, True, "certain"),  # a team but no 1500 m place: the team's 3
        "USA": (7, 1, False, "certain"), "ITA": (7, 1, False, "certain")}
    assert got["reduction"]["skaters"] == 15 and got["reduction"]["excess"] == -67
    assert got["reduction"]["removable"] == 0
    assert not [p for e in got["events"] for p in e["places"] if p["reducible"]]


def test_over_the_limit_the_lowest_places_of_the_first_event_in_the_order_become_dependent(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = str(tmp_path / "l.db")
    cup_one(capsys, tmp_path, db)
    # 15 skaters at most for a limit of 13 (the fixture's; the shipped rule says 82): 2 over
    got = ask(capsys, db, fixture_rule(tmp_path, ("cup-one-2025",), limit=13), table)
    assert (got["reduction"]["excess"], got["reduction"]["removable"]) == (2, 2)
    assert got["reduction"]["order"] == ["500", "1000", "1500", "mass-start"]  # women's, in order
    # the lowest of the 1500 m's entry list: its places by times, from the last; not the host's
    assert entry(event_of(got, "1500")) == [
        ("points", "NED", "certain"), ("points", "NED", "certain"), ("points", "NED", "certain"),
        ("times", "USA", "dependent"), ("times", "JPN", "dependent"), ("host", "ITA", "dependent")]
    usa = next(p for p in event_of(got, "1500")["places"] if p["nation"] == "USA")
    assert "reduction to 13 could remove it" in usa["reason"] and usa["reducible"] is True
    # the nations whose places the reduction could take depend on it; the others do not
    status = {n["nation"]: n["status"] for n in got["nations"]}
    assert status == {"NED": "certain", "JPN": "dependent", "CAN": "certain",
                      "USA": "dependent", "ITA": "certain"}
    # the team pursuit is not in the reduction's order: its places stay as they are
    assert {p["status"] for p in event_of(got, "team-pursuit")["places"]} == {"certain"}
    # asked for one event, the reduction still counts every event of the category
    one = ask(capsys, db, fixture_rule(tmp_path, ("cup-one-2025",), limit=13), table,
              "--distance", "1500")
    assert [e["event"] for e in one["events"]] == ["1500"]
    assert one["reduction"] == got["reduction"] and one["nations"] == got["nations"]


def test_a_rule_without_the_team_pursuit_cannot_say_nine_eight_or_seven(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = str(tmp_path / "l.db")
    cup_one(capsys, tmp_path, db)
    rule = json.loads(fixture_rule(tmp_path, ("cup-one-2025",)).read_text(encoding="utf-8"))
    rule["events"] = [e for e in rule["events"] if e["event"] != "team-pursuit"]
    path = json_file(tmp_path, "no-team.json", rule)
    got = ask(capsys, db, path, table)
    assert {(n["status"], n["most"]) for n in got["nations"]} == {("unknown", None)}
    assert "no team pursuit" in got["nations"][0]["reason"]
    assert got["reduction"]["skaters"] is None


# -- the real list ------------------------------------------------------------------------------
def printed_team_times(category: str) -> dict[str, str]:
    """Each nation's best printed team pursuit time over the list's races (both divisions), read
    from the text independently of the importer."""
    lines = WORLD_CUP_2.read_text(encoding="utf-8").splitlines()
    best: dict[str, str] = {}
    for n, line in enumerate(lines):
        if not line.startswith(f"Team Pursuit ({category.capitalize()}), "):
            continue
        for row_line in lines[n + 3:]:  # the heading, a blank line, the column header
            if not row_line.strip():
                break
            row = ROW.match(row_line)
            assert row
            if row["time"] != "-" and (row["nat"] not in best or ms(row["time"]) < ms(
                    best[row["nat"]])):
                best[row["nat"]] = row["time"]
    return best


@pytest.mark.parametrize("category", ["women", "men"])
def test_the_team_pursuit_times_of_the_real_list_are_each_nations_best_printed_time(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, category: str) -> None:
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(WORLD_CUP_2)))
    got = ok(run(capsys, "--db", db, "qualification", f"soqc-milano-cortina-2026-{category}",
                 "--distance", "team-pursuit", "--format", "json")).json()
    event = got["events"][0]
    expected = printed_team_times(category)
    assert len(expected) >= 10  # Division A and B
    assert {t["skater"]: t["time"] for t in event["times"]} == expected
    assert all(t["nation"] == t["skater"] for t in event["times"])  # a team is its nation's
    # no ISU points table is shipped: no places, and no nation totals or reduction either
    assert event["places"] == [] and "unscored" in event["unknown"]
    assert {n["status"] for n in got["nations"]} <= {"unknown"}
    assert got["reduction"]["skaters"] is None
