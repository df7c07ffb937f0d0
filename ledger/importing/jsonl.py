"""The native JSONL export, written and taken back (design/interfaces.md; the format is
:mod:`ledger.formats.jsonl`).

An export is the ledger's log, one stored event a line, each with its chain hash. Import judges
every line (the file's chain, one content per fact id, each aggregate's events decode and fold,
versions continue the store's) and appends nothing of an import that any line fails; exports
written before the chain (no ``hash`` on any line) are still accepted.

A restore streams: the file is read a line at a time (``ledger.formats.jsonl.stream_jsonl``), each
aggregate's new events are folded onto the aggregate as they come (a bounded number of folded
aggregates is kept, one evicted is folded again from the store), and the new events are written in
batches with one insert each (a race's facts, once :data:`FLUSH` are buffered; at most
:data:`BATCH`), all in one transaction (``ledger.store.restore``): memory stays bounded and the
work grows with the file, not with its square. The refusals name the same lines, in the same
words, as when the file was read whole.

The path is lean, and every check still runs (issue 14, item 6): a line is parsed once, with
orjson, and its state decoded from that parse (``ledger.formats.jsonl.stream_rows``,
``ledger.store.transcoder.domain_event``; a line orjson would read otherwise than the standard
reader goes to that reader); the lines are decided a run of one aggregate at a time (a race's
facts, folded onto the race in memory in one go); the chain is checked in one tight loop per run
(``ledger.store.chain.Linker``); facts are told apart by a process-local digest
(``ledger.store.verify.fact_key``); the cyclic collector runs less often meanwhile. Each shortcut
is tested against the path it replaces (tests/store/test_restore_lean.py).

Both directions need the application (its notifications, mapper and saving) and the store's chain
(``ledger.store.chain``, ``ledger.store.verify``), so they sit on the
application side with the other importers, not in the parsers nor in the store.
"""

from __future__ import annotations

import gc
import json
from array import array
from collections import OrderedDict
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from ledger.domain.errors import ImportFormatError, InvalidInputError
from ledger.domain.skater import Skater
from ledger.formats.jsonl import Logged, dumps, stream_rows
from ledger.store.chain import GENESIS, Breach, Linker
from ledger.store.links import Link
from ledger.store.personal import PERSONAL, needed_master_key
from ledger.store.recorders import chained
from ledger.store.restore import Restore, restoring
from ledger.store.transcoder import LedgerTranscoder, domain_event
from ledger.store.verify import fact_key, stored_chain


def export_lines(app: Ledger, include_personal: bool = False) -> Iterator[str]:
    """The export's lines. A skater's personal fields are in ``state`` only as the stored
    ciphertext; ``include_personal`` (which needs the master key) adds them in clear under
    ``personal`` beside it, "erased" where her key is destroyed (the chain covers ``state`` only,
    so the export still verifies; docs/decisions/0029)."""
    if include_personal:
        needed_master_key("export --include-personal")
        app.reveal_personal()
    personal_topics = {Skater.Registered.TOPIC, Skater.PersonalDataSealed.TOPIC}
    hashes = stored_chain(chained(app.recorder))
    held = next(hashes, None)
    for note in app.notifications():
        while held is not None and held[0] < note.id:
            held = next(hashes, None)
        chain_hash = held[1].hex() if held is not None and held[0] == note.id else None
        state = json.loads(note.state)
        recorded = state.get("timestamp", {}).get("_data_")
        line = {"position": note.id, "recorded_at": recorded, "topic": note.topic,
                "aggregate_id": str(note.originator_id), "version": note.originator_version,
                "state": state, "hash": chain_hash}
        if include_personal and note.topic in personal_topics:
            line["personal"] = personal_in_clear(app.mapper.to_domain_event(note))
        yield dumps(line)


