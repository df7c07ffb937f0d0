"""Real ISU text result lists import through the command and give the published results back.

Data: the ISU-style text result lists in ../shared/data/isu-lists (columns POS, NAME, AG = age
group, NAT, TIME, DIFF to the winner in thousandths, RECORD), copied from the public repository
`wvanderharst/matrixschaatsen` (`raw_data/`, commit 3cea303): World Cup 2 2025/26 (Calgary,
Olympic Oval), World Cups 3 and 4 2024/25 (Calgary; Milwaukee, Pettit National Ice Center) and the
ISU World Single Distances Championships 2025 (Hamar). Results are facts; the lists hold Division A
and B races, shared places, DQ/DNF/WDR rows, team pursuit, team sprint, mixed relay and mass start
(the mass start sections: tests/adapters/test_isu_mass_start.py).

The expected values are read here with a deliberately simple parse of the printed rows, separate
from ledger/formats/isu_text.py: a place (a blank POS shares the place above), the printed TIME and
the status, for every row of every individual distance.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.cli.main import main
from tests.cli import digest, run

#: ../shared beside the checkout (a worktree sits one level deeper: the nearest such folder up)
LISTS = next((up / "shared/data/isu-lists" for up in Path(__file__).resolve().parents[2:]
              if (up / "shared/data/isu-lists").is_dir()),
             Path(__file__).resolve().parents[2].parent / "shared/data/isu-lists")
FILES = sorted(LISTS.glob("*.txt"))
STATUSES = {"DQ", "DNF", "DNS", "WDR"}
HEADING = re.compile(r"^(?P<event>.+) \((?P<category>Men|Women)\), "
                     r"(?P<d>\d\d)\.(?P<m>\d\d)\.(?P<y>\d{4})\s*$")
INDIVIDUAL = re.compile(r"^(?P<metres>[\d.]+) meter$")
#: Sections imported as team races (tests/adapters/test_isu_teams.py checks their places)
TEAM_EVENTS = {"Team Pursuit", "Team Sprint", "Mixed Relay"}
ROW = re.compile(r"^(?P<pos>\d+|DQ|DNF|DNS|WDR)?\s+(?P<name>.+?)\s+(?P<ag>\S+)\s+(?P<nat>[A-Z]{3})"
                 r"\s+(?P<time>\d[\d:.]*|-)(?:\s+(?P<diff>[+-][\d.]+))?(?:\s+(?P<record>\S.*?))?\s*$")


@attrs.frozen
class Expected:
    name: str
    place: int | None
    time: str | None
    status: str


@attrs.frozen
class Printed:
    """One section of a list as printed: its heading line, and its rows if it is an individual race."""

    line: int
    heading: str
    individual: bool
    date: str
    distance_m: int
    category: str
    label: str | None
    rows: tuple[Expected, ...]


def printed_sections(path: Path) -> tuple[str, list[Printed]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    sections: list[Printed] = []
    seen: Counter[str] = Counter()
    for n, line in enumerate(lines, 1):
        heading = HEADING.match(line)
        if heading is None:
            continue
        seen[line.strip()] += 1
        rows: list[Expected] = []
        place: int | None = None
        for row_line in lines[n + 2:]:  # the heading, a blank line, the column header
            if not row_line.strip():
                break
            row = ROW.match(row_line)
            assert row, f"{path.name}: cannot read {row_line!r}"
            pos = row["pos"]
            if pos in STATUSES:
                rows.append(Expected(" ".join(row["name"].split()), None, None, pos))
                continue
            place = int(pos) if pos else place
            rows.append(Expected(" ".join(row["name"].split()), place, row["time"], "OK"))
        metres = INDIVIDUAL.match(heading["event"])
        sections.append(Printed(
            n, line.strip(), metres is not None, f"{heading['y']}-{heading['m']}-{heading['d']}",
            int(metres["metres"].replace(".", "")) if metres else 0, heading["category"].lower(),
            None if seen[line.strip()] == 1 else "Division B", tuple(rows)))
    return lines[0].strip(), sections




@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_individual_distance_of_a_list_gives_its_published_places_times_and_statuses_back(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path) -> None:
    db = str(tmp_path / "lists.db")
    done = run(capsys, "--db", db, "import", str(path))
    assert done.code == 0, done.err
    competition, sections = printed_sections(path)
    races = run(capsys, "--db", db, "races", "--format", "json").json()
    key_of = {(r["competition"], r["date"], r["distance_m"], r["category"], r["label"]): r["key"]
              for r in races}
    individual = [s for s in sections if s.individual]
    mass_starts = [s for s in sections if s.heading.startswith("Mass Start")]  # test_isu_mass_start
    assert len(races) == len(individual) + sum(team_section(s) for s in sections) + len(mass_starts)
    checked = 0
    for section in individual:
        key = key_of[competition, section.date, section.distance_m, section.category, section.label]
        board = run(capsys, "--db", db, "standings", key, "--format", "json").json()
        ours = {r["skater"]: Expected(r["skater"], r["rank"], r["time"], r["status"])
                for r in board["rows"]}
        assert len(board["rows"]) == len(section.rows), section.heading
        for expected in section.rows:
            assert ours[expected.name] == expected, f"{path.name}:{section.line} {section.heading}"
            checked += 1
        ranks = [r["rank"] for r in board["rows"] if r["rank"] is not None]
        assert ranks == sorted(ranks), f"{section.heading}: rows not in ranking order"
    assert checked == sum(len(s.rows) for s in individual) > 0


def team_section(section: Printed) -> bool:
    return section.heading.split(" (")[0] in TEAM_EVENTS


def test_the_four_lists_hold_shared_places_divisions_statuses_and_skipped_sections() -> None:
    """The real data exercises what the reader must handle (a guard on the test material)."""
    everything = [s for path in FILES for s in printed_sections(path)[1]]
    rows = [r for s in everything if s.individual for r in s.rows]
    places = [[r.place for r in s.rows if r.place] for s in everything if s.individual]
    assert any(len(p) != len(set(p)) for p in places), "a shared place"
    assert any(s.label == "Division B" for s in everything)
    assert {r.status for r in rows} >= {"OK", "DQ", "DNF", "WDR"}
    assert any(s.distance_m == 10000 for s in everything)
    assert sum(not s.individual for s in everything) > 0


def test_reimporting_a_list_appends_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "lists.db"
    assert run(capsys, "--db", str(db), "import", *map(str, FILES)).code == 0
    before = digest(db)
    again = run(capsys, "--db", str(db), "import", *map(str, FILES))
    assert again.code == 0 and "0 new event" in again.out
    assert digest(db) == before


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_no_section_of_a_list_is_skipped(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path) -> None:
    """Every section imports: individual distances here, team races in tests/adapters/test_isu_teams.py,
    mass starts in tests/adapters/test_isu_mass_start.py; a race for each section."""
    db = str(tmp_path / "lists.db")
    done = run(capsys, "--db", db, "import", str(path))
    assert done.code == 0
    assert [line for line in done.err.splitlines() if "skipped" in line] == []
    races = run(capsys, "--db", db, "races", "--format", "json").json()
    assert len(races) == len(printed_sections(path)[1])
    assert all(line.startswith(f"skate-ledger: notice: {path}: line ") for line in done.err.splitlines())


def test_a_tie_the_list_splits_without_thousandths_keeps_hundredths_and_the_published_places(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """1000 m women, World Cup 2 2025/26: van Elst 17th and Bosiek 18th, both 1:15.42 and both
    +3.060 (every DIFF of that race ends in 0). Where the DIFF does split a tie (World Cup 3
    2024/25: Sato 1:15.03 +1.930, Jabrzyk 1:15.03 +1.934) the thousandths are kept."""
    db = str(tmp_path / "lists.db")
    done = run(capsys, "--db", db, "import", str(LISTS / "2-world-cup-20252026.txt"),
               str(LISTS / "3-world-cup-20242025.txt"))
    assert done.code == 0
    assert "Isabelle van Elst and Karolina Bosiek (lines 50-51) tie at 1:15.42" in done.err
    board = run(capsys, "--db", db, "standings", "2-world-cup-2025-2026/women-1000m", "--format",
                "json").json()
    rows = {r["skater"]: r for r in board["rows"]}
    assert (rows["Isabelle van Elst"]["rank"], rows["Karolina Bosiek"]["rank"]) == (17, 18)
    assert rows["Isabelle van Elst"]["time_ms"] == rows["Karolina Bosiek"]["time_ms"] == 75420
    board = run(capsys, "--db", db, "standings", "3-world-cup-2024-2025/women-1000m", "--format",
                "json").json()
    rows = {r["skater"]: r for r in board["rows"]}
    assert (rows["Ayano Sato"]["time_ms"], rows["Natalia Jabrzyk"]["time_ms"]) == (75030, 75034)
    assert (rows["Ayano Sato"]["rank"], rows["Natalia Jabrzyk"]["rank"]) == (9, 10)
    assert rows["Natalia Jabrzyk"]["behind"] == "+1.934"


HEAD = "Test Cup 2025\n21. - 23.11.2025\nTest Rink (NED)\n\n"
COLS = "POS   NAME              AG       NAT   TIME      DIFF     RECORD   "
ROWS = ["1     Skater A          Senior   NED   1:07.54            TR       ",
        "2     Skater B          Neo      USA   1:07.58   +0.040            "]


def a_list(*rows: str, heading: str = "1000 meter (Men), 21.11.2025") -> str:
    return HEAD + f"{heading}\n\n{COLS}\n" + "".join(f"{r}\n" for r in rows)


@pytest.mark.parametrize(("text", "line", "says"), [
    (a_list(*ROWS)[:-20], 9, "ends in the middle of a row"),
    (a_list(ROWS[0]) + "\n1500 meter (Men), 21.11.2025\n\n", 10, "truncated"),
    (a_list(ROWS[0]) + "\n1500 meter (Men), 21.11.2025\n\n" + COLS + "\n", 10, "has no rows"),
    (a_list(*ROWS, heading="1000 meter (Men), 31.11.2025"), 5, "does not exist"),
    (a_list(*ROWS, heading="1000 meter (Men), 24.11.2025"), 5, "outside the competition's days"),
    (HEAD.replace("21. - 23.11.2025", "21.-23.13.2025") + "x", 2, "date line"),
    (a_list(ROWS[0], ROWS[1].replace("1:07.58", "1:07.5 ")), 9, "TIME '1:07.5'"),
    (a_list(ROWS[0], ROWS[1].replace("2 ", "3 ")), 9, "POS 3 does not follow"),
    (a_list(ROWS[0], ROWS[1].replace("1:07.58", "1:06.58")), 9, "faster than 1:07.54"),
    (a_list(ROWS[0], ROWS[1].replace("Skater B          ", "Skater Bernadette-L")), 9,
     "the NAME field runs into the AG column"),
    (a_list(ROWS[0], "DNF" + ROWS[1][3:]), 9, "DNF row cannot have a time"),
    (a_list(ROWS[0], ROWS[0]), 9, "listed twice"),
    (a_list(*ROWS, heading="Relay (Men), 21.11.2025"), 5, "unknown event 'Relay'"),
    (a_list(ROWS[0].replace("1:07.54", "   7.54")), 8, "impossibly fast"),
])
def test_a_malformed_list_is_refused_in_one_line_naming_file_and_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, line: int, says: str) -> None:
    path = tmp_path / "list.txt"
    path.write_text(text, encoding="utf-8")
    db = str(tmp_path / "lists.db")
    refused = run(capsys, "--db", db, "import", str(path))
    assert refused.code == 2, refused
    assert refused.err.startswith(f"skate-ledger: error: {path}:{line}: "), refused.err
    assert says in refused.err
    assert len(refused.err.splitlines()) == 1
    assert run(capsys, "--db", db, "races", "--format", "json").json() == []


def test_a_list_that_is_not_utf8_is_refused_naming_the_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(a_list(*ROWS).encode("utf-8").replace(b"Skater B", b"Sk\xe4ter B"))
    refused = run(capsys, "--db", str(tmp_path / "lists.db"), "import", str(path))
    assert refused.code == 2 and f"{path}:9: is not UTF-8 text" in refused.err


# -- damaged real files ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seeded_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger holding one real list, so that damaged lists meet both new and known facts."""
    db = tmp_path_factory.mktemp("seeded") / "seeded.db"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        main(["--db", str(db), "import", str(LISTS / "3-world-cup-20242025.txt")])
    assert "imported 1 file(s)" in out.getvalue(), err.getvalue()
    return db


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes, str]:
    path = draw(st.sampled_from(FILES))
    data = path.read_bytes()
    how = draw(st.sampled_from(["truncate", "flip", "insert", "delete line", "garble time"]))
    if how == "truncate":
        return path.name, data[:draw(st.integers(0, len(data) - 1))], how
    if how in ("flip", "insert"):
        at = draw(st.integers(0, len(data) - 1))
        byte = draw(st.integers(0, 255))
        if how == "flip":
            return path.name, data[:at] + bytes([data[at] ^ (byte or 1)]) + data[at + 1:], how
        return path.name, data[:at] + bytes([byte]) + data[at:], how
    lines = data.split(b"\n")
    if how == "delete line":
        at = draw(st.integers(0, len(lines) - 1))
        return path.name, b"\n".join(lines[:at] + lines[at + 1:]), how
    timed = [n for n, line in enumerate(lines) if re.search(rb"\s\d+:?\d*\.\d\d\s", line)]
    at = draw(st.sampled_from(timed))
    time = re.search(rb"\s(\d+:?\d*\.\d\d)\s", lines[at])
    assert time is not None
    new = draw(st.text("0123456789:.,-+ ", min_size=1, max_size=len(time[1]))).encode()
    lines[at] = lines[at][:time.start(1)] + new.ljust(len(time[1])) + lines[at][time.end(1):]
    return path.name, b"\n".join(lines), how


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=damaged())
def test_a_damaged_list_is_imported_or_refused_in_one_line_and_a_refusal_changes_nothing(
        capsys: pytest.CaptureFixture[str], seeded_ledger: Path, case: tuple[str, bytes, str]) -> None:
    name, data, _how = case
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ledger.db"
        shutil.copy(seeded_ledger, db)
        path = Path(tmp) / name
        path.write_bytes(data)
        before = digest(db)
        done = run(capsys, "--db", str(db), "import", str(path))
        assert done.code in (0, 2), done
        err = done.err.splitlines()
        if done.code == 2:
            assert len(err) == 1, done.err
            where = re.match(rf"skate-ledger: error: {re.escape(str(path))}(?::(\d+))?: \S", err[0])
            assert where, err[0]
            assert where[1] is None or 1 <= int(where[1]) <= data.count(b"\n") + 1
            assert digest(db) == before
        else:
            assert "imported 1 file(s)" in done.out
            assert all(line.startswith(f"skate-ledger: notice: {path}: line ") for line in err)
