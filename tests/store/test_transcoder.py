"""Our transcoder writes the library's format, byte for byte, and reads it back to the same values
(docs/decisions/0009-speed-of-the-log.md). The library's own TranscoderTestCase runs against it in
tests/store/test_store_conformance.py; these tests add the comparison with the library's JSONTranscoder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from hypothesis import given
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.store.transcoder import LedgerTranscoder
from scripts.demo.generate import generate


def libraries() -> tuple[JSONTranscoder, LedgerTranscoder]:
    theirs, ours = JSONTranscoder(), LedgerTranscoder()
    for transcoder in (theirs, ours):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            transcoder.register(transcoding)
    return theirs, ours


THEIRS, OURS = libraries()

zones = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))])
scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.integers() | st.text()
           | st.floats(allow_nan=False) | st.uuids() | st.datetimes(timezones=zones) | st.datetimes()
           | st.decimals(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@given(values)
def test_our_bytes_are_the_librarys_bytes_and_read_back_the_same(value: Any) -> None:
    data = THEIRS.encode(value)
    assert OURS.encode(value) == data
    assert OURS.decode(data) == THEIRS.decode(data) == value


@given(st.dictionaries(st.text(max_size=8), values, max_size=6))
def test_an_event_state_reads_back_the_same(state: dict[str, Any]) -> None:
    data = THEIRS.encode(state)
    assert OURS.decode(data) == THEIRS.decode(data) == state


def test_every_stored_event_of_a_generated_season_is_written_and_read_as_the_library_does() -> None:
    app = build_app("memory")
    generate(app, events=3000, seed=5)
    notes = list(app.notifications())
    assert len(notes) >= 3000
    for note in notes:
        decoded = OURS.decode(note.state)
        assert decoded == THEIRS.decode(note.state), note.topic
        assert OURS.encode(decoded) == note.state, note.topic


def test_recurring_ids_decode_to_one_shared_object() -> None:
    skater = UUID("3a347ae223ee57b694bd7af26903529c")
    first, second = (OURS.decode(OURS.encode({"skater": skater, "n": n})) for n in (1, 2))
    assert first["skater"] == skater and first["skater"] is second["skater"]


def test_an_unregistered_name_is_refused_as_the_library_refuses_it() -> None:
    data = b'{"a":{"_type_":"no_such_type","_data_":"x"}}'
    with pytest.raises(TranscodingNotRegisteredError) as theirs:
        THEIRS.decode(data)
    with pytest.raises(TranscodingNotRegisteredError) as ours:
        OURS.decode(data)
    assert str(ours.value) == str(theirs.value)


def test_a_value_that_only_looks_like_a_custom_type_stays_a_dict() -> None:
    for value in ({"_type_": 1, "_data_": "x", "more": 2}, {"_type_": "uuid_hex"}, {"_data_": 3}):
        assert OURS.decode(OURS.encode({"v": value})) == {"v": value}


def test_a_datetime_keeps_its_zone_and_its_microseconds() -> None:
    moment = datetime(2017, 12, 27, 15, 2, 7, 123456, tzinfo=timezone(timedelta(hours=1)))
    back = OURS.decode(OURS.encode({"at": moment}))["at"]
    assert back == moment and back.utcoffset() == timedelta(hours=1) and back.microsecond == 123456


@pytest.mark.parametrize("data", [b"NaN", b"[Infinity,-Infinity]", b"1e400", b"184467440737095516160",
                                  b'{"a":12345678901234567890123}'])
def test_what_orjson_reads_otherwise_is_read_by_the_librarys_rules(data: bytes) -> None:
    assert repr(OURS.decode(data)) == repr(THEIRS.decode(data))


@pytest.mark.parametrize("data", [b"", b"{", b'{"a":1,}', b"\xff\xfe", rb'"\ud800"x'])
def test_what_is_not_json_is_refused_as_the_library_refuses_it(data: bytes) -> None:
    with pytest.raises(ValueError) as theirs:  # noqa: PT011 (whichever the library raises)
        THEIRS.decode(data)
    with pytest.raises(ValueError) as ours:  # noqa: PT011
        OURS.decode(data)
    assert type(ours.value) is type(theirs.value)


def test_decimals_round_trip_exactly() -> None:
    assert OURS.decode(OURS.encode([Decimal("1.10")])) == [Decimal("1.10")]