def personal_in_clear(event: Any) -> dict[str, str]:
    """The personal fields an event recorded, as the reader reveals them ("erased", "sealed")."""
    recorded = {*(getattr(event, "sealed", None) or {}),
                *(f for f in PERSONAL if getattr(event, f, None) is not None)}
    withheld = getattr(event, "withheld", None)
    return {f: getattr(event, f, None) or withheld or "unknown" for f in PERSONAL if f in recorded}


def write_jsonl(app: Ledger, out: IO[str], include_personal: bool = False) -> int:
    count = 0
    for line in export_lines(app, include_personal):
        out.write(line + "\n")
        count += 1
    return count


#: most new events written with one insert (and most lines decided as one run); folded aggregates
#: kept in memory (one evicted is folded again from the store when the file comes back to it)
BATCH = 2000
#: the buffer is written once a run of lines leaves it this full: a race's facts, with the
#: skaters and competition before them, go into the transaction with one insert
FLUSH = 100
LIVE = 512
LINE_BITS = 40  # a new event's place: file index << LINE_BITS | line
VERSION_BITS = 40  # one fact's entry: content digest << VERSION_BITS | version
DIGEST_MASK = (1 << 64) - 1  # a content's digest (``fact_key``), as an unsigned 64-bit number


def restore(app: Ledger, paths: Sequence[Path], aggregates: Sequence[Aggregate] = ()) -> int | None:
    """Append what the exports ``paths`` hold that the ledger does not (after the pending events of
    ``aggregates``, another file's facts), in ONE transaction: every line is judged, and a refused
    one anywhere appends nothing. An export may not extend an aggregate another file adds to (each
    was decided without the other). The last position appended, or None."""
    pending = [a for a in aggregates if a.pending_events]
    # the versions those aggregates had in the ledger: an export's lines are judged against them
    committed = {a.id: a.version - len(a.pending_events) for a in pending}
    with restoring(app.recorder) as sink, fewer_collections():
        sink.append([app.mapper.to_stored_event(e) for a in pending for e in a.collect_events()])
        plan = JsonlPlan(app, sink, committed)
        for path in paths:
            plan.add(path)
        plan.finish(committed)
        del plan  # what it held is let go before the positions become the ledger's list
    app.appended.extend(sink.ids)
    return max(sink.ids) if sink.ids else None


