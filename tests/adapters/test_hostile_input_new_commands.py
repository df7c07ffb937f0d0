"""Hostile input on the commands and routes added in issues 15-17: the master key, erase, migrate,
sheet and verify --sheet, record officials / conditions / redraw of a quartet, the mass start
columns of a CSV, qualification and cup with their points tables, and the board's new routes.

Each case is one bad argument or file, as a careless or hostile user gives it. The command must
refuse it as design/interfaces.md promises: exit code 2, one line on stderr naming the argument
or the file (and line), no traceback, and nothing appended (the export and verify's verdict
unchanged), on a SQLite file and on PostgreSQL. The board answers 400 or 404 with one line, never
a 500. The numbers are digits 0-9: ``str.isdigit`` also takes ``²`` (which ``int`` refuses, an
internal failure before) and other scripts' digits (``٤٥``, taken as 45 before).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import click
import pytest
from starlette.testclient import TestClient

from ledger.application import Ledger
from ledger.bootstrap import build_app
from scripts.board.app import create_app
from scripts.cli.main import main
from scripts.demo import okt2017
from tests.adapters.test_nothing_false_goes_in_atomic import seen
from tests.cli import ok, refused, run
from tests.conftest import _PG, drop_pg_schema, new_pg_schema, pg_url

SOQC_MEN = (Path(__file__).resolve().parents[2]
            / "projections/qualification_rules/soqc-milano-cortina-2026-men.json")
RACE = "test-cup-2025/men-1000m"
QUARTET = "test-cup-2025/men-500m-b"
MASTER = "SKATE_LEDGER_MASTER_KEY_FILE"
MASS_HEADER = ("competition,venue,date,distance,category,discipline,skater,nation,time,status,"
               "place,points,sprint_points,laps")
MASS_RACE = "Mass Cup,Mass Rink,2025-11-23,6400,men,mass-start"
MASS_ROW = ("Skater M", "8:01.120", "", "1", "63", "4=3;16=60", "16")
PAIR_HEADER = "competition,venue,date,distance,category,pair,lane,skater,nation,time"
TABLE = {"series": "world-cup", "season": "2025/26",
         "source": "test fixture (tests/adapters/test_cup.py's shape), not the ISU's table",
         "places": {"A": {"individual": [60, 54, 48]}}}
#: A file that is nested deeper than Python's JSON reader goes (RecursionError before).
DEEP = "[" * 100_000 + "]" * 100_000


def cli(*argv: str) -> None:
    """The command, in a fixture (no capsys there): it must succeed."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            main(list(argv))
            code: object = 0
        except SystemExit as e:
            code = e.code
    assert not code, err.getvalue()


