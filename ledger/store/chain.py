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


def encode(previous: bytes, position: int, originator_id: UUID | str, version: int, topic: str,
           state: bytes | str) -> bytes:
    """The bytes that are hashed for one link (see the module docstring). A state read back as
    text (SQLite keeps what it is given: an edit behind our back may store text) is its UTF-8."""
    if isinstance(state, str):
        state = state.encode("utf-8")
    if len(previous) != HASH_SIZE:
        raise ValueError(f"a chain hash has {HASH_SIZE} bytes, not {len(previous)}")
    ident = id_text(originator_id).encode("utf-8")
    name = topic.encode("utf-8")
    return b"".join((
        DOMAIN, previous,
        struct.pack(">Q", position),
        struct.pack(">I", len(ident)), ident,
        struct.pack(">Q", version),
        struct.pack(">I", len(name)), name,
        struct.pack(">Q", len(state)), bytes(state),
    ))


def link(previous: bytes, position: int, originator_id: UUID | str, version: int, topic: str,
         state: bytes | str) -> bytes:
    """The chain hash of one event, given the chain hash of the event before it."""
    return hashlib.sha256(encode(previous, position, originator_id, version, topic, state)).digest()


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
