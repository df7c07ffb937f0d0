"""Nothing false goes in (issue 11, items 7 and 8): the store is ours or it is refused, and every
argument is checked (docs/decisions/0012-the-store-is-ours.md).

Each refusal: exit code 2, one line on stderr, and the store as it was (the file's bytes and no
-wal/-shm beside it; on PostgreSQL the schema's tables).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.store.stores import APPLICATION_ID, PG_CONNECT_TIMEOUT
from scripts.board.app import create_app
from scripts.demo import okt2017
from tests.cli import Ran, digest, ok, refused, run
from tests.conftest import _PG, PG_DATABASE, PG_SERVER, drop_pg_schema, new_pg_schema, pg_url

WRITE = ("record", "competition", "Test Cup", "--date", "2025-01-05")
READ = ("races", "--format", "json")
RACE = "test-cup-2025/men-500m"


def beside(path: Path) -> set[str]:
    """The files in the folder of ``path``: a refusal creates no -wal, -shm or -journal."""
    return {p.name for p in path.parent.iterdir()}


def application_id(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


def a_ledger(capsys: pytest.CaptureFixture[str], db: str) -> None:
    ok(run(capsys, "--db", db, *WRITE))
    ok(run(capsys, "--db", db, "record", "race", "test-cup-2025", "--distance", "500",
           "--category", "men", "--date", "2025-01-05"))


@pytest.fixture
def ledger_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    path = tmp_path / "day.db"
    a_ledger(capsys, str(path))
    return path


# -- another program's file ----------------------------------------------------------------------
def written(path: Path, *statements: str) -> None:
    """Another program's SQLite file at ``path``: the statements run and committed, the file
    closed (the last connection checkpoints a WAL file and removes -wal and -shm)."""
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def other_tables(path: Path) -> None:
    written(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
            "INSERT INTO customers (name) VALUES ('Ada')")


def other_tables_in_wal_mode(path: Path) -> None:
    written(path, "PRAGMA journal_mode=WAL", "CREATE TABLE notes (body TEXT)")


def foreign_stored_events(path: Path) -> None:
    written(path,  # another eventsourcing application's events
            "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB)",
            "INSERT INTO stored_events VALUES ('a', 1, 'bank.domain:Account.Opened', x'7b7d')")


def another_application_id(path: Path) -> None:
    written(path, "PRAGMA application_id = 1",
            "CREATE TABLE ledger_chain (position INTEGER PRIMARY KEY, hash BLOB)")


def not_sqlite(path: Path) -> None:
    path.write_text("name,time\nAda,38.42\n" * 20, encoding="utf-8")


FOREIGN = {
    "other tables": (other_tables, "it holds other tables: customers"),
    "other tables, WAL mode": (other_tables_in_wal_mode, "it holds other tables: notes"),
    "a stored_events table without our chain": (foreign_stored_events,
                                                "a stored_events table without the ledger's chain"),
    "another application_id": (another_application_id, "application_id 0x00000001"),
    "not SQLite": (not_sqlite, "not a SQLite database"),
}


@pytest.mark.parametrize("command", [WRITE, READ], ids=["a writing command", "a reading command"])
@pytest.mark.parametrize("kind", FOREIGN)
def test_a_file_that_is_not_a_skate_ledger_ledger_is_refused_and_left_byte_for_byte_untouched(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str, command: tuple[str, ...]) -> None:
    path = tmp_path / "other.db"
    make, why = FOREIGN[kind]
    make(path)
    before, files = path.read_bytes(), beside(path)
    refused(run(capsys, "--db", str(path), *command), "is not a skate-ledger ledger", why,
            "left untouched")
    assert path.read_bytes() == before
    assert beside(path) == files


def test_a_new_ledger_file_is_marked_as_ours(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    ok(run(capsys, "--db", str(path), *WRITE))
    assert application_id(path) == APPLICATION_ID


def test_a_ledger_written_before_the_marker_still_opens_and_is_marked_when_next_written(
        capsys: pytest.CaptureFixture[str], ledger_file: Path) -> None:
    conn = sqlite3.connect(ledger_file)  # as an earlier version left it: our tables, no marker
    conn.execute("PRAGMA application_id = 0")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest(ledger_file)
    assert [r["key"] for r in ok(run(capsys, "--db", str(ledger_file), *READ)).json()] == [RACE]
    assert digest(ledger_file) == before and application_id(ledger_file) == 0  # reading writes nothing
    ok(run(capsys, "--db", str(ledger_file), "record", "skater", "Ada Example"))
    assert application_id(ledger_file) == APPLICATION_ID


# -- reading creates nothing ----------------------------------------------------------------------
READ_COMMANDS = [
    ["races"], ["standings", RACE], ["history", "Nobody"], ["audit"], ["replay", "test-cup-2025"],
    ["export"], ["verify"], ["what-if", RACE, "38.00"], ["qualification", "okt-2018-500m"],
    ["classification", RACE], ["records"], ["roles", "show"], ["report", "--nation", "NED"],
]  # serve too (its refusal is the same), but a regression would serve a new ledger forever


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_a_read_command_on_a_missing_file_says_there_is_no_ledger_and_creates_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "nothing.db"
    refused(run(capsys, "--db", str(path), *args), f"no ledger at {path}", "does not exist")
    assert list(tmp_path.iterdir()) == []


def test_a_read_command_on_an_empty_file_says_there_is_no_ledger_and_leaves_it_empty(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    refused(run(capsys, "--db", str(path), "standings", RACE), f"no ledger at {path}", "is empty")
    assert path.read_bytes() == b"" and beside(path) == {"empty.db"}


def test_the_default_ledger_is_not_created_by_a_read_command(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKATE_LEDGER_DB", raising=False)
    refused(run(capsys, "races"), "no ledger at skate-ledger.db")
    assert list(tmp_path.iterdir()) == []


def test_reading_a_ledger_changes_none_of_its_bytes(capsys: pytest.CaptureFixture[str],
                                                    ledger_file: Path) -> None:
    before = digest(ledger_file)
    for args in (READ, ("standings", RACE), ("export",), ("verify",), ("roles", "show")):
        ok(run(capsys, "--db", str(ledger_file), *args))
    assert digest(ledger_file) == before


# -- read-only files, names of nothing ------------------------------------------------------------
def test_a_read_only_ledger_file_is_refused_for_writing_and_still_read(
        capsys: pytest.CaptureFixture[str], ledger_file: Path) -> None:
    before = digest(ledger_file)
    ledger_file.chmod(0o444)
    try:
        refused(run(capsys, "--db", str(ledger_file), "record", "skater", "Ada Example"), "read-only")
        assert digest(ledger_file) == before
        assert [r["key"] for r in ok(run(capsys, "--db", str(ledger_file), *READ)).json()] == [RACE]
    finally:
        ledger_file.chmod(0o644)


@pytest.mark.parametrize("command", [WRITE, READ], ids=["a writing command", "a reading command"])
def test_an_empty_db_name_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    refused(run(capsys, "--db", "", *command), "--db ''", "names no ledger")
    refused(run(capsys, *command, "--db", " "), "--db ' '", "names no ledger")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_given_as_the_db_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    refused(run(capsys, "--db", str(tmp_path), *WRITE), "is a directory")
    assert list(tmp_path.iterdir()) == []


# -- PostgreSQL ----------------------------------------------------------------------------------
def test_a_refused_postgres_port_gets_its_own_line(capsys: pytest.CaptureFixture[str]) -> None:
    done = run(capsys, "--db", "postgresql://postgres@127.0.0.1:1/postgres", *READ)
    refused(done, "nothing listens at 127.0.0.1:1", "connection refused")
    assert "couldn't get a connection" not in done.err


def test_the_postgres_connection_is_given_up_within_one_second() -> None:
    assert PG_CONNECT_TIMEOUT <= 1


def postgres_refusal(capsys: pytest.CaptureFixture[str], url: str, *words: str) -> Ran:
    if not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true conftest fails instead)")
    done = run(capsys, "--db", url, *WRITE)
    refused(done, *words)
    assert "couldn't get a connection" not in done.err
    return done


@pytest.mark.postgres
def test_a_missing_postgres_database_is_named_with_the_createdb_hint(
        capsys: pytest.CaptureFixture[str]) -> None:
    name = f"nodb_{uuid.uuid4().hex[:10]}"
    postgres_refusal(capsys, f"{PG_SERVER}/{name}", f"database '{name}' does not exist",
                     f"createdb -h 127.0.0.1 -p 5432 -U postgres {name}")


@pytest.mark.postgres
def test_an_unknown_postgres_role_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    role = f"norole_{uuid.uuid4().hex[:10]}"
    postgres_refusal(capsys, f"postgresql://{role}@127.0.0.1:5432/{PG_DATABASE}",
                     f"role '{role}' does not exist")


@pytest.fixture
def schema() -> Iterator[str]:
    if not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true conftest fails instead)")
    name = new_pg_schema()
    yield name
    drop_pg_schema(name)


def tables_of(schema: str) -> list[str]:
    with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}", autocommit=True) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                            "ORDER BY table_name", (schema,)).fetchall()
    return [row[0] for row in rows]


@pytest.mark.postgres
def test_a_read_command_on_a_postgres_schema_without_a_ledger_creates_no_table(
        capsys: pytest.CaptureFixture[str], schema: str) -> None:
    refused(run(capsys, "--db", pg_url(schema), *READ), "no ledger at", f"schema {schema!r}")
    assert tables_of(schema) == []


@pytest.mark.postgres
@pytest.mark.parametrize("command", [WRITE, READ], ids=["a writing command", "a reading command"])
def test_a_foreign_ledger_events_table_on_postgres_is_refused_untouched(
        capsys: pytest.CaptureFixture[str], schema: str, command: tuple[str, ...]) -> None:
    with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}", autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".ledger_events (notification_id bigint, topic text)')
        conn.execute(f"INSERT INTO \"{schema}\".ledger_events VALUES (1, 'bank.domain:Account.Opened')")
    refused(run(capsys, "--db", pg_url(schema), *command), "is not a skate-ledger ledger",
            "ledger_events without ledger_chain", "left untouched")
    assert tables_of(schema) == ["ledger_events"]


@pytest.mark.postgres
def test_a_postgres_ledger_is_read_without_creating_anything(
        capsys: pytest.CaptureFixture[str], schema: str) -> None:
    a_ledger(capsys, pg_url(schema))
    tables = tables_of(schema)
    export = ok(run(capsys, "--db", pg_url(schema), "export")).out
    assert [r["key"] for r in ok(run(capsys, "--db", pg_url(schema), *READ)).json()] == [RACE]
    ok(run(capsys, "--db", pg_url(schema), "verify"))
    assert tables_of(schema) == tables
    assert ok(run(capsys, "--db", pg_url(schema), "export")).out == export


# -- every argument is checked (item 8) ----------------------------------------------------------
@pytest.mark.parametrize("speed", ["-1", "nan", "inf", "-inf"])
def test_replay_speed_must_be_a_positive_finite_number(
        capsys: pytest.CaptureFixture[str], ledger_file: Path, speed: str) -> None:
    before = digest(ledger_file)
    refused(run(capsys, "--db", str(ledger_file), "replay", "test-cup-2025", "--speed", speed),
            "--speed", "not a positive finite number")
    assert digest(ledger_file) == before


@pytest.mark.parametrize("mark", ["XR", "WR?", ""])
def test_records_mark_must_be_a_known_mark(capsys: pytest.CaptureFixture[str], ledger_file: Path,
                                           mark: str) -> None:
    refused(run(capsys, "--db", str(ledger_file), "records", "--mark", mark), "--mark",
            "is not a known mark", "WR, CR, TR, NR")


def test_records_mark_takes_a_known_mark_in_any_case(capsys: pytest.CaptureFixture[str],
                                                     ledger_file: Path) -> None:
    assert ok(run(capsys, "--db", str(ledger_file), "records", "--mark", "tr", "--format", "json")
              ).json() == {"records": []}


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A named pipe with a writer waiting each time: a reader that opens it reads nothing and goes on
    (so the test fails instead of hanging); released at the end."""
    path = tmp_path / "results.csv"
    os.mkfifo(path)
    done = threading.Event()

    def write() -> None:
        while not done.is_set():
            open(path, "wb").close()  # waits for a reader, then gives it an end

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    yield path
    done.set()
    while writer.is_alive():  # the writer may be about to wait again: release it until it ends
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(0.01)


