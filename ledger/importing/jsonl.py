"""The native JSONL export, written and taken back (design/interfaces.md; the format is
:mod:`ledger.formats.jsonl`).

An export is the ledger's log, one stored event a line, each with its chain hash. Import judges
every line (the file's chain, one content per fact id, each aggregate's events decode and fold,
versions continue the store's) and appends nothing of an import that any line fails; exports
written before the chain (no ``hash`` on any line) are still accepted.

A restore streams: the file is read a line at a time (``ledger.formats.jsonl.stream_jsonl``), each
aggregate's new events are folded onto the aggregate as they come (a bounded number of folded
aggregates is kept, one evicted is folded again from the store), and the new events are written in
batches of :data:`BATCH` with one insert each, all in one transaction
(``ledger.store.restore``): memory stays bounded and the work grows with the file, not with its
square. The refusals name the same lines, in the same words, as when the file was read whole.

Both directions need the application (its notifications, mapper and saving) and the store's chain
(``ledger.store.chain``, ``ledger.store.verify``), so they sit on the
application side with the other importers, not in the parsers nor in the store.
"""

from __future__ import annotations

import json
from array import array
from collections import OrderedDict
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from ledger.domain.errors import ImportFormatError, InvalidInputError
from ledger.formats.jsonl import LoggedLine, dumps, stream_jsonl
from ledger.store.chain import GENESIS, Breach, link
from ledger.store.links import Link
from ledger.store.recorders import chained
from ledger.store.restore import Restore, restoring
from ledger.store.verify import fact_of, stored_chain


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


#: new events written with one insert; folded aggregates kept in memory (one evicted is folded
#: again from the store when the file comes back to it)
BATCH = 2000
LIVE = 512
LINE_BITS = 40  # a new event's place: file index << LINE_BITS | line
VERSION_BITS = 40  # one fact's entry: content digest << VERSION_BITS | version


def restore(app: Ledger, paths: Sequence[Path], aggregates: Sequence[Aggregate] = ()) -> int | None:
    """Append what the exports ``paths`` hold that the ledger does not (after the pending events of
    ``aggregates``, another file's facts), in ONE transaction: every line is judged, and a refused
    one anywhere appends nothing. An export may not extend an aggregate another file adds to (each
    was decided without the other). The last position appended, or None."""
    pending = [a for a in aggregates if a.pending_events]
    # the versions those aggregates had in the ledger: an export's lines are judged against them
    committed = {a.id: a.version - len(a.pending_events) for a in pending}
    with restoring(app.recorder) as sink:
        sink.append([app.mapper.to_stored_event(e) for a in pending for e in a.collect_events()])
        plan = JsonlPlan(app, sink, committed)
        for path in paths:
            plan.add(path)
        plan.finish(committed)
        del plan  # what it held is let go before the positions become the ledger's list
    app.appended.extend(sink.ids)
    return max(sink.ids) if sink.ids else None


def import_jsonl(app: Ledger, path: Path) -> int | None:
    """Append the events of an export that the ledger does not hold; refuse any that contradict it."""
    return restore(app, [path])


@attrs.define
class Touched:
    """An aggregate that lines of the import name."""

    held: int  # its last version before the import
    version: int  # its last version after the lines decided so far
    #: where each new event came from (file index << LINE_BITS | line), from version held + 1 on
    lines: array[int] = attrs.field(factory=lambda: array("q"))


