"""Team sprint and mixed relay recorded live (issue 15, item 2; docs/decisions/0021-teams.md).

A team sprint is three skaters, three laps, a lap each at the front, the team's time taken when
the third crosses (ISU: "the lead-out skater leaves the track after one lap, the second in line
leads for another full lap, before leaving it up to the third skater"). A mixed relay is a woman
and a man over six laps (ISU, World Cup Final 2019/20), timed when the last crosses. The team is
the competitor: `record team` enters it with its members, then it is drawn, started and finished.
The times are the real ones of World Cup 3 2024/25 (team sprint men: USA 1:16.98, NED 1:17.54).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import digest, ok, refused, run

SPRINT = "team-cup-2025/men-team-sprint"
RELAY = "team-cup-2025/mixed-relay"
USA = ("Zach Stoppelmoor", "Cooper Mcleod", "Austin Kleba")
NED = ("Stefan Westenbroek", "Jenning de Boo", "Tim Prins")


@pytest.fixture
def day(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    db = str(tmp_path / "teams.db")
    ok(run(capsys, "--db", db, "record", "competition", "Team Cup", "--date", "2025-01-26"))
    for name in (*USA, *NED, "Wesly Dijs", "Angel Daleman"):
        ok(run(capsys, "--db", db, "record", "skater", name))
    return db


def test_a_team_sprint_is_scheduled_by_discipline_with_its_three_laps_implied(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    done = ok(run(capsys, "--db", day, "record", "race", "team-cup-2025", "--discipline",
                  "team-sprint", "--category", "men", "--date", "2025-01-26"))
    assert done.out.strip() == SPRINT
    race = next(r for r in run(capsys, "--db", day, "races", "--format", "json").json()
                if r["key"] == SPRINT)
    assert (race["distance_m"], race["category"], race["discipline"]) == (1200, "men", "team-sprint")


def sprint(capsys: pytest.CaptureFixture[str], db: str) -> None:
    ok(run(capsys, "--db", db, "record", "race", "team-cup-2025", "--discipline", "team-sprint",
           "--category", "men", "--date", "2025-01-26"))
    ok(run(capsys, "--db", db, "record", "team", SPRINT, "USA", *USA, "--nation", "USA"))
    ok(run(capsys, "--db", db, "record", "team", SPRINT, "NED", *NED, "--nation", "NED"))


def test_two_teams_of_three_race_a_pair_and_the_finish_of_the_third_gives_the_team_its_time(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    sprint(capsys, day)
    ok(run(capsys, "--db", day, "record", "pair", SPRINT, "1", "--inner", "NED", "--outer", "USA"))
    ok(run(capsys, "--db", day, "record", "start", SPRINT, "1"))
    for lap, (usa, ned) in enumerate((("25.95", "26.10"), ("51.02", "51.40")), 1):
        ok(run(capsys, "--db", day, "record", "pass", SPRINT, "USA", str(400 * lap), usa))
        ok(run(capsys, "--db", day, "record", "pass", SPRINT, "NED", str(400 * lap), ned))
    ok(run(capsys, "--db", day, "record", "finish", SPRINT, "USA", "1:16.98"))
    ok(run(capsys, "--db", day, "record", "finish", SPRINT, "NED", "1:17.54"))
    rows = run(capsys, "--db", day, "standings", SPRINT, "--format", "json").json()["rows"]
    assert [(r["rank"], r["skater"], r["time"], r["behind"], r["lane"]) for r in rows] == [
        (1, "USA", "1:16.98", None, "outer"), (2, "NED", "1:17.54", "+0.560", "inner")]
    assert [m["skater"] for m in rows[0]["members"]] == list(USA)
    at_800 = run(capsys, "--db", day, "standings", SPRINT, "--at", "800", "--format", "json").json()
    assert [(r["skater"], r["time"]) for r in at_800["rows"]] == [("USA", "51.02"), ("NED", "51.40")]


@pytest.mark.parametrize(("members", "says"), [
    (NED[:2], "a team sprint team is 3 skaters (three laps, one lap each, timed when the third "
              "crosses), not 2"),
    ((*NED, "Wesly Dijs"), "a team sprint team is 3 skaters"),
    ((NED[0], NED[0], NED[1]), "a team needs distinct members"),
    ((NED[0], NED[1], "Nobody Known"), "skater 'Nobody Known' is not registered"),
], ids=["two", "four", "one twice", "unregistered"])
def test_a_team_sprint_team_that_is_not_three_skaters_is_refused_and_nothing_is_appended(
        capsys: pytest.CaptureFixture[str], day: str, members: tuple[str, ...], says: str) -> None:
    ok(run(capsys, "--db", day, "record", "race", "team-cup-2025", "--discipline", "team-sprint",
           "--category", "men", "--date", "2025-01-26"))
    before = digest(Path(day))
    refused(run(capsys, "--db", day, "record", "team", SPRINT, "NED", *members, "--nation", "NED"),
            says)
    assert digest(Path(day)) == before  # not even the new team NED is registered


def test_a_finish_needs_the_team_named_first(capsys: pytest.CaptureFixture[str], day: str) -> None:
    ok(run(capsys, "--db", day, "record", "race", "team-cup-2025", "--discipline", "team-sprint",
           "--category", "men", "--date", "2025-01-26"))
    ok(run(capsys, "--db", day, "record", "skater", "NOR", "--nation", "NOR"))
    ok(run(capsys, "--db", day, "record", "pair", SPRINT, "1", "--inner", "NOR"))
    ok(run(capsys, "--db", day, "record", "start", SPRINT, "1"))
    refused(run(capsys, "--db", day, "record", "finish", SPRINT, "NOR", "1:19.00"),
            "name the team's members first (record team)")


def test_a_mixed_relay_is_a_woman_and_a_man_of_category_mixed(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    """World Cup 4 2024/25: Dijs and Daleman (NED) 2:56.56, a world record."""
    done = ok(run(capsys, "--db", day, "record", "race", "team-cup-2025", "--discipline",
                  "mixed-relay", "--date", "2025-01-26"))
    assert done.out.strip() == RELAY
    race = next(r for r in run(capsys, "--db", day, "races", "--format", "json").json()
                if r["key"] == RELAY)
    assert (race["distance_m"], race["category"]) == (2400, "mixed")
    refused(run(capsys, "--db", day, "record", "team", RELAY, "NED", "Wesly Dijs", "Angel Daleman",
                NED[0]), "a mixed relay team is 2 skaters (a woman and a man")
    ok(run(capsys, "--db", day, "record", "team", RELAY, "NED", "Angel Daleman", "Wesly Dijs",
           "--nation", "NED"))
    ok(run(capsys, "--db", day, "record", "pair", RELAY, "1", "--inner", "NED"))
    ok(run(capsys, "--db", day, "record", "start", RELAY, "1"))
    ok(run(capsys, "--db", day, "record", "finish", RELAY, "NED", "2:56.56"))
    rows = run(capsys, "--db", day, "standings", RELAY, "--format", "json").json()["rows"]
    assert [(r["rank"], r["skater"], r["time"]) for r in rows] == [(1, "NED", "2:56.56")]
    assert [m["skater"] for m in rows[0]["members"]] == ["Angel Daleman", "Wesly Dijs"]


@pytest.mark.parametrize(("options", "says"), [
    (("--discipline", "team-sprint", "--category", "men", "--distance", "1000"),
     "a men team-sprint race is 1200 m, not 1000 m"),
    (("--discipline", "mixed-relay", "--category", "women"),
     "a mixed-relay race is of category mixed, not women"),
    (("--distance", "1000", "--category", "mixed"), "category 'mixed' is not men or women"),
    (("--discipline", "team-pursuit",), "--category is needed"),
    (("--category", "men",), "an individual race needs its --distance"),
], ids=["sprint of 1000 m", "women's relay", "mixed individual", "no category", "no distance"])
def test_a_race_whose_discipline_category_and_distance_do_not_fit_is_refused(
        capsys: pytest.CaptureFixture[str], day: str, options: tuple[str, ...], says: str) -> None:
    refused(run(capsys, "--db", day, "record", "race", "team-cup-2025", *options,
                "--date", "2025-01-26"), says)
