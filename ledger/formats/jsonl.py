"""The native JSONL format: one stored event a line, in log order (design/interfaces.md).

A line is ``{"position", "recorded_at", "topic", "aggregate_id", "version", "state", "hash"}``
where ``state`` is the stored event's JSON exactly as the library's transcoder wrote it (recorded
time included), so that importing an export into an empty ledger rebuilds it byte for byte, and
``hash`` is the event's chain hash (hex; ``ledger.store.chain``), so the file can be checked offline
(``skate-ledger verify --export``). Reading turns each line into its stored event, refusing a
line that is not one (naming it); writing an export, checking its chain and appending its events
are :mod:`ledger.importing.jsonl`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import orjson
from eventsourcing.persistence import StoredEvent

from ledger.domain.errors import ImportFormatError
from ledger.formats import json_line, physical_lines, read_text

KEYS = ("position", "recorded_at", "topic", "aggregate_id", "version", "state")


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@attrs.frozen
class LoggedLine:
    line: int
    stored: StoredEvent
    position: Any = None
    hash: Any = None


def read_jsonl(path: Path) -> list[LoggedLine]:
    name = str(path)
    text = read_text(path, None, "utf-8")
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            stored = stored_event(name, number, raw)
            obj = json.loads(raw)  # an object: stored_event checked it
            lines.append(LoggedLine(number, stored, obj.get("position"), obj.get("hash")))
    if not lines:
        raise ImportFormatError(name, None, "holds no events")
    if not text.endswith("\n"):
        raise ImportFormatError(name, len(text.splitlines()), "is truncated (no final newline)")
    return lines


def stored_event(name: str, number: int, raw: str) -> StoredEvent:
    return event_of(name, number, json_line(name, number, raw))


def event_of(name: str, number: int, obj: Any) -> StoredEvent:
    """The stored event of a line's JSON, refused (naming the line) when it is not one."""
    if not isinstance(obj, dict) or any(k not in obj for k in KEYS):
        raise ImportFormatError(name, number, f"is not a ledger event (needs {', '.join(KEYS)})")
    try:
        aggregate_id = UUID(str(obj["aggregate_id"]))
        version = obj["version"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValueError
    except ValueError:
        raise ImportFormatError(name, number, "has a bad aggregate_id or version") from None
    if not isinstance(obj["state"], dict) or not isinstance(obj["topic"], str):
        raise ImportFormatError(name, number, "has a bad topic or state")
    return StoredEvent(originator_id=aggregate_id, originator_version=version,
                       topic=obj["topic"], state=dumps(obj["state"]).encode())


#: A line of an export as the restore takes it: its number, its stored event, the position and
#: chain hash it carries (as read, unchecked), and its state as the caller's ``decode`` made it
#: (None: not made). A plain tuple: a restore reads millions.
Logged = tuple[int, StoredEvent, Any, Any, Any]

#: What a caller of :func:`stream_rows` may do with each parsed state (after its bytes are made):
#: its value for the caller; it walks the whole state and raises on a float (or on anything it
#: cannot make), and the line is then read by the standard reader after all.
Decode = Callable[[dict[str, Any]], Any]

#: What ``str.splitlines`` cuts a line at, besides its final newline, in a line orjson takes
#: (which holds no other control character: JSON has none outside its whitespace, nor raw inside a
#: string): a carriage return between tokens, NEL and the line and paragraph separators inside a
#: string. Such a line is left to the line-by-line reading, which numbers the pieces.
_CUTS = (b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")  # and b"\r"


def stream_jsonl(path: Path) -> Iterator[LoggedLine]:
    """:func:`stream_rows` as :class:`LoggedLine` objects."""
    for number, stored, position, chain_hash, _ in stream_rows(path):
        yield LoggedLine(number, stored, position, chain_hash)


def stream_rows(path: Path, decode: Decode | None = None) -> Iterator[Logged]:
    """The lines of an export one at a time, in bounded memory, refused as :func:`read_jsonl`
    refuses them and with the same words: a line too long or a file that cannot be read at once;
    then, when the whole file has been read, invalid UTF-8 (its line), the first line that is not
    an event, a file with none, a truncated file. The lines before the first refused one are
    yielded (a caller decides them as they come, and lets the refusal undo what it did).

    A line is read with orjson when that gives exactly what the standard reader gives (see
    :func:`fast_row`); any other line (and every line after a refused one) is read as before, so
    the refusals and the stored bytes do not depend on which reader took a line. ``decode`` is
    given each state orjson parsed (see :data:`Decode`)."""
    name = str(path)
    bad_text: int | None = None  # the line of the first invalid UTF-8
    refused: ImportFormatError | None = None
    number = count = 0
    ended = True
    ids: dict[str, UUID] = {}  # one UUID object per aggregate id text (a race's recurs 100 times)
    for physical, data in physical_lines(path):
        if bad_text is not None:
            continue  # only a line too long can still come first
        if refused is None and data[-1:] == b"\n":
            row = fast_row(number + 1, data, ids, decode)
            if row is not None:
                number += 1
                count += 1
                ended = True
                yield row
                continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            bad_text = physical
            continue
        ended = text.endswith("\n")
        if refused is not None:
            continue
        for raw in text.splitlines():  # the lines read_jsonl's splitlines finds, numbered alike
            number += 1
            if not raw.strip():
                continue
            count += 1
            try:
                obj = json_line(name, number, raw)
                logged = (number, event_of(name, number, obj), obj.get("position"), obj.get("hash"),
                          None)
            except ImportFormatError as e:
                refused = e
                break
            yield logged
    if bad_text is not None:
        raise ImportFormatError(name, bad_text, "is not UTF-8 text")
    if refused is not None:
        raise refused
    if not count:
        raise ImportFormatError(name, None, "holds no events")
    if not ended:
        raise ImportFormatError(name, number, "is truncated (no final newline)")


def fast_row(number: int, data: bytes, ids: dict[str, UUID], decode: Decode | None = None
             ) -> Logged | None:
    """A line read with orjson, when that is exactly what :func:`event_of` of the standard reader
    gives; None for the standard reader to read it (and to refuse it in its words).

    The two readers agree on JSON without floats: orjson parses the same values (it also keeps the
    last of two equal keys, and refuses more: NaN, lone surrogates, invalid UTF-8, integers beyond
    64 bits, which it reads as floats), and prints a value without floats with the same bytes as
    :func:`dumps` (compact, UTF-8, the same escapes). Floats are printed differently (``1e+16``),
    so a line holding one anywhere is left to the standard reader: found by :func:`plain`, or by
    ``decode`` (which walks the state anyway) raising."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if type(obj) is not dict or not _KEYS.issubset(obj) or b"\r" in data \
            or (not data.isascii() and any(cut in data for cut in _CUTS)):
        return None
    text, version, topic, state = obj["aggregate_id"], obj["version"], obj["topic"], obj["state"]
    if type(text) is not str or type(version) is not int or version < 1 or type(topic) is not str \
            or type(state) is not dict or type(obj["position"]) is float \
            or (decode is None and not plain(state)):
        return None
    aggregate_id = ids.get(text)
    if aggregate_id is None:
        try:
            aggregate_id = UUID(text)
        except ValueError:
            return None
        if len(ids) >= _IDS_KEPT:
            ids.clear()
        ids[text] = aggregate_id
    try:
        encoded = orjson.dumps(state)
    except orjson.JSONEncodeError:  # nested deeper than orjson prints
        return None
    made = None
    if decode is not None:
        try:
            made = decode(state)
        except Exception:  # noqa: BLE001 - a float, or a state the decoding stopped in (it may
            return None  # not have reached a float): the standard reader, and the caller's own words
    return (number, StoredEvent(originator_id=aggregate_id, originator_version=version, topic=topic,
                                state=encoded), obj.get("position"), obj.get("hash"), made)


_KEYS = frozenset(KEYS)
_IDS_KEPT = 1 << 14


def plain(state: dict[str, Any]) -> bool:
    """Whether a parsed state holds no float, at any depth. (A state is an object whose custom
    values, ``{"_type_": …, "_data_": …}``, are one level down: walked inline to that depth.)"""
    for item in state.values():
        kind = type(item)
        if kind is dict:
            for inner in item.values():
                kind = type(inner)
                if kind is float or ((kind is dict or kind is list) and not plain_any(inner)):
                    return False
        elif kind is float or (kind is list and not plain_any(item)):
            return False
    return True


def plain_any(value: dict[str, Any] | list[Any]) -> bool:
    """Whether a parsed JSON object or array holds no float, at any depth."""
    items: Any = value.values() if type(value) is dict else value
    for item in items:
        kind = type(item)
        if kind is float or ((kind is dict or kind is list) and not plain_any(item)):
            return False
    return True
