"""Personal fields sealed per skater (docs/decisions/0029): the cipher's laws, the master key file,
and the registrations of before 0029 read by the upcaster."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.domain.errors import InvalidInputError
from ledger.domain.skater import Skater
from ledger.store.personal import (
    MASTER_KEY_ENV,
    MasterKeyMissingError,
    make_master_key,
    open_value,
    read_master_key,
    seal_value,
    unwrap,
    wrap,
)

GOLDEN = Path(__file__).resolve().parents[1] / "old_exports" / "plain-personal-v1.jsonl"

texts = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)


@given(value=texts)
def test_a_sealed_field_opens_with_its_key_to_what_was_sealed(value: str) -> None:
    key, skater = secrets.token_bytes(32), uuid4()
    sealed = seal_value(key, skater, "hometown", value)
    assert open_value(key, skater, "hometown", sealed) == value


def test_sealing_the_same_value_twice_gives_two_ciphertexts() -> None:
    key, skater = secrets.token_bytes(32), uuid4()
    assert seal_value(key, skater, "club", "X") != seal_value(key, skater, "club", "X")


def test_a_sealed_field_does_not_open_for_another_field_skater_or_key() -> None:
    from cryptography.exceptions import InvalidTag
    key, skater = secrets.token_bytes(32), uuid4()
    sealed = seal_value(key, skater, "hometown", "Boskoop")
    for other in ((key, skater, "club"), (key, uuid4(), "hometown"),
                  (secrets.token_bytes(32), skater, "hometown")):
        with pytest.raises(InvalidTag):
            open_value(other[0], other[1], other[2], sealed)


def test_a_data_key_unwraps_only_with_its_master_key_and_skater() -> None:
    master, skater, key = secrets.token_bytes(32), uuid4(), secrets.token_bytes(32)
    wrapped = wrap(master, skater, key)
    assert unwrap(master, skater, wrapped) == key
    assert key not in wrapped
    with pytest.raises(InvalidInputError, match="not the master key"):
        unwrap(secrets.token_bytes(32), skater, wrapped)
    with pytest.raises(InvalidInputError, match="not the master key"):
        unwrap(master, uuid4(), wrapped)


def test_a_master_key_file_is_made_once_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    make_master_key(path)
    assert len(read_master_key(path)) == 32
    assert path.stat().st_mode & 0o077 == 0
    with pytest.raises(InvalidInputError, match="never overwritten"):
        make_master_key(path)


@pytest.mark.parametrize("text", ["", "skate-ledger master key v1\nabc\n", "0" * 64,
                                  "skate-ledger master key v1\n" + "z" * 64])
def test_a_file_that_is_not_a_master_key_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.key"
    path.write_text(text, encoding="ascii")
    with pytest.raises(InvalidInputError, match=r"bad\.key"):
        read_master_key(path)


def test_registering_personal_fields_without_the_master_key_is_refused_and_appends_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MASTER_KEY_ENV)
    app = build_app("memory")
    with pytest.raises(MasterKeyMissingError, match=MASTER_KEY_ENV):
        app.register_skater("Ann A", "NED", hometown="Boskoop")
    assert app.last_position() == 0
    app.register_skater("Bea B", "NED")  # a registration without personal fields needs no key
    assert app.last_position() == 1


def test_a_new_registration_stores_the_personal_fields_only_sealed() -> None:
    app = build_app("memory")
    sid = app.register_skater("Ann A", "NED", club="IJsclub Zuid", hometown="Boskoop",
                              birth_date="2001-02-03", contact="ann@example.org")
    stored = next(iter(app.notifications())).state
    for clear in (b"IJsclub Zuid", b"Boskoop", b"2001-02-03", b"ann@example.org"):
        assert clear not in stored
    assert next(e for _, e in app.read_log()).withheld == "sealed"  # read without revealing
    app.reveal_personal()
    skater: Skater = app.repository.get(sid)
    assert (skater.club, skater.hometown, skater.birth_date, skater.contact) == (
        "IJsclub Zuid", "Boskoop", "2001-02-03", "ann@example.org")
    assert sorted(skater.sealed) == ["birth_date", "club", "contact", "hometown"]


def test_without_the_master_key_a_reader_sees_the_fields_sealed_and_still_answers(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    build_app(db).register_skater("Ann A", "NED", hometown="Boskoop")
    monkeypatch.delenv(MASTER_KEY_ENV)
    reader = build_app(db)
    reader.reveal_personal()
    event = next(e for _, e in reader.read_log())
    assert (event.name, event.nation, event.hometown, event.withheld) == ("Ann A", "NED", None, "sealed")


def test_a_birth_date_is_a_calendar_date() -> None:
    with pytest.raises(InvalidInputError, match="birth date"):
        build_app("memory").register_skater("Ann A", birth_date="3.2.2001")


# -- registrations of before 0029 --------------------------------------------------------------
def test_an_old_registration_with_plain_fields_loads_through_the_upcaster() -> None:
    line = json.loads(GOLDEN.read_text(encoding="utf-8").splitlines()[0])
    assert "sealed" not in line["state"] and line["state"]["hometown"] == "Boskoop"
    app = build_app("memory")
    from ledger.importing.jsonl import restore
    restore(app, [GOLDEN])
    skater: Skater = app.repository.get(UUID(line["aggregate_id"]))
    assert (skater.name, skater.club, skater.hometown) == ("Old Skater", "IJsclub Oudland", "Boskoop")
    assert (skater.birth_date, skater.contact, skater.sealed, skater.erased) == (None, None, {}, False)
