"""The restore's lean path gives what the plain path gives (issue 14, item 6).

A restore reads each export line once with orjson, decodes the state it parsed into the event
without the mapper's second parse, links the chain with kept parts and notes facts by a
process-local digest. Each shortcut is checked here against the path it replaces, which stays
in the code as the oracle: ``read_jsonl`` (the whole-file standard reader) for the lines and
their stored bytes, ``Mapper.to_domain_event`` for the events, ``chain.link`` for the hashes,
``UUID`` for the ids, ``fact_of`` for which facts are the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID, uuid4

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.domain.errors import ImportFormatError
from ledger.formats.jsonl import read_jsonl, stream_rows
from ledger.importing.jsonl import write_jsonl
from ledger.store.chain import GENESIS, Linker, link
from ledger.store.recorders import chain_rows
from ledger.store.transcoder import LedgerTranscoder, domain_event, uuid_of_hex
from ledger.store.verify import fact_key, fact_of
from scripts.demo.generate import generate


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated season's export (a few races: every kind of fact the generator writes)."""
    folder = tmp_path_factory.mktemp("lean")
    app = build_app(str(folder / "season.db"))
    try:
        generate(app, events=1200, seed=11)
        path = folder / "season.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            write_jsonl(app, handle)
    finally:
        app.close()
    return path


def line_with(template: dict[str, object], **state: object) -> str:
    """An export line (the standard writer's spelling) whose state gets these fields."""
    changed = json.loads(json.dumps(template))
    changed["state"].update(state)
    changed["hash"] = None
    return json.dumps(changed, separators=(",", ":"), ensure_ascii=False)


def odd_lines(template: dict[str, object]) -> list[str]:
    """Lines the two readers could read differently: floats (printed ``1e+16`` by one and
    ``1e16`` by the other), integers beyond 64 bits (floats to orjson), characters at which
    ``str.splitlines`` cuts a line, escapes, other spellings of the same JSON, ids in other forms."""
    plain = json.dumps(template, separators=(",", ":"), ensure_ascii=False)
    spaced = json.dumps(template, separators=(", ", ": "), ensure_ascii=True)
    upper = json.loads(plain)
    upper["aggregate_id"] = str(upper["aggregate_id"]).upper()
    braced = json.loads(plain)
    braced["aggregate_id"] = "{" + str(braced["aggregate_id"]) + "}"
    big_position = json.loads(plain)
    big_position["position"] = 2**64 + 1
    return [
        plain, spaced, "  " + plain + "\t",
        json.dumps(upper, separators=(",", ":")), json.dumps(braced, separators=(",", ":")),
        plain.replace('"state":{', '"state":{"note":"first","note":"second",', 1),
        line_with(template, ratio=1e16), line_with(template, ratio=-0.0),
        line_with(template, ratio=1.5), line_with(template, nested={"deep": [1, 2.5]}),
        line_with(template, big=2**64 + 5), line_with(template, big=-(2**63) - 1),
        line_with(template, huge=2**70), line_with(template, fine=2**64 - 1),
        line_with(template, name="Ireen Wüst – “skater” \u00e9\u0301"),
        line_with(template, name="a\u2028b"), line_with(template, name="a\u2029b"),
        line_with(template, name="a\u0085b"), line_with(template, name="tab\tand\nnewline\x7f"),
        plain.replace('"topic":', '"topic" :', 1), plain + "\r",
        json.dumps(big_position, separators=(",", ":")),
        "", "   ",
    ]


def standard(path: Path) -> object:
    """What the whole-file standard reader makes of a file: its lines, or its refusal."""
    try:
        return [(x.line, x.stored, x.position, x.hash) for x in read_jsonl(path)]
    except ImportFormatError as e:
        return str(e)


def streamed(path: Path, decoded: str) -> object:
    """What the streaming reader makes of it, alike: alone, or decoding each state with a
    transcoder that knows no custom type (it stops early), or with the ledger's."""
    decode = {"alone": None, "bare": LedgerTranscoder().decode_parsed,
              "ledger": build_app(":memory:").mapper.transcoder.decode_parsed}[decoded]  # type: ignore[attr-defined]  # the ledger's LedgerTranscoder
    try:
        return [(n, s, p, h) for n, s, p, h, _ in stream_rows(path, decode)]
    except ImportFormatError as e:
        return str(e)


