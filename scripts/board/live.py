"""The board server's read side: the ledger read as each page needs it, a bounded cache of what
was read lately, the day's timeline for replay, and the hub that pushes new boards to
server-sent-event clients.

The board holds no fold of the whole log (issue 14, item 4): a race's pages read that race's
streams (:func:`projections.reading.race_state_at`), a day's page and its replay the
competition's (:func:`projections.reading.competition_at`), the index the few kinds of event that
list competitions and races (:func:`projections.reading.catalogue_at`), a skater's page the views
or a fold (:func:`projections.views.history_at`). What was read is kept in a cache with a size
limit (:class:`Cache`: at most :data:`CACHE_ENTRIES` answers and :data:`CACHE_FACTS` facts
held), so the server's memory does not grow with the ledger. What the live pages read is carried
on over each new fact (:func:`projections.reading.carried`): a fact of one race is folded into
the cached reads that hold that race, and the others, which it cannot change, are moved on to
the new position without a read.

Everything here runs on the server's one event loop, so a cached read is never read while it is
being carried on. New facts are noticed by one poller of the newest position, shared by all
clients: on a SQLite file it asks the file's data version (a PRAGMA, no read of the log) every
20 ms and reads the log only when another connection committed; on PostgreSQL a thread LISTENs
to the channel our recorder NOTIFYs in every appending transaction and wakes the poller at once,
which then looks only every second when nothing is heard (a safety net for a dropped
connection); both watchers are the store's (ledger/store/notifier.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any
from uuid import UUID

import attrs

from ledger.application import Ledger
from ledger.domain.race import Race
from ledger.domain.race_state import RaceState
from ledger.domain.values import race_id
from projections.basis import Basis
from projections.history import History
from projections.reading import carried, catalogue_at, competition_at, last_taken, race_state_at, stop_of
from projections.state import LedgerState
from projections.timeline import Step, step_of
from projections.views import history_at
from scripts.board import wire

LOG = logging.getLogger("skate_ledger.board")
#: At most this many answers in the cache ...
CACHE_ENTRIES = 128
#: ... holding at most this many facts of races between them (about 0.5 kB each in memory):
#: a read bigger than that is answered and not kept.
CACHE_FACTS = 250_000
#: The races' sheets kept for the reads of races to share (a race page's marks and bests read
#: every race of its distance), at most this many facts between them.
SHEET_FACTS = 250_000
#: New facts beyond this many in one look are not carried on: the live reads are read again.
CARRY_LIMIT = 20_000


@attrs.define
class Day:
    """A competition as of a basis: its state (:func:`projections.reading.competition_at`) and
    the steps of its timeline (every fact of its races, for the replay slider)."""

    state: LedgerState
    steps: list[Step] = attrs.Factory(list)

    def note(self, state: LedgerState, position: int, event: Any) -> None:
        step = step_of(state, position, event)
        if step is not None:
            self.steps.append(step)


@attrs.define
class Entry:
    """One cached answer; ``state`` is what carries it on to a newer position (None: it cannot
    be, it is read again)."""

    value: Any
    state: LedgerState | None
    catalogue: bool = False
    note: Callable[[LedgerState, int, Any], None] | None = None
    full: UUID | None = None  # a race's read: the one race not read lean
    weight: int = 0


def weight_of(state: LedgerState | None) -> int:
    """What a cached state holds, counted in facts of races (and one per race, entry and
    skater)."""
    if state is None:
        return 1
    return 1 + len(state.skaters) + sum(sheet_weight(s) for s in state.races.values())


def sheet_weight(sheet: RaceState) -> int:
    return 1 + len(sheet.facts) + len(sheet.entries)


class Cache:
    """The least recently used answers, as of their position: at most ``entries`` of them holding
    at most ``facts`` facts. A key is ``(kind, name, position, known_at)``."""

    def __init__(self, entries: int = CACHE_ENTRIES, facts: int = CACHE_FACTS) -> None:
        self.entries, self.facts = entries, facts
        self.kept: OrderedDict[tuple[Hashable, ...], Entry] = OrderedDict()
        self.weight = 0

    def get(self, key: tuple[Hashable, ...]) -> Entry | None:
        entry = self.kept.get(key)
        if entry is not None:
            self.kept.move_to_end(key)
        return entry

    def put(self, key: tuple[Hashable, ...], entry: Entry) -> None:
        self.pop(key)
        entry.weight = weight_of(entry.state)
        if entry.weight > self.facts:
            return
        self.kept[key] = entry
        self.weight += entry.weight
        while len(self.kept) > self.entries or self.weight > self.facts:
            _, dropped = self.kept.popitem(last=False)
            self.weight -= dropped.weight

    def pop(self, key: tuple[Hashable, ...]) -> Entry | None:
        entry = self.kept.pop(key, None)
        if entry is not None:
            self.weight -= entry.weight
        return entry

    def at(self, position: int) -> list[tuple[tuple[Hashable, ...], Entry]]:
        """The entries as of ``position`` on the whole log (no known-at moment)."""
        return [(k, e) for k, e in self.kept.items() if k[2] == position and k[3] is None]


class SheetCache:
    """Races' sheets as read from their streams, least recently used first, at most ``facts``
    facts between them (:class:`projections.reading.Sheets`). A sheet read up to position
    ``upto`` whose last event is at ``last`` is the race's sheet as of any position from
    ``last`` to ``upto``; the poll moves ``upto`` on for the races the new facts do not touch."""

    def __init__(self, facts: int = SHEET_FACTS) -> None:
        self.facts = facts
        self.kept: OrderedDict[tuple[UUID, bool], tuple[RaceState, int, int]] = OrderedDict()
        self.weight = 0

    def get(self, rid: UUID, stop: int, lean: bool) -> RaceState | None:
        found = self.kept.get((rid, lean))
        if found is None or not found[1] <= stop <= found[2]:
            return None
        self.kept.move_to_end((rid, lean))
        return found[0]

    def put(self, rid: UUID, sheet: RaceState, last: int, stop: int, lean: bool) -> None:
        old = self.kept.pop((rid, lean), None)
        if old is not None:
            self.weight -= sheet_weight(old[0])
            if old[2] > stop:  # the one known to hold for longer stays
                sheet, last, stop = old
        self.kept[(rid, lean)] = (sheet, last, stop)
        self.weight += sheet_weight(sheet)
        while self.weight > self.facts and self.kept:
            _, (dropped, _, _) = self.kept.popitem(last=False)
            self.weight -= sheet_weight(dropped)

    def carry(self, old: int, new: int, touched: set[UUID] | None) -> None:
        """The log grew from ``old`` to ``new`` with new facts of the races ``touched`` (None:
        not known): every other sheet read up to ``old`` or later holds up to ``new``."""
        if touched is None:
            return
        for (rid, lean), (sheet, last, upto) in self.kept.items():
            if upto >= old and rid not in touched:
                self.kept[(rid, lean)] = (sheet, last, max(upto, new))


class Ledgers:
    """The ledger as the board reads it, as of any basis: each page's part, read on demand and
    kept in a bounded :class:`Cache`; the live position, caught up from the notifier's poll."""

    def __init__(self, app: Ledger, entries: int = CACHE_ENTRIES, facts: int = CACHE_FACTS) -> None:
        self.app = app
        self.cache = Cache(entries, facts)
        self.sheets = SheetCache(facts)
        self.listeners: list[Callable[[int], None]] = []
        self.position = app.last_position()

    def refresh(self) -> int:
        """Carry the live reads on over what was appended since the last look; tell the listeners
        when there was something."""
        last = self.app.last_position()
        if last <= self.position:
            return self.position
        self.carry(self.position, last)
        self.position = last
        for listener in self.listeners:
            listener(self.position)
        return self.position

    def carry(self, old: int, last: int) -> None:
        """Move the cached reads as of ``old`` on to ``last``, folding the new facts of the races
        each holds (:func:`projections.reading.carried`); a read they could change is dropped."""
        live = self.cache.at(old)
        for key, _ in live:
            self.cache.pop(key)
        if (not live and not self.sheets.kept) or last - old > CARRY_LIMIT:
            return
        events = list(self.app.read_log(old + 1, last))
        self.sheets.carry(old, last, {e.originator_id for _, e in events
                                      if isinstance(e, Race.Event)})
        for key, entry in live:
            if entry.state is not None and carried(entry.state, events, catalogue=entry.catalogue,
                                                   note=entry.note, full=entry.full):
                self.cache.put((key[0], key[1], last, None), entry)

    def stop(self, basis: Basis) -> int | None:
        """The position a read as of ``basis`` is kept under; None: not kept (a known-at moment,
        whose last position moves with the log)."""
        if basis.known_at is not None:
            return None
        if basis.position is None:
            self.refresh()
            return self.position
        return min(basis.position, self.app.last_position())

    def read(self, kind: str, name: Hashable, basis: Basis,
             make: Callable[[Basis], Entry]) -> Any:
        """The answer ``make`` reads as of ``basis`` (a position pinned, so that what is kept is
        as of its key), from the cache when it has it."""
        stop = self.stop(basis)
        if stop is None:
            return make(Basis(known_at=basis.known_at)).value
        key = (kind, name, stop, None)
        entry = self.cache.get(key)
        if entry is None:
            entry = make(Basis(position=stop))
            self.cache.put(key, entry)
        return entry.value

    def race_state(self, key: str, basis: Basis, *, marks: bool = False, bests: bool = False,
                   competition: bool = False) -> LedgerState:
        """The ledger as of ``basis`` as the pages of race ``key`` read it: only that race's
        stream (and, with ``marks``, ``bests`` and ``competition``, what its marks, bests and
        qualification read: :func:`projections.reading.race_state_at`), equal for that race to
        the whole ledger's state."""
        def make(at: Basis) -> Entry:
            state = race_state_at(self.app, key, at, marks=marks, bests=bests,
                                  competition=competition, sheets=self.sheets)
            return Entry(state, state, full=race_id(key))
        state: LedgerState = self.read("race", (key, marks, bests, competition), basis, make)
        return state

    def catalogue(self, basis: Basis) -> LedgerState:
        """The competitions and races as of ``basis``, as the index lists them
        (:func:`projections.reading.catalogue_at`)."""
        def make(at: Basis) -> Entry:
            state = catalogue_at(self.app, at)
            return Entry(state, state, catalogue=True)
        state: LedgerState = self.read("catalogue", "", basis, make)
        return state

    def competition(self, slug: str, basis: Basis) -> Day:
        """Competition ``slug`` as of ``basis``: its races and the names they show, and its
        timeline (:func:`projections.reading.competition_at`)."""
        def make(at: Basis) -> Entry:
            day = Day(LedgerState())
            day.state = competition_at(self.app, slug, at, day.note)
            return Entry(day, day.state, note=day.note)
        day: Day = self.read("day", slug, basis, make)
        return day

    def history(self, name: str, basis: Basis) -> tuple[History, int]:
        """Skater ``name``'s history as of ``basis`` and the position of that basis (the last fact
        taken in): from the views when they hold it, else by a fold
        (:func:`projections.views.history_at`); kept, not carried on."""
        def make(at: Basis) -> Entry:
            position, _ = last_taken(self.app, stop_of(self.app, at), at.known_at)
            return Entry((history_at(self.app, name, at), position), None)
        found: tuple[History, int] = self.read("history", name, basis, make)
        return found

    def steps(self, competition: str) -> list[Step]:
        return self.competition(competition, Basis()).steps


