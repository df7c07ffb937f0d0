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
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
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


def stream_jsonl(path: Path) -> Iterator[LoggedLine]:
    """The lines of an export one at a time, in bounded memory, refused as :func:`read_jsonl`
    refuses them and with the same words: a line too long or a file that cannot be read at once;
    then, when the whole file has been read, invalid UTF-8 (its line), the first line that is not
    an event, a file with none, a truncated file. The lines before the first refused one are
    yielded (a caller decides them as they come, and lets the refusal undo what it did)."""
    name = str(path)
    bad_text: int | None = None  # the line of the first invalid UTF-8
    refused: ImportFormatError | None = None
    number = count = 0
    ended = True
    for physical, data in physical_lines(path):
        if bad_text is not None:
            continue  # only a line too long can still come first
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
                logged = LoggedLine(number, event_of(name, number, obj), obj.get("position"),
                                    obj.get("hash"))
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
