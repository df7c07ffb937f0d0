"""Roles (docs/decisions/0008-roles.md): authors on every write, the referee's token.

A ledger without a referee token stays open (every other test runs on one). Once a token is
configured, the referee's acts need it and every write needs an author; a refused act is one line,
exit code 2, and the ledger is byte for byte unchanged.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import click
import pytest

from ledger.bootstrap import build_app
from ledger.store.roles import ADMIN, REFEREE, ROLE_OF, TIMING, RoleStore, acting_as, token_hash
from ledger.store.verify import verify_ledger
from tests.cli import digest, ok, refused, run
from tests.conftest import _PG, drop_pg_schema, new_pg_schema, pg_url

KEY = "roles-cup-2025/men-500m"
TOKEN = "correct horse battery staple"






@pytest.fixture
def day(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    db = str(tmp_path / "ledger.db")
    for argv in (["record", "competition", "Roles Cup", "--date", "2025-01-05", "--by", "Admin A"],
                 ["record", "race", "roles-cup-2025", "--distance", "500", "--category", "men",
                  "--date", "2025-01-05", "--by", "Admin A"],
                 ["record", "skater", "Skater A", "--by", "Admin A"],
                 ["record", "skater", "Skater B", "--by", "Admin A"],
                 ["record", "pair", KEY, "1", "--inner", "Skater A", "--outer", "Skater B",
                  "--by", "Admin A"],
                 ["record", "start", KEY, "1", "--by", "Operator O"],
                 ["record", "finish", KEY, "Skater A", "38.42", "--by", "Operator O"],
                 ["record", "finish", KEY, "Skater B", "38.90"]):  # an open ledger: no author needed
        ok(run(capsys, "--db", db, *argv))
    return db


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "referee.token"
    path.write_text(TOKEN + "\n")
    return path


@pytest.fixture
def closed(capsys: pytest.CaptureFixture[str], day: str, token_file: Path) -> str:
    ok(run(capsys, "--db", day, "roles", "set-referee", "--token-file", str(token_file), "--by", "Chief"))
    return day


def test_every_writing_command_has_a_role_and_the_three_roles_are_as_agreed() -> None:
    assert {act for act, role in ROLE_OF.items() if role == TIMING} == {
        "start", "pass", "finish", "fall", "dnf", "dns", "wdr", "false-start", "clear", "sprint",
        "conditions"}
    assert {act for act, role in ROLE_OF.items() if role == REFEREE} == {
        "dq", "correct", "void", "reskate", "redraw", "official"}
    assert {act for act, role in ROLE_OF.items() if role == ADMIN} == {
        "competition", "cup", "race", "skater", "enter", "pair", "team", "place", "bests", "import",
        "erase", "migrate", "officials"}  # erase and migrate: docs/decisions/0029
    from scripts.cli.main import cli
    from scripts.cli.record import record
    # the group loads its commands when asked (scripts/cli/main.py); loading record registers the
    # referee's corrections on it, whichever test ran before in this process
    assert cli.get_command(click.Context(cli), "record") is record
    assert set(record.commands) <= set(ROLE_OF)
    for name, command in record.commands.items():
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        assert "--by" in options, name
        assert ("--token-file" in options) == (ROLE_OF[name] == REFEREE), name


def test_an_open_ledger_takes_the_referees_acts_without_a_token(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    ok(run(capsys, "--db", day, "record", "dq", KEY, "Skater B", "--rule", "ISU 253"))
    ok(run(capsys, "--db", day, "record", "official", KEY, "--by", "Referee R"))


def test_the_token_is_stored_as_a_salted_scrypt_hash_never_as_itself(day: str, closed: str) -> None:
    app = build_app(closed)
    try:
        secret = RoleStore(app.recorder).secret()
        assert secret is not None and len(secret.salt) == 16
        assert secret.hash == token_hash(TOKEN, secret.salt) != token_hash(TOKEN, b"0" * 16)
        assert TOKEN.encode() not in Path(closed).read_bytes()
    finally:
        app.close()


@pytest.mark.parametrize("act", [
    ["dq", KEY, "Skater B", "--rule", "ISU 253"],
    ["correct", KEY, "Skater A", "--time", "38.43", "--reason", "photo finish"],
    ["void", KEY, "Skater B", "--kind", "finish", "--reason", "timing fault"],
    ["reskate", KEY, "Skater B", "--reason", "fall caused by the other skater"],
    ["official", KEY],
], ids=lambda a: a[0])
def test_a_referees_act_without_the_token_or_with_another_is_refused_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], closed: str, token_file: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, act: list[str]) -> None:
    before = digest(Path(closed))
    refused(run(capsys, "--db", closed, "record", *act, "--by", "Referee R"), "referee's act", "token")
    other = tmp_path / "other.token"
    other.write_text("not the referee's token at all")
    refused(run(capsys, "--db", closed, "record", *act, "--by", "Referee R", "--token-file", str(other)),
            "not the referee's token")
    monkeypatch.setenv("SKATE_LEDGER_REFEREE_TOKEN", "also not the referee's token")
    refused(run(capsys, "--db", closed, "record", *act, "--by", "Referee R"), "not the referee's token")
    assert digest(Path(closed)) == before
    monkeypatch.delenv("SKATE_LEDGER_REFEREE_TOKEN")
    ok(run(capsys, "--db", closed, "record", *act, "--by", "Referee R", "--token-file", str(token_file)))


def test_the_token_may_come_from_the_environment(
        capsys: pytest.CaptureFixture[str], closed: str, token_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKATE_LEDGER_REFEREE_TOKEN", TOKEN)
    monkeypatch.setenv("SKATE_LEDGER_AUTHOR", "Referee R")
    ok(run(capsys, "--db", closed, "record", "dq", KEY, "Skater B", "--rule", "ISU 253"))
    monkeypatch.delenv("SKATE_LEDGER_REFEREE_TOKEN")
    monkeypatch.setenv("SKATE_LEDGER_REFEREE_TOKEN_FILE", str(token_file))
    ok(run(capsys, "--db", closed, "record", "official", KEY))


def test_with_roles_configured_every_write_needs_an_author(
        capsys: pytest.CaptureFixture[str], closed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = digest(Path(closed))
    refused(run(capsys, "--db", closed, "record", "skater", "Skater C"), "name the author")
    refused(run(capsys, "--db", closed, "record", "fall", KEY, "Skater A", "--at", "100"), "name the author")
    assert digest(Path(closed)) == before
    ok(run(capsys, "--db", closed, "record", "skater", "Skater C", "--by", "Admin A"))
    monkeypatch.setenv("SKATE_LEDGER_AUTHOR", "Operator O")
    ok(run(capsys, "--db", closed, "record", "start", KEY, "1"))  # no token needed (a retransmission)


def test_every_act_is_noted_with_its_role_and_author(
        capsys: pytest.CaptureFixture[str], closed: str, token_file: Path) -> None:
    ok(run(capsys, "--db", closed, "record", "dq", KEY, "Skater B", "--rule", "ISU 253", "--by", "Referee R",
           "--token-file", str(token_file)))
    shown = ok(run(capsys, "--db", closed, "roles", "show", "--format", "json")).json()
    assert shown["referee_token"]["set_by"] == "Chief" and "hash" not in shown["referee_token"]
    acts = [(a["role"], a["act"], a["author"]) for a in shown["acts"]]
    assert acts[0] == (ADMIN, "competition", "Admin A")
    assert (TIMING, "start", "Operator O") in acts and (TIMING, "finish", None) in acts
    assert acts[-1] == (REFEREE, "dq", "Referee R")
    assert [a["position"] for a in shown["acts"]] == sorted({a["position"] for a in shown["acts"]})
    app = build_app(closed)
    try:
        assert app.last_position() == shown["acts"][-1]["position"]
        assert verify_ledger(app.recorder).breach is None
        held = [e for _, e in app.read_log() if type(e).__name__ == "Disqualified"]
        assert held[-1].author == "Referee R"  # the catalogue's own author field, as before
    finally:
        app.close()


def test_changing_or_removing_the_token_needs_the_current_one(
        capsys: pytest.CaptureFixture[str], closed: str, token_file: Path, tmp_path: Path) -> None:
    new = tmp_path / "new.token"
    new.write_text("a new token for the new referee")
    refused(run(capsys, "--db", closed, "roles", "set-referee", "--token-file", str(new)), "current one")
    refused(run(capsys, "--db", closed, "roles", "clear-referee", "--current-token-file", str(new)),
            "not the referee's token")
    ok(run(capsys, "--db", closed, "roles", "set-referee", "--token-file", str(new),
           "--current-token-file", str(token_file)))
    refused(run(capsys, "--db", closed, "record", "official", KEY, "--by", "R", "--token-file",
                str(token_file)), "not the referee's token")
    ok(run(capsys, "--db", closed, "roles", "clear-referee", "--current-token-file", str(new)))
    ok(run(capsys, "--db", closed, "record", "official", KEY, "--by", "R"))  # open again


def test_a_short_or_unreadable_token_is_refused(
        capsys: pytest.CaptureFixture[str], day: str, tmp_path: Path) -> None:
    short = tmp_path / "short.token"
    short.write_text("1234")
    refused(run(capsys, "--db", day, "roles", "set-referee", "--token-file", str(short)), "16 to 4096")
    refused(run(capsys, "--db", day, "roles", "set-referee", "--token-file", str(tmp_path / "none")),
            "cannot be read")


def test_the_referee_token_and_the_acts_work_on_postgres_and_in_memory(tmp_path: Path) -> None:
    from ledger.store.roles import check_act, new_secret
    schema = new_pg_schema() if _PG else None
    try:
        for db in ["memory"] + ([pg_url(schema)] if schema else []):
            app = build_app(db)
            try:
                store = RoleStore(app.recorder)
                assert store.secret() is None
                check_act(store, "dq", None, None)  # open
                store.set_secret(new_secret(TOKEN, "Chief"))
                token = tmp_path / "t"
                token.write_text(TOKEN)
                check_act(store, "dq", "Referee", token)
                with pytest.raises(PermissionError):
                    check_act(store, "dq", "Referee", None)
                app.register_skater("Skater Z")  # outside an act: noted nowhere
                with acting_as("competition", "Admin A"):
                    app.schedule_competition("Roles Cup", None, date(2025, 1, 5))
                with acting_as("skater", "Admin A"):
                    app.register_skater("Skater A")
                assert store.acts() == [(2, ADMIN, "Admin A", "competition"),
                                        (3, ADMIN, "Admin A", "skater")]
                assert verify_ledger(app.recorder).breach is None
            finally:
                app.close()
    finally:
        if schema:
            drop_pg_schema(schema)


def test_dropping_the_last_facts_with_their_chain_hashes_is_seen_by_their_authors_notes(
        capsys: pytest.CaptureFixture[str], day: str) -> None:
    ok(run(capsys, "--db", day, "verify"))
    with closing(sqlite3.connect(day, isolation_level=None)) as conn:
        last = conn.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
        conn.execute("DELETE FROM stored_events WHERE rowid=?", (last,))
        conn.execute("DELETE FROM ledger_chain WHERE position=?", (last,))
    refused(run(capsys, "--db", day, "verify"), f"tampered at position {last}", "author's note")
    with closing(sqlite3.connect(day, isolation_level=None)) as conn:
        conn.execute("DELETE FROM ledger_acts WHERE position=?", (last,))
        conn.execute("INSERT INTO ledger_acts VALUES (999, 'referee', 'Forger', 'dq', 'now')")
    refused(run(capsys, "--db", day, "verify"), "tampered at position 999", "author's note")


def test_a_ledger_with_acts_noted_before_this_change_opens_and_keeps_them(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    app = build_app(str(db))
    try:
        app.register_skater("Skater A")
    finally:
        app.close()
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:  # as decision 0008 first wrote it
        conn.execute("DROP TABLE ledger_acts")
        conn.execute("CREATE TABLE ledger_acts (position BIGINT PRIMARY KEY, role TEXT NOT NULL, "
                     "author TEXT, act TEXT NOT NULL, at TEXT NOT NULL)")
        conn.execute("INSERT INTO ledger_acts VALUES (1, 'administrator', 'Admin A', 'skater', 'then')")
    app = build_app(str(db))
    try:
        with acting_as("skater", "Admin B"):
            app.register_skater("Skater B")
        assert RoleStore(app.recorder).acts() == [(1, ADMIN, "Admin A", "skater"),
                                                  (2, ADMIN, "Admin B", "skater")]
        assert verify_ledger(app.recorder).breach is None
    finally:
        app.close()


def test_an_imported_export_is_noted_as_the_administrators_and_counted_exactly(
        capsys: pytest.CaptureFixture[str], day: str, tmp_path: Path) -> None:
    export = tmp_path / "day.jsonl"
    ok(run(capsys, "--db", day, "export", "--output", str(export)))
    events = len(export.read_text().splitlines())
    copy = str(tmp_path / "copy.db")
    done = ok(run(capsys, "--db", copy, "import", str(export), "--by", "Admin B"))
    assert f"{events} new event(s)" in done.out
    shown = ok(run(capsys, "--db", copy, "roles", "show", "--format", "json")).json()
    assert [(a["act"], a["author"]) for a in shown["acts"]] == [("import", "Admin B")] * events
    assert "0 new event(s)" in ok(run(capsys, "--db", copy, "import", str(export))).out
