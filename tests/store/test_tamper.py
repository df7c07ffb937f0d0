"""Tamper evidence (docs/decisions/0007-tamper-evidence.md): every change made to the stored log
behind the ledger's back — in SQLite with the sqlite3 module on the file, in PostgreSQL with psycopg
on the schema, in an exported JSONL file with a text editor — is found by ``verify``, which names
the first position that fails; an untouched ledger verifies.

The hypothesis tests record a generated race day, sign a checkpoint of its head, then apply every
kind of tampering in turn (each one undone before the next, and the ledger verified intact again).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.store.chain import GENESIS, link
from ledger.store.recorders import chained
from ledger.store.signing import checkpoint_json
from ledger.store.verify import Verdict, sign_head, verify_export, verify_ledger
from tests.cli import run
from tests.conftest import _PG, PG_DATABASE, PG_SERVER, drop_pg_schema, new_pg_schema, pg_url
from tests.strategies import race_days, record_race_day

KEY = Ed25519PrivateKey.generate()
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
needs_pg = pytest.mark.skipif(not _PG, reason="PostgreSQL is not reachable here")
DETECTED: dict[str, int] = {}  # tampering kind -> times detected (a failure stops the run)

small_days = race_days(max_races=2, max_skaters=4)


# -- raw access to the stores, behind the ledger's back ------------------------------------------
class Raw(Protocol):
    def events(self) -> list[tuple[int, Any, int, str, bytes]]: ...
    def execute(self, sql: str, *params: Any) -> None: ...
    def select(self, sql: str) -> list[tuple[Any, ...]]: ...
    def events_table(self) -> str: ...
    def chain_table(self) -> str: ...
    def checkpoints_table(self) -> str: ...
    def id_column(self) -> str: ...


class SQLiteRaw:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def events(self) -> list[tuple[int, Any, int, str, bytes]]:
        return [tuple(r) for r in self.conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid")]

    def execute(self, sql: str, *params: Any) -> None:
        self.conn.execute(sql.replace("%s", "?"), params)

    def select(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]

    def events_table(self) -> str:
        return "stored_events"

    def chain_table(self) -> str:
        return "ledger_chain"

    def checkpoints_table(self) -> str:
        return "ledger_checkpoints"

    def id_column(self) -> str:
        return "rowid"

    def close(self) -> None:
        self.conn.close()


class PostgresRaw:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.conn = psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}", autocommit=True)

    def events(self) -> list[tuple[int, Any, int, str, bytes]]:
        rows = self.conn.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {self.events_table()} ORDER BY notification_id").fetchall()
        return [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in rows]

    def execute(self, sql: str, *params: Any) -> None:
        self.conn.execute(sql, params)

    def select(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]

    def events_table(self) -> str:
        return f'"{self.schema}".ledger_events'

    def chain_table(self) -> str:
        return f'"{self.schema}".ledger_chain'

    def checkpoints_table(self) -> str:
        return f'"{self.schema}".ledger_checkpoints'

    def id_column(self) -> str:
        return "notification_id"

    def close(self) -> None:
        self.conn.close()


#: A ledger's opener and raw access to its store, in a temporary folder (one of the two below).
LedgerAndRaw = Callable[[Path], AbstractContextManager[tuple[Callable[[], Ledger], Raw]]]


@contextmanager
def sqlite_ledger(tmp: Path) -> Iterator[tuple[Callable[[], Ledger], Raw]]:
    path = tmp / "ledger.db"
    raw = SQLiteRaw(path)
    try:
        yield (lambda: build_app(str(path))), raw
    finally:
        raw.close()


@contextmanager
def postgres_ledger(_tmp: Path) -> Iterator[tuple[Callable[[], Ledger], Raw]]:
    schema = new_pg_schema()
    raw = PostgresRaw(schema)
    try:
        yield (lambda: build_app(pg_url(schema))), raw
    finally:
        raw.close()
        drop_pg_schema(schema)


# -- the tamperings: each changes the store, returns the position verify must name, and an undo --
Undo = Callable[[], None]
Tampering = Callable[[Raw, st.DataObject], tuple[int, Undo]]


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def pick(data: st.DataObject, raw: Raw, label: str) -> tuple[int, Any, int, str, bytes]:
    row: tuple[int, Any, int, str, bytes] = data.draw(st.sampled_from(raw.events()), label=label)
    return row


def edit_state_byte(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    row = pick(data, raw, "event")
    at = data.draw(st.integers(0, len(row[4]) - 1), label="byte")
    t, c = raw.events_table(), raw.id_column()
    raw.execute(f"UPDATE {t} SET state = %s WHERE {c} = %s", flip(row[4], at), row[0])
    return row[0], lambda: raw.execute(f"UPDATE {t} SET state = %s WHERE {c} = %s", row[4], row[0])


def delete_event(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    row = pick(data, raw, "event")
    t, c = raw.events_table(), raw.id_column()
    raw.execute(f"DELETE FROM {t} WHERE {c} = %s", row[0])
    return row[0], lambda: raw.execute(
        f"INSERT INTO {t} ({c}, originator_id, originator_version, topic, state) "
        "VALUES (%s,%s,%s,%s,%s)", *row)


def insert_forged_event(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    """A plausible event (a copy of a real one, one version on), added at the end of the log."""
    row = pick(data, raw, "model")
    t, c = raw.events_table(), raw.id_column()
    version = max(r[2] for r in raw.events() if r[1] == row[1]) + 1
    position = raw.events()[-1][0] + data.draw(st.integers(1, 3), label="gap")
    raw.execute(f"INSERT INTO {t} ({c}, originator_id, originator_version, topic, state) "
                "VALUES (%s,%s,%s,%s,%s)", position, row[1], version, row[3], row[4])
    return position, lambda: raw.execute(f"DELETE FROM {t} WHERE {c} = %s", position)


def two_rows(raw: Raw, data: st.DataObject) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    rows = raw.events()
    i, j = data.draw(st.lists(st.integers(0, len(rows) - 1), min_size=2, max_size=2, unique=True)
                     .map(sorted), label="two events")
    return rows[i], rows[j]


def swap_states(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    a, b = two_rows(raw, data)
    t, c = raw.events_table(), raw.id_column()

    def put(first: bytes, second: bytes) -> None:
        raw.execute(f"UPDATE {t} SET state = %s WHERE {c} = %s", first, a[0])
        raw.execute(f"UPDATE {t} SET state = %s WHERE {c} = %s", second, b[0])
    put(b[4], a[4])
    return a[0], lambda: put(a[4], b[4])


def swap_positions(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    """Reorder the log: two events change places (their ids)."""
    a, b = two_rows(raw, data)
    t, c = raw.events_table(), raw.id_column()

    def swap() -> None:
        raw.execute(f"UPDATE {t} SET {c} = -1 WHERE {c} = %s", a[0])
        raw.execute(f"UPDATE {t} SET {c} = %s WHERE {c} = %s", a[0], b[0])
        raw.execute(f"UPDATE {t} SET {c} = %s WHERE {c} = -1", b[0])
    swap()
    return a[0], swap


def edit_chain_hash(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    row = pick(data, raw, "event")
    t = raw.chain_table()
    at = data.draw(st.integers(0, 31), label="byte")
    old = hashes_of(raw.events())[row[0]]
    raw.execute(f"UPDATE {t} SET hash = %s WHERE position = %s", flip(old, at), row[0])
    return row[0], lambda: raw.execute(f"UPDATE {t} SET hash = %s WHERE position = %s", old, row[0])


def delete_chain_row(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    row = pick(data, raw, "event")
    t = raw.chain_table()
    old = hashes_of(raw.events())[row[0]]
    raw.execute(f"DELETE FROM {t} WHERE position = %s", row[0])
    return row[0], lambda: raw.execute(f"INSERT INTO {t} (position, hash) VALUES (%s, %s)", row[0], old)


def truncate_with_chain(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    """Drop the last events and their chain hashes: only the signed checkpoint of the head knows."""
    rows = raw.events()
    count = data.draw(st.integers(1, min(3, len(rows))), label="dropped")
    dropped = rows[-count:]
    hashes = hashes_of(rows)
    t, c, ch = raw.events_table(), raw.id_column(), raw.chain_table()
    for row in dropped:
        raw.execute(f"DELETE FROM {t} WHERE {c} = %s", row[0])
        raw.execute(f"DELETE FROM {ch} WHERE position = %s", row[0])

    def undo() -> None:
        for row in dropped:
            raw.execute(f"INSERT INTO {t} ({c}, originator_id, originator_version, topic, state) "
                        "VALUES (%s,%s,%s,%s,%s)", *row)
            raw.execute(f"INSERT INTO {ch} (position, hash) VALUES (%s, %s)", row[0], hashes[row[0]])
    return rows[-1][0], undo


def rewrite_and_rechain(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    """Edit an event and recompute every chain hash after it, as one who knows the scheme could:
    the chain is consistent again, the signed checkpoint of the head is not."""
    rows = raw.events()
    row = pick(data, raw, "event")
    t, c, ch = raw.events_table(), raw.id_column(), raw.chain_table()
    old = hashes_of(rows)
    raw.execute(f"UPDATE {t} SET state = %s WHERE {c} = %s", row[4] + b" ", row[0])
    for position, new in hashes_of(raw.events()).items():
        raw.execute(f"UPDATE {ch} SET hash = %s WHERE position = %s", new, position)

    def undo() -> None:
        raw.execute(f"UPDATE {t} SET state = %s WHERE {c} = %s", row[4], row[0])
        for position, hash_ in old.items():
            raw.execute(f"UPDATE {ch} SET hash = %s WHERE position = %s", hash_, position)
    return rows[-1][0], undo


def forge_checkpoint(raw: Raw, data: st.DataObject) -> tuple[int, Undo]:
    """Alter the signed checkpoint (its time) without the key."""
    t = raw.checkpoints_table()
    head = raw.events()[-1][0]
    raw.execute(f"UPDATE {t} SET signed_at = '2000-01-01T00:00:00+00:00'")
    return head, lambda: None  # verify after undo is not asked of this one: see below


def link_by_hand(previous: bytes, position: int, ident: str, version: int, topic: str,
                 state: bytes) -> bytes:
    """One chain hash written out from docs/decisions/0007-tamper-evidence.md with hashlib, not
    with ledger.store.chain: tag, previous hash, position (8 BE), id (4 BE length + UTF-8), version (8 BE),
    topic (4 BE length + UTF-8), state (8 BE length + bytes)."""
    id_bytes, topic_bytes = ident.encode("utf-8"), topic.encode("utf-8")
    return hashlib.sha256(
        b"skate-ledger chain v1\n" + previous + position.to_bytes(8, "big")
        + len(id_bytes).to_bytes(4, "big") + id_bytes + version.to_bytes(8, "big")
        + len(topic_bytes).to_bytes(4, "big") + topic_bytes
        + len(state).to_bytes(8, "big") + state).digest()


def hashes_of(rows: list[tuple[int, Any, int, str, bytes]]) -> dict[int, bytes]:
    """The chain recomputed by hand from raw rows (SQLite stores uuids as hex: the library reads
    them back as UUIDs; the chain hashes the hyphenated lower-case text)."""
    from uuid import UUID
    previous, out = bytes(32), {}
    for position, originator_id, version, topic, state in rows:
        ident = str(originator_id if isinstance(originator_id, UUID) else UUID(originator_id))
        previous = link_by_hand(previous, position, ident, version, topic,
                                state.encode() if isinstance(state, str) else bytes(state))
        out[position] = previous
    return out


#: A tiny fixed ledger of two events (position 2 missing: PostgreSQL ids have gaps), and its chain
#: hashes computed once by hand from decision 0007 and pinned: a known-answer vector.
KNOWN_LEDGER = [
    (1, "6f1d2c9e-3b4a-5c6d-8e7f-0a1b2c3d4e5f", 1, "skate-ledger:Skater.Registered",
     b'{"name":"Skater A"}'),
    (3, "6f1d2c9e-3b4a-5c6d-8e7f-0a1b2c3d4e5f", 2, "skate-ledger:Skater.Renamed",
     '{"name":"Skater Å"}'.encode()),
]
KNOWN_HASHES = {1: "40557798d5b881c0fadb9586dcbe53b90d3e20f79d6385276d198b8de82d182c",
                3: "2264959f7125a025a5492b414f1efc9c7cccba0116ec9814cecd0b3e17ea7ca2"}


def test_the_chain_of_a_tiny_fixed_ledger_gives_the_pinned_known_answer() -> None:
    assert {p: h.hex() for p, h in hashes_of(KNOWN_LEDGER).items()} == KNOWN_HASHES
    previous = GENESIS
    for position, ident, version, topic, state in KNOWN_LEDGER:
        previous = link(previous, position, UUID(ident), version, topic, state)
        assert previous.hex() == KNOWN_HASHES[position], position


@pytest.mark.parametrize("ledger", [sqlite_ledger, pytest.param(
    postgres_ledger, marks=[needs_pg, pytest.mark.postgres])])
def test_the_stored_chain_is_the_documented_formula_over_the_stored_events(
        tmp_path: Path, ledger: LedgerAndRaw) -> None:
    with ledger(tmp_path) as (open_app, raw):
        app = open_app()
        try:
            slug = app.schedule_competition("Chain Cup", "Rink", date(2025, 3, 1))
            app.register_skater("Skater A")
            app.schedule_race(slug, 500, "men", date(2025, 3, 1))
        finally:
            app.close()
        ch = raw.chain_table()
        raw_rows = raw.events()
        stored = {int(p): bytes(h) for p, h in raw.select(
            f"SELECT position, hash FROM {ch} ORDER BY position")}
        assert len(raw_rows) == 3
        assert stored == hashes_of(raw_rows)


TAMPERINGS: dict[str, Tampering] = {
    "edit a state byte": edit_state_byte,
    "delete an event": delete_event,
    "insert a forged event": insert_forged_event,
    "swap two events' states": swap_states,
    "swap two events' positions": swap_positions,
    "edit a chain hash": edit_chain_hash,
    "delete a chain hash": delete_chain_row,
    "drop the last events with their hashes": truncate_with_chain,
    "rewrite an event and recompute the chain": rewrite_and_rechain,
}


def tamper_all(open_app: Callable[[], Ledger], raw: Raw, data: st.DataObject) -> None:
    app = open_app()  # it reads what was changed behind its back: each verify reads the store afresh
    try:
        record_race_day(app, data.draw(small_days, label="race day"))
        sign_head(app.recorder, KEY)
        public = KEY.public_key().public_bytes_raw()

        def verdict() -> Verdict:
            return verify_ledger(app.recorder, public)
        assert verdict().intact
        for name, tamper in TAMPERINGS.items():
            position, undo = tamper(raw, data)
            found = verdict()
            assert found.breach is not None, f"{name}: not detected"
            assert found.breach.position == position, f"{name}: {found.summary('the ledger')}"
            DETECTED[name] = DETECTED.get(name, 0) + 1
            undo()
            assert verdict().intact, f"after undoing {name}"
        forge_checkpoint(raw, data)
        found = verdict()
        assert found.breach is not None and "not signed" in found.breach.problem
        DETECTED["forge the signed checkpoint"] = DETECTED.get("forge the signed checkpoint", 0) + 1
    finally:
        app.close()


def every_kind_found(kinds: Iterable[str], run: Callable[[], None]) -> None:
    """Run a Hypothesis test (``run``) and check that it tried and found every kind of tampering:
    a kind never tried would be a gap. Checked in the test's own process, so it holds however the
    suite is spread over workers."""
    before = dict(DETECTED)
    run()
    tried = {k for k, n in DETECTED.items() if n > before.get(k, 0)}
    print("tamperings detected:", {k: DETECTED[k] - before.get(k, 0) for k in sorted(tried)})
    assert set(kinds) <= tried, sorted(set(kinds) - tried)


LEDGER_KINDS = (*TAMPERINGS, "forge the signed checkpoint")


def test_every_tampering_of_a_sqlite_ledger_is_found(tmp_path_factory: pytest.TempPathFactory) -> None:
    @given(data=st.data())
    def each(data: st.DataObject) -> None:
        with sqlite_ledger(tmp_path_factory.mktemp("tamper")) as (open_app, raw):
            tamper_all(open_app, raw, data)
    every_kind_found(LEDGER_KINDS, each)


@needs_pg
@pytest.mark.postgres
def test_every_tampering_of_a_postgres_ledger_is_found(tmp_path_factory: pytest.TempPathFactory) -> None:
    @given(data=st.data())
    def each(data: st.DataObject) -> None:
        with postgres_ledger(tmp_path_factory.mktemp("tamper")) as (open_app, raw):
            tamper_all(open_app, raw, data)
    every_kind_found(LEDGER_KINDS, each)


# -- exported files, offline ---------------------------------------------------------------------
def export_of(data: st.DataObject) -> tuple[list[str], dict[str, Any]]:
    app = build_app("memory")
    record_race_day(app, data.draw(small_days, label="race day"))
    from ledger.importing.jsonl import export_lines
    lines = list(export_lines(app))
    return lines, checkpoint_json(sign_head(app.recorder, KEY))


def position_of(line: str) -> int:
    return int(json.loads(line)["position"])


def edit_line(lines: list[str], data: st.DataObject) -> tuple[list[str], int]:
    i = data.draw(st.integers(0, len(lines) - 1), label="line")
    obj = json.loads(lines[i])
    which = data.draw(st.sampled_from(["state", "topic", "version", "aggregate_id", "hash"]), label="field")
    if which == "state":
        obj["state"]["tampered"] = True
    elif which == "topic":
        obj["topic"] += "x"
    elif which == "version":
        obj["version"] += 1
    elif which == "aggregate_id":
        obj["aggregate_id"] = "00000000-0000-0000-0000-000000000000"
    else:
        obj["hash"] = flip(bytes.fromhex(obj["hash"]), 0).hex()
    return [*lines[:i], json.dumps(obj, separators=(",", ":"), ensure_ascii=False), *lines[i + 1:]], \
        obj["position"]


def delete_line(lines: list[str], data: st.DataObject) -> tuple[list[str], int]:
    i = data.draw(st.integers(0, len(lines) - 1), label="line")
    # the next line no longer follows; the last line's loss is seen by the checkpoint of the head
    return lines[:i] + lines[i + 1:], position_of(lines[i + 1] if i + 1 < len(lines) else lines[i])


def insert_line(lines: list[str], data: st.DataObject) -> tuple[list[str], int]:
    i = data.draw(st.integers(0, len(lines)), label="before line")
    model = json.loads(data.draw(st.sampled_from(lines), label="model"))
    previous = position_of(lines[i - 1]) if i else 0
    model["position"] = previous + 1 if i == len(lines) else previous  # a duplicate position, or at the end
    model["hash"] = data.draw(st.sampled_from([json.loads(x)["hash"] for x in lines] + ["00" * 32]))
    forged = json.dumps(model, separators=(",", ":"), ensure_ascii=False)
    return [*lines[:i], forged, *lines[i:]], model["position"]


def reorder_lines(lines: list[str], data: st.DataObject) -> tuple[list[str], int]:
    i, j = data.draw(st.lists(st.integers(0, len(lines) - 1), min_size=2, max_size=2, unique=True)
                     .map(sorted), label="two lines")
    out = list(lines)
    out[i], out[j] = out[j], out[i]
    return out, position_of(out[i])


LINE_TAMPERINGS = {"edit a line": edit_line, "delete a line": delete_line,
                   "insert a forged line": insert_line, "reorder two lines": reorder_lines}


def test_every_tampering_of_an_exported_file_is_found_offline(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    every_kind_found([f"export: {k}" for k in LINE_TAMPERINGS],
                     given(data=st.data())(lambda data: tamper_export(tmp_path_factory, data)))


def tamper_export(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    lines, checkpoint = export_of(data)
    folder = tmp_path_factory.mktemp("export")
    kept = folder / "checkpoint.jsonl"
    kept.write_text(json.dumps(checkpoint) + "\n", encoding="utf-8")
    from ledger.store.signing import read_checkpoints
    checkpoints = read_checkpoints(kept)
    path = folder / "log.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify_export(path, checkpoints=checkpoints).intact
    for name, tamper in LINE_TAMPERINGS.items():
        changed, position = tamper(lines, data)
        path.write_text("\n".join(changed) + "\n", encoding="utf-8")
        verdict = verify_export(path, checkpoints=checkpoints)
        assert verdict.breach is not None, f"{name}: not detected"
        assert verdict.breach.position == position, f"{name}: {verdict.summary(str(path))}"
        DETECTED[f"export: {name}"] = DETECTED.get(f"export: {name}", 0) + 1


# -- the commands --------------------------------------------------------------------------------
CSV = ("competition,venue,date,distance,category,pair,lane,skater,nation,time,status\n"
       "Test Cup,Test Rink,2025-01-05,500,men,1,inner,Skater A,NED,35.10,\n"
       "Test Cup,Test Rink,2025-01-05,500,men,1,outer,Skater B,NED,35.20,\n")


@pytest.fixture
def day_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    csv = tmp_path / "day.csv"
    csv.write_text(CSV, encoding="utf-8")
    db = str(tmp_path / "day.db")
    assert run(capsys, "--db", db, "import", str(csv)).code == 0
    return db


def last_position(db: str) -> int:
    app = build_app(db)
    try:
        return app.last_position()
    finally:
        app.close()


def test_verify_says_intact_or_names_the_tampered_position_in_one_line(
        capsys: pytest.CaptureFixture[str], day_db: str) -> None:
    ok = run(capsys, "--db", day_db, "verify")
    assert ok.code == 0 and "intact" in ok.out
    with closing(sqlite3.connect(day_db)) as conn, conn:
        conn.execute("UPDATE stored_events SET state = state || x'20' WHERE rowid = 5")
    bad = run(capsys, "verify", "--db", day_db)
    assert bad.code == 2, bad
    assert len(bad.err.strip().splitlines()) == 1 and "at position 5" in bad.err


def test_keygen_checkpoint_and_verify_with_a_public_key(
        capsys: pytest.CaptureFixture[str], day_db: str, tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    made = run(capsys, "keygen", "--output", str(key))
    assert made.code == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text(encoding="ascii")
    assert "PRIVATE KEY" in secret and secret.splitlines()[1] not in made.out + made.err
    assert run(capsys, "keygen", "--output", str(key)).code == 2  # never overwritten
    signed = run(capsys, "--db", day_db, "checkpoint", "--key", str(key))
    assert signed.code == 0 and signed.json()["position"] == last_position(day_db)
    pub = f"{key}.pub"
    assert run(capsys, "--db", day_db, "verify", "--public-key", pub).code == 0
    other = tmp_path / "other.pem"
    run(capsys, "keygen", "--output", str(other))
    stranger = run(capsys, "--db", day_db, "verify", "--public-key", f"{other}.pub")
    assert stranger.code == 2 and "not signed by the given key" in stranger.err
    no_key = run(capsys, "--db", day_db, "checkpoint")
    assert no_key.code == 2 and "no signing key" in no_key.err


def test_declaring_results_official_signs_a_checkpoint_when_a_key_is_configured(
        capsys: pytest.CaptureFixture[str], day_db: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "key.pem"
    run(capsys, "keygen", "--output", str(key))
    monkeypatch.setenv("SKATE_LEDGER_KEY", str(key))
    done = run(capsys, "--db", day_db, "record", "official", "test-cup-2025/men-500m", "--by", "Ref")
    head = last_position(day_db)
    assert done.code == 0
    assert f"recorded at position {head}\nsigned a checkpoint at position {head}" in done.out
    app = build_app(day_db)
    try:
        assert [c.position for c in chained(app.recorder).select_checkpoints()] == [head]
    finally:
        app.close()
    with closing(sqlite3.connect(day_db)) as conn, conn:  # tampered: the declaration is refused
        conn.execute("DELETE FROM ledger_chain WHERE position = 2")
    refused = run(capsys, "--db", day_db, "record", "official", "test-cup-2025/men-500m", "--by", "Ref")
    assert refused.code == 2 and "at position 2" in refused.err


def test_an_export_verifies_offline_and_imports_only_while_its_chain_holds(
        capsys: pytest.CaptureFixture[str], day_db: str, tmp_path: Path) -> None:
    export = tmp_path / "log.jsonl"
    run(capsys, "--db", day_db, "export", "--output", str(export))
    lines = export.read_text(encoding="utf-8").splitlines()
    assert all(len(json.loads(line)["hash"]) == 64 for line in lines)
    assert run(capsys, "verify", "--export", str(export)).code == 0
    swapped = tmp_path / "swapped.jsonl"
    swapped.write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n", encoding="utf-8")
    bad = run(capsys, "verify", "--export", str(swapped))
    assert bad.code == 2 and "at position 3" in bad.err
    target = str(tmp_path / "copy.db")
    refused = run(capsys, "--db", target, "import", str(swapped), "--format", "jsonl")
    assert refused.code == 2 and f"{swapped}:2" in refused.err
    assert run(capsys, "--db", target, "races", "--format", "json").json() == []
    assert run(capsys, "--db", target, "import", str(export)).code == 0
    assert run(capsys, "--db", target, "verify").code == 0


def test_an_export_written_before_the_chain_still_imports(
        capsys: pytest.CaptureFixture[str], day_db: str, tmp_path: Path) -> None:
    export = tmp_path / "log.jsonl"
    run(capsys, "--db", day_db, "export", "--output", str(export))
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps({k: v for k, v in json.loads(line).items() if k != "hash"},
                                      separators=(",", ":"), ensure_ascii=False) + "\n"
                           for line in export.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    target = str(tmp_path / "copy.db")
    assert run(capsys, "--db", target, "import", str(old), "--format", "jsonl").code == 0
    copy = tmp_path / "copy.jsonl"
    run(capsys, "--db", target, "export", "--output", str(copy))
    assert copy.read_bytes() == export.read_bytes()


@pytest.mark.parametrize("source", ["isu-lists/4-world-cup-20242025.txt",
                                    "vantage/ec2020-ladies-1000m-pair4.jsonl",
                                    "vantage/ec2020-men-team-pursuit-pair3.jsonl", "demo"])
def test_imported_ledgers_verify_and_so_do_their_exports(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, source: str) -> None:
    db = str(tmp_path / "ledger.db")
    args = ["demo"] if source == "demo" else ["import", str(SHARED / "data" / source)]
    assert run(capsys, "--db", db, *args).code == 0
    assert run(capsys, "--db", db, "verify").code == 0
    export = tmp_path / "log.jsonl"
    run(capsys, "--db", db, "export", "--output", str(export))
    assert run(capsys, "verify", "--export", str(export)).code == 0


# -- ledgers written before the chain ------------------------------------------------------------
def unchained_ledger(env: dict[str, str]) -> Ledger:
    """A ledger on the library's own recorder, as every ledger was before decision 0007."""
    return Ledger(env={k: v for k, v in env.items() if k != "APPLICATION_RECORDER_TOPIC"})


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=[needs_pg, pytest.mark.postgres])])
def test_a_ledger_written_before_the_chain_is_chained_when_opened(tmp_path: Path, kind: str) -> None:
    from ledger.bootstrap import store_env
    schema = new_pg_schema() if kind == "postgres" else ""
    db = pg_url(schema) if schema else str(tmp_path / "old.db")
    try:
        old = unchained_ledger(store_env(db))
        slug = old.schedule_competition("Old Cup", "Rink", date(2020, 1, 1))
        old.register_skater("Skater A")
        old.close()
        app = build_app(db)
        try:
            verdict = verify_ledger(app.recorder)
            assert verdict.intact and verdict.events == 2
            app.register_skater("Skater B")
            assert verify_ledger(app.recorder).events == 3
            assert slug == "old-cup-2020"
        finally:
            app.close()
        again = build_app(db)  # opening again backfills nothing and changes nothing
        try:
            assert verify_ledger(again.recorder).intact
        finally:
            again.close()
    finally:
        if schema:
            drop_pg_schema(schema)


def test_a_sqlite_copy_keeps_its_chain(tmp_path: Path) -> None:
    src = tmp_path / "a.db"
    app = build_app(str(src))
    app.register_skater("Skater A")
    app.close()
    shutil.copy(src, tmp_path / "b.db")
    copy = build_app(str(tmp_path / "b.db"))
    try:
        assert verify_ledger(copy.recorder).intact
    finally:
        copy.close()