class FileChain:
    """The hash chain of one export, checked as its lines go by: what ``walk`` finds over the
    file's lines, without holding them."""

    def __init__(self) -> None:
        self.any_hash = False
        self.bad_line: int | None = None  # the first line without a good position and hash
        #: the first breach, and its line (None: the first line at that position, found again)
        self.breach: tuple[Breach, int | None] | None = None
        self.previous, self.last = GENESIS, 0

    def see(self, logged: LoggedLine) -> Link | None:
        """Check one more line; its link when the chain holds up to it."""
        position, held = logged.position, logged.hash
        self.any_hash = self.any_hash or held is not None
        if self.bad_line is not None:
            return None
        try:
            if not isinstance(position, int) or isinstance(position, bool) or not isinstance(held, str):
                raise ValueError
            chain_hash = bytes.fromhex(held)
        except ValueError:
            self.bad_line = logged.line
            return None
        if self.breach is not None:
            return None
        if position <= self.last:  # named at the first line holding that position, as before
            self.breach = Breach(position, "the log is out of order"), None
            return None
        s = logged.stored
        expected = link(self.previous, position, s.originator_id, s.originator_version, s.topic,
                        s.state)
        if expected != chain_hash:
            self.breach = Breach(position, "the event does not match its chain hash (the event or "
                                           "its hash was changed, or an event before it changed "
                                           "or removed)"), logged.line
            return None
        known = (position, self.previous, expected)
        self.previous, self.last = expected, position
        return known

    def refusal(self, path: Path) -> ImportFormatError | None:
        """An export carries its chain; one written before the ledger was tamper-evident has no
        hash on any line and is taken as it is."""
        name = str(path)
        if not self.any_hash:
            return None
        if self.bad_line is not None:
            return ImportFormatError(name, self.bad_line, "has a bad position or hash")
        if self.breach is not None:
            breach, line = self.breach
            if line is None:
                line = next(logged.line for logged in stream_jsonl(path)
                            if logged.position == breach.position)
            return ImportFormatError(name, line, f"breaks the file's hash chain at {breach}")
        return None


