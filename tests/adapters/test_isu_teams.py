"""The team sections of the real ISU lists import as team races and give their published places back.

Every team pursuit, team sprint and mixed relay section of the four lists in
../shared/data/isu-lists (docs/decisions/0021-teams.md): each member is listed with the team's
place, time and status as printed. The expected values come from the plain parse of
tests/adapters/test_isu_text.py (a blank POS takes the place above: in a mixed relay that is the
team's second member), not from ledger/formats/isu_text.py; which rows make a team is read here
from the list as a person reads it: the rows of one nation under one place (or one status).
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from scripts.cli.main import main
from tests.adapters.test_isu_text import (
    FILES,
    Expected,
    Printed,
    a_list,
    printed_sections,
    team_section,
)
from tests.cli import run

#: The race key's event for each section's heading (the category word first, but not twice)
EVENTS = {"Team Pursuit": "team-pursuit", "Team Sprint": "team-sprint", "Mixed Relay": "relay"}
SIZES = {"Team Pursuit": 3, "Team Sprint": 3, "Mixed Relay": 2}


def team_sections() -> list[tuple[Path, str, Printed]]:
    found: list[tuple[Path, str, Printed]] = []
    for path in FILES:
        competition, sections = printed_sections(path)
        found.extend((path, competition, s) for s in sections if team_section(s))
    return found


SECTIONS = team_sections()


def event_of(section: Printed) -> str:
    return section.heading.split(" (")[0]


def key_of(races: list[dict[str, Any]], competition: str, section: Printed) -> str:
    event = event_of(section)
    category = "mixed" if event == "Mixed Relay" else section.category
    slug = next(r["competition_slug"] for r in races if r["competition"] == competition)
    suffix = "-b" if section.label == "Division B" else ""
    return f"{slug}/{category}-{EVENTS[event]}{suffix}"


@pytest.fixture(scope="module")
def lists_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The four lists imported once (a module fixture has no capsys: the command's output goes
    to pytest's own capture)."""
    db = str(tmp_path_factory.mktemp("teams") / "lists.db")
    code = 0
    try:
        main(["--db", db, "import", *map(str, FILES)])
    except SystemExit as e:
        code = int(e.code or 0)
    assert code == 0, "the lists were refused"
    return db


def test_the_four_lists_hold_every_kind_of_team_section() -> None:
    """A guard on the test material: 16 team sections, with Division B, DQ and DNF teams."""
    assert {event_of(s) for _, _, s in SECTIONS} == set(EVENTS)
    assert len(SECTIONS) == 16
    assert any(s.label == "Division B" for _, _, s in SECTIONS)
    assert {r.status for _, _, s in SECTIONS for r in s.rows} == {"OK", "DQ", "DNF"}


@pytest.mark.parametrize(("path", "competition", "section"), SECTIONS,
                         ids=[f"{p.stem}:{s.line}" for p, _, s in SECTIONS])
def test_each_team_section_gives_every_member_the_published_place_time_and_status(
        capsys: pytest.CaptureFixture[str], lists_db: str, path: Path, competition: str,
        section: Printed) -> None:
    races = run(capsys, "--db", lists_db, "races", "--format", "json").json()
    key = key_of(races, competition, section)
    race = next(r for r in races if r["key"] == key)
    assert race["discipline"] == EVENTS[event_of(section)].replace("relay", "mixed-relay")
    board = run(capsys, "--db", lists_db, "standings", key, "--format", "json").json()
    listed = {m["skater"]: Expected(m["skater"], row["rank"], row["time"], row["status"])
              for row in board["rows"] for m in row["members"]}
    assert sorted(listed) == sorted(r.name for r in section.rows), f"{path.name}:{section.line}"
    for expected in section.rows:
        assert listed[expected.name] == expected, f"{path.name}:{section.line} {expected.name}"
    size = SIZES[event_of(section)]
    assert all(len(row["members"]) == size for row in board["rows"])
    assert len(board["rows"]) * size == len(section.rows)


@pytest.mark.parametrize(("path", "competition", "section"), SECTIONS,
                         ids=[f"{p.stem}:{s.line}" for p, _, s in SECTIONS])