@pytest.mark.parametrize("decoded", ["alone", "bare", "ledger"])
def test_the_streamed_lines_are_the_standard_readers_lines_byte_for_byte(
        season: Path, tmp_path: Path, decoded: str) -> None:
    """Every line of a season, and each odd line in the middle of it: the same number, stored
    event (the bytes that are hashed and stored), position and hash as the whole-file reader
    gives, or the same refusal (a line ``str.splitlines`` cuts is not JSON in either)."""
    lines = season.read_text(encoding="utf-8").splitlines()
    template = json.loads(lines[len(lines) // 2])
    whole = tmp_path / "season.jsonl"
    whole.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert streamed(whole, decoded) == standard(whole)
    refusals = floats = 0
    for number, odd in enumerate(odd_lines(template)):
        path = tmp_path / f"odd-{number}.jsonl"
        path.write_text("\n".join([*lines[:5], odd, *lines[5:9]]) + "\n", encoding="utf-8")
        expected = standard(path)
        assert streamed(path, decoded) == expected, odd
        if isinstance(expected, str):
            refusals += 1
        else:
            floats += sum(s.state.count(b"e+16") for _, s, _, _ in expected)  # type: ignore[attr-defined]  # rows
    assert refusals >= 3 and floats == 1  # the cut lines refused alike; 1e16 spelled as json does


def test_each_event_made_from_the_parsed_state_is_the_mappers_event(season: Path) -> None:
    app = build_app(":memory:")
    transcoder = app.mapper.transcoder
    assert isinstance(transcoder, LedgerTranscoder)
    count = 0
    for _, stored, _, _, made in stream_rows(season, transcoder.decode_parsed):
        assert made is not None
        lean = domain_event(app.mapper, stored, made)
        plain = app.mapper.to_domain_event(stored)
        assert type(lean) is type(plain)
        assert vars(lean) == vars(plain)
        assert all(type(vars(lean)[k]) is type(v) for k, v in vars(plain).items())
        count += 1
    assert count > 1000


ids = st.one_of(st.uuids(), st.text(min_size=1, max_size=40))
events = st.tuples(st.integers(1, 2**63 - 1), ids, st.integers(1, 2**40),
                   st.text(max_size=40), st.binary(max_size=300))


@given(st.lists(events, max_size=20), st.binary(min_size=32, max_size=32))
def test_the_kept_parts_link_as_the_chain_links(rows: list[tuple[int, UUID | str, int, str, bytes]],
                                                previous: bytes) -> None:
    linker = Linker()
    expected, head = [], previous
    for position, originator_id, version, topic, state in rows:
        head = link(head, position, originator_id, version, topic, state)
        expected.append((position, head))
    assert linker.chain(previous, rows) == expected
    assert linker.chain(previous, rows) == expected  # the parts kept give the same bytes again
    for position, originator_id, version, topic, state in rows[:3]:  # a state read back as text
        assert linker.link(previous, position, originator_id, version, topic, state.hex()) \
            == link(previous, position, originator_id, version, topic, state.hex().encode())


def test_the_kept_parts_chain_a_season_as_the_recorders_do(season: Path) -> None:
    stored = [s for _, s, _, _, _ in stream_rows(season)]
    positions = list(range(1, len(stored) + 1))
    rows = [(p, s.originator_id, s.originator_version, s.topic, s.state)
            for p, s in zip(positions, stored, strict=True)]
    assert Linker().chain(GENESIS, rows) == chain_rows(positions, stored, GENESIS, lambda i: i)


@given(st.one_of(st.uuids().map(lambda u: u.hex), st.uuids().map(lambda u: u.hex.upper()),
                 st.text(alphabet="0123456789abcdefABCDEFg_+- {}", min_size=30, max_size=36),
                 st.text(max_size=40)))
def test_a_uuid_from_hex_is_the_uuid_of_that_text(text: str) -> None:
    try:
        expected: UUID | type[Exception] = UUID(text)
    except ValueError:
        expected = ValueError
    try:
        made: UUID | type[Exception] = uuid_of_hex(text)
    except ValueError:
        made = ValueError
    assert made == expected
    if isinstance(made, UUID) and isinstance(expected, UUID):
        assert (made.int, made.is_safe, str(made), hash(made)) == (
            expected.int, expected.is_safe, str(expected), hash(expected))


def test_the_process_digest_tells_the_same_facts_apart_as_the_stored_digest(season: Path) -> None:
    """fact_key and fact_of agree on every pair of a season's events: same fact id and content
    under one, same under the other (states in another spelling, each twice, included)."""
    stored = [s for _, s, _, _, _ in stream_rows(season)]
    respelled = []
    for s in stored[:200]:  # the same facts in another spelling: parsed, not sliced
        obj = orjson.loads(s.state)
        respelled.append((s.topic, json.dumps(obj, indent=1).encode()))
    by_of: dict[object, object] = {}
    by_key: dict[object, object] = {}
    states = [*((s.topic, s.state) for s in stored), *respelled, *respelled]
    for topic, state in states:
        of, key = fact_of(topic, state), fact_key(topic, state)
        assert (of is None) == (key is None)
        if of is not None:
            assert by_of.setdefault(of, key) == key
            assert by_key.setdefault(key, of) == of
    assert len(by_of) == len(by_key) == len({fact_of(t, s) for t, s in states} - {None}) > 1000


def test_a_fresh_uuid_object_from_hex_pickles_and_compares_as_uuid() -> None:
    import pickle

    u = uuid4()
    made = uuid_of_hex(u.hex)
    assert pickle.loads(pickle.dumps(made)) == u == made
    assert {made: 1}[u] == 1
    assert made.version == u.version and made.bytes == u.bytes
