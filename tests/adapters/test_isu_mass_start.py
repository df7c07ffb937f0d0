"""The mass start sections of the real ISU lists import with their published places.

A mass start list prints each skater's place and time but no points, sprints or laps; the places
follow the points, not the times (a skater with sprint points may be placed ahead of faster
finishers, and one lapped or pulled is printed with the time of an earlier lap, a negative DIFF).
So the ledger keeps the places as published, the times as printed (hundredths), a negative-DIFF
time not at all (it is no finish), and says that points and laps are unknown (null).

The expected values are read here with a simple parse of the printed rows, apart from
ledger/formats/isu_text.py (docs/decisions/0020-mass-start.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from tests.adapters.test_isu_text import FILES
from tests.cli import run

HEADING = re.compile(r"^Mass Start \((?P<category>Men|Women)\), (?P<d>\d\d)\.(?P<m>\d\d)\.(?P<y>\d{4})\s*$")
ROW = re.compile(r"^(?P<pos>\d+|DQ|DNF|DNS|WDR)?\s+(?P<name>.+?)\s+\S+\s+[A-Z]{3}"
                 r"\s+(?P<time>\d[\d:.]*|-)(?:\s+(?P<diff>[+-][\d.]+))?")


@attrs.frozen
class Published:
    name: str
    place: int | None
    time: str | None  # None: not stored (a status row, or a time of an earlier lap)
    status: str


@attrs.frozen
class Section:
    line: int
    day: str
    category: str
    label: str | None
    rows: tuple[Published, ...]


def mass_starts(path: Path) -> tuple[str, list[Section]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Section] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        if " (Men), " in line or " (Women), " in line:
            seen[line.strip()] = seen.get(line.strip(), 0) + 1
        heading = HEADING.match(line)
        if heading is None:
            continue
        rows: list[Published] = []
        place: int | None = None
        for text in lines[n + 2:]:
            if not text.strip():
                break
            row = ROW.match(text)
            assert row, text
            name = " ".join(row["name"].split())
            if row["pos"] in ("DQ", "DNF", "DNS", "WDR"):
                rows.append(Published(name, None, None, row["pos"]))
                continue
            place = int(row["pos"]) if row["pos"] else place
            early = (row["diff"] or "").startswith("-")
            rows.append(Published(name, place, None if early else row["time"], "OK"))
        found.append(Section(n, f"{heading['y']}-{heading['m']}-{heading['d']}",
                             heading["category"].lower(),
                             None if seen[line.strip()] == 1 else "Division B", tuple(rows)))
    return lines[0].strip(), found


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_mass_start_section_gives_its_published_places_back(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path) -> None:
    db = str(tmp_path / "lists.db")
    done = run(capsys, "--db", db, "import", str(path))
    assert done.code == 0, done.err
    competition, sections = mass_starts(path)
    assert sections, "every list holds a mass start"
    races = {(r["date"], r["category"], r["label"]): r for r in
             run(capsys, "--db", db, "races", "--format", "json").json()
             if r["competition"] == competition and "-mass-start" in r["key"]}
    assert len(races) == len(sections)
    for section in sections:
        race = races[section.day, section.category, section.label]
        suffix = "-b" if section.label else ""
        assert race["key"].endswith(f"/{section.category}-mass-start{suffix}")
        board = run(capsys, "--db", db, "standings", race["key"], "--format", "json").json()
        ours = [Published(r["skater"], r["rank"], r["time"], r["status"]) for r in board["rows"]]
        assert ours == list(section.rows), f"{path.name}:{section.line}"
        assert all(r["points"] is None and r["sprint_points"] is None and r["laps"] is None
                   for r in board["rows"]), "a list prints no points or laps: unknown, not 0"


def test_the_lists_hold_mass_starts_whose_places_do_not_follow_their_times() -> None:
    """A guard on the material: places go by points (a slower finisher placed ahead), and some
    skaters were lapped or pulled (a time below the winner's, printed with a negative DIFF)."""
    rows = [row for path in FILES for s in mass_starts(path)[1] for row in s.rows]
    assert sum(1 for row in rows if row.status == "OK" and row.time is None) >= 5
    sections = [s for path in FILES for s in mass_starts(path)[1]]
    assert len(sections) == 14
    assert any(s.label == "Division B" for s in sections)
    assert any(row.status == "DQ" for row in rows)


def test_a_lapped_skaters_time_is_named_in_a_notice_and_not_stored(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = next(p for p in FILES if p.name.startswith("4-world-cup"))
    done = run(capsys, "--db", str(tmp_path / "l.db"), "import", str(path))
    said = [line for line in done.err.splitlines() if "Felix Maly" in line]
    assert len(said) == 1 and "1:28.82" in said[0] and "place 20 is kept" in said[0]
