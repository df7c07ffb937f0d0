"""Hostile input: every reader (CSV, ISU text, Vantage, JSONL) and the command's arguments.

Each named case below is one kind of bad input. Every one must be refused the way
design/interfaces.md promises: exit code 2, one line on stderr (``skate-ledger: error: …``), no
traceback, and the ledger byte for byte unchanged (a SQLite file, with its WAL). Oversized input
is refused quickly, without reading it all (``ledger.formats.read_limited``). Then Hypothesis
damages valid files and arguments at random: whatever it makes is imported or refused in one
line, never an internal failure, and a refusal changes nothing.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.formats import MAX_LINE_BYTES, MAX_LIST_BYTES
from ledger.formats.csv_results import read_csv
from ledger.importing import record_rows
from ledger.importing.jsonl import write_jsonl
from tests.cli import Ran, digest, run

SHARED = Path(__file__).resolve().parents[2].parent / "shared/data"
ISU_LIST = SHARED / "isu-lists/2-world-cup-20252026.txt"
VANTAGE = SHARED / "vantage/ec2020-ladies-1000m-pair4.jsonl"
HEADER = "competition,venue,date,distance,category,label,pair,lane,skater,nation,time,status,splits"
ROWS = [
    "Test Cup,Test Rink,2025-01-05,1000,men,,1,inner,Skater A,NED,1:07.541,,200=16.80;600=42.10",
    "Test Cup,Test Rink,2025-01-05,1000,men,,1,outer,Skater B,NED,1:07.546,,200=16.90;600=42.00",
]
LISTED = "test-cup-2025/men-1000m"  # imported from ROWS
LIVE = "test-cup-2025/women-1000m"  # pair 1 (Skater E, Skater F) started, nothing timed
FINE = "Live Cup,Live Rink,2025-02-01,1000,women,,1,inner,Skater X,NED,1:15.20,,200=18.10;600=47.00"




def csv_text(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


def row(**changes: str) -> str:
    """FINE with some columns changed (by header name)."""
    names = HEADER.split(",")
    cells = FINE.split(",")
    for column, value in changes.items():
        cells[names.index(column)] = value
    return ",".join(cells)


def isu_text(damage: Callable[[list[str]], list[str]]) -> bytes:
    lines = ISU_LIST.read_text(encoding="utf-8").split("\n")
    return "\n".join(damage(lines)).encode()


def isu_row(lines: list[str], new: str) -> list[str]:
    """The first result row (line 8) replaced."""
    return [*lines[:7], new, *lines[8:]]


def vantage_text(damage: Callable[[str], str]) -> bytes:
    text = VANTAGE.read_text(encoding="utf-8")
    return damage(text).encode()


def first_lap(text: str, new_time: str) -> str:
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if '"RaceLapAddedEvent"' in line)
    event = lines[at]
    start = event.index('"time":', event.index('"lap":')) + len('"time":')
    end = event.index(",", start)
    lines[at] = event[:start] + new_time + event[end:]
    return "\n".join(lines)


# -- the seeded ledger and its export --------------------------------------------------------------
#: The seeded ledger's file, and its export's lines.
Seed = tuple[Path, list[dict[str, object]]]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    """A closed SQLite ledger (one file) holding a listed race and a live race, and its export."""
    folder = tmp_path_factory.mktemp("hostile-seed")
    listed = folder / "listed.csv"
    listed.write_bytes(csv_text(*ROWS))
    db = folder / "ledger.db"
    app = build_app(str(db))
    try:
        record_rows(app, str(listed), read_csv(listed))
        app.schedule_race("test-cup-2025", 1000, "women", __import__("datetime").date(2025, 1, 5))
        for name in ("Skater E", "Skater F"):
            app.register_skater(name, "NED")
            app.enter_starter(LIVE, name)
        app.draw_pair(LIVE, 1, "Skater E", "Skater F")
        app.start(LIVE, 1)
        exported = folder / "export.jsonl"
        with exported.open("w", encoding="utf-8") as handle:
            write_jsonl(app, handle)
    finally:
        app.close()
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    return db, lines


def export_bytes(lines: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n"
                   for line in lines).encode()


def changed_export(change: Callable[[list[dict[str, object]]], None]) -> Callable[..., bytes]:
    def make(lines: list[dict[str, object]]) -> bytes:
        copy = json.loads(json.dumps(lines))
        change(copy)
        return export_bytes(copy)
    return make


def set_key(index: int, key: str, value: object) -> Callable[[list[dict[str, object]]], None]:
    def change(lines: list[dict[str, object]]) -> None:
        lines[index][key] = value
    return change


def drop_key(index: int, key: str) -> Callable[[list[dict[str, object]]], None]:
    def change(lines: list[dict[str, object]]) -> None:
        del lines[index][key]
    return change


def set_state(index: int, key: str, value: object) -> Callable[[list[dict[str, object]]], None]:
    def change(lines: list[dict[str, object]]) -> None:
        cast(dict[str, object], lines[index]["state"])[key] = value  # an event line's state is an object
        for line in lines:
            line["hash"] = None  # an export without a chain: the state itself must be refused
    return change


# -- the cases ------------------------------------------------------------------------------------
@attrs.frozen
class FileCase:
    """A file to import: its format, and its bytes (made from the seed's export when it needs it)."""

    name: str
    fmt: str
    data: bytes | Callable[[list[dict[str, object]]], bytes]
    suffix: str = ""


@attrs.frozen
class ArgCase:
    """A command line (after ``--db DB``)."""

    name: str
    argv: tuple[str, ...]


FILE_CASES = [
    # CSV results
    FileCase("csv: negative time", "csv", csv_text(row(time="-1:15.20"))),
    FileCase("csv: zero time", "csv", csv_text(row(time="0.00", splits=""))),
    FileCase("csv: absurdly fast time", "csv", csv_text(row(time="0.01", splits=""))),
    FileCase("csv: absurdly slow time", "csv", csv_text(row(time="999:59.99"))),
    FileCase("csv: time with 75 seconds in a minute", "csv", csv_text(row(time="1:75.20"))),
    FileCase("csv: a time of 30 digits", "csv", csv_text(row(time="9" * 30))),
    FileCase("csv: a date that does not exist", "csv", csv_text(row(date="2025-02-30"))),
    FileCase("csv: a date in an unknown notation", "csv", csv_text(row(date="02/01/2025"))),
    FileCase("csv: unknown column", "csv", csv_text(FINE + ",42", header=HEADER + ",shoe_size")),
    FileCase("csv: required column missing", "csv",
             csv_text(",".join(FINE.split(",")[:8] + FINE.split(",")[9:]),
                      header=HEADER.replace("skater,", ""))),
    FileCase("csv: a column twice", "csv", csv_text(FINE + ",NED", header=HEADER + ",nation")),
    FileCase("csv: a huge field", "csv", csv_text(row(skater="X" * 100_000))),
    FileCase("csv: NUL byte in a row", "csv", csv_text(row(skater="Skater\x00X"))),
    FileCase("csv: NUL byte in the header", "csv",
             csv_text(FINE, header=HEADER.replace("venue", "ve\x00nue"))),
    FileCase("csv: invalid UTF-8", "csv", csv_text(FINE).replace(b"Skater X", b"Skater \xff\xfe")),
    FileCase("csv: BOM inside the header", "csv",
             csv_text(FINE, header=HEADER.replace(",venue", ",\ufeffvenue"))),
    FileCase("csv: two BOMs at the start", "csv", b"\xef\xbb\xbf" + "\ufeff".encode() + csv_text(FINE)),
    FileCase("csv: unterminated quote", "csv", csv_text(row(venue='"Live Rink'))),
    FileCase("csv: text after a closing quote", "csv", csv_text(row(venue='"Live"Rink'))),
    FileCase("csv: more fields than the header", "csv", csv_text(FINE + ",extra")),
    FileCase("csv: fewer fields than the header", "csv", csv_text(",".join(FINE.split(",")[:-2]))),
    FileCase("csv: a header and no rows", "csv", csv_text(header=HEADER).rstrip(b"\n")),
    FileCase("csv: an empty file", "csv", b""),
    FileCase("csv: distance in kilometres", "csv", csv_text(row(distance="1km"))),
    FileCase("csv: zero distance", "csv", csv_text(row(distance="0"))),
    FileCase("csv: a distance of 25 digits", "csv", csv_text(row(distance="9" * 25))),
    FileCase("csv: unknown category", "csv", csv_text(row(category="kids"))),
    FileCase("csv: unknown status", "csv", csv_text(row(status="LOST"))),
    FileCase("csv: OK without a time", "csv", csv_text(row(time="", splits=""))),
    FileCase("csv: DNF with a time", "csv", csv_text(row(status="DNF"))),
    FileCase("csv: negative pair", "csv", csv_text(row(pair="-1"))),
    FileCase("csv: pair zero", "csv", csv_text(row(pair="0"))),
    FileCase("csv: unknown lane", "csv", csv_text(row(lane="middle"))),
    FileCase("csv: passing point off the distance", "csv", csv_text(row(splits="250=20.00"))),
    FileCase("csv: split not like 200=17.85", "csv", csv_text(row(splits="200:18.10"))),
    FileCase("csv: a split later than the finish", "csv", csv_text(row(splits="200=18.10;600=95.00"))),
    FileCase("csv: three skaters in one lane", "csv", csv_text(
        row(), row(skater="Skater Y"), row(skater="Skater Z"))),
    FileCase("csv: five skaters in one pair", "csv", csv_text(
        row(), row(skater="Skater Y"), row(skater="Skater Z", lane="outer"),
        row(skater="Skater W", lane="outer"), row(skater="Skater V", lane="outer"))),
    FileCase("csv: one skater, two different times", "csv",
             csv_text(row(), row(time="1:16.20", lane="outer"))),
    FileCase("csv: contradicts the ledger", "csv", csv_text(ROWS[0].replace("1:07.541", "1:08.541"))),
    FileCase("csv: a 17 MiB file", "csv", csv_text(*([FINE] * (MAX_LIST_BYTES // len(FINE) + 10)))),
    # ISU text lists
    FileCase("isu: empty file", "isu-text", b"\n\n"),
    FileCase("isu: control character", "isu-text", isu_text(lambda ls: [*ls[:3], "\x07" + ls[3], *ls[4:]])),
    FileCase("isu: bad date line", "isu-text", isu_text(lambda ls: [*ls[:1], "someday 2025", *ls[2:]])),
    FileCase("isu: days that end before they begin", "isu-text",
             isu_text(lambda ls: [*ls[:1], "23. - 21.11.2025", *ls[2:]])),
    FileCase("isu: truncated after the title", "isu-text", isu_text(lambda ls: ls[:1])),
    FileCase("isu: heading on a day that does not exist", "isu-text",
             isu_text(lambda ls: [*ls[:4], ls[4].replace("21.11.2025", "32.11.2025"), *ls[5:]])),
    FileCase("isu: a time with 99 seconds", "isu-text",
             isu_text(lambda ls: isu_row(ls, ls[7].replace("1:06.00", "1:99.00")))),
    FileCase("isu: a row cut short", "isu-text", isu_text(lambda ls: isu_row(ls, ls[7][:20]))),
    FileCase("isu: invalid UTF-8", "isu-text", isu_text(lambda ls: ls).replace(b"Stolz", b"St\xc3\x28lz")),
    FileCase("isu: title longer than 200 characters", "isu-text", isu_text(lambda ls: ["T" * 300, *ls[1:]])),
    FileCase("isu: a 2 MiB line", "isu-text",
             isu_text(lambda ls: [*ls[:5], "x" * (2 * MAX_LINE_BYTES), *ls[5:]])),
    # Vantage streams
    FileCase("vantage: not JSON", "vantage", vantage_text(lambda t: t.replace("{", "{{", 1))),
    FileCase("vantage: JSON nested 100000 deep", "vantage", b"[" * 100_000 + b"]" * 100_000 + b"\n"),
    FileCase("vantage: a number of 5000 digits", "vantage", vantage_text(lambda t: first_lap(t, "9" * 5000))),
    FileCase("vantage: negative ticks", "vantage", vantage_text(lambda t: first_lap(t, "-182839000"))),
    FileCase("vantage: ticks as text", "vantage", vantage_text(lambda t: first_lap(t, '"182839000"'))),
    FileCase("vantage: ticks as a float", "vantage", vantage_text(lambda t: first_lap(t, "1.5e300"))),
    FileCase("vantage: absurd ticks", "vantage", vantage_text(lambda t: first_lap(t, "9" * 30))),
    FileCase("vantage: unknown typeName", "vantage",
             vantage_text(lambda t: t.replace('"RaceLapAddedEvent"', '"RaceLapRemovedEvent"', 1))),
    FileCase("vantage: typeName not text", "vantage",
             vantage_text(lambda t: t.replace('"typeName":"RaceLapAddedEvent"', '"typeName":5', 1))),
    FileCase("vantage: a line that is an array", "vantage", vantage_text(lambda t: "[1,2,3]\n" + t)),
    FileCase("vantage: invalid UTF-8", "vantage",
             vantage_text(lambda t: t).replace(b"Primary", b"Pr\xffmary", 1)),
    FileCase("vantage: empty file", "vantage", b"\n \n"),
    # JSONL exports
    FileCase("jsonl: not JSON", "jsonl", b"{not json\n"),
    FileCase("jsonl: JSON nested 100000 deep", "jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n"),
    FileCase("jsonl: a number of 5000 digits", "jsonl", changed_export(set_key(0, "version", 0)),
             suffix="digits"),
    FileCase("jsonl: unknown topic", "jsonl",
             changed_export(set_key(0, "topic", "skate-ledger:Race.Teleported"))),
    FileCase("jsonl: bad UUID", "jsonl", changed_export(set_key(0, "aggregate_id", "not-a-uuid"))),
    FileCase("jsonl: version zero", "jsonl", changed_export(set_key(0, "version", 0))),
    FileCase("jsonl: version true", "jsonl", changed_export(set_key(0, "version", True))),
    FileCase("jsonl: state of the wrong type", "jsonl", changed_export(set_key(0, "state", "a text"))),
    FileCase("jsonl: a field of the wrong type", "jsonl",
             changed_export(set_state(0, "track_m", "four hundred"))),
    FileCase("jsonl: an event with no keys", "jsonl", changed_export(lambda ls: ls[0].clear())),
    FileCase("jsonl: a key missing", "jsonl", changed_export(drop_key(0, "topic"))),
    FileCase("jsonl: an array instead of an object", "jsonl", b"[1,2]\n"),
    FileCase("jsonl: no final newline", "jsonl", changed_export(lambda ls: None), suffix="truncated"),
    FileCase("jsonl: a hash that does not chain", "jsonl", changed_export(set_key(1, "hash", "00" * 32))),
    FileCase("jsonl: a hash that is not hex", "jsonl", changed_export(set_key(1, "hash", "zz"))),
    FileCase("jsonl: a version gap", "jsonl", changed_export(set_key(-1, "version", 99))),
    FileCase("jsonl: contradicts the ledger", "jsonl", changed_export(set_state(0, "venue", "Elsewhere"))),
    FileCase("jsonl: a 50 MiB line", "jsonl", b"", suffix="50MiB"),
]

SKATER_NUL = "Skater\x00E"
ARG_CASES = [
    ArgCase("pass: negative time", ("record", "pass", LIVE, "Skater E", "200", "-17.85")),
    ArgCase("pass: zero time", ("record", "pass", LIVE, "Skater E", "200", "0")),
    ArgCase("pass: time of 40 digits", ("record", "pass", LIVE, "Skater E", "200", "9" * 40)),
    ArgCase("pass: not a time", ("record", "pass", LIVE, "Skater E", "200", "soon")),
    ArgCase("pass: passing point off the distance", ("record", "pass", LIVE, "Skater E", "250", "20.00")),
    ArgCase("pass: negative metres", ("record", "pass", LIVE, "Skater E", "--", "-200", "17.85")),
    ArgCase("pass: metres of 30 digits", ("record", "pass", LIVE, "Skater E", "9" * 30, "17.85")),
    ArgCase("pass: metres not a number", ("record", "pass", LIVE, "Skater E", "two hundred", "17.85")),
    ArgCase("pass: unknown source",
            ("record", "pass", LIVE, "Skater E", "200", "17.85", "--source", "sundial")),
    ArgCase("pass: --device without --seq",
            ("record", "pass", LIVE, "Skater E", "200", "17.85", "--device", "x2")),
    ArgCase("finish: absurdly fast", ("record", "finish", LIVE, "Skater E", "0.001")),
    ArgCase("finish: absurdly slow", ("record", "finish", LIVE, "Skater E", "99:59.99")),
    ArgCase("finish: unknown race", ("record", "finish", "no-such/men-1000m", "Skater E", "1:15.00")),
    ArgCase("finish: unknown skater", ("record", "finish", LIVE, "Nobody", "1:15.00")),
    ArgCase("finish: skater not entered", ("record", "finish", LIVE, "Skater A", "1:15.00")),
    ArgCase("finish: NUL in the skater's name", ("record", "finish", LIVE, SKATER_NUL, "1:15.00")),
    ArgCase("start: negative pair", ("record", "start", LIVE, "--", "-1")),
    ArgCase("start: pair zero", ("record", "start", LIVE, "0")),
    ArgCase("start: pair of 30 digits", ("record", "start", LIVE, "9" * 30)),
    ArgCase("start: pair not drawn", ("record", "start", LIVE, "7")),
    ArgCase("start: moment not ISO 8601", ("record", "start", LIVE, "1", "--at", "yesterday")),
    ArgCase("start: moment without a zone", ("record", "start", LIVE, "1", "--at", "2025-01-05T15:00:00")),
    ArgCase("correct: fact id not a UUID", ("record", "correct", LIVE, "--fact", "1234", "--time", "1:15.00",
                                            "--reason", "r", "--by", "Referee")),
    ArgCase("void: unknown fact", ("record", "void", LIVE, "--fact", "00000000-0000-0000-0000-000000000000",
                                   "--reason", "r", "--by", "Referee")),
    ArgCase("correct: empty reason", ("record", "correct", LISTED, "Skater A", "--time", "1:07.00",
                                      "--reason", " ", "--by", "Referee")),
    ArgCase("correct: nothing recorded to correct",
            ("record", "correct", LIVE, "Skater E", "--time", "1:15.00",
                                                     "--reason", "r", "--by", "Referee")),
    ArgCase("skater: a name of a million characters", ("record", "skater", "N" * 1_000_000)),
    ArgCase("skater: an empty name", ("record", "skater", "  ")),
    ArgCase("skater: a name with a control character", ("record", "skater", "Skater\x1bQ")),
    ArgCase("competition: a date that does not exist",
            ("record", "competition", "Bad Cup", "--date", "2025-13-01")),
    ArgCase("competition: track of zero metres", ("record", "competition", "Bad Cup", "--date", "2025-01-01",
                                                  "--track", "0")),
    ArgCase("competition: negative track", ("record", "competition", "Bad Cup", "--date", "2025-01-01",
                                            "--track=-400")),
    ArgCase("competition: last day before the first", ("record", "competition", "Bad Cup", "--date",
                                                       "2025-01-05", "--last-day", "2025-01-01")),
    ArgCase("race: distance not a distance", ("record", "race", "test-cup-2025", "--distance", "far",
                                              "--category", "men", "--date", "2025-01-05")),
    ArgCase("race: distance of 30 digits", ("record", "race", "test-cup-2025", "--distance", "9" * 30,
                                            "--category", "men", "--date", "2025-01-05")),
    ArgCase("race: unknown competition", ("record", "race", "no-such-cup", "--distance", "500",
                                          "--category", "men", "--date", "2025-01-05")),
    ArgCase("enter: unknown race", ("record", "enter", "no-such/men-500m", "Skater E")),
    ArgCase("standings: --known-at without a zone", ("standings", LISTED, "--known-at", "2025-01-05T15:00")),
    ArgCase("standings: unknown race", ("standings", "no-such/men-500m")),
    ArgCase("import: a file that does not exist", ("import", "/nonexistent/file.csv")),
    ArgCase("--db: an unsupported URL", ("--db", "mysql://somewhere/db", "races")),
]


def refused(done: Ran) -> None:
    assert done.code == 2, done
    lines = done.err.splitlines()
    assert len(lines) == 1, done.err
    assert lines[0].startswith("skate-ledger: error: "), lines[0]
    assert "Traceback" not in done.err and "internal failure" not in done.err


def materialise(case: FileCase, folder: Path, export: list[dict[str, object]]) -> Path:
    path = folder / f"hostile.{case.fmt}"
    if case.suffix == "50MiB":
        with path.open("wb") as handle:  # one line of 50 MiB, written in pieces
            handle.write(b'{"position":1,"state":"')
            for _ in range(50):
                handle.write(b"x" * (1 << 20))
            handle.write(b'"}\n')
        return path
    data = case.data(export) if callable(case.data) else case.data
    if case.suffix == "digits":
        data = data.replace(b'"version":0', b'"version":' + b"9" * 5000, 1)
    if case.suffix == "truncated":
        data = data.rstrip(b"\n")
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.name for c in FILE_CASES])
def test_a_hostile_file_is_refused_in_one_line_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, seed: Seed, case: FileCase) -> None:
    seeded, export = seed
    db = tmp_path / "ledger.db"
    shutil.copy(seeded, db)
    path = materialise(case, tmp_path, export)
    before = digest(db)
    began = time.monotonic()
    done = run(capsys, "--db", str(db), "import", "--format", case.fmt, str(path))
    took = time.monotonic() - began
    refused(done)
    assert str(path) in done.err, "the refusal names the file"
    assert digest(db) == before
    assert took < 10, f"took {took:.1f} s"


@pytest.mark.parametrize("case", ARG_CASES, ids=[c.name for c in ARG_CASES])
def test_a_hostile_argument_is_refused_in_one_line_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, seed: Seed, case: ArgCase) -> None:
    seeded, _export = seed
    db = tmp_path / "ledger.db"
    shutil.copy(seeded, db)
    before = digest(db)
    argv = list(case.argv)
    done = run(capsys, *(argv[:2] if argv[0] == "--db" else ["--db", str(db)]),
               *(argv[2:] if argv[0] == "--db" else argv))
    refused(done)
    assert digest(db) == before


def test_there_are_at_least_50_kinds_of_bad_input() -> None:
    names = [c.name for c in FILE_CASES] + [c.name for c in ARG_CASES]
    assert len(set(names)) == len(names) >= 50


def test_a_50_mib_single_line_file_is_refused_quickly_in_every_format(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, seed: Seed) -> None:
    seeded, _export = seed
    db = tmp_path / "ledger.db"
    shutil.copy(seeded, db)
    path = tmp_path / "one-line"
    with path.open("wb") as handle:
        for _ in range(50):
            handle.write(b"y" * (1 << 20))
    before = digest(db)
    for fmt in ("csv", "isu-text", "vantage", "jsonl", "auto"):
        began = time.monotonic()
        done = run(capsys, "--db", str(db), "import", "--format", fmt, str(path))
        took = time.monotonic() - began
        refused(done)
        assert took < 3, f"{fmt}: took {took:.1f} s"
    assert digest(db) == before


# -- fuzzing --------------------------------------------------------------------------------------
SEEDS = {"csv": csv_text(FINE, row(skater="Skater Y", lane="outer", time="1:16.00")),
         "isu-text": b"".join(ISU_LIST.read_bytes().split(b"\n\n")[:3]) + b"\n",
         "vantage": VANTAGE.read_bytes()[:60_000].rsplit(b"\n", 1)[0] + b"\n"}


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[fmt])
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        at = draw(st.integers(0, len(data)))
        if how == "truncate":
            del data[at:]
            continue
        junk = draw(st.one_of(
            st.binary(max_size=6),
            st.sampled_from([b"\x00", b"\xef\xbb\xbf", b'"', b",", b"\n", b"-", b"9" * 40, b"\r",
                             b"\xff", b"{", b"[" * 50, b"1e999", b"null", b";", b"="])))
        end = at + (draw(st.integers(1, 8)) if how != "insert" else 0)
        data[at:end] = b"" if how == "delete" else junk
    return fmt, bytes(data)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=damaged())
