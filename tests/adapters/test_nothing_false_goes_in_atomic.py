"""Nothing false goes in (issue 11, items 1 and 2): a refused command appends nothing, whichever
command it is and however many facts it would have written; and one fact id holds one fact.

Every case runs the command as a user would (``tests/cli.py``) on a SQLite file and on PostgreSQL,
and checks what design/interfaces.md promises of a refusal: exit code 2, one line on stderr, and
the ledger unchanged (its export, and what ``verify`` says of it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import click
import pytest
from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import FactIdTakenError
from ledger.domain.values import device_fact_id
from tests.cli import Ran, ok, refused, run
from tests.conftest import _PG, drop_pg_schema, new_pg_schema, pg_url
from tests.helpers import draw, race_day

SHARED = Path(__file__).resolve().parents[2].parent / "shared/data"
VANTAGE = SHARED / "vantage/ec2020-ladies-1000m-pair4.jsonl"
RACE = "test-cup-2025/men-1000m"
DAY = date(2025, 11, 14)
GOOD_CSV = ("competition,venue,date,distance,category,pair,lane,skater,nation,time\n"
            "Other Cup,Other Rink,2025-12-01,500,women,1,inner,Skater Q,NED,38.42\n")


def seed(app: Ledger) -> None:
    """Test Cup, men's 1000 m: pair 1 (A inner, B outer) on the ice, A passed 200 m in 17.85 (as
    device d's fact 1), B finished in 1:09.000; pair 2 (C, D) drawn; Skater E registered but not
    entered."""
    race_day(app, 1000, ["Skater A", "Skater B", "Skater C", "Skater D"], day=DAY)
    app.register_skater("Skater E")
    draw(app, RACE, ("Skater A", "Skater B"), ("Skater C", "Skater D"))
    app.start(RACE, 1)
    app.record_passing(RACE, "Skater A", 200, 17_850, fid=device_fact_id("d", 1))
    app.record_finish(RACE, "Skater B", 69_000)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A seeded ledger (``seed``) as a ``--db`` value, shared by the cases: each is refused, so
    each leaves it as it found it (and the cases check exactly that)."""
    if request.param == "postgres":
        if not _PG:
            pytest.skip("PostgreSQL is not reachable here (under CI=true conftest fails instead)")
        schema = new_pg_schema()
        target = pg_url(schema)
    else:
        schema, target = "", str(tmp_path_factory.mktemp("atomic") / "ledger.db")
    app = build_app(target)
    try:
        seed(app)
    finally:
        app.close()
    yield target
    if schema:
        drop_pg_schema(schema)


@attrs.frozen
class Seen:
    export: str
    verify: str


def seen(capsys: pytest.CaptureFixture[str], db: str) -> Seen:
    """What the ledger holds, as a user sees it: the export, and verify's verdict (its chain head,
    its checkpoints, and no author's note without its event)."""
    return Seen(ok(run(capsys, "--db", db, "export")).out,
                ok(run(capsys, "--db", db, "verify")).out)


def refused_and_unchanged(capsys: pytest.CaptureFixture[str], db: str, *argv: str) -> Ran:
    roles = ("--db", db, "roles", "show", "--format", "json")  # the referee's token is no event
    before, token = seen(capsys, db), ok(run(capsys, *roles)).out if argv[0] == "roles" else ""
    done = run(capsys, "--db", db, *argv)
    refused(done)
    assert done.err.startswith("skate-ledger: error: "), done.err
    assert seen(capsys, db) == before, "a refused command appended (or changed) something"
    assert token == (ok(run(capsys, *roles)).out if argv[0] == "roles" else "")
    return done


# -- item 1: every write command, one bad argument among good ones ------------------------------
def files(folder: Path) -> dict[str, Path]:
    made = {"good.csv": GOOD_CSV, "bad.csv": GOOD_CSV + "Other Cup,Other Rink,2025-12-01,500,"
                                                       "women,1,outer,Skater R,NED,0.00\n",
            "notledger.jsonl": '{"not": "a ledger event"}\n', "short-token": "short\n"}
    paths = {}
    for name, text in made.items():
        paths[name] = folder / name
        paths[name].write_text(text, encoding="utf-8")
    paths["key"] = folder / "key.pem"
    paths["key"].write_text("not a key\n", encoding="ascii")
    paths["missing"] = folder / "missing.jsonl"
    return paths


