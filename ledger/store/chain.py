"""The hash chain over the log (docs/decisions/0007-tamper-evidence.md).

Every stored event has a chain hash: SHA-256 over the previous event's chain hash and the event's
position, aggregate id, version, topic and state bytes, in this canonical encoding (version 1)::

    b"skate-ledger chain v1\\n"            22 bytes, ASCII, a domain tag
    previous chain hash                    32 bytes; 32 zero bytes before the first event
    position                               8 bytes, unsigned big-endian
    len(id) ‖ id                           4 bytes unsigned big-endian ‖ UTF-8 of the id: a UUID as
                                           its lower-case hyphenated 36 characters, text as it is
    originator_version                     8 bytes, unsigned big-endian
    len(topic) ‖ topic                     4 bytes unsigned big-endian ‖ UTF-8
    len(state) ‖ state                     8 bytes unsigned big-endian ‖ the stored bytes exactly

"Previous" is the event at the greatest position below this one that exists: PostgreSQL positions
may have gaps, and the chain runs over the positions that exist (the position is hashed, so a gap
cannot be moved). Hashes are shown and exported as 64 lower-case hex digits.

This module is pure: it encodes, links and walks; the recorders (``ledger.store.recorders``) store the
hashes, and ``ledger.store.verify`` reads them back.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import attrs

DOMAIN = b"skate-ledger chain v1\n"
GENESIS = bytes(32)
HASH_SIZE = 32


def id_text(originator_id: UUID | str) -> str:
    """The canonical text of an aggregate id: a UUID in its lower-case hyphenated form."""
    return str(originator_id) if isinstance(originator_id, UUID) else originator_id


_PACK_Q = struct.Struct(">Q").pack
_PACK_I = struct.Struct(">I").pack


def encode(previous: bytes, position: int, originator_id: UUID | str, version: int, topic: str,
           state: bytes | str) -> bytes:
    """The bytes that are hashed for one link (see the module docstring). A state read back as
    text (SQLite keeps what it is given: an edit behind our back may store text) is its UTF-8."""
    if len(previous) != HASH_SIZE:
        raise ValueError(f"a chain hash has {HASH_SIZE} bytes, not {len(previous)}")
    return b"".join((DOMAIN, previous, _PACK_Q(position), sized(id_text(originator_id)),
                     _PACK_Q(version), sized(topic), *sized_state(state)))


def sized(text: str) -> bytes:
    """A text as the chain encodes it: its UTF-8 length in 4 bytes, then the UTF-8."""
    data = text.encode("utf-8")
    return _PACK_I(len(data)) + data


def sized_state(state: bytes | str) -> tuple[bytes, bytes]:
    """A state as the chain encodes it: its length in 8 bytes, then the bytes."""
    data = state.encode("utf-8") if isinstance(state, str) else bytes(state)
    return _PACK_Q(len(data)), data


def link(previous: bytes, position: int, originator_id: UUID | str, version: int, topic: str,
         state: bytes | str) -> bytes:
    """The chain hash of one event, given the chain hash of the event before it."""
    return hashlib.sha256(encode(previous, position, originator_id, version, topic, state)).digest()


class Linker:
    """:func:`link` in a tight loop, for a restore's millions of events: the encoded id and topic
    of an aggregate or a kind of event are kept (a race's id recurs in a hundred events, a topic
    in thousands), so one link costs a join and a SHA-256. The same bytes as :func:`encode`."""

    def __init__(self) -> None:
        self.parts: dict[UUID | str, bytes] = {}
        #: the last aggregate id linked, and its part: a run of one aggregate's events shares one
        #: id object (held here, so ``is`` cannot mistake another object for it)
        self.last: tuple[UUID | str | None, bytes] = (None, b"")

    def part(self, text: UUID | str) -> bytes:
        found = self.parts.get(text)
        if found is None:
            if len(self.parts) >= 1 << 16:
                self.parts.clear()
            found = self.parts[text] = sized(id_text(text))
        return found

    def link(self, previous: bytes, position: int, originator_id: UUID | str, version: int,
             topic: str, state: bytes | str) -> bytes:
        parts = self.parts
        last, ident = self.last
        if originator_id is not last:
            ident = parts.get(originator_id) or self.part(originator_id)
            self.last = (originator_id, ident)
        name = parts.get(topic) or self.part(topic)
        if type(state) is not bytes or len(previous) != HASH_SIZE:
            return link(previous, position, originator_id, version, topic, state)
        return _SHA256(b"".join((DOMAIN, previous, _PACK_Q(position), ident, _PACK_Q(version), name,
                                 _PACK_Q(len(state)), state))).digest()

    def chain(self, previous: bytes, rows: Iterable[tuple[int, UUID | str, int, str, bytes | str]]
              ) -> list[tuple[int, bytes]]:
        """The chain rows ``(position, hash)`` of events in position order, after ``previous``."""
        linked = self.link
        out = []
        for position, originator_id, version, topic, state in rows:
            previous = linked(previous, position, originator_id, version, topic, state)
            out.append((position, previous))
        return out


_SHA256 = hashlib.sha256


def link_notification(previous: bytes, note: Any) -> bytes:
    """:func:`link` for a stored notification (``id``, ``originator_id``, ``originator_version``,
    ``topic``, ``state``)."""
    return link(previous, note.id, note.originator_id, note.originator_version, note.topic, note.state)


@attrs.frozen
class Checkpoint:
    """A signed statement that the log held ``hash`` at ``position`` at ``signed_at`` (ISO 8601,
    UTC); ``public_key`` (raw Ed25519, 32 bytes) and ``signature`` (64 bytes): ``ledger.store.signing``."""

    position: int
    hash: bytes
    signed_at: str
    public_key: bytes
    signature: bytes


@attrs.frozen
class Breach:
    """The first position at which the log and its chain disagree, and how."""

    position: int | None  # None: the problem is not at one position (no checkpoint by this key)
    problem: str

    def __str__(self) -> str:
        return self.problem if self.position is None else f"position {self.position}: {self.problem}"


@attrs.frozen
class Walked:
    """What a walk of the chain found: the last good link, the count, and the first breach."""

    events: int
    head: tuple[int, bytes] | None
    breach: Breach | None
    hashes: dict[int, bytes]  # the recomputed hash at each position asked for in ``keep``


def walk(notifications: Iterable[Any], chain: Iterable[tuple[int, bytes]],
         keep: frozenset[int] = frozenset()) -> Walked:
    """Recompute the chain from the events (in position order) and compare it with the stored
    hashes (in position order); stop at the first position that fails.

    A position with an event but no stored hash was inserted around the ledger; a stored hash
    without an event means the event was deleted; a hash that differs means the event, an event
    before it, or the stored hash was changed.
    """
    previous = GENESIS
    count = 0
    head: tuple[int, bytes] | None = None
    kept: dict[int, bytes] = {}
    events = iter(notifications)
    hashes = iter(chain)
    note = next(events, None)
    stored = next(hashes, None)
    last_position = 0
    while note is not None or stored is not None:
        if note is not None and note.id <= last_position:
            return Walked(count, head, Breach(note.id, "the log is out of order"), kept)
        if stored is None or (note is not None and note.id < stored[0]):
            assert note is not None
            return Walked(count, head, Breach(note.id, "an event without a chain hash "
                                                       "(inserted outside the ledger)"), kept)
        if note is None or stored[0] < note.id:
            return Walked(count, head, Breach(stored[0], "a chain hash without its event "
                                                         "(the event was deleted)"), kept)
        expected = link_notification(previous, note)
        if expected != bytes(stored[1]):
            return Walked(count, head, Breach(note.id, "the event does not match its chain hash "
                                                       "(the event or its hash was changed, or an "
                                                       "event before it changed or removed)"), kept)
        if note.id in keep:
            kept[note.id] = expected
        previous = expected
        last_position = note.id
        count += 1
        head = (note.id, expected)
        note = next(events, None)
        stored = next(hashes, None)
    return Walked(count, head, None, kept)