@pytest.mark.parametrize("what", ["a FIFO", "a device", "a directory"])
@pytest.mark.parametrize("fmt", ["auto", "csv", "jsonl"])
def test_a_fifo_device_or_directory_given_to_import_is_refused_at_once(
        capsys: pytest.CaptureFixture[str], ledger_file: Path, fifo: Path, what: str, fmt: str) -> None:
    path, says = {"a FIFO": (fifo, "is a named pipe (FIFO), not a regular file"),
                  "a device": (Path(os.devnull), "is a device, not a regular file"),
                  "a directory": (ledger_file.parent, "is a directory, not a regular file")}[what]
    before = digest(ledger_file)
    refused(run(capsys, "--db", str(ledger_file), "import", str(path), "--format", fmt), str(path), says)
    assert digest(ledger_file) == before


def test_an_unknown_competition_race_or_skater_is_a_404_on_every_path(memory_app: Ledger) -> None:
    okt2017.load(memory_app)
    board = create_app(memory_app)
    unknown = [{"slug": "nope", "competition": "nope", "race": "men-500m", "name": "Nobody Known"},
               {"slug": "nope", "competition": "okt-2017", "race": "women-999m", "name": "Nobody"}]
    paths = sorted({route.path.format(**values) for route in board.routes
                    if isinstance(route, Route) and route.param_convertors for values in unknown})
    assert "/api/competitions/nope/replay" in paths and "/competitions/nope/replay/frame" in paths
    client = TestClient(board)
    answers = {path: client.get(path).status_code for path in paths}
    assert answers == dict.fromkeys(paths, 404)


def test_a_second_serve_on_a_busy_port_exits_2_in_one_line_before_printing_an_address(
        capsys: pytest.CaptureFixture[str], ledger_file: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run(capsys, "--db", str(ledger_file), "serve", "--port", str(port))
    refused(done, f"port {port} is in use")
    assert "http://" not in done.err + done.out


def test_the_store_check_refuses_before_the_library_opens_anything(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other_tables(path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="not a skate-ledger ledger"):
        build_app(str(path))
    assert path.read_bytes() == before and beside(path) == {"other.db"}
