"""A mass start from a CSV sheet, and why not from Vantage (issue 15, the remainder of item 1;
docs/decisions/0025-world-cup-day-gaps.md).

A CSV row of ``discipline`` ``mass-start`` carries what a mass start's sheet prints: the place,
the total ``points``, the ``sprint_points`` of each sprint the skater scored in (``4=3;16=60``,
the final at the last lap) and the ``laps`` completed. The places and points are kept as
published, never recomputed; what a row does not give stays unknown (null). The skaters are
invented ("Skater A" …); the points follow the 2025/26 table (3-2-1, 60-40-20-10-6-3).

The Vantage streams we hold (../shared/data/vantage, Emando Vantage's recorder at the ISU European
Single Distances Championships, Thialf, Heerenveen, 12 January 2020; public repository
emando/vantage-events, examples/, commit 1eea67c) name two mass start distances in the programme
but hold no heat of one: a stream of one is refused, not guessed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli import digest, ok, refused, run

HEADER = ("competition,venue,date,distance,category,discipline,skater,nation,time,status,place,"
          "points,sprint_points,laps")
RACE = "Test Cup,Test Rink,2025-11-23,6400,men,mass-start"
KEY = "test-cup-2025/men-mass-start"
#: skater, time, status, place, points, sprint points, laps: as a sheet prints them
SHEET = (
    ("Skater A", "8:01.120", "", "1", "63", "4=3;16=60", "16"),
    ("Skater B", "8:01.250", "", "2", "40", "16=40", "16"),
    ("Skater C", "8:01.300", "", "3", "21", "8=1;16=20", "16"),
    ("Skater D", "8:01.900", "", "4", "15", "4=2;12=3;16=10", "16"),
    ("Skater E", "8:02.400", "", "5", "9", "8=3;16=6", "16"),
    ("Skater F", "8:02.410", "", "6", "3", "16=3", "16"),
    ("Skater G", "8:03.000", "", "7", "2", "12=2", "16"),
    ("Skater H", "8:05.000", "", "8", "0", "", ""),
    ("Skater I", "", "DNF", "", "0", "4=1;8=2;12=1", "13"),
    ("Skater J", "8:01.500", "DQ", "", "0", "", ""),
)
VANTAGE = Path(__file__).resolve().parents[2].parent / "shared/data/vantage"
LADIES = VANTAGE / "ec2020-ladies-1000m-pair4.jsonl"


def sheet_file(tmp_path: Path, *rows: tuple[str, ...], name: str = "mass-start.csv",
               race: str = RACE, header: str = HEADER) -> Path:
    path = tmp_path / name
    lines = [header, *(f"{race},{r[0]},NED,{','.join(r[1:])}" for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rows(capsys: pytest.CaptureFixture[str], db: str, *basis: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = run(capsys, "--db", db, "standings", KEY, *basis,
                                      "--format", "json").json()["rows"]
    return found


@pytest.fixture
def db(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    path = str(tmp_path / "ms.db")
    ok(run(capsys, "--db", path, "import", str(sheet_file(tmp_path, *SHEET))))
    return path


def test_a_csv_mass_start_keeps_the_published_places_points_sprints_and_laps(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    """The sprints are the season's (laps 4, 8, 12) and the finish (16); a sprint a row does not
    name scored 0 for it; a row that gives no sprint points has them unknown (null)."""
    got = [(r["rank"], r["skater"], r["status"], r["points"], r["sprint_points"], r["laps"])
           for r in rows(capsys, db)]
    assert got == [
        (1, "Skater A", "OK", 63, [3, 0, 0, 60], 16),
        (2, "Skater B", "OK", 40, [0, 0, 0, 40], 16),
        (3, "Skater C", "OK", 21, [0, 1, 0, 20], 16),
        (4, "Skater D", "OK", 15, [2, 0, 3, 10], 16),
        (5, "Skater E", "OK", 9, [0, 3, 0, 6], 16),
        (6, "Skater F", "OK", 3, [0, 0, 0, 3], 16),
        (7, "Skater G", "OK", 2, [0, 0, 2, 0], 16),
        (8, "Skater H", "OK", 0, None, None),
        (None, "Skater I", "DNF", 0, [1, 2, 1, 0], 13),  # sprint points shown, a total of 0
        (None, "Skater J", "DQ", 0, None, None),
    ]
    assert rows(capsys, db)[0]["source"] == "list"


def test_the_standings_after_a_sprint_add_up_the_sheets_sprint_points_so_far(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    """After lap 8: A, E and I have 3 and share the lead (the sheet gives no order of crossing),
    D 2, C 1, B, F and G 0; H's sprint points are not known, J is disqualified: unranked."""
    got = [(r["rank"], r["skater"], r["points"]) for r in rows(capsys, db, "--lap", "8")]
    assert sorted(got[:8], key=lambda r: (r[0], r[1])) == [
        (1, "Skater A", 3), (1, "Skater E", 3), (1, "Skater I", 3), (4, "Skater D", 2),
        (5, "Skater C", 1), (6, "Skater B", 0), (6, "Skater F", 0), (6, "Skater G", 0)]
    assert sorted(got[8:], key=lambda r: r[1]) == [(None, "Skater H", None),
                                                  (None, "Skater J", None)]