def test_a_randomly_damaged_file_is_imported_or_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory, seed: Seed,
        case: tuple[str, bytes]) -> None:
    fmt, data = case
    seeded, _export = seed
    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "ledger.db"
    shutil.copy(seeded, db)
    path = folder / f"damaged.{fmt}"
    path.write_bytes(data)
    before = digest(db)
    done = run(capsys, "--db", str(db), "import", "--format", fmt, str(path))
    assert done.code in (0, 2), done
    if done.code == 2:
        refused(done)
        assert digest(db) == before


TEXT = st.one_of(st.text(max_size=12), st.sampled_from(["-1", "0", "9" * 30, "\x00", "1e9", "--", ""]))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=st.sampled_from(["pass", "finish", "start", "dnf", "fall", "correct", "dq"]),
       values=st.lists(TEXT, min_size=1, max_size=4))
def test_random_arguments_to_a_record_command_are_recorded_or_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory, seed: Seed,
        command: str, values: list[str]) -> None:
    seeded, _export = seed
    folder = tmp_path_factory.mktemp("fuzz-args")
    db = folder / "ledger.db"
    shutil.copy(seeded, db)
    before = digest(db)
    done = run(capsys, "--db", str(db), "record", command, LIVE, *values)
    assert done.code in (0, 2), done
    if done.code == 2:
        refused(done)
        assert digest(db) == before