@attrs.frozen
class Message:
    """One rendered board of a topic at a position, encoded once for every client.

    ``html`` is the rendered fragment; ``patch`` (when not None) the edits from the topic's board
    at position ``base`` to this one (:mod:`scripts.board.wire`), for the clients that hold that
    board: they are sent ``event: patch`` instead of the whole board."""

    position: int
    data: str
    content: str  # what the clients show (the rendered fragment): unchanged, nothing is pushed
    html: str = ""
    patch: str | None = None
    base: int | None = None
    #: What the page announces and says of the race, for a patch to carry (:data:`SHORT`).
    short: dict[str, Any] = attrs.field(factory=dict, eq=False)
    #: The encoded frames, by event name: encoded once, not once per client (500 clients: 12 ms).
    frames: dict[str, bytes] = attrs.field(factory=dict, init=False, eq=False, repr=False)
    #: ``html`` read as a tree, once (the next board's patch starts from it).
    trees: list[wire.Node] = attrs.field(factory=list, init=False, eq=False, repr=False)

    def tree(self) -> wire.Node:
        if not self.trees:
            self.trees.append(wire.tree(self.html))
        return self.trees[0]

    def frame(self, event: str) -> bytes:
        encoded = self.frames.get(event)
        if encoded is None:
            data = self.patch if event == "patch" else self.data
            text = f"id: {self.position}\nevent: {event}\ndata: {data}\n\n"
            encoded = self.frames[event] = text.encode()
        return encoded

    def patches(self, held: int) -> bool:
        """Whether a client that shows this topic's board as of position ``held`` can take the
        patch: it holds the board the patch starts from (the topic's boards from ``base`` up to
        this position show the same)."""
        return self.patch is not None and self.base is not None and self.base <= held < self.position

    def patched(self, base: Message) -> Message:
        """This message with the patch from ``base`` (when it is worth sending,
        :func:`scripts.board.wire.worth_it`)."""
        if not base.html or not self.html:
            return self
        try:
            edits = wire.edits(base.html, self.html, base.tree(), self.tree())
        except wire.Unreadable:
            LOG.exception("cannot compare two boards")
            return self
        data = dumps({"position": self.position, "base": base.position, "edits": edits, **self.short})
        if not wire.worth_it(len(data), len(self.data)):
            return self
        patched = attrs.evolve(self, patch=data, base=base.position)
        patched.trees.extend(self.trees)
        return patched


