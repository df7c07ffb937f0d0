"""Erasure by destroying a skater's key (docs/decisions/0029), on SQLite and PostgreSQL, through
the command as an administrator runs it: the refusals, what every reader shows after it, that
``verify`` still passes on the store and on exports taken before and after, and that no copy of
the erased fields or of her key is left in the SQLite file (main file, WAL, freelist) or in any
table of the PostgreSQL schema."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest

from ledger.bootstrap import build_app
from ledger.domain.skater import Skater
from ledger.store.personal import MASTER_KEY_ENV
from tests.cli import ok, refused, run

GOLDEN = Path(__file__).resolve().parents[1] / "old_exports" / "plain-personal-v1.jsonl"
#: Her personal fields: words found nowhere else, so that a byte search finds only them.
HERS = {"--hometown": "Qzwhometownx", "--club": "Qzwclubx", "--birth-date": "1999-07-13",
        "--contact": "qzw-contact@example.org"}
ADMIN_TOKEN = "administrator-token-0123456789"
REFEREE_TOKEN = "referee-token-0123456789abc"


@pytest.fixture
def day(command_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A ledger with two skaters in one race, her fields given, the views built, and an
    administrator's and a referee's token (files ``admin.token``, ``referee.token``)."""
    (tmp_path / "admin.token").write_text(ADMIN_TOKEN, encoding="utf-8")
    (tmp_path / "referee.token").write_text(REFEREE_TOKEN, encoding="utf-8")
    db = ["--db", command_db]
    steps = [["record", "skater", "Ann A", "--nation", "NED", *(w for kv in HERS.items() for w in kv)],
             ["record", "skater", "Bea B", "--nation", "NED", "--hometown", "Lekkerkerk"],
             ["record", "competition", "Test Cup", "--venue", "Thialf", "--date", "2025-01-05"],
             ["record", "race", "test-cup-2025", "--distance", "500", "--category", "women",
              "--date", "2025-01-05"],
             ["record", "pair", "test-cup-2025/women-500m", "1", "--inner", "Ann A", "--outer", "Bea B"],
             ["record", "finish", "test-cup-2025/women-500m", "Ann A", "38.12"],
             ["record", "finish", "test-cup-2025/women-500m", "Bea B", "38.50"],
             ["views", "rebuild"],
             ["roles", "set-administrator", "--token-file", str(tmp_path / "admin.token")],
             ["roles", "set-referee", "--token-file", str(tmp_path / "referee.token")]]
    for step in steps:
        ok(run(capsys, *db, *step))
    return command_db


def erase(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, *extra: str,
          token: str = "admin.token", skater: str = "Ann A") -> tuple[int, str, str]:
    done = run(capsys, "--db", db, "erase", skater, "--reason", "her request (GDPR art. 17)",
               "--by", "Admin A", "--token-file", str(tmp_path / token), *extra)
    return done.code, done.out, done.err


def report(capsys: pytest.CaptureFixture[str], db: str, *choice: str) -> list[dict[str, object]]:
    lines: list[dict[str, object]] = ok(run(capsys, "--db", db, "report", *choice,
                                            "--format", "json")).json()["skaters"]
    return lines


def exported_in_clear(capsys: pytest.CaptureFixture[str], db: str) -> list[dict[str, Any]]:
    lines = ok(run(capsys, "--db", db, "export", "--include-personal")).out.splitlines()
    return [json.loads(line) for line in lines]