#: (what, argv, words of the refusal); ``{name}`` is a file from ``files``.
WRITE_COMMANDS: list[tuple[str, tuple[str, ...], str]] = [
    ("record enter: a known skater and an unknown one", ("record", "enter", RACE, "Skater E",
                                                        "Unknown Skater"), "'Unknown Skater'"),
    ("record pair: an unentered skater and one drawn in pair 1",
     ("record", "pair", RACE, "3", "--inner", "Skater E", "--outer", "Skater A"), "already drawn in pair 1"),
    ("record pair: a quartet start with three skaters in the inner lane",
     ("record", "pair", RACE, "3", "--inner", "Skater E", "--inner", "Skater C", "--inner",
      "Skater D"), "a lane holds at most 2"),
    ("record team: a new team, with its members, in an individual race",
     ("record", "team", RACE, "New Team", "Skater C", "Skater D", "--nation", "NED"),
     "is an individual race"),
    ("record pair: an unentered skater and an unknown one",
     ("record", "pair", RACE, "3", "--inner", "Skater E", "--outer", "Unknown Skater"),
     "'Unknown Skater'"),
    ("record competition: the last day before the first",
     ("record", "competition", "New Cup", "--date", "2025-12-05", "--last-day", "2025-12-04"),
     "before the first day"),
    ("record competition: a cup that is no cup key",
     ("record", "competition", "New Cup", "--date", "2025-12-05", "--cup", "World Cup 2025/26"),
     "is not a cup key"),
    ("record cup: an unknown competition", ("record", "cup", "no-such-cup-2025",
                                            "world-cup-2025-26"), "is not in the ledger"),
    ("record race: an unknown category", ("record", "race", "test-cup-2025", "--distance", "500",
                                          "--category", "juniors", "--date", "2025-11-14"),
     "category 'juniors' is not men or women"),
    ("record skater: a nation too long", ("record", "skater", "Skater N", "--nation", "N" * 201),
     "longer than"),
    ("record start: a pair not drawn", ("record", "start", RACE, "9"), "pair 9 has not been drawn"),
    ("record sprint: a race of pairs", ("record", "sprint", RACE, "--lap", "1", "Skater A"),
     "is not a mass start"),
    ("record false-start: a skater not entered", ("record", "false-start", RACE, "Skater E"),
     "'Skater E' is not entered"),
    ("record clear: a pair not drawn", ("record", "clear", RACE, "9", "--reason", "hooter"),
     "pair 9 has not been drawn"),
    ("record pass: not a passing point", ("record", "pass", RACE, "Skater A", "300", "20.00"),
     "300 m"),
    ("record finish: a time that is no time", ("record", "finish", RACE, "Skater A", "1:6x.00"),
     "'1:6x.00' is not a time"),
    ("record place: place 0", ("record", "place", RACE, "Skater C", "0"), "place 0"),
    ("record fall --stopped (a fall and a DNF): a skater who finished",
     ("record", "fall", RACE, "Skater B", "--at", "600", "--stopped"), "already has a finish"),
    ("record dnf: a skater not entered", ("record", "dnf", RACE, "Skater E"), "'Skater E' is not entered"),
    ("record dns: an unknown skater", ("record", "dns", RACE, "Unknown Skater"),
     "'Unknown Skater' is not registered"),
    ("record wdr: a reason with a control character",
     ("record", "wdr", RACE, "Skater C", "--reason", "ill\x07"), "control character"),
    ("record dq: an unknown race", ("record", "dq", "nowhere/men-500m", "Skater A", "--rule",
                                    "ISU 253"), "nowhere"),
    ("record officials: a good starter and a blank referee",
     ("record", "officials", RACE, "--starter", "Starter S", "--referee", " "),
     "the referee's name is blank"),
    ("record conditions: good air and ice above freezing",
     ("record", "conditions", RACE, "--at", "start", "--air-temp", "14", "--ice-temp", "1.5"),
     "--ice-temp 1.5 °C is not between"),
    ("record reskate: no referee named", ("record", "reskate", RACE, "Skater A", "--reason",
                                          "hindered"), "--by"),
    ("record correct: a skater without a finish", ("record", "correct", RACE, "Skater C",
                                                   "--time", "1:10.00", "--reason", "r", "--by",
                                                   "Referee R"), "holds no finish"),
    ("record void: a fact that is not there", ("record", "void", RACE, "--fact", "not-a-uuid",
                                               "--reason", "r", "--by", "Referee R"),
     "'not-a-uuid' is not a fact id"),
    ("record official: an unknown race", ("record", "official", "nowhere/men-500m", "--by",
                                          "Referee R"), "nowhere"),
    ("record redraw: a known skater and an unknown one",
     ("record", "redraw", RACE, "1", "--inner", "Skater A", "--outer", "Unknown Skater",
      "--reason", "mis-drawn", "--by", "Referee R"), "'Unknown Skater'"),
    ("record bests: a season best faster than the personal best",
     ("record", "bests", RACE, "Skater A", "--pb", "1:10.00", "--sb", "1:09.00", "--source",
      "entry list"), "is faster than personal best"),
    ("import: a good CSV and a JSONL file that holds no ledger event",
     ("import", "{good.csv}", "{notledger.jsonl}"), "notledger.jsonl:1: is not a ledger event"),
    ("import: a good CSV and a file that is not there", ("import", "{good.csv}", "{missing}"),
     "missing.jsonl"),
    ("import: a good CSV and a CSV with a zero time", ("import", "{good.csv}", "{bad.csv}"),
     "bad.csv"),
    ("import: a good Vantage stream and a JSONL file that holds no ledger event",
     ("import", str(VANTAGE), "{notledger.jsonl}"), "notledger.jsonl:1:"),
    ("checkpoint: a key file that holds no key", ("checkpoint", "--key", "{key}"),
     "is not an unencrypted PEM private key"),
    ("keygen: over a file that exists", ("keygen", "--output", "{key}"), "exists already"),
    ("roles set-referee: a token too short",
     ("roles", "set-referee", "--token-file", "{short-token}"),
     "a token has 16 to 4096 characters"),
    ("roles clear-referee: a current token file that is not there",
     ("roles", "clear-referee", "--current-token-file", "{missing}"), "missing.jsonl"),
    ("roles set-administrator: a token too short",
     ("roles", "set-administrator", "--token-file", "{short-token}"),
     "a token has 16 to 4096 characters"),
    ("erase: a ledger without an administrator's token",
     ("erase", "Skater A", "--reason", "her request", "--by", "Admin A"), "no administrator token"),
    ("demo: an unknown notation", ("demo", "--notation", "roman"), "'roman' is not one of"),
]