def test_the_standings_after_the_last_lap_are_the_final_standings(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    assert rows(capsys, db, "--lap", "16") == rows(capsys, db)


def test_importing_the_sheet_again_appends_nothing_and_other_points_are_refused(
        capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    before = digest(Path(db))
    ok(run(capsys, "--db", db, "import", str(sheet_file(tmp_path, *SHEET, name="again.csv"))))
    assert digest(Path(db)) == before
    changed = (*SHEET[:1], ("Skater B", "8:01.250", "", "2", "41", "12=1;16=40", "16"))
    path = sheet_file(tmp_path, *changed, name="changed.csv")
    refused(run(capsys, "--db", db, "import", str(path)), f"{path}:3:",
            "already gave other points for this skater")
    assert digest(Path(db)) == before


GOOD = ("Skater A", "8:01.120", "", "1", "63", "4=3;16=60", "16")


@pytest.mark.parametrize(("row", "race", "says"), [
    (("Skater A", "8:01.120", "", "1", "60", "4=3;16=60", "16"), RACE,
     "points 60 is not the sum of the sprint points (63)"),
    (("Skater A", "8:01.120", "", "", "63", "4=3;16=60", "16"), RACE,
     "a mass start row with status OK needs its published place"),
    (("Skater A", "8:01.120", "", "1", "63", "4=3;17=60", "16"), RACE,
     "sprint points at lap 17: the race has 16 laps"),
    (("Skater A", "8:01.120", "", "1", "63", "4=3;16=60", "17"), RACE,
     "laps 17 is more than the race's 16"),
    (("Skater A", "8:01.120", "", "1", "63", "4=3;4=60", "16"), RACE,
     "sprint points name lap 4 twice"),
    (("Skater A", "8:01.120", "", "1", "63", "4:3", "16"), RACE,
     "sprint points '4:3' are not like 4=3"),
    (GOOD, "Test Cup,Test Rink,2025-11-23,6500,men,mass-start",
     "a mass start's distance 6500 m is not whole laps of 400 m"),
    (GOOD, "Test Cup,Test Rink,2025-11-23,6400,men,team-pursuit",
     "discipline 'team-pursuit' is not one of individual, mass-start"),
    (GOOD, "Test Cup,Test Rink,2025-11-23,1000,men,individual",
     "points is a mass start's column"),
], ids=["points not the sum", "no place", "a sprint after the last lap", "too many laps",
        "a lap twice", "not lap=points", "not whole laps", "a team race", "an individual race"])
def test_a_mass_start_row_that_is_not_one_is_refused_in_one_line_and_nothing_is_appended(
        capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, row: tuple[str, ...],
        race: str, says: str) -> None:
    before = digest(Path(db))
    path = sheet_file(tmp_path, SHEET[1], row, name="bad.csv", race=race)
    line = 3 if race == RACE else 2  # a wrong race is refused at its first row
    refused(run(capsys, "--db", db, "import", str(path)), f"{path}:{line}:", says)
    assert digest(Path(db)) == before


def test_a_mass_start_has_no_pairs_or_lanes(capsys: pytest.CaptureFixture[str], db: str,
                                            tmp_path: Path) -> None:
    path = tmp_path / "paired.csv"
    path.write_text(f"{HEADER},pair\n{RACE},Skater A,NED,8:01.120,,1,63,4=3;16=60,16,1\n",
                    encoding="utf-8")
    refused(run(capsys, "--db", db, "import", str(path)), f"{path}:2:",
            "a mass start has no pairs or lanes")


# -- Vantage ------------------------------------------------------------------------------------
def stream(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_the_vantage_streams_name_mass_starts_in_the_programme_but_hold_no_heat_of_one() -> None:
    events = stream(LADIES)
    programme = {(d["name"], d["discipline"], d["value"]) for e in events
                 if e["typeName"] == "CompetitionActivatedEvent"
                 for d in e["competition"]["distances"]}
    assert {("Ladies Mass Start", "SpeedSkating.LongTrack.MassStartDistance", 16),
            ("Men Mass Start", "SpeedSkating.LongTrack.MassStartDistance", 16)} <= programme
    activated = {e["distance"]["discipline"] for e in events
                 if e["typeName"] == "DistanceActivatedEvent"}
    assert activated == {"SpeedSkating.LongTrack.PairsDistance.Individual"}


def test_a_vantage_stream_of_a_mass_start_is_refused_naming_its_line_and_appends_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A copy of the real ladies' stream whose activated distance is said to be a mass start."""
    events = stream(LADIES)
    line = next(n for n, e in enumerate(events, 1) if e["typeName"] == "DistanceActivatedEvent")
    events[line - 1]["distance"]["discipline"] = "SpeedSkating.LongTrack.MassStartDistance"
    path = tmp_path / "mass-start.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events),
                    encoding="utf-8")
    db = tmp_path / "v.db"
    ok(run(capsys, "--db", str(db), "record", "competition", "Other Cup", "--date", "2025-01-05"))
    before = digest(db)
    refused(run(capsys, "--db", str(db), "import", str(path)), f"{path}:{line}:",
            "a mass start is not supported from Vantage")
    assert digest(db) == before


def test_the_published_points_are_stored_on_either_store_and_survive_an_export(
        capsys: pytest.CaptureFixture[str], command_db: str, tmp_path: Path) -> None:
    ok(run(capsys, "--db", command_db, "import", str(sheet_file(tmp_path, *SHEET))))
    stored = rows(capsys, command_db)
    exported = tmp_path / "day.jsonl"
    ok(run(capsys, "--db", command_db, "export", "--output", str(exported)))
    again = str(tmp_path / "again.db")
    ok(run(capsys, "--db", again, "import", str(exported)))
    assert rows(capsys, again) == stored
    assert [r["points"] for r in stored][:3] == [63, 40, 21]