# -- refusals ----------------------------------------------------------------------------------
def test_erase_by_a_referee_or_without_the_administrators_token_is_refused(
        day: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKATE_LEDGER_ADMIN_TOKEN_FILE", raising=False)
    before = ok(run(capsys, "--db", day, "export")).out
    refused(run(capsys, "--db", day, "erase", "Ann A", "--reason", "r", "--by", "Referee R",
                "--token-file", str(tmp_path / "referee.token")), "not the administrator's token")
    refused(run(capsys, "--db", day, "erase", "Ann A", "--reason", "r", "--by", "Operator O"),
            "administrator's act")
    refused(run(capsys, "--db", day, "erase", "Ann A", "--reason", "r", "--token-file",
                str(tmp_path / "admin.token")), "--by")
    assert ok(run(capsys, "--db", day, "export")).out == before
    assert report(capsys, day, "--hometown", HERS["--hometown"])[0]["skater"] == "Ann A"


def test_a_ledger_without_an_administrator_token_refuses_every_erasure(
        command_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok(run(capsys, "--db", command_db, "record", "skater", "Ann A", "--hometown", "Boskoop"))
    (tmp_path / "admin.token").write_text(ADMIN_TOKEN, encoding="utf-8")
    code, _, err = erase(capsys, command_db, tmp_path)
    assert code == 2 and "no administrator token" in err


def test_erasing_twice_is_refused_and_erasing_an_unknown_skater_too(
        day: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert erase(capsys, day, tmp_path)[0] == 0
    code, _, err = erase(capsys, day, tmp_path)
    assert code == 2 and "erased already" in err and len(err.splitlines()) == 1
    code, _, err = erase(capsys, day, tmp_path, skater="Nobody N")
    assert code == 2 and "not registered" in err


def test_without_the_master_key_export_with_personal_fields_and_a_hometown_report_are_refused(
        day: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MASTER_KEY_ENV)
    refused(run(capsys, "--db", day, "export", "--include-personal"), MASTER_KEY_ENV)
    refused(run(capsys, "--db", day, "report", "--hometown", "Lekkerkerk"), MASTER_KEY_ENV)
    refused(run(capsys, "--db", day, "record", "skater", "Cas C", "--club", "X", "--by", "Admin A"),
            MASTER_KEY_ENV)
    # a question that needs no personal field is answered, the fields shown sealed
    assert [r["hometown"] for r in report(capsys, day, "--nation", "NED")] == ["sealed", "sealed"]
    ok(run(capsys, "--db", day, "standings", "test-cup-2025/women-500m"))


# -- after the erasure ---------------------------------------------------------------------------
def test_after_erasure_every_reader_shows_the_fields_erased_and_verify_still_passes(
        day: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tmp_path / "before.jsonl"
    ok(run(capsys, "--db", day, "export", "--output", str(before)))
    clear = exported_in_clear(capsys, day)
    assert clear[0]["personal"]["hometown"] == HERS["--hometown"]
    assert erase(capsys, day, tmp_path)[0] == 0
    after = tmp_path / "after.jsonl"
    ok(run(capsys, "--db", day, "export", "--output", str(after)))
    for exported in (before, after):
        ok(run(capsys, "verify", "--export", str(exported)))
    ok(run(capsys, "--db", day, "verify"))
    shown = exported_in_clear(capsys, day)
    assert shown[0]["personal"] == dict.fromkeys(("birth_date", "hometown", "club", "contact"), "erased")
    assert shown[1]["personal"] == {"hometown": "Lekkerkerk"}
    last = shown[-1]
    assert last["topic"] == Skater.Erased.TOPIC
    assert last["state"]["reason"] == "her request (GDPR art. 17)" and last["state"]["by"] == "Admin A"
    # the regional report no longer counts her under her town; by nation she is there, erased
    assert report(capsys, day, "--hometown", HERS["--hometown"]) == []
    assert report(capsys, day, "--club", HERS["--club"]) == []
    assert [(r["skater"], r["hometown"]) for r in report(capsys, day, "--nation", "NED")] == [
        ("Ann A", "erased"), ("Bea B", "Lekkerkerk")]
    # her results stay, and the views agree with a fold from zero
    board = ok(run(capsys, "--db", day, "standings", "test-cup-2025/women-500m", "--format", "json")).json()
    assert [r["skater"] for r in board["rows"]] == ["Ann A", "Bea B"]
    ok(run(capsys, "--db", day, "views", "rebuild"))
    ok(run(capsys, "--db", day, "views", "check"))
    # an import of the export taken before rebuilds a ledger that verifies: there her fields are
    # sealed (the keys did not travel with it)
    copy = str(tmp_path / "copy.db")
    ok(run(capsys, "--db", copy, "import", str(before)))
    ok(run(capsys, "--db", copy, "verify"))
    assert {r["hometown"] for r in report(capsys, copy, "--nation", "NED")} == {"sealed"}


def test_no_copy_of_the_erased_fields_or_of_her_key_is_left_in_the_store(
        day: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = build_app(day)
    sid = app.skater("Ann A")
    data_key = app.vault.data_key(sid, app.mapper.master())  # type: ignore[attr-defined]  # our mapper
    wrapped = app.vault.rows()[sid]
    assert data_key is not None and wrapped is not None
    app.close()
    secrets_held = [data_key, wrapped, *(v.encode() for v in HERS.values())]
    held = everything_stored(day)
    assert wrapped in held or wrapped.hex().encode() in held  # the search finds her key
    for clear in HERS.values():  # her fields were never stored in clear, the views included
        assert clear.encode() not in held, clear
    assert erase(capsys, day, tmp_path)[0] == 0
    stored = everything_stored(day)
    for secret in secrets_held:
        assert secret not in stored and secret.hex().encode() not in stored, secret
    assert b"Lekkerkerk" not in stored  # hers only sealed too: the other skater's field


def everything_stored(db: str) -> bytes:
    """Every byte of the SQLite file and its WAL; or every row of every table of the PostgreSQL
    schema, as text and with its byte values in hex and raw."""
    if not db.startswith("postgresql://"):
        return b"".join(Path(f"{db}{suffix}").read_bytes() for suffix in ("", "-wal", "-journal")
                        if Path(f"{db}{suffix}").exists())
    schema = parse_qs(urlparse(db).query)["schema"][0]
    found = []
    with psycopg.connect(db.split("?")[0], autocommit=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema=%s", (schema,))]
        assert "ledger_keys" in tables
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"'):  # names from the catalog
                for value in row:
                    found.append(bytes(value) if isinstance(value, bytes | memoryview)
                                 else str(value).encode())
    return b"\n".join(found)


# -- ledgers of before 0029 -------------------------------------------------------------------------
def test_migration_seals_old_plain_fields_and_erasure_then_hides_them(
        command_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", command_db]
    ok(run(capsys, *db, "import", str(GOLDEN)))
    ok(run(capsys, *db, "views", "rebuild"))
    done = ok(run(capsys, *db, "migrate", "personal-data")).out
    assert "sealed Old Skater (plain at position 1)" in done and "2 skater(s) sealed" in done
    assert "0 skater(s) sealed" in ok(run(capsys, *db, "migrate", "personal-data")).out
    lines = [json.loads(x) for x in ok(run(capsys, *db, "export")).out.splitlines()]
    sealed = [x for x in lines if x["topic"] == Skater.PersonalDataSealed.TOPIC]
    assert [x["state"]["plain_at"] for x in sealed] == [[1], [2]]
    assert "Boskoop" not in json.dumps(sealed)
    (tmp_path / "admin.token").write_text(ADMIN_TOKEN, encoding="utf-8")
    ok(run(capsys, *db, "roles", "set-administrator", "--token-file", str(tmp_path / "admin.token")))
    assert erase(capsys, command_db, tmp_path, skater="Old Skater")[0] == 0
    ok(run(capsys, *db, "verify"))
    assert report(capsys, command_db, "--hometown", "Boskoop") == []
    assert [r["hometown"] for r in report(capsys, command_db, "--nation", "NED")] == [
        "erased", "Lekkerkerk"]
    # her old registration still holds "Boskoop" in the chain (decision 0029 says so); the index
    # view no longer does
    app = build_app(command_db)
    views = __import__("projections.views", fromlist=["views_of"]).views_of(app)
    assert views is not None
    assert views.keys_at("index", app.last_position()).count("hometown/Boskoop") == 0
    assert "hometown/Lekkerkerk" in views.keys_at("index", app.last_position())
    app.close()


# -- imports and the demo ------------------------------------------------------------------------
CSV = ("competition,venue,date,distance,category,pair,lane,skater,nation,club,hometown,birth_date,"
       "contact,time\n"
       "CSV Cup,CSV Rink,2025-02-01,500,women,1,inner,Eva E,NED,Qzwcsvclub,Qzwcsvtown,2002-03-04,"
       "eva@example.org,38.120\n"
       "CSV Cup,CSV Rink,2025-02-01,500,women,1,outer,Fay F,NOR,,,,,38.400\n")


def test_a_result_list_with_personal_columns_is_imported_sealed_and_refused_without_the_key(
        command_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "results.csv"
    results.write_text(CSV, encoding="utf-8")
    with monkeypatch.context() as without:
        without.delenv(MASTER_KEY_ENV)
        done = run(capsys, "--db", command_db, "import", str(results))
        assert done.code == 2 and "results.csv" in done.err and MASTER_KEY_ENV in done.err, done
        assert len(done.err.splitlines()) == 1
    assert ok(run(capsys, "--db", command_db, "export")).out == ""
    ok(run(capsys, "--db", command_db, "import", str(results)))
    for clear in ("Qzwcsvclub", "Qzwcsvtown", "2002-03-04", "eva@example.org"):
        assert clear.encode() not in everything_stored(command_db), clear
    shown = [x for x in exported_in_clear(capsys, command_db) if "personal" in x]
    assert len(shown) == 2 and shown[1]["personal"] == {}
    assert shown[0]["personal"] == {"birth_date": "2002-03-04", "hometown": "Qzwcsvtown",
                                    "club": "Qzwcsvclub", "contact": "eva@example.org"}
    assert [r["skater"] for r in report(capsys, command_db, "--hometown", "Qzwcsvtown")] == ["Eva E"]


def test_the_demo_without_the_master_key_is_refused_before_it_appends(
        command_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a master key the demo of a SQLite file makes its own beside the file (the README's
    first command works on a fresh machine) and seals the home towns with it; any other store is
    refused before anything is appended."""
    monkeypatch.delenv(MASTER_KEY_ENV)
    if "://" not in command_db:
        done = ok(run(capsys, "--db", command_db, "demo"))
        made = Path(f"{command_db}.master-key")
        assert made.exists() and oct(made.stat().st_mode & 0o777) == "0o600"
        assert str(made) in done.out.replace("\n", "")
        assert MASTER_KEY_ENV not in os.environ  # named for the demo only
        assert b"Boskoop" not in everything_stored(command_db)
        return
    refused(run(capsys, "--db", command_db, "demo"), MASTER_KEY_ENV)
    assert ok(run(capsys, "--db", command_db, "export")).out == ""
