"""The command starts fast (issue 14, item 5): guarded by what it imports, not by a clock.

``--help`` imports no subcommand and none of rich, starlette, uvicorn, cryptography and psycopg; a
query on a SQLite ledger imports only its own subcommand's module and, while it prints JSON or CSV,
none of them either (a table is rich's work: then rich, and still none of the others). Each run is a
fresh interpreter, as the shell's is; the summaries the group lists stand for the commands' help.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import attrs
import click
import pytest

from scripts.cli.main import COMMANDS, cli
from tests.cli import run

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("rich", "starlette", "uvicorn", "cryptography", "psycopg", "psycopg_pool")
#: Runs the command in a fresh interpreter with argv, then prints, as JSON, which of HEAVY and of
#: the command's modules (scripts.cli.*) it imported, and its exit code.
PROBE = """
import json, sys
from scripts.cli.main import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = int(e.code or 0)
heavy = set(json.loads({heavy!r}))
print(json.dumps({{"code": code,
                  "heavy": sorted({{m.split(".")[0] for m in sys.modules}} & heavy),
                  "commands": sorted(m for m in sys.modules if m.startswith("scripts.cli."))}}),
      file=sys.stderr)
"""
RACE = "okt-2017/men-5000m"


@attrs.frozen
class Probed:
    code: int
    heavy: list[str]  # which of HEAVY it imported
    commands: list[str]  # the modules of scripts.cli it imported
    out: str


def probe(*args: str) -> Probed:
    """What the command imported for ``args``, run as the shell runs it (the worktree's modules)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=json.dumps(HEAVY)), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    found = json.loads(done.stderr.strip().splitlines()[-1])
    return Probed(found["code"], found["heavy"], found["commands"], done.stdout)


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("startup") / "okt-2017.db")
    done = subprocess.run([sys.executable, "-m", "scripts.cli.main", "--db", db, "demo"], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return db


def test_help_imports_no_subcommand_and_nothing_heavy() -> None:
    found = probe("--help")
    assert found.code == 0
    assert found.heavy == []
    assert found.commands == ["scripts.cli.main", "scripts.cli.options"]
    assert "standings" in found.out and "what-if" in found.out


@pytest.mark.parametrize(("module", "args"), [
    ("standings", ("races", "--format", "json")),
    ("standings", ("standings", RACE, "--format", "json")),
    ("standings", ("standings", RACE, "--format", "csv")),
    ("standings", ("standings", RACE, "--format", "json", "--position", "400")),
    ("standings", ("standings", RACE, "--format", "json", "--at", "2200", "--checkpoint")),
    ("questions", ("audit", "--format", "json")),
])
def test_a_query_on_sqlite_in_json_or_csv_imports_nothing_heavy(ledger_db: str, module: str,
                                                                args: tuple[str, ...]) -> None:
    found = probe("--db", ledger_db, *args)
    assert found.code == 0, found
    assert found.heavy == []
    commands = {"imports", "questions", "record", "corrections", "roles", "serve", "demo",
                "standings"}
    loaded = {name.removeprefix("scripts.cli.") for name in found.commands}
    assert loaded & commands == {module}  # only the query's own module of commands


def test_a_query_printing_a_table_imports_rich_and_nothing_else_heavy(ledger_db: str) -> None:
    found = probe("--db", ledger_db, "standings", RACE)
    assert found.code == 0, found
    assert found.heavy == ["rich"]


def test_a_refused_query_still_says_why_without_the_heavy_modules(ledger_db: str) -> None:
    found = probe("--db", ledger_db, "standings", "no-such/race", "--format", "json")
    assert found.code == 2
    assert found.heavy == []


def test_each_summary_is_the_first_paragraph_of_its_commands_help() -> None:
    for name, lazy in COMMANDS.items():
        command = lazy.load()
        assert command.name == name
        first = (command.help or "").split("\n\n")[0]
        assert lazy.summary == " ".join(first.split()), name


def test_help_lists_the_commands_as_click_lists_them_once_imported() -> None:
    """The group's --help from the summaries equals its --help with every command loaded."""
    lazy = probe("--help").out
    eager = subprocess.run(
        [sys.executable, "-c",
         "import click; from scripts.cli.main import COMMANDS, cli, main\n"
         "ctx = click.Context(cli)\n"
         "[cli.get_command(ctx, name) for name in COMMANDS]\n"
         "assert set(cli.commands) == set(COMMANDS)\n"
         "main(['--help'])"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"},
        capture_output=True, text=True, timeout=120, check=False)
    assert eager.returncode == 0, eager.stderr
    assert lazy == eager.stdout


def test_record_gets_its_corrections_when_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    listed = run(capsys, "record", "--help").out
    for correction in ("reskate", "redraw", "correct", "void", "official"):
        assert correction in listed
    record = cli.commands["record"]
    assert isinstance(record, click.Group)
    assert {"reskate", "official"} <= set(record.commands)
