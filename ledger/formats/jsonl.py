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
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import StoredEvent

from ledger.domain.errors import ImportFormatError
from ledger.formats import json_line, read_text

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
    obj = json_line(name, number, raw)
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