def test_each_team_is_the_rows_of_one_nation_under_one_place_in_list_order(
        capsys: pytest.CaptureFixture[str], lists_db: str, path: Path, competition: str,
        section: Printed) -> None:
    """The members of each team, in the order printed, and the teams in the order printed."""
    races = run(capsys, "--db", lists_db, "races", "--format", "json").json()
    board = run(capsys, "--db", lists_db, "standings", key_of(races, competition, section),
                "--format", "json").json()
    size = SIZES[event_of(section)]
    printed = [[r.name for r in group] for _, rows in groupby(
        section.rows, key=lambda r: (r.place, r.status)) for group in chunks(list(rows), size)]
    assert [[m["skater"] for m in row["members"]] for row in board["rows"]] == printed


def chunks(rows: list[Expected], size: int) -> list[list[Expected]]:
    return [rows[n:n + size] for n in range(0, len(rows), size)]


def test_a_mixed_relay_is_category_mixed_with_a_notice_though_printed_men(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = next(p for p in FILES if p.stem.startswith("2-world-cup"))
    done = run(capsys, "--db", str(tmp_path / "l.db"), "import", str(path))
    assert done.code == 0
    assert "Mixed Relay (Men), 23.11.2025: a mixed relay team is a woman and a man" in done.err
    races = {r["key"]: r for r in run(capsys, "--db", str(tmp_path / "l.db"), "races",
                                      "--format", "json").json()}
    relay = races["2-world-cup-2025-2026/mixed-relay"]
    assert (relay["category"], relay["distance_m"], relay["starters"]) == ("mixed", 2400, 14)


def test_each_member_keeps_the_marks_printed_beside_them(
        capsys: pytest.CaptureFixture[str], lists_db: str) -> None:
    """Mixed relay, World Cup 2 2025/26: Farthofer NR, Rosner WRJ, NR, TRJ (one team)."""
    board = run(capsys, "--db", lists_db, "standings", "2-world-cup-2025-2026/mixed-relay",
                "--format", "json").json()
    austria = next(r for r in board["rows"] if r["skater"] == "AUT")
    assert austria["members"] == [
        {"skater": "Alexander Farthofer", "nation": "AUT", "published_marks": ["NR"]},
        {"skater": "Jeannine Rosner", "nation": "AUT", "published_marks": ["WRJ", "NR", "TRJ"]}]
    assert (austria["rank"], austria["time"], austria["behind"]) == (4, "2:57.19", "+3.140")


RELAY = "Mixed Relay (Men), 22.11.2025"
SPRINT = "Team Sprint (Women), 22.11.2025"


def member(pos: str, name: str, nat: str, time: str, diff: str = "") -> str:
    """A row in the columns of tests/adapters/test_isu_text.py's COLS."""
    return f"{pos:<6}{name:<18}Senior   {nat}   {time:<10}{diff:<9}"


@pytest.mark.parametrize(("heading", "rows", "line", "says"), [
    (RELAY, (member("1", "Skater A", "NED", "2:54.05"), member("", "Skater B", "NED", "2:54.05"),
             member("2", "Skater C", "GER", "2:54.41", "+0.360")), 10,
     "the team of GER from this line lists 1 member; a mixed relay team lists 2"),
    (RELAY, (member("1", "Skater A", "NED", "2:54.05"), member("", "Skater B", "NED", "2:54.15")),
     9, "Skater B is listed with the team of NED (line 8) but its TIME 2:54.15 differs"),
    (SPRINT, (member("1", "Skater A", "CAN", "1:24.90"), member("1", "Skater B", "CAN", "1:24.90"),
              member("1", "Skater C", "POL", "1:24.90")), 8,
     "the team of CAN from this line lists 2 members; a team sprint team lists 3"),
    (SPRINT, (*(member("1", f"Skater {n}", "CAN", "1:24.90") for n in "ABC"),
              *(member("2", f"Skater {n}", "CAN", "1:26.02", "+1.120") for n in "DEF")), 11,
     "CAN is listed twice in this race"),
], ids=["a relay team of one", "a member's other time", "a sprint team of two",
        "two teams of one nation"])
def test_a_team_section_that_does_not_list_whole_teams_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, heading: str, rows: tuple[str, ...],
        line: int, says: str) -> None:
    path = tmp_path / "list.txt"
    path.write_text(a_list(*rows, heading=heading), encoding="utf-8")
    done = run(capsys, "--db", str(tmp_path / "l.db"), "import", str(path))
    assert done.code == 2, done
    assert done.err.startswith(f"skate-ledger: error: {path}:{line}: "), done.err
    assert says in done.err and len(done.err.splitlines()) == 1