@attrs.frozen
class Seeded:
    db: str
    folder: Path


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Seeded]:
    """The seeded ledger (``seeding``) on a SQLite file and on PostgreSQL."""
    yield from seeding(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The seeded ledger on a SQLite file only, for what is refused before the store is read."""
    yield from seeding("sqlite", tmp_path_factory)


def seeding(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """Test Cup: the men's 1000 m (A, B drawn), a quartet 500 m (A C / B D), Skater F with a home
    town sealed with the master key ``master.key``, an administrator's and a referee's token; and
    the files the cases give (``folder``)."""
    folder = tmp_path_factory.mktemp("hostile-new")
    if kind == "postgres":
        if not _PG:
            pytest.skip("PostgreSQL is not reachable here (under CI=true conftest fails instead)")
        schema = new_pg_schema()
        db = pg_url(schema)
    else:
        schema, db = "", str(folder / "ledger.db")
    make_files(folder)
    saved = os.environ.get(MASTER)
    os.environ[MASTER] = str(folder / "master.key")
    try:
        cli("keys", "init", "--output", str(folder / "master.key"))
        cli("keys", "init", "--output", str(folder / "other.key"))
        cli("keygen", "--output", str(folder / "sign.key"))
        cli("--db", db, "record", "competition", "Test Cup", "--venue", "Thialf", "--date", "2025-01-05")
        cli("--db", db, "record", "race", "test-cup-2025", "--distance", "1000", "--category", "men",
            "--date", "2025-01-05")
        cli("--db", db, "record", "race", "test-cup-2025", "--distance", "500", "--category", "men",
            "--date", "2025-01-05", "--label", "Division B")
        for name in "ABCDE":
            cli("--db", db, "record", "skater", f"Skater {name}", "--nation", "NED")
        cli("--db", db, "record", "skater", "Skater F", "--nation", "NED", "--hometown", "Heerenveen")
        cli("--db", db, "record", "enter", RACE, "Skater A", "Skater B")
        cli("--db", db, "record", "pair", RACE, "1", "--inner", "Skater A", "--outer", "Skater B")
        cli("--db", db, "record", "enter", QUARTET, "Skater A", "Skater B", "Skater C", "Skater D",
            "Skater E")
        cli("--db", db, "record", "pair", QUARTET, "1", "--inner", "Skater A", "--inner", "Skater C",
            "--outer", "Skater B", "--outer", "Skater D")
        cli("--db", db, "roles", "set-administrator", "--token-file", str(folder / "admin.token"),
            "--by", "Admin A")
        cli("--db", db, "roles", "set-referee", "--token-file", str(folder / "referee.token"),
            "--by", "Admin A")
    finally:
        if saved is None:
            os.environ.pop(MASTER, None)
        else:
            os.environ[MASTER] = saved
    yield Seeded(db, folder)
    if schema:
        drop_pg_schema(schema)


def make_files(folder: Path) -> None:
    texts = {
        "admin.token": "administrator-token-0123456789\n",
        "referee.token": "referee-token-0123456789abcdef\n",
        "wrong.token": "not-the-token-0123456789abcdef\n",
        "garbage.key": "garbage\n",
        "not-a-sheet.html": "<html><body><p>a page</p></body></html>\n",
        "empty.html": "",
        "truncated.pdf": "%PDF-1.7\n1 0 obj\n<<",
        "table.json": json.dumps(TABLE),
        "places-text.json": json.dumps({**TABLE, "places": "60,54,48"}),
        "season-object.json": json.dumps({**TABLE, "season": {"from": 2025}}),
        "series-object.json": json.dumps({**TABLE, "series": {"name": "world-cup"}}),
        "points-true.json": json.dumps({**TABLE, "places": {"A": {"individual": [True, False]}}}),
        "points-huge.json": json.dumps({**TABLE, "places": {"A": {"individual": [10 ** 40]}}}),
        "season-digits.json": json.dumps({**TABLE, "season": "٢٠٢٥/٢٦"}),
        "not-json.json": "{places: 60}",
        "deep.json": DEEP,
        "number.json": "42",
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, rule in soqc_rules().items():
        (folder / f"rule-{name}.json").write_text(json.dumps(rule), encoding="utf-8")
    (folder / "binary.json").write_bytes(b"\xff\xfe\x00 not text")
    (folder / "garbage.pdf").write_bytes(bytes(range(256)) * 8)
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "a-folder").mkdir()
    (folder / "a-file").write_text("x\n", encoding="utf-8")
    mass = {
        "place-30-digits": ("1" * 30, "63", "4=3;16=60", "16"),
        "place-superscript": ("²", "63", "4=3;16=60", "16"),
        "place-arabic": ("١", "63", "4=3;16=60", "16"),
        "points-superscript": ("1", "²", "4=3;16=60", "16"),
        "points-huge": ("1", "99999", "16=99999", "16"),
        "sprint-superscript": ("1", "63", "4=3;16=²", "16"),
        "sprint-30-digits": ("1", "63", "4=3;16=" + "6" * 30, "16"),
        "laps-superscript": ("1", "63", "4=3;16=60", "¹⁶"),
        "laps-nan": ("1", "63", "4=3;16=60", "nan"),
        "points-1e9": ("1", "1e9", "4=3;16=60", "16"),
    }
    for name, (place, points, sprints, laps) in mass.items():
        row = ",".join((MASS_RACE, MASS_ROW[0], "NED", MASS_ROW[1], MASS_ROW[2], place, points,
                        sprints, laps))
        (folder / f"{name}.csv").write_text(f"{MASS_HEADER}\n{row}\n", encoding="utf-8")
    pair_rows = {"pair-superscript": "²", "pair-30-digits": "9" * 30, "pair-arabic": "١"}
    for name, pair in pair_rows.items():
        (folder / f"{name}.csv").write_text(
            f"{PAIR_HEADER}\nPair Cup,Rink,2025-02-01,1000,women,{pair},inner,Skater Q,NED,1:15.20\n",
            encoding="utf-8")
    (folder / "date-arabic.csv").write_text(
        f"{PAIR_HEADER}\nPair Cup,Rink,٠١.٠٢.٢٠٢٥,1000,women,1,inner,Skater Q,NED,1:15.20\n",
        encoding="utf-8")
    (folder / "split-arabic.csv").write_text(
        f"{PAIR_HEADER},splits\nPair Cup,Rink,2025-02-01,1000,women,1,inner,Skater Q,NED,1:15.20,"
        "٢٠٠=18.10\n", encoding="utf-8")
    (folder / "distance-superscript.csv").write_text(
        f"{PAIR_HEADER}\nPair Cup,Rink,2025-02-01,²,women,1,inner,Skater Q,NED,1:15.20\n",
        encoding="utf-8")


def soqc_rules() -> dict[str, dict[str, Any]]:
    """The shipped men's SOQC rule, each damaged in one place (its shape, not its numbers)."""
    shipped = json.loads(SOQC_MEN.read_text(encoding="utf-8"))

    def damaged(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        copy: dict[str, Any] = json.loads(json.dumps(shipped))
        change(copy)
        return copy

    return {
        "version-text": damaged(lambda r: r.update(version="2")),
        "no-category": damaged(lambda r: r.pop("category")),
        "events-text": damaged(lambda r: r.update(events="500")),
        "event-unnamed": damaged(lambda r: r["events"][0].pop("event")),
        "competitions-text": damaged(lambda r: r.update(competitions="wc1")),
        "classifications-number": damaged(lambda r: r["events"][0].update(classifications=5)),
        "host-text": damaged(lambda r: r.update(host="ITA")),
        "host-nation-number": damaged(lambda r: r.update(host={"nation": 5})),
        "reduction-value-text": damaged(lambda r: r.update(reduction={"value": "82"})),
        "reduction-order-number": damaged(lambda r: r.update(reduction={"value": {"order": 5}})),
        "gaps-text": damaged(lambda r: r.update(gaps="none")),
    }


@attrs.frozen
class Case:
    """A command line after ``--db DB``; ``{f}`` is the folder of the files; ``master`` the master
    key file's name in it (None: unset) and the words the refusal must say."""

    name: str
    argv: tuple[str, ...]
    says: str
    master: str | None = "master.key"
    store: bool = True  # False: refused before the store is read; checked on SQLite only


QUARTET_REDRAW = ("record", "redraw", QUARTET, "1", "--reason", "lanes", "--by", "Referee R",
                  "--token-file", "{f}/referee.token")
ADMIN = ("--by", "Admin A", "--token-file", "{f}/admin.token")
SIGN = ("--sign", "--key", "{f}/sign.key")

CASES = [
    # the master key
    Case("keys init: an existing file", ("keys", "init", "--output", "{f}/a-file"), "never overwritten",
         store=False),
    Case("keys init: a folder", ("keys", "init", "--output", "{f}/a-folder"), "never overwritten",
         store=False),
    Case("keys init: under a file", ("keys", "init", "--output", "{f}/a-file/key"), "cannot be written",
         store=False),
    Case("keys init: a missing folder", ("keys", "init", "--output", "{f}/nowhere/key"),
         "cannot be written", store=False),
    Case("the master key file missing", ("export", "--include-personal"), "cannot be read",
         master="missing.key"),
    Case("the master key file a folder", ("export", "--include-personal"), "cannot be read",
         master="a-folder"),
    Case("the master key file garbage", ("export", "--include-personal"), "not a master key file",
         master="garbage.key"),
    Case("the master key of another ledger, reading", ("export", "--include-personal"),
         "not the master key of this ledger", master="other.key"),
    Case("export --include-personal without the key", ("export", "--include-personal"),
         "needs the master key", master=None),
    Case("the master key of another ledger seals a new skater's fields",
         ("record", "skater", "Skater G", "--nation", "NED", "--hometown", "Thialf"),
         "not the master key of this ledger", master="other.key"),
    Case("the master key of another ledger, migrating", ("migrate", "personal-data"),
         "not the master key of this ledger", master="other.key"),
    Case("migrate personal-data without the key", ("migrate", "personal-data"),
         "needs the master key", master=None),
    Case("a new skater's fields without the key",
         ("record", "skater", "Skater G", "--nation", "NED", "--hometown", "Thialf"),
         "needs the master key", master=None),
    # erase
    Case("erase: an unknown skater", ("erase", "Nobody Here", "--reason", "asked", *ADMIN),
         "'Nobody Here' is not registered"),
    Case("erase: no token", ("erase", "Skater F", "--reason", "asked", "--by", "Admin A"),
         "give the administrator's token"),
    Case("erase: the referee's token", ("erase", "Skater F", "--reason", "asked", "--by", "Admin A",
                                        "--token-file", "{f}/referee.token"),
         "not the administrator's token"),
    Case("erase: a token file missing", ("erase", "Skater F", "--reason", "asked", "--by", "Admin A",
                                         "--token-file", "{f}/missing.token"), "cannot be read"),
    Case("erase: an empty reason", ("erase", "Skater F", "--reason", " ", *ADMIN), "--reason"),
    Case("erase: a reason with a newline", ("erase", "Skater F", "--reason", "a\nb", *ADMIN),
         "control character"),
    Case("erase: an empty --by", ("erase", "Skater F", "--reason", "asked", "--by", "",
                                  "--token-file", "{f}/admin.token"),
         "erase: name the administrator with --by"),
    # sheet and verify --sheet
    Case("sheet: an unknown race", ("sheet", "no-cup-2025/men-500m"), "is not in the ledger"),
    Case("sheet: --format exe", ("sheet", RACE, "--format", "exe"), "'exe' is not one of"),
    Case("sheet: --output into a missing folder", ("sheet", RACE, "--output", "{f}/nowhere/s.html"),
         "--output"),
    Case("sheet --sign: --output into a missing folder stores no checkpoint",
         ("sheet", RACE, *SIGN, "--output", "{f}/nowhere/s.html"), "is not an existing folder"),
    Case("sheet --sign: --output under a file stores no checkpoint",
         ("sheet", RACE, *SIGN, "--output", "{f}/a-file/s.pdf", "--format", "pdf"),
         "is not an existing folder"),
    Case("sheet: --sign without a key", ("sheet", RACE, "--sign"), "no signing key"),
    Case("sheet: --key without --sign", ("sheet", RACE, "--key", "{f}/sign.key"), "give --sign too"),
    Case("sheet: a garbage key", ("sheet", RACE, "--sign", "--key", "{f}/garbage.key"),
         "not an unencrypted PEM private key"),
    Case("sheet: a key that is a folder", ("sheet", RACE, "--sign", "--key", "{f}/a-folder"),
         "cannot read the key"),
    Case("verify --sheet: garbage", ("verify", "--sheet", "{f}/garbage.pdf"), "garbage.pdf", store=False),
    Case("verify --sheet: a truncated PDF", ("verify", "--sheet", "{f}/truncated.pdf"),
         "is not a readable PDF", store=False),
    Case("verify --sheet: an HTML page that is no sheet", ("verify", "--sheet", "{f}/not-a-sheet.html"),
         "carries no sheet data", store=False),
    Case("verify --sheet: an empty file", ("verify", "--sheet", "{f}/empty.html"),
         "is not JSON, an HTML or a PDF sheet", store=False),
    Case("verify --sheet: a PNG", ("verify", "--sheet", "{f}/image.png"), "image.png", store=False),
    Case("verify --sheet: a missing file", ("verify", "--sheet", "{f}/missing.pdf"), "cannot be read",
         store=False),
    # record officials and conditions
    Case("officials: an unknown race", ("record", "officials", "no-cup-2025/men-500m", "--referee",
                                        "R", "--by", "Admin A"), "is not in the ledger"),
    Case("officials: an empty name", ("record", "officials", RACE, "--referee", "", "--by", "Admin A"),
         "blank"),
    Case("officials: a very long name", ("record", "officials", RACE, "--referee", "R" * 5000,
                                         "--by", "Admin A"), "longer than 200"),
    Case("officials: an escape character", ("record", "officials", RACE, "--starter", "S\x1b[2J",
                                            "--by", "Admin A"), "control character"),
    Case("officials: a right-to-left override", ("record", "officials", RACE, "--referee",
                                                "Referee \u202eR", "--by", "Admin A"),
         "direction-changing character (U+202E)"),
    Case("conditions: an unknown race", ("record", "conditions", "no-cup-2025/men-500m", "--at",
                                         "start", "--ice-temp", "-6"), "is not in the ledger"),
    Case("conditions: --humidity 150", ("record", "conditions", RACE, "--at", "start", "--humidity",
                                        "150"), "not between 0 and 100"),
    Case("conditions: --humidity nan", ("record", "conditions", RACE, "--at", "start", "--humidity",
                                        "nan"), "not a whole percentage"),
    Case("conditions: --humidity in Arabic-Indic digits",
         ("record", "conditions", RACE, "--at", "start", "--humidity", "٤٥"), "not a whole percentage"),
    Case("conditions: --ice-temp 1e9", ("record", "conditions", RACE, "--at", "start", "--ice-temp",
                                        "1e9"), "not a temperature"),
    Case("conditions: --ice-temp in fullwidth digits",
         ("record", "conditions", RACE, "--at", "start", "--ice-temp", "-６"), "not a temperature"),
    Case("conditions: an absurd ice temperature", ("record", "conditions", RACE, "--at", "start",
                                                   "--ice-temp", "-600"), "not between -30 and 0"),
    Case("conditions: an absurd air temperature", ("record", "conditions", RACE, "--at", "end",
                                                   "--air-temp", "99.9"), "not between -40 and 45"),
    Case("conditions: --at middle", ("record", "conditions", RACE, "--at", "middle", "--ice-temp",
                                     "-6"), "'middle' is not one of"),
    Case("finish: a time in Arabic-Indic digits", ("record", "finish", RACE, "Skater A", "١:٠٩.٠٠"),
         "is not a time like"),
    # record redraw of a quartet
    Case("redraw: five skaters, three in a lane",
         (*QUARTET_REDRAW, "--inner", "Skater A", "--inner", "Skater B", "--inner", "Skater E",
          "--outer", "Skater C", "--outer", "Skater D"), "a lane holds at most 2"),
    Case("redraw: a skater twice in a lane",
         (*QUARTET_REDRAW, "--inner", "Skater A", "--inner", "Skater A", "--outer", "Skater C",
          "--outer", "Skater D"), "names the same skater twice"),
    Case("redraw: a skater in both lanes",
         (*QUARTET_REDRAW, "--inner", "Skater A", "--inner", "Skater B", "--outer", "Skater A",
          "--outer", "Skater D"), "names the same skater twice"),
    Case("redraw: a skater not entered",
         (*QUARTET_REDRAW, "--inner", "Skater A", "--inner", "Skater B", "--outer", "Skater C",
          "--outer", "Skater F"), "is not entered"),
    # the mass start columns of a CSV, and the numbers of any CSV
    Case("mass start CSV: a place of 30 digits", ("import", "{f}/place-30-digits.csv"),
         "place-30-digits.csv:2: place"),
    Case("mass start CSV: a superscript place", ("import", "{f}/place-superscript.csv"),
         "place-superscript.csv:2: place '²' is not a whole number"),
    Case("mass start CSV: an Arabic-Indic place", ("import", "{f}/place-arabic.csv"),
         "place-arabic.csv:2: place"),
    Case("mass start CSV: superscript points", ("import", "{f}/points-superscript.csv"),
         "points-superscript.csv:2: points"),
    Case("mass start CSV: points past any race's", ("import", "{f}/points-huge.csv"),
         "points-huge.csv:2: points '99999'"),
    Case("mass start CSV: points 1e9", ("import", "{f}/points-1e9.csv"), "points-1e9.csv:2: points"),
    Case("mass start CSV: superscript sprint points", ("import", "{f}/sprint-superscript.csv"),
         "sprint-superscript.csv:2: sprint points"),
    Case("mass start CSV: sprint points of 30 digits", ("import", "{f}/sprint-30-digits.csv"),
         "sprint-30-digits.csv:2: sprint points"),
    Case("mass start CSV: superscript laps", ("import", "{f}/laps-superscript.csv"),
         "laps-superscript.csv:2: laps"),
    Case("mass start CSV: laps nan", ("import", "{f}/laps-nan.csv"), "laps-nan.csv:2: laps"),
    Case("CSV: a superscript pair", ("import", "{f}/pair-superscript.csv"),
         "pair-superscript.csv:2: pair '²'"),
    Case("CSV: a pair of 30 digits", ("import", "{f}/pair-30-digits.csv"), "pair-30-digits.csv:2: pair"),
    Case("CSV: an Arabic-Indic pair", ("import", "{f}/pair-arabic.csv"), "pair-arabic.csv:2: pair"),
    Case("CSV: a superscript distance", ("import", "{f}/distance-superscript.csv"),
         "distance-superscript.csv:2: distance '²'"),
    Case("CSV: a date in Arabic-Indic digits", ("import", "{f}/date-arabic.csv"),
         "date-arabic.csv:2: date"),
    Case("CSV: a split distance in Arabic-Indic digits", ("import", "{f}/split-arabic.csv"),
         "split-arabic.csv:2: split"),
    Case("record competition: a date in Arabic-Indic digits",
         ("record", "competition", "Arabic Cup", "--date", "٢٠٢٥-٠١-٠٥"), "is not YYYY-MM-DD"),
    # qualification and cup: --distance and the points tables
    *[Case(f"{command}: --distance {given!r}", (command, target, "--distance", given), "--distance",
           store=False)
      for command, target in (("qualification", "soqc-milano-cortina-2026-men"),
                              ("cup", "world-cup-2025-26"))
      for given in ("foo", "²", "٥٠٠", "-500", "9" * 30, "")],
    *[Case(f"{command}: {option} {table}", (command, target, option, f"{{f}}/{table}"), says,
           store=False)
      for command, target, option in (("qualification", "soqc-milano-cortina-2026-men", "--cup-table"),
                                      ("cup", "world-cup-2025-26", "--table"),
                                      ("standings", RACE, "--cup-table"))
      for table, says in (("missing.json", "cannot be read"), ("a-folder", "cannot be read"),
                          ("not-json.json", "not JSON"), ("number.json", "a JSON object"),
                          ("places-text.json", "no 'places'"), ("season-object.json", "no 'season'"),
                          ("series-object.json", "no 'series'"), ("binary.json", "not UTF-8"),
                          ("deep.json", "nested too deep"), ("points-true.json", "whole numbers"),
                          ("points-huge.json", "at most 9999"),
                          ("season-digits.json", "is not like 2025/26"))],
    Case("qualification: a rule file not UTF-8", ("qualification", "{f}/binary.json"), "not UTF-8",
         store=False),
    Case("qualification: a rule file nested too deep", ("qualification", "{f}/deep.json"),
         "nested too deep", store=False),
    Case("qualification: a rule file that is a number", ("qualification", "{f}/number.json"),
         "a qualification rule is a JSON object", store=False),
    *[Case(f"qualification: an SOQC rule file, {name}", ("qualification", f"{{f}}/rule-{name}.json"),
           f"rule-{name}.json: ", store=False) for name in soqc_rules()],
    Case("qualification: an unknown rule", ("qualification", "soqc-nowhere-2030"),
         "no qualification rule", store=False),
    Case("sheet --output into a missing folder, export", ("export", "--output", "{f}/nowhere/x.jsonl"),
         "--output"),
]


ON_STORE = [case for case in CASES if case.store]
BEFORE_STORE = [case for case in CASES if not case.store]


@pytest.mark.parametrize("case", ON_STORE, ids=[c.name for c in ON_STORE])
def test_bad_input_to_a_new_command_is_refused_in_one_line_and_appends_nothing(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, seeded: Seeded,
        case: Case) -> None:
    refused_and_unchanged(capsys, monkeypatch, seeded, case)


@pytest.mark.parametrize("case", BEFORE_STORE, ids=[c.name for c in BEFORE_STORE])
def test_a_bad_file_or_argument_read_before_the_store_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, on_sqlite: Seeded,
        case: Case) -> None:
    refused_and_unchanged(capsys, monkeypatch, on_sqlite, case)


def refused_and_unchanged(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                          seeded: Seeded, case: Case) -> None:
    argv = [arg.replace("{f}", str(seeded.folder)) for arg in case.argv]
    monkeypatch.delenv(MASTER, raising=False)  # what the ledger holds, read as anyone reads it
    before = seen(capsys, seeded.db)
    if case.master is not None:
        monkeypatch.setenv(MASTER, str(seeded.folder / case.master))
    monkeypatch.setenv("SKATE_LEDGER_AUTHOR", "Admin A")  # roles are configured: acts need one
    done = run(capsys, "--db", seeded.db, *argv)
    refused(done, case.says)
    assert done.err.startswith("skate-ledger: error: "), done.err
    monkeypatch.delenv(MASTER, raising=False)
    assert seen(capsys, seeded.db) == before, "a refused command appended (or changed) something"


def test_erasing_twice_is_refused_the_second_time_and_appends_nothing(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, seeded: Seeded) -> None:
    monkeypatch.setenv(MASTER, str(seeded.folder / "master.key"))
    erase = ("--db", seeded.db, "erase", "Skater E", "--reason", "asked", "--by", "Admin A",
             "--token-file", str(seeded.folder / "admin.token"))
    ok(run(capsys, *erase))
    before = seen(capsys, seeded.db)
    refused(run(capsys, *erase), "was erased already")
    assert seen(capsys, seeded.db) == before


def test_the_right_master_key_still_seals_and_a_mass_start_csv_with_a_bom_and_crlf_imports(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, seeded: Seeded) -> None:
    """The refusals above are of the bad cell or key only: the good ones still go in."""
    monkeypatch.setenv(MASTER, str(seeded.folder / "master.key"))
    monkeypatch.setenv("SKATE_LEDGER_AUTHOR", "Admin A")
    ok(run(capsys, "--db", seeded.db, "record", "skater", "Skater H", "--nation", "NED",
           "--hometown", "Thialf"))
    path = seeded.folder / "bom-crlf.csv"
    row = ",".join((MASS_RACE, *MASS_ROW[:1], "NED", *MASS_ROW[1:]))
    path.write_bytes(b"\xef\xbb\xbf" + f"{MASS_HEADER}\r\n{row}\r\n".encode())
    ok(run(capsys, "--db", seeded.db, "import", str(path)))
    board = ok(run(capsys, "--db", seeded.db, "standings", "mass-cup-2025/men-mass-start",
                   "--format", "json")).json()
    assert [(r["skater"], r["points"], r["laps"]) for r in board["rows"]] == [("Skater M", 63, 16)]
    again = ok(run(capsys, "--db", seeded.db, "import", str(path)))
    assert "0 new event(s)" in again.out


# -- the board ----------------------------------------------------------------------------------
DEMO_RACE = "okt-2017/women-1000m"


@pytest.fixture(scope="module")
def board() -> Iterator[TestClient]:
    app: Ledger = build_app("memory")
    okt2017.load(app)
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield client


#: (path, headers, status): each a bad query or header on a route added in issues 16-17.
BOARD_CASES: list[tuple[str, dict[str, str | bytes], int]] = [
    (f"/races/{DEMO_RACE}/sheet?format=exe", {}, 400),
    (f"/races/{DEMO_RACE}/sheet?format=PDF", {}, 400),
    (f"/races/{DEMO_RACE}/sheet?position=²", {}, 400),
    ("/races/no-cup-2025/men-500m/sheet?format=pdf", {}, 404),
    (f"/api/races/{DEMO_RACE}/events", {"Last-Event-ID": "abc"}, 400),
    (f"/api/races/{DEMO_RACE}/events", {"Last-Event-ID": "9" * 40}, 400),
    (f"/api/races/{DEMO_RACE}/events", {"Last-Event-ID": "-1"}, 400),
    (f"/api/races/{DEMO_RACE}/events", {"Last-Event-ID": "²".encode("latin-1")}, 400),
    (f"/api/races/{DEMO_RACE}/events", {"Last-Event-ID": b"12\x00"}, 400),
    (f"/api/races/{DEMO_RACE}/events?after=-1", {}, 400),
    (f"/api/races/{DEMO_RACE}/events?after=²", {}, 400),
    (f"/api/races/{DEMO_RACE}/events?after=1e3", {}, 400),
    (f"/api/races/{DEMO_RACE}?position=١", {}, 400),  # was read as position 1 (a 404)
    (f"/api/races/{DEMO_RACE}?position=²", {}, 400),
    (f"/api/races/{DEMO_RACE}/pair?at=²", {}, 400),
    ("/api/races/no-cup-2025/men-500m/events", {}, 404),
    (f"/races/{DEMO_RACE}/events?mode=x", {}, 400),
    (f"/races/{DEMO_RACE}/events?after=²", {}, 400),
    (f"/races/{DEMO_RACE}/events", {"Last-Event-ID": "²".encode("latin-1")}, 400),
    ("/competitions/okt-2017/events?mode=x", {}, 400),
    ("/competitions/okt-2017/events?after=²", {}, 400),
    (f"/races/{DEMO_RACE}?lang=xx", {}, 400),
    ("/", {"Accept-Language": "*;q=0"}, 200),
    ("/", {"Accept-Language": "en;q=nan, nl;q=-1, ;;;"}, 200),
    ("/", {"Accept-Language": b"\xff\xfe"}, 200),
    (f"/races/{DEMO_RACE}", {"Accept-Encoding": "gzip;q=abc, ;;;"}, 200),
    (f"/api/races/{DEMO_RACE}", {"Accept-Encoding": "x" * 5000}, 200),
]


@pytest.mark.parametrize(("path", "headers", "status"), BOARD_CASES,
                         ids=[f"{p} {h}" for p, h, _ in BOARD_CASES])
def test_the_board_answers_a_bad_query_or_header_with_400_or_404_in_one_line_never_500(
        board: TestClient, path: str, headers: dict[str, str | bytes], status: int) -> None:
    raw = {k.encode(): v if isinstance(v, bytes) else v.encode("latin-1") for k, v in headers.items()}
    response = board.get(path, headers=raw)  # bytes: a header as it comes off the wire
    assert response.status_code == status, (response.status_code, response.text[:300])
    if status == 200:
        return
    if path.startswith("/api/"):
        reason = response.json()["error"]
    elif "text/plain" in response.headers["content-type"]:
        reason = response.text.rstrip("\n")
    else:  # a page: the reason is one paragraph of the error page
        reason = response.text.split('class="reason-line">', 1)[1].split("</p>", 1)[0]
    assert "\n" not in reason and "invalid literal" not in reason, reason


@pytest.mark.parametrize("poll", ["nan", "NaN", "-nan"])
def test_serve_refuses_a_poll_of_nan_before_it_listens(poll: str) -> None:
    """click's range lets nan through (it compares false to both ends). Parsed only, never run:
    a regression must fail here, not start a board that never stops."""
    from scripts.serve import serve

    with pytest.raises(click.BadParameter, match="nan is not a number of seconds"):
        serve.make_context("serve", ["--poll", poll])
