"""The native JSONL export, written and taken back (design/interfaces.md; the format is
:mod:`ledger.formats.jsonl`).

An export is the ledger's log, one stored event a line, each with its chain hash. Import checks
the file's chain before appending anything; exports written before the chain (no ``hash`` on any
line) are still accepted. Both directions need the application (its notifications, mapper and
saving) and the store's chain (``ledger.store.chain``, ``ledger.store.verify``), so they sit on
the application side with the other importers, not in the parsers nor in the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from ledger.domain.errors import ImportFormatError
from ledger.formats.jsonl import LoggedLine, dumps, read_jsonl
from ledger.store.recorders import chained
from ledger.store.verify import ExportedEvent, fact_of, stored_chain, verify_exported


def export_lines(app: Ledger) -> Iterator[str]:
    hashes = stored_chain(chained(app.recorder))
    held = next(hashes, None)
    for note in app.notifications():
        while held is not None and held[0] < note.id:
            held = next(hashes, None)
        chain_hash = held[1].hex() if held is not None and held[0] == note.id else None
        state = json.loads(note.state)
        recorded = state.get("timestamp", {}).get("_data_")
        yield dumps({"position": note.id, "recorded_at": recorded, "topic": note.topic,
                     "aggregate_id": str(note.originator_id), "version": note.originator_version,
                     "state": state, "hash": chain_hash})


def write_jsonl(app: Ledger, out: IO[str]) -> int:
    count = 0
    for line in export_lines(app):
        out.write(line + "\n")
        count += 1
    return count


def read_export(path: Path) -> list[LoggedLine]:
    """The lines of an export (:func:`ledger.formats.jsonl.read_jsonl`), its chain checked."""
    lines = read_jsonl(path)
    check_chain(str(path), lines)
    return lines


def check_chain(name: str, lines: list[LoggedLine]) -> None:
    """An export carries its chain: check it before anything is appended. An export written before
    the ledger was tamper-evident has no hash on any line and is taken as it is."""
    if all(logged.hash is None for logged in lines):
        return
    events = []
    for logged in lines:
        position, held = logged.position, logged.hash
        try:
            if not isinstance(position, int) or isinstance(position, bool) or not isinstance(held, str):
                raise ValueError
            chain_hash = bytes.fromhex(held)
        except ValueError:
            raise ImportFormatError(name, logged.line, "has a bad position or hash") from None
        s = logged.stored
        events.append(ExportedEvent(position, s.originator_id, s.originator_version, s.topic, s.state,
                                    chain_hash, logged.line))
    breach = verify_exported(events, facts=False).breach  # fact ids: ``check_replays``
    if breach is not None:
        line = next((e.line for e in events if e.id == breach.position), None)
        raise ImportFormatError(name, line, f"breaks the file's hash chain at {breach}")


class JsonlPlan:
    """The events of one or more exports that one import appends, all decided before any is saved
    (a refused line in the last file appends nothing of the first)."""

    def __init__(self) -> None:
        self.fresh: list[StoredEvent] = []
        self.versions: dict[UUID, int] = {}
        self.line_of: dict[int, tuple[str, int]] = {}  # id(stored event) → (file, line)

    def add(self, app: Ledger, path: Path) -> None:
        """Decide the lines of one export: held ones must be the same, new ones must follow."""
        name = str(path)
        for logged in read_export(path):
            stored = logged.stored
            check_decodes(app, name, logged)
            aggregate_id = UUID(str(stored.originator_id))
            if aggregate_id not in self.versions:
                self.versions[aggregate_id] = current_version(app, aggregate_id)
            have = self.versions[aggregate_id]
            if stored.originator_version <= have:
                self.check_same(app, name, logged)
            elif stored.originator_version == have + 1:
                self.fresh.append(stored)
                self.line_of[id(stored)] = (name, logged.line)
                self.versions[aggregate_id] = have + 1
            else:
                raise ImportFormatError(name, logged.line,
                                        f"version {stored.originator_version} of {aggregate_id} "
                                        f"does not follow version {have}")

    def check_same(self, app: Ledger, name: str, logged: LoggedLine) -> None:
        """A line the ledger (or an earlier file of this import) holds already: the same event."""
        stored = logged.stored
        earlier = next((s for s in self.fresh if s.originator_id == stored.originator_id
                        and s.originator_version == stored.originator_version), None)
        if earlier is not None:
            if earlier.state != stored.state or earlier.topic != stored.topic:
                where = ":".join(map(str, self.line_of[id(earlier)]))
                raise ImportFormatError(name, logged.line,
                                        f"contradicts {where} at {stored.originator_id} version "
                                        f"{stored.originator_version}")
            return
        check_same(app, name, logged)

    def check(self, app: Ledger) -> None:
        """Every touched aggregate must still fold, and a fact id must keep one content."""
        check_replays(app, self.fresh, self.line_of)

    def save(self, app: Ledger) -> int | None:
        if not self.fresh:
            return None
        return app.save_together(self.fresh, ())


def import_jsonl(app: Ledger, path: Path) -> int | None:
    """Append the events of an export that the ledger does not hold; refuse any that contradict it."""
    plan = JsonlPlan()
    plan.add(app, path)
    plan.check(app)
    return plan.save(app)


def current_version(app: Ledger, aggregate_id: UUID) -> int:
    last = app.recorder.select_events(aggregate_id, desc=True, limit=1)
    return last[0].originator_version if last else 0


def check_decodes(app: Ledger, name: str, logged: LoggedLine) -> None:
    try:
        app.mapper.to_domain_event(logged.stored)
    except Exception as e:  # noqa: BLE001 - any failure to rebuild the event means a bad line
        raise ImportFormatError(name, logged.line, f"is not an event this ledger knows ({e})") from None


def check_same(app: Ledger, name: str, logged: LoggedLine) -> None:
    stored = logged.stored
    held = app.recorder.select_events(stored.originator_id, gt=stored.originator_version - 1,
                                      lte=stored.originator_version)
    if not held or held[0].state != stored.state or held[0].topic != stored.topic:
        aggregate_id = UUID(str(stored.originator_id))
        position = app.position_of(aggregate_id, stored.originator_version) if held else None
        at = f" (stored at position {position})" if position is not None else ""
        raise ImportFormatError(name, logged.line,
                                f"contradicts the ledger at {stored.originator_id} version "
                                f"{stored.originator_version}{at}")


def check_replays(app: Ledger, fresh: list[StoredEvent],
                  line_of: dict[int, tuple[str, int]]) -> None:
    """Every touched aggregate must still fold (a correction must name a fact that exists, etc.),
    and a fact id it holds must keep one content: a new line that records another fact under a
    stored (or an earlier line's) fact id is refused, naming both."""
    touched = {UUID(str(s.originator_id)) for s in fresh}
    for aggregate_id in touched:
        held = app.recorder.select_events(aggregate_id)
        mine = [s for s in fresh if s.originator_id == aggregate_id]
        check_one_content(app, aggregate_id, held, mine, line_of)
        events = [app.mapper.to_domain_event(s) for s in held]
        events.extend(app.mapper.to_domain_event(s) for s in mine)
        try:
            project_aggregate(None, events)
        except Exception as e:  # noqa: BLE001 - whatever stops the fold, the line is refused
            name, line = line_of[id(mine[0])]
            raise ImportFormatError(name, line, f"does not fold onto the ledger ({e!r})") from None


def check_one_content(app: Ledger, aggregate_id: UUID, held: Sequence[StoredEvent],
                      fresh: Sequence[StoredEvent], line_of: dict[int, tuple[str, int]]) -> None:
    facts: dict[str, tuple[bytes, StoredEvent]] = {}
    for stored in held:
        found = fact_of(stored.topic, stored.state)
        if found is not None:
            facts.setdefault(found[0], (found[1], stored))
    for stored in fresh:
        found = fact_of(stored.topic, stored.state)
        if found is None:
            continue
        fid, digest = found
        first = facts.setdefault(fid, (digest, stored))
        if first[0] == digest:
            continue
        name, line = line_of[id(stored)]
        earlier = line_of.get(id(first[1]))
        if earlier is not None:
            where = "line {1} of {0}".format(*earlier) if earlier[0] != name else f"line {earlier[1]}"
        else:
            position = app.position_of(aggregate_id, first[1].originator_version)
            where = (f"position {position} of the ledger" if position is not None
                     else f"version {first[1].originator_version} of {aggregate_id} in the ledger")
        raise ImportFormatError(name, line, f"records fact {fid}, which {where} records with other "
                                            "content (one fact id holds one fact)")