@contextmanager
def fewer_collections(young: int = 20_000) -> Iterator[None]:
    """The cyclic garbage collector runs less often while the block runs: a restore makes a few
    containers per event that live on (each fact on its race's sheet), and with the default
    threshold (700 new containers) the collector walks them again and again, about a tenth of a
    restore's time. Reference counting frees everything else as before; the thresholds are put
    back after."""
    kept = gc.get_threshold()
    gc.set_threshold(max(kept[0], young), *kept[1:])
    try:
        yield
    finally:
        gc.set_threshold(*kept)


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
        self.linker = Linker()
        self.any_hash = False
        self.bad_line: int | None = None  # the first line without a good position and hash
        #: the first breach, and its line (None: the first line at that position, found again)
        self.breach: tuple[Breach, int | None] | None = None
        self.previous, self.last = GENESIS, 0

    def see(self, run: Sequence[Logged]) -> list[Link | None]:
        """Check more lines, in order; the link of each while the chain holds up to it (in one
        tight loop: a restore checks millions)."""
        links: list[Link | None] = []
        linked = self.linker.link
        previous, last = self.previous, self.last
        for line, s, position, held, _ in run:
            if held is not None:
                self.any_hash = True
            if self.bad_line is not None:
                links.append(None)
                continue
            try:  # (a JSON value is an int or a bool, and a str, only of those exact types)
                if type(position) is not int or type(held) is not str:
                    raise ValueError
                chain_hash = bytes.fromhex(held)
            except ValueError:
                self.bad_line = line
                links.append(None)
                continue
            if self.breach is not None:
                links.append(None)
                continue
            if position <= last:  # named at the first line holding that position, as before
                self.breach = Breach(position, "the log is out of order"), None
                links.append(None)
                continue
            expected = linked(previous, position, s.originator_id, s.originator_version, s.topic,
                              s.state)
            if expected != chain_hash:
                self.breach = Breach(position, "the event does not match its chain hash (the "
                                               "event or its hash was changed, or an event before "
                                               "it changed or removed)"), line
                links.append(None)
                continue
            links.append((position, previous, expected))
            previous, last = expected, position
        self.previous, self.last = previous, last
        return links

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
                line = next(number for number, _, position, _, _ in stream_rows(path)
                            if position == breach.position)
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
        #: each line's state decoded as the reader parsed it (``ledger.store.transcoder
        #: .domain_event`` makes its event), when the mapper is the ledger's own; else None, and
        #: the mapper decodes the stored bytes
        mapper = app.mapper
        transcoder = mapper.transcoder
        self.decode_state = (transcoder.decode_parsed if isinstance(transcoder, LedgerTranscoder)
                             and mapper.cipher is None and mapper.compressor is None else None)

    # -- one file --------------------------------------------------------------------------------
    def add(self, path: Path) -> None:
        """Judge the lines of one export as they are read: the reader's refusals first (the whole
        file read), then the chain's, then the first line that does not follow.

        The lines are decided a run at a time: the consecutive lines of one aggregate (a race's
        facts, as a ledger records them), at most :data:`BATCH`. What the plan knows of the
        aggregate is looked up once per run, its new events are folded onto it in one go, and the
        run goes into the transaction together (one insert per race, once the buffer holds
        :data:`FLUSH` events). The lines are decided in the file's order, so the first refused
        one is the same as when each was decided alone."""
        name = str(path)
        index = len(self.files)
        self.files.append(name)
        chain = FileChain()
        refused: ImportFormatError | None = None
        run: list[Logged] = []
        for logged in stream_rows(path, self.decode_state):
            if run and (logged[1].originator_id is not run[0][1].originator_id or len(run) >= BATCH):
                known = chain.see(run)
                if refused is None:
                    refused = self.decide_run(name, index, run, known)
                run = []
            run.append(logged)
        if run:
            known = chain.see(run)
            if refused is None:
                refused = self.decide_run(name, index, run, known)
        problem = chain.refusal(path) or refused
        if problem is not None:
            raise problem

    def decide_run(self, name: str, index: int, run: Sequence[Logged],
                   known: Sequence[Link | None]) -> ImportFormatError | None:
        """Decide consecutive lines of one aggregate, in order; the first refused one's refusal
        (the lines before it decided)."""
        mapper = self.app.mapper
        to_domain_event = mapper.to_domain_event
        aggregate_id: UUID | None = None
        touched: Touched | None = None
        fresh: list[tuple[StoredEvent, Any, int, Link | None]] = []  # new events not yet taken
        refusal: ImportFormatError | None = None
        for logged, link in zip(run, known, strict=True):
            line, stored, made = logged[0], logged[1], logged[4]
            self.work += 1
            try:
                event = domain_event(mapper, stored, made) if made is not None else None
            except Exception:  # noqa: BLE001 - the mapper's own decoding says why (below)
                event = None
            if event is None:
                try:
                    event = to_domain_event(stored)
                except Exception as e:  # noqa: BLE001 - any failure to rebuild the event means a bad line
                    refusal = ImportFormatError(name, line, f"is not an event this ledger knows ({e})")
                    break
            if touched is None:
                named = stored.originator_id
                aggregate_id = named if isinstance(named, UUID) else UUID(str(named))
                touched = self.touched.get(aggregate_id)
                if touched is None:
                    held = self.committed.get(aggregate_id, 0)
                    if aggregate_id not in self.committed and self.sink.held_any:
                        held = self.sink.last_version(aggregate_id)
                    touched = self.touched[aggregate_id] = Touched(held, held)
            assert aggregate_id is not None
            version = stored.originator_version
            last = touched.version + len(fresh)
            if version <= last:
                if fresh:
                    self.new_run(aggregate_id, touched, fresh)
                    fresh = []
                refusal = self.same(name, logged, aggregate_id, touched)
                if refusal is not None:
                    break
                continue
            if version != last + 1:
                refusal = ImportFormatError(name, line, f"version {version} of {aggregate_id} "
                                                        f"does not follow version {last}")
                break
            fresh.append((stored, event, index << LINE_BITS | line, link))
        if fresh:
            assert aggregate_id is not None
            assert touched is not None
            self.new_run(aggregate_id, touched, fresh)
        if len(self.buffer) >= FLUSH:
            self.flush()
        return refusal

    def same(self, name: str, logged: Logged, aggregate_id: UUID,
             touched: Touched) -> ImportFormatError | None:
        """A line the ledger (or an earlier line of this import) holds already: the same event."""
        line, stored = logged[0], logged[1]
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
            return ImportFormatError(name, line, f"contradicts {where[0]}:{where[1]} at "
                                                 f"{stored.originator_id} version {version}")
        position = self.sink.position_of(aggregate_id, version) if held else None
        at = f" (stored at position {position})" if position is not None else ""
        return ImportFormatError(name, line, f"contradicts the ledger at {stored.originator_id} "
                                             f"version {version}{at}")

    def where(self, place: int) -> tuple[str, int]:
        return self.files[place >> LINE_BITS], place & ((1 << LINE_BITS) - 1)

    # -- new events ------------------------------------------------------------------------------
    def new_run(self, aggregate_id: UUID, touched: Touched,
                fresh: Sequence[tuple[StoredEvent, Any, int, Link | None]]) -> None:
        """Take consecutive new events of one aggregate (versions following ``touched.version``):
        note where each came from and its fact, fold them onto the aggregate, and buffer them
        for the transaction (or keep them apart, for an aggregate another file appended to)."""
        lines, facts, key = touched.lines, self.facts, aggregate_id.int
        if not lines:  # the aggregate's first new event: what the ledger holds of it, first
            lines.append(fresh[0][2])
            touched.version = fresh[0][0].originator_version
            self.load(aggregate_id, touched, facts=True)
            lines.pop()
        for stored, _, place, _ in fresh:
            lines.append(place)
            version = touched.version = stored.originator_version
            # one content per fact id: the first content is noted, another is refused
            found = fact_key(stored.topic, stored.state)
            if found is None:
                continue
            self.work += 1
            fid, mine = found
            mine &= DIGEST_MASK
            packed = mine << VERSION_BITS | version
            first = facts.setdefault(hash((key, fid)), packed)
            if first != packed and first >> VERSION_BITS != mine and aggregate_id not in self.content:
                self.contradicted(aggregate_id, touched, fid, first & ((1 << VERSION_BITS) - 1))
        if aggregate_id not in self.folds:
            if aggregate_id not in self.live and aggregate_id not in self.pinned:
                self.reloads += 1  # evicted: folded again from the store
                self.load(aggregate_id, touched, facts=False)
            self.fold(aggregate_id, touched, [event for _, event, _, _ in fresh])
        if aggregate_id in self.committed:
            self.unsaved.setdefault(aggregate_id, []).extend(stored for stored, _, _, _ in fresh)
            return
        self.buffer.extend(stored for stored, _, _, _ in fresh)
        self.links.extend(link for _, _, _, link in fresh)
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
        found = fact_key(stored.topic, stored.state)
        if found is None:
            return None
        self.work += 1
        fid, mine = found
        mine &= DIGEST_MASK
        # 64 bits of (aggregate, fact id), as ``verify`` keys them (a UUID hashes as its int, which
        # is read without a call): a clash is not to be expected
        first = self.facts.setdefault(hash((aggregate_id.int, fid)),
                                      mine << VERSION_BITS | stored.originator_version)
        return fid, mine, first >> VERSION_BITS, first & ((1 << VERSION_BITS) - 1)

    def contradicted(self, aggregate_id: UUID, touched: Touched, fid: str, version: int) -> None:
        """Refuse the aggregate's latest new line: it records fact ``fid`` with other content than
        its version ``version`` (held, or an earlier line's)."""
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