@pytest.mark.parametrize(("what", "argv", "says"), WRITE_COMMANDS, ids=[w for w, _, _ in WRITE_COMMANDS])
def test_every_write_command_with_one_bad_argument_among_good_ones_appends_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str, what: str,
        argv: tuple[str, ...], says: str) -> None:
    paths = files(tmp_path)
    args = [str(paths[a[1:-1]]) if a.startswith("{") else a for a in argv]
    done = refused_and_unchanged(capsys, db, *args)
    assert says in done.err, done.err


def test_the_table_holds_every_write_command_of_the_command() -> None:
    from scripts.cli.main import cli  # the group, every command registered on it
    from scripts.cli.record import record
    from scripts.cli.roles import roles

    writers = {f"record {name}" for name in record.commands} | {
        f"roles {name}" for name in roles.commands if name != "show"} | {
        "import", "checkpoint", "keygen", "demo"}
    # every command, loaded or not yet (the group loads a command when it is first asked for)
    assert set(cli.list_commands(click.Context(cli))) >= {"import", "checkpoint", "keygen", "demo"}
    covered = {" ".join(argv[:2]) if argv[0] in ("record", "roles") else argv[0]
               for _, argv, _ in WRITE_COMMANDS}
    assert writers <= covered, f"write commands without a case: {sorted(writers - covered)}"


