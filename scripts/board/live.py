"""The board server's read side: one live view of the ledger, snapshots for any past basis (a race's
pages read only that race's stream instead), the day's timeline for replay, and the hub that
pushes new boards to server-sent-event clients.

Everything here runs on the server's one event loop, so the live state is never read while it is
being folded. New facts are noticed by one poller of the newest position, shared by all clients:
on a SQLite file it asks the file's data version (a PRAGMA, no read of the log) every 20 ms and
reads the log only when another connection committed; on PostgreSQL a thread LISTENs to the
channel our recorder NOTIFYs in every appending transaction and wakes the poller at once, which
then looks only every second when nothing is heard (a safety net for a dropped connection);
both watchers are the store's (ledger/store/notifier.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

import attrs

from ledger.application import Ledger
from projections.basis import Basis
from projections.reading import race_state_at, state_at
from projections.runner import LiveView
from projections.snapshots import SnapshotStore
from projections.state import LedgerState
from projections.timeline import Step, step_of

LOG = logging.getLogger("skate_ledger.board")
#: Events between two snapshots: a past board folds fewer than this many after a restore.
SNAPSHOT_EVERY = 100
#: At most this many snapshots in memory: past it they thin out and their spacing doubles.
SNAPSHOT_LIMIT = 256


class Ledgers:
    """The ledger as the board reads it: now (a live view) and as of any basis (snapshots)."""

    def __init__(self, app: Ledger, every: int = SNAPSHOT_EVERY,
                 limit: int = SNAPSHOT_LIMIT) -> None:
        self.app = app
        self.live = LiveView()
        self.snapshots = SnapshotStore(every, limit=limit)
        self.timeline: list[Step] = []
        self.listeners: list[Callable[[int], None]] = []
        self.refresh()

    @property
    def position(self) -> int:
        return self.live.state.position

    def refresh(self) -> int:
        """Fold what was appended since the last look; tell the listeners when there was something."""
        if self.app.last_position() <= self.position:
            return self.position
        self.live.catch_up(self.app, self.note)  # the one catch-up of the read side, and its law
        for listener in self.listeners:
            listener(self.position)
        return self.position

    def note(self, state: LedgerState, position: int, event: Any) -> None:
        step = step_of(state, position, event)
        if step is not None:
            self.timeline.append(step)

    def state(self, basis: Basis) -> LedgerState:
        """The ledger as of ``basis`` (which facts were known; the race moment is the views' part)."""
        if basis.position is None and basis.known_at is None:
            self.refresh()
            return self.live.state
        return state_at(self.app, Basis(position=basis.position, known_at=basis.known_at),
                        self.snapshots)

    def race_state(self, key: str, basis: Basis, *, marks: bool = False, bests: bool = False,
                   competition: bool = False) -> LedgerState:
        """The ledger as of ``basis`` as the pages of race ``key`` read it: now, the live view;
        at a past basis, only that race's stream (and, with ``marks``, ``bests`` and
        ``competition``, what its marks, bests and qualification read:
        ``projections.reading.race_state_at``), equal for
        that race to the whole ledger's state, and no snapshot needed."""
        if basis.position is None and basis.known_at is None:
            self.refresh()
            return self.live.state
        return race_state_at(self.app, key, Basis(position=basis.position, known_at=basis.known_at),
                             marks=marks, bests=bests, competition=competition)

    def steps(self, competition: str) -> list[Step]:
        self.refresh()
        return [s for s in self.timeline if s.competition == competition]


@attrs.frozen
class Message:
    """One rendered board of a topic at a position, encoded once for every client."""

    position: int
    data: str
    content: str  # what the clients show (the rendered fragment): unchanged, nothing is pushed
    #: The encoded frames, by event name: encoded once, not once per client (500 clients: 12 ms).
    frames: dict[str, bytes] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    def frame(self, event: str) -> bytes:
        encoded = self.frames.get(event)
        if encoded is None:
            text = f"id: {self.position}\nevent: {event}\ndata: {self.data}\n\n"
            encoded = self.frames[event] = text.encode()
        return encoded


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
        ledgers.listeners.append(self.publish)

    def subscribe(self, topic: str) -> Subscriber:
        sub = Subscriber(topic)
        self.topics.setdefault(topic, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self.topics.get(sub.topic)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.topics[sub.topic]
                self.last.pop(sub.topic, None)

    def snapshot(self, topic: str) -> Message:
        self.ledgers.refresh()
        message = self.render(topic)
        self.last.setdefault(topic, message.content)
        return message

    def publish(self, position: int) -> None:
        del position  # every topic is rendered at the live position
        for topic, subs in list(self.topics.items()):
            try:
                message = self.render(topic)
            except Exception:
                LOG.exception("cannot render %s", topic)
                continue
            if self.last.get(topic) == message.content:
                continue  # nothing this topic shows changed
            self.last[topic] = message.content
            for sub in subs:
                sub.put(message)

    def close(self) -> None:
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
