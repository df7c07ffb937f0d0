"""Every `skate-ledger` example in README.md runs as written (exit 0).

The examples are read from README.md's code blocks (a line, or a segment after ``&&``, that starts
with ``skate-ledger`` or ``.venv/bin/skate-ledger``; a trailing ``\\`` continues a line) and run
in-process, in README order, on one ledger prepared as the README says: the demo first. What the
README leaves to the reader is prepared in a temporary folder and its path put in its place — the
ledger file, ``results.csv`` (a small CSV of design/interfaces.md), ``day.jsonl`` and
``../shared`` (the shared data beside the clone), ``mass-start.csv`` (the sheet README.md shows);
the example's arguments are kept.

``serve`` lines are not run: they start a web server that runs until Ctrl-C. ``serve --help`` is
run instead, and the board itself has its own tests (tests/adapters/test_board.py). The demo is built once
for the module, so that the README's examples cost one demo.
"""

from __future__ import annotations

import glob
import shlex
from pathlib import Path

import pytest

from tests.cli import ok, run

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SHARED = ROOT.parent / "shared"
COMMANDS = ("skate-ledger", ".venv/bin/skate-ledger")
#: A small result file for ``skate-ledger import results.csv`` (another competition than the
#: README's live-entry examples, which record Test Cup themselves).
RESULTS_CSV = (
    "competition,venue,date,distance,category,label,pair,lane,skater,nation,time,status,splits\n"
    "CSV Cup,CSV Rink,2025-02-01,500,women,,1,inner,Skater E,NED,38.120,,100=10.40\n"
    "CSV Cup,CSV Rink,2025-02-01,500,women,,1,outer,Skater F,NOR,38.400,,100=10.50\n")
#: The mass start sheet README.md shows for ``skate-ledger import mass-start.csv`` (its csv block).
MASS_START_CSV = (
    "competition,venue,date,distance,category,discipline,skater,nation,time,status,place,points,"
    "sprint_points,laps\n"
    "Sheet Cup,Sheet Rink,2025-11-23,6400,men,mass-start,Skater G,NED,8:01.120,,1,63,4=3;16=60,16\n"
    "Sheet Cup,Sheet Rink,2025-11-23,6400,men,mass-start,Skater H,NOR,,DNF,,0,4=1;8=2,13\n")
#: A points table for ``cup … --table cup-table.json`` (the README's: no ISU table is shipped,
#: docs/decisions/0022-cup-points.md).
CUP_TABLE = ('{"series": "world-cup", "season": "2025/26", "source": "a reader\'s table (README '
             'example), not the ISU\'s", "places": {"A": {"individual": [10, 8, 6]}}}')


def readme_examples(text: str) -> list[tuple[int, list[str]]]:
    """(README line number, arguments after the command) of every example in a code block."""
    found: list[tuple[int, list[str]]] = []
    in_block, held, start = False, "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_block, held = not in_block, ""
            continue
        if not in_block:
            continue
        if not held:
            start = number
        held += line.rstrip()
        if held.endswith("\\"):
            held = held[:-1] + " "
            continue
        for segment in held.split("&&"):
            words = shlex.split(segment, comments=True)
            if words and words[0] in COMMANDS:
                found.append((start, words[1:]))
        held = ""
    return found


EXAMPLES = readme_examples(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reader's folder: the demo's ledger (built once) and the files the examples name."""
    where = tmp_path_factory.mktemp("readme")
    (where / "results.csv").write_text(RESULTS_CSV, encoding="utf-8")
    (where / "cup-table.json").write_text(CUP_TABLE, encoding="utf-8")
    (where / "admin.token").write_text("the administrator's token, 16+ chars", encoding="utf-8")
    (where / "mass-start.csv").write_text(MASS_START_CSV, encoding="utf-8")
    from scripts.cli.main import main
    main(["--db", str(where / "okt-2017.db"), "demo"])  # a refusal would exit: the fixture errs
    return where


def in_folder(folder: Path, words: list[str]) -> list[str]:
    """The example's arguments with the reader's files in the temporary folder."""
    args: list[str] = []
    for n, word in enumerate(words):
        if n > 0 and words[n - 1] == "--db":
            word = str(folder / "okt-2017.db")
        elif word.startswith("../shared/"):
            matched = sorted(glob.glob(str(SHARED / word.removeprefix("../shared/"))))
            assert matched, f"{word} names no file of {SHARED}"
            args.extend(matched)
            continue
        elif word in ("results.csv", "day.jsonl", "cup-table.json", "master.key", "admin.token",
                      "personal.jsonl", "sheet.html", "sheet.pdf", "mass-start.csv"):
            word = str(folder / word)
        args.append(word)
    return args


def subcommand(words: list[str]) -> str:
    rest = words[2:] if words[:1] == ["--db"] else words
    return rest[0] if rest else ""


def test_the_readme_has_its_examples() -> None:
    named = {subcommand(words) for _, words in EXAMPLES}
    assert {"demo", "import", "export", "standings", "record", "audit", "replay", "what-if",
            "history", "report", "qualification", "classification", "races", "serve", "cup"} <= named
    assert len(EXAMPLES) >= 30


def test_every_skate_ledger_example_of_the_readme_runs_as_written(
        folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKATE_LEDGER_DB", str(folder / "okt-2017.db"))
    monkeypatch.delenv("SKATE_LEDGER_KEY", raising=False)
    failed = []
    for line, words in EXAMPLES:
        if subcommand(words) == "serve":
            continue  # a server runs until Ctrl-C: see the next test
        done = run(capsys, *in_folder(folder, words))
        if done.code != 0:
            failed.append(f"README.md:{line}: skate-ledger {shlex.join(words)} → exit {done.code}: "
                          f"{done.err.strip()}")
    assert not failed, "\n".join(failed)


def test_the_serve_example_is_a_command_that_starts(capsys: pytest.CaptureFixture[str]) -> None:
    assert any(subcommand(words) == "serve" for _, words in EXAMPLES)
    assert "--port" in ok(run(capsys, "serve", "--help")).out