def test_record_enter_with_an_unknown_skater_enters_nobody(capsys: pytest.CaptureFixture[str],
                                                           db: str) -> None:
    done = refused_and_unchanged(capsys, db, "record", "enter", RACE, "Skater E", "Unknown Skater")
    assert "skater 'Unknown Skater' is not registered" in done.err


def test_record_enter_with_known_skaters_enters_them_all_in_one_save(tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    app = build_app(str(tmp_path / "ledger.db"))
    try:
        race_day(app, 1000, ["Skater A"], day=DAY)
        app.register_skater("Skater E")
        app.register_skater("Skater F")
        before = app.last_position()
        app.enter_starters(RACE, ["Skater E", "Skater F"])
        assert app.last_position() == before + 2
        assert app.enter_starters(RACE, ["Skater E", "Skater F"]) is None  # retransmitted
    finally:
        app.close()


def test_a_refused_pair_draw_enters_neither_skater(capsys: pytest.CaptureFixture[str],
                                                  db: str) -> None:
    refused_and_unchanged(capsys, db, "record", "pair", RACE, "3", "--inner", "Skater E",
                          "--outer", "Skater A")


def test_a_good_file_before_a_bad_one_is_not_imported(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path, db: str) -> None:
    paths = files(tmp_path)
    done = refused_and_unchanged(capsys, db, "import", str(paths["good.csv"]), str(VANTAGE),
                                 str(paths["notledger.jsonl"]))
    assert "were imported" not in done.err


def test_several_good_files_are_imported_in_one_transaction(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    target = str(tmp_path / "ledger.db")
    paths = files(tmp_path)
    done = ok(run(capsys, "--db", target, "import", str(paths["good.csv"]), str(VANTAGE)))
    assert "imported 2 file(s)" in done.out
    again = ok(run(capsys, "--db", target, "import", str(paths["good.csv"]), str(VANTAGE)))
    assert "0 new event(s)" in again.out


# -- item 2: one fact id, one content ---------------------------------------------------------------
DEVICE_CASES = [
    ("another skater", ("pass", RACE, "Skater B", "200", "17.85"),
     "of 'Skater A' in 17.850, and this one is the passing at 200 m (an unknown source) of "
     "'Skater B'"),
    ("another passing point", ("pass", RACE, "Skater A", "600", "17.85"),
     "this one is the passing at 600 m"),
    ("another source", ("pass", RACE, "Skater A", "200", "17.85", "--source", "optical"),
     "this one is the passing at 200 m (optical)"),
    ("a finish", ("finish", RACE, "Skater A", "1:08.00"), "this one is the finish (an unknown source)"),
    ("another time", ("pass", RACE, "Skater A", "200", "17.95"),
     "is already recorded as 17.850; record a correction"),
]


@pytest.mark.parametrize(("what", "argv", "says"), DEVICE_CASES, ids=[c[0] for c in DEVICE_CASES])
def test_a_device_fact_id_sent_again_with_other_content_is_refused_naming_the_stored_position(
        capsys: pytest.CaptureFixture[str], db: str, what: str, argv: tuple[str, ...],
        says: str) -> None:
    stored = passing_position(capsys, db)
    done = refused_and_unchanged(capsys, db, "record", *argv, "--device", "d", "--seq", "1")
    assert says in done.err, done.err
    assert f"(stored at position {stored})" in done.err, done.err
    if what != "another time":
        assert "--device d --seq 1: this fact id is already recorded as the passing at 200 m " \
               "(an unknown source)" in done.err


def passing_position(capsys: pytest.CaptureFixture[str], db: str) -> int:
    lines = [json.loads(line) for line in ok(run(capsys, "--db", db, "export")).out.splitlines()]
    return int(next(line["position"] for line in lines
                    if line["topic"] == "skate-ledger:Race.PassingRecorded"))


def test_a_device_fact_sent_again_exactly_is_accepted_once(capsys: pytest.CaptureFixture[str],
                                                           db: str) -> None:
    before = seen(capsys, db)
    done = ok(run(capsys, "--db", db, "record", "pass", RACE, "Skater A", "200", "17.85",
                  "--device", "d", "--seq", "1"))
    assert "already recorded; nothing appended" in done.out
    assert seen(capsys, db) == before


#: One line of an export, as JSON reads it.
ExportLine = dict[str, Any]


def export_of(capsys: pytest.CaptureFixture[str], db: str) -> list[ExportLine]:
    return [json.loads(line) for line in ok(run(capsys, "--db", db, "export")).out.splitlines()]


def another_passing_under_the_same_id(lines: list[ExportLine]) -> ExportLine:
    """A new event of the race (its next version) that records another time under the fact id of
    the stored passing: as an export from a ledger that went around the rules would carry it."""
    passing = next(line for line in lines if line["topic"] == "skate-ledger:Race.PassingRecorded")
    race = [line for line in lines if line["aggregate_id"] == passing["aggregate_id"]]
    state = {**passing["state"], "at_ms": 18_000}
    return {**passing, "version": max(int(line["version"]) for line in race) + 1,
            "position": 10_000, "state": state, "hash": None}


def write_export(path: Path, lines: list[ExportLine]) -> Path:
    unchained = [{**line, "hash": None} for line in lines]  # an export from before the chain
    path.write_text("".join(json.dumps(line) + "\n" for line in unchained), encoding="utf-8")
    return path


def test_a_jsonl_line_recording_another_fact_under_a_stored_fact_id_is_refused_naming_line_and_position(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    lines = export_of(capsys, db)
    stored = passing_position(capsys, db)
    path = write_export(tmp_path / "export.jsonl", [*lines, another_passing_under_the_same_id(lines)])
    done = refused_and_unchanged(capsys, db, "import", str(path))
    assert f"{path}:{len(lines) + 1}:" in done.err, done.err
    assert f"position {stored} of the ledger records with other content" in done.err, done.err


def test_a_jsonl_line_with_other_content_at_a_stored_version_is_refused_naming_the_position(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    lines = export_of(capsys, db)
    stored = passing_position(capsys, db)
    number = next(n for n, line in enumerate(lines, start=1) if line["position"] == stored)
    changed = [dict(line) for line in lines]
    changed[number - 1]["state"] = {**changed[number - 1]["state"], "at_ms": 18_000}
    path = write_export(tmp_path / "export.jsonl", changed)
    done = refused_and_unchanged(capsys, db, "import", str(path))
    assert f"{path}:{number}: contradicts the ledger" in done.err, done.err
    assert f"(stored at position {stored})" in done.err, done.err


def test_two_jsonl_lines_recording_two_facts_under_one_fact_id_are_refused_naming_both_lines(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    lines = export_of(capsys, db)
    number = next(n for n, line in enumerate(lines, start=1)
                  if line["topic"] == "skate-ledger:Race.PassingRecorded")
    path = write_export(tmp_path / "export.jsonl", [*lines, another_passing_under_the_same_id(lines)])
    empty = str(tmp_path / "empty.db")
    done = run(capsys, "--db", empty, "import", str(path))
    refused(done, f"{path}:{len(lines) + 1}:", f"which line {number} records with other content")
    assert ok(run(capsys, "--db", empty, "export")).out == ""


def test_a_csv_reimported_with_another_time_is_refused_naming_the_line_and_the_stored_position(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, fresh_db: str) -> None:
    db = fresh_db
    first, changed = tmp_path / "first.csv", tmp_path / "changed.csv"
    first.write_text(GOOD_CSV, encoding="utf-8")
    changed.write_text(GOOD_CSV.replace("38.42", "38.52"), encoding="utf-8")
    ok(run(capsys, "--db", db, "import", str(first)))
    finish = max(int(line["position"]) for line in export_of(capsys, db)
                 if line["topic"] == "skate-ledger:Race.FinishRecorded")
    done = refused_and_unchanged(capsys, db, "import", str(changed))
    assert f"{changed}:2: the finish is already recorded as 38.420" in done.err, done.err
    assert f"(stored at position {finish})" in done.err, done.err


def test_a_vantage_stream_reimported_with_another_lap_time_is_refused_naming_the_line_and_position(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = str(tmp_path / "ledger.db")
    ok(run(capsys, "--db", target, "import", str(VANTAGE)))
    text = VANTAGE.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(text) if '"RaceLapAddedEvent"' in line)
    event = text[at]
    start = event.index('"time":', event.index('"lap":')) + len('"time":')
    end = event.index(",", start)
    text[at] = event[:start] + str(int(event[start:end]) + 1_000_000) + event[end:]
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join(text), encoding="utf-8")
    done = refused_and_unchanged(capsys, target, "import", "--format", "vantage", str(changed))
    assert f"{changed}:{at + 1}:" in done.err, done.err
    assert "is already recorded as" in done.err and "(stored at position " in done.err, done.err


# -- verify: a stored ledger that holds two contents under one fact id -------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgres":
        if not _PG:
            pytest.skip("PostgreSQL is not reachable here (under CI=true conftest fails instead)")
        schema = new_pg_schema()
        yield pg_url(schema)
        drop_pg_schema(schema)
    else:
        yield str(tmp_path / "ledger.db")


def around_the_rules(db: str, change: Callable[[dict[str, object]], None]) -> tuple[int, int]:
    """Seed the ledger, then write one more event of the race straight into the store (the
    recorder, as a tamperer with the database could): a copy of the stored passing at the race's
    next version, changed by ``change``. The passing's position and the new event's."""
    app = build_app(db)
    try:
        seed(app)
        held = app.recorder.select_events(app.race(RACE).id)
        passing = next(s for s in held if s.topic == "skate-ledger:Race.PassingRecorded")
        state = json.loads(passing.state)
        change(state)
        forged = StoredEvent(originator_id=passing.originator_id,
                             originator_version=held[-1].originator_version + 1,
                             topic=passing.topic,
                             state=json.dumps(state, separators=(",", ":")).encode())
        inserted = app.recorder.insert_events([forged])
        assert inserted is not None  # an application recorder returns the new positions
        (new,) = inserted
        stored = app.position_of(app.race(RACE).id, passing.originator_version)
        assert stored is not None
        return stored, new
    finally:
        app.close()


def test_verify_reports_two_contents_under_one_fact_id_naming_both_positions(
        capsys: pytest.CaptureFixture[str], fresh_db: str, tmp_path: Path) -> None:
    stored, forged = around_the_rules(fresh_db, lambda state: state.update(at_ms=18_000))
    done = run(capsys, "--db", fresh_db, "verify")
    refused(done, f"at position {forged}", f"recorded at position {stored} and again here with "
                                           "other content")
    export = tmp_path / "export.jsonl"
    ok(run(capsys, "--db", fresh_db, "export", "--output", str(export)))
    offline = run(capsys, "verify", "--export", str(export))
    refused(offline, f"at position {forged}", f"recorded at position {stored}")


def test_verify_accepts_the_same_fact_recorded_twice_with_the_same_content(
        capsys: pytest.CaptureFixture[str], fresh_db: str) -> None:
    around_the_rules(fresh_db, lambda state: None)  # the same content, recorded at another moment
    assert "is intact" in ok(run(capsys, "--db", fresh_db, "verify")).out


def test_a_stream_outcome_under_the_fact_id_of_a_passing_is_refused() -> None:
    app = build_app("memory")
    seed(app)
    race = app.race(RACE)
    with pytest.raises(FactIdTakenError, match="already recorded as the passing at 200 m"):
        race.record_dns(app.skater("Skater C"), "did not start (Vantage)", device_fact_id("d", 1))
    assert not race.pending_events