class JsonlPlan:
    """The lines of one or more exports that one import judges and appends, streamed into one
    open transaction (``sink``): held lines must be the same, new ones must follow, decode, fold
    onto their aggregate and keep one content per fact id."""

    def __init__(self, app: Ledger, sink: Restore, committed: Mapping[UUID, int] | None = None) -> None:
        self.app, self.sink = app, sink
        #: aggregates another file of the import appended to in this transaction (first), and the
        #: version each had before: an export's lines for them are judged against that version,
        #: kept here (never written: ``finish`` refuses them) and folded here (never evicted)
        self.committed = dict(committed or {})
        self.unsaved: dict[UUID, list[StoredEvent]] = {}
        self.pinned: dict[UUID, Any] = {}
        self.files: list[str] = []
        self.touched: dict[UUID, Touched] = {}
        self.live: OrderedDict[UUID, Any] = OrderedDict()  # folded aggregates, least recent first
        #: hash of (aggregate, fact id) → content digest << VERSION_BITS | version of its first event
        self.facts: dict[int, int] = {}
        self.buffer: list[StoredEvent] = []
        self.links: list[Link | None] = []  # the export's chain link of each buffered event
        self.buffered: set[UUID] = set()
        self.content: dict[UUID, ImportFormatError] = {}  # one fact id, two contents
        self.folds: dict[UUID, ImportFormatError] = {}  # does not fold
        self.refused: list[UUID] = []  # the aggregates of those refusals, in the order found
        #: what the checks did (lines decided, stored events read back, events folded, facts
        #: compared): a measure of the work that does not depend on the machine
        self.work = 0
        self.reloads = 0  # aggregates folded again after the cache evicted them

    # -- one file --------------------------------------------------------------------------------
    def add(self, path: Path) -> None:
        """Judge the lines of one export as they are read: the reader's refusals first (the whole
        file read), then the chain's, then the first line that does not follow."""
        name = str(path)
        index = len(self.files)
        self.files.append(name)
        chain = FileChain()
        refused: ImportFormatError | None = None
        for logged in stream_jsonl(path):
            known = chain.see(logged)
            if refused is None:
                refused = self.decide(name, index, logged, known)
        problem = chain.refusal(path) or refused
        if problem is not None:
            raise problem

    def decide(self, name: str, index: int, logged: LoggedLine,
               known: Link | None = None) -> ImportFormatError | None:
        stored = logged.stored
        self.work += 1
        try:
            event = self.app.mapper.to_domain_event(stored)
        except Exception as e:  # noqa: BLE001 - any failure to rebuild the event means a bad line
            return ImportFormatError(name, logged.line, f"is not an event this ledger knows ({e})")
        aggregate_id = stored.originator_id
        if not isinstance(aggregate_id, UUID):
            aggregate_id = UUID(str(aggregate_id))
        touched = self.touched.get(aggregate_id)
        if touched is None:
            held = self.committed.get(aggregate_id, 0)
            if aggregate_id not in self.committed and self.sink.held_any:
                held = self.sink.last_version(aggregate_id)
            touched = self.touched[aggregate_id] = Touched(held, held)
        version = stored.originator_version
        if version <= touched.version:
            return self.same(name, logged, aggregate_id, touched)
        if version != touched.version + 1:
            return ImportFormatError(name, logged.line, f"version {version} of {aggregate_id} "
                                                        f"does not follow version {touched.version}")
        self.new(aggregate_id, touched, stored, event, index << LINE_BITS | logged.line, known)
        return None

    def same(self, name: str, logged: LoggedLine, aggregate_id: UUID,
             touched: Touched) -> ImportFormatError | None:
        """A line the ledger (or an earlier line of this import) holds already: the same event."""
        stored = logged.stored
        version = stored.originator_version
        if aggregate_id in self.buffered:
            self.flush()
        if version > touched.held and aggregate_id in self.unsaved:
            held = [self.unsaved[aggregate_id][version - touched.held - 1]]
        else:
            held = self.sink.events_of(aggregate_id, version - 1, version)
        if held and held[0].state == stored.state and held[0].topic == stored.topic:
            return None
        if version > touched.held:  # an earlier line of this import
            where = self.where(touched.lines[version - touched.held - 1])
            return ImportFormatError(name, logged.line, f"contradicts {where[0]}:{where[1]} at "
                                                        f"{stored.originator_id} version {version}")
        position = self.sink.position_of(aggregate_id, version) if held else None
        at = f" (stored at position {position})" if position is not None else ""
        return ImportFormatError(name, logged.line, f"contradicts the ledger at {stored.originator_id} "
                                                    f"version {version}{at}")

    def where(self, place: int) -> tuple[str, int]:
        return self.files[place >> LINE_BITS], place & ((1 << LINE_BITS) - 1)

    # -- a new event -----------------------------------------------------------------------------
    def new(self, aggregate_id: UUID, touched: Touched, stored: StoredEvent, event: Any,
            place: int, known: Link | None) -> None:
        first = not touched.lines
        touched.lines.append(place)
        touched.version = stored.originator_version
        if first:
            self.load(aggregate_id, touched, facts=True)
        self.one_content(aggregate_id, touched, stored)
        if aggregate_id not in self.folds:
            if aggregate_id not in self.live and aggregate_id not in self.pinned:
                self.reloads += 1  # evicted: folded again from the store
                self.load(aggregate_id, touched, facts=False)
            self.fold(aggregate_id, touched, [event])
        if aggregate_id in self.committed:
            self.unsaved.setdefault(aggregate_id, []).append(stored)
            return
        self.buffer.append(stored)
        self.links.append(known)
        self.buffered.add(aggregate_id)
        if len(self.buffer) >= BATCH:
            self.flush()

    def load(self, aggregate_id: UUID, touched: Touched, facts: bool) -> None:
        """Fold an aggregate's stored events (held, and appended by this import), and note the
        facts held before the import the first time."""
        if aggregate_id in self.buffered:
            self.flush()
        # the first time, the store holds only what it held before: nothing, in an empty ledger
        lte = self.committed.get(aggregate_id)
        stored = (self.sink.events_of(aggregate_id, 0, lte) if self.sink.held_any or not facts
                  else [])
        self.work += len(stored)
        if facts:
            for s in stored:
                self.note_fact(aggregate_id, s)
        self.kept(aggregate_id)[aggregate_id] = None
        if aggregate_id in self.folds:
            return
        try:
            events = [self.app.mapper.to_domain_event(s) for s in stored]
        except Exception as e:  # noqa: BLE001 - a stored event this ledger cannot read: it does not fold
            self.refuse(self.folds, aggregate_id, self.fold_refusal(touched, e))
            return
        self.fold(aggregate_id, touched, events)

    def fold(self, aggregate_id: UUID, touched: Touched, events: list[Any]) -> None:
        kept = self.kept(aggregate_id)
        aggregate = kept.pop(aggregate_id, None)
        try:
            for event in events:
                aggregate = event.mutate(aggregate)
                self.work += 1
        except Exception as e:  # noqa: BLE001 - whatever stops the fold, the line is refused
            self.refuse(self.folds, aggregate_id, self.fold_refusal(touched, e))
            return
        kept[aggregate_id] = aggregate
        if len(self.live) > LIVE:
            self.live.popitem(last=False)

    def kept(self, aggregate_id: UUID) -> dict[UUID, Any]:
        """Where an aggregate's fold is kept: the bounded cache, or pinned (not in the store)."""
        return self.pinned if aggregate_id in self.committed else self.live

    def fold_refusal(self, touched: Touched, error: Exception) -> ImportFormatError:
        name, line = self.where(touched.lines[0])  # the aggregate's first new line, as before
        return ImportFormatError(name, line, f"does not fold onto the ledger ({error!r})")

    def note_fact(self, aggregate_id: UUID, stored: StoredEvent) -> tuple[str, int, int, int] | None:
        """Note the fact a stored event records (the first content of each fact id is kept);
        the fact id, its digest here, and the digest and version noted first, when it records
        one."""
        found = fact_of(stored.topic, stored.state)
        if found is None:
            return None
        self.work += 1
        fid, digest = found
        mine = int.from_bytes(digest)
        # 64 bits of (aggregate, fact id), as ``verify`` keys them: a clash is not to be expected
        first = self.facts.setdefault(hash((aggregate_id, fid)),
                                      mine << VERSION_BITS | stored.originator_version)
        return fid, mine, first >> VERSION_BITS, first & ((1 << VERSION_BITS) - 1)

    def one_content(self, aggregate_id: UUID, touched: Touched, stored: StoredEvent) -> None:
        """A fact id an aggregate holds keeps one content: a new line that records another fact
        under a stored (or an earlier line's) fact id is refused, naming both."""
        noted = self.note_fact(aggregate_id, stored)
        if noted is None or aggregate_id in self.content:
            return
        fid, mine, digest, version = noted
        if mine == digest:
            return
        name, line = self.where(touched.lines[-1])
        if version > touched.held:
            earlier = self.where(touched.lines[version - touched.held - 1])
            where = "line {1} of {0}".format(*earlier) if earlier[0] != name else f"line {earlier[1]}"
        else:
            position = self.sink.position_of(aggregate_id, version)
            where = (f"position {position} of the ledger" if position is not None
                     else f"version {version} of {aggregate_id} in the ledger")
        self.refuse(self.content, aggregate_id, ImportFormatError(
            name, line, f"records fact {fid}, which {where} records with other content (one fact "
                        "id holds one fact)"))

    def refuse(self, kept: dict[UUID, ImportFormatError], aggregate_id: UUID,
               error: ImportFormatError) -> None:
        if aggregate_id not in kept:
            kept[aggregate_id] = error
        if aggregate_id not in self.refused:
            self.refused.append(aggregate_id)

    def flush(self) -> None:
        self.sink.append(self.buffer, self.links)
        self.buffer, self.links = [], []
        self.buffered.clear()

    # -- the whole import ------------------------------------------------------------------------
    def finish(self, apart: Collection[UUID] = ()) -> None:
        """Write what is left; refuse the import when an aggregate does not fold or a fact id got
        two contents (one content first, for the first aggregate found), or when an export's new
        events extend an aggregate another file of the import adds to."""
        self.flush()
        for aggregate_id in self.refused:
            raise self.content.get(aggregate_id) or self.folds[aggregate_id]
        both = [(t.lines[0], i) for i, t in self.touched.items() if t.lines and i in apart]
        if both:
            place, aggregate_id = min(both)
            name, line = self.where(place)
            raise InvalidInputError(f"{name}:{line}: adds to {aggregate_id}, which another file "
                                    "of this import records too; import these files one at a time")