#: What a patch carries besides the edits: what the page announces and says of the race.
SHORT = ("summary", "official")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


class Subscriber:
    """One client's mailbox: only the newest message waits, so a slow client skips boards instead
    of queueing them."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.pending: Message | None = None
        self.closed = False
        self.ready = asyncio.Event()

    def put(self, message: Message | None) -> None:
        if message is None:
            self.closed = True
        else:
            self.pending = message
        self.ready.set()

    async def get(self) -> Message | None:
        await self.ready.wait()
        self.ready.clear()
        message, self.pending = self.pending, None
        return message


class Hub:
    """Topics (a race board, a day) with their subscribers; renders each new board once per topic."""

    def __init__(self, ledgers: Ledgers, render: Callable[[str], Message]) -> None:
        self.ledgers = ledgers
        self.render = render
        self.topics: dict[str, set[Subscriber]] = {}
        self.last: dict[str, str] = {}
        #: The last message of each topic with subscribers: a new subscriber at the same position
        #: gets it, rendered once for all of them.
        self.messages: dict[str, Message] = {}
        #: The last board each topic pushed (or its first snapshot): what its clients show, and
        #: what the next board's patch starts from.
        self.pushed: dict[str, Message] = {}
        #: Closed (the server stops): a new stream ends after its first events.
        self.closed = False
        ledgers.listeners.append(self.publish)

    def subscribe(self, topic: str) -> Subscriber:
        sub = Subscriber(topic)
        self.topics.setdefault(topic, set()).add(sub)
        if self.closed:
            sub.put(None)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self.topics.get(sub.topic)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.topics[sub.topic]
                self.last.pop(sub.topic, None)
                self.messages.pop(sub.topic, None)
                self.pushed.pop(sub.topic, None)

    def snapshot(self, topic: str) -> Message:
        self.ledgers.refresh()
        message = self.messages.get(topic)
        if message is None or message.position != self.ledgers.position:
            message = self.messages[topic] = self.render(topic)
        self.last.setdefault(topic, message.content)
        self.pushed.setdefault(topic, message)
        return message

    def resumed(self, topic: str, held: int, snapshot: Message) -> Message | None:
        """The patch for a client that shows the topic's board as of ``held`` to the ``snapshot``
        (None: it cannot be patched, it gets the whole board)."""
        pushed = self.pushed.get(topic)
        if pushed is None or not pushed.position <= held < snapshot.position:
            return None
        if self.last.get(topic) != snapshot.content:
            return None
        message = snapshot.patched(pushed)
        return message if message.patches(held) else None

    def publish(self, position: int) -> None:
        del position  # every topic is rendered at the live position
        for topic, subs in list(self.topics.items()):
            try:
                message = self.render(topic)
            except Exception:
                LOG.exception("cannot render %s", topic)
                continue
            self.messages[topic] = message
            if self.last.get(topic) == message.content:
                continue  # nothing this topic shows changed
            self.last[topic] = message.content
            before = self.pushed.get(topic)
            if before is not None:
                message = self.messages[topic] = message.patched(before)
            self.pushed[topic] = message
            for sub in subs:
                sub.put(message)

    def close(self) -> None:
        self.closed = True
        for subs in self.topics.values():
            for sub in subs:
                sub.put(None)

    async def poll(self, interval: float, wake: asyncio.Event | None = None,
                   changed: Callable[[], bool] | None = None) -> None:
        """The one poller of the newest position, for all clients: every ``interval`` seconds, and
        at once whenever ``wake`` is set (PostgreSQL's notifications,
        :func:`ledger.store.notifier.listen_for_appends`); with ``changed`` (SQLite's data version,
        :func:`ledger.store.notifier.sqlite_watch`) the log is read only when it says another
        connection committed."""
        while True:
            if wake is None:
                await asyncio.sleep(interval)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), interval)
                wake.clear()
            try:
                if changed is not None and not changed():
                    continue
            except sqlite3.Error:
                LOG.exception("cannot read the ledger file's data version")
            try:
                self.ledgers.refresh()
            except Exception:
                LOG.exception("cannot read the newest position")
