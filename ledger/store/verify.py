"""Checking the log against its hash chain and signed checkpoints (docs/decisions/0007).

``verify_ledger`` reads a ledger's events and stored chain hashes through its recorder;
``verify_export`` reads an exported JSONL file, offline. Both recompute the chain from the events,
compare it with the stored (or exported) hashes, and check each checkpoint: its signature, and that
the log still holds its hash at its position. The verdict names the first position that fails.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs
import orjson
from eventsourcing.persistence import ApplicationRecorder, Notification

from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.store.chain import Breach, Checkpoint, Walked, walk
from ledger.store.recorders import ChainedRecorder, chained
from ledger.store.signing import NothingToSignError, sign, signature_holds

if TYPE_CHECKING:  # cryptography is imported when a key signs (ledger/store/signing.py)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

READ_BATCH = 1000


@attrs.frozen
class Verdict:
    events: int
    head: tuple[int, bytes] | None
    checkpoints: int
    breach: Breach | None

    @property
    def intact(self) -> bool:
        return self.breach is None

    def summary(self, what: str) -> str:
        if self.breach is not None:
            where = "" if self.breach.position is None else f" at position {self.breach.position}"
            return f"{what} is tampered{where}: {self.breach.problem}"
        head = f"; head at position {self.head[0]}, hash {self.head[1].hex()}" if self.head else ""
        return (f"{what} is intact: {self.events} event(s) chained{head}; "
                f"{self.checkpoints} signed checkpoint(s) verified")


def notifications(recorder: ApplicationRecorder) -> Iterator[Notification]:
    start = 1
    while True:
        batch = recorder.select_notifications(start=start, limit=READ_BATCH)
        yield from batch
        if len(batch) < READ_BATCH:
            return
        start = batch[-1].id + 1


def stored_chain(recorder: ChainedRecorder) -> Iterator[tuple[int, bytes]]:
    start = 1
    while True:
        batch = recorder.select_chain(start, READ_BATCH)
        yield from batch
        if len(batch) < READ_BATCH:
            return
        start = batch[-1][0] + 1


# -- one fact id, one content -----------------------------------------------------------------------
FACT_ID = b'"fact_id"'
POSITION_BITS = 40


FACT_HEX = b'"fact_id":{"_type_":"uuid_hex","_data_":"'
RECORDED = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


def fact_of(topic: str, state: bytes) -> tuple[str, bytes] | None:
    """The fact id (hex) of a stored event that records a fact, and a digest of its content (the
    topic and the state without the moment it was recorded); None for an event without a fact id.

    The state as the ledger's transcoder writes it is read without parsing it (the timestamp
    first, the fact id as hex); any other spelling is parsed."""
    found = fact_content(state)
    if found is None:
        return None
    fid, content = found
    return fid, hashlib.blake2b(topic.encode() + b"\0" + content, digest_size=8).digest()


def fact_key(topic: str, state: bytes) -> tuple[str, int] | None:
    """:func:`fact_of` with the content's digest as this process's ``hash`` (64 bits, keyed by
    the interpreter at start-up): the same facts are told apart as well within one process, at a
    fraction of the cost (a restore compares a million). Never store or compare it across
    processes."""
    found = fact_content(state)
    if found is None:
        return None
    fid, content = found
    return fid, hash((topic, content))


def fact_content(state: bytes) -> tuple[str, bytes] | None:
    """The fact id (hex) of a stored event's state, and its content: the state's bytes after
    the moment it was recorded (the same bytes for the transcoder's spelling and any other)."""
    at = state.find(FACT_HEX)
    if at >= 0 and state.startswith(RECORDED):
        fid = state[at + len(FACT_HEX):at + len(FACT_HEX) + 32].decode("ascii", "replace")
        return fid, state[state.index(b"}", len(RECORDED)) + 1:]
    if FACT_ID not in state:
        return None
    try:
        obj = orjson.loads(state)
    except orjson.JSONDecodeError:
        return None  # an unreadable event: the chain (or the reader) says so
    held = obj.pop("fact_id", None) if isinstance(obj, dict) else None
    if held is None:
        return None
    fid = str(held.get("_data_", held) if isinstance(held, dict) else held)
    obj.pop("timestamp", None)
    return fid, b"," + orjson.dumps(obj)[1:]  # as the fast path sees it: after the timestamp


class OneContent:
    """Watches a log go by, in order: the first position where a fact id of an aggregate comes
    again with other content (the rules refuse that, so it was put there around them)."""

    def __init__(self) -> None:
        # hash of (aggregate, fact id) → content digest and first position, packed in one int
        self.seen: dict[int, int] = {}
        self.breach: Breach | None = None

    def see(self, position: int, originator_id: object, topic: str, state: bytes) -> None:
        if self.breach is not None:
            return
        try:
            found = fact_of(topic, state.encode() if isinstance(state, str) else bytes(state))
        except (TypeError, ValueError):
            return  # a row not as the ledger writes it: the chain says where
        if found is None:
            return
        fid, digest = found
        key = hash((originator_id, fid))  # 64 bits: two facts sharing one is not to be expected
        packed = int.from_bytes(digest) << POSITION_BITS | position
        held = self.seen.setdefault(key, packed)
        if held >> POSITION_BITS != packed >> POSITION_BITS:
            first = held & ((1 << POSITION_BITS) - 1)
            self.breach = Breach(position, f"fact {fid} is recorded at position {first} and again "
                                           "here with other content (one fact id holds one fact)")


def verify_ledger(recorder: ApplicationRecorder, public_key: bytes | None = None,
                  more_checkpoints: Sequence[Checkpoint] = ()) -> Verdict:
    """The whole log of a ledger (``app.recorder``) against its chain and its checkpoints (and any
    checkpoints kept elsewhere)."""
    store = chained(recorder)
    checkpoints = [*store.select_checkpoints(), *more_checkpoints]
    read: list[int] = []
    facts = OneContent()

    def events() -> Iterator[Notification]:
        for note in notifications(recorder):
            read.append(note.id)
            facts.see(note.id, note.originator_id, note.topic, note.state)
            yield note
    try:
        walked = walk(events(), stored_chain(store), frozenset(c.position for c in checkpoints))
    except Exception as e:  # noqa: BLE001 - a row the library cannot read back was put there by hand
        after = f" after position {read[-1]}" if read else ""
        return Verdict(len(read), None, len(checkpoints),
                       Breach(None, f"the stored log cannot be read{after} ({type(e).__name__}: {e})"))
    if walked.breach is None:
        walked = attrs.evolve(walked, breach=stray_act(store, frozenset(read)) or facts.breach)
    return judge(walked, checkpoints, public_key)


def stray_act(store: ChainedRecorder, positions: frozenset[int]) -> Breach | None:
    """An author's note (``ledger_acts``, decision 0008) names a position the log does not hold:
    its event was deleted (with its chain hash: the chain alone cannot see the last events go),
    or the note was put there by hand. Notes are written in their events' transaction."""
    stray = next((act[0] for act in store.select_acts() if act[0] not in positions), None)
    if stray is None:
        return None
    return Breach(stray, "an author's note (ledger_acts) without its event "
                         "(the event was deleted, or the note forged)")


def judge(walked: Walked, checkpoints: Sequence[Checkpoint], public_key: bytes | None) -> Verdict:
    found = [walked.breach] if walked.breach else []
    for checkpoint in checkpoints:
        problem = checkpoint_problem(checkpoint, walked, public_key)
        if problem:
            found.append(Breach(checkpoint.position, problem))
    if public_key is not None and not checkpoints:
        found.append(Breach(None, "no checkpoint is signed by the given key (checkpoints removed?)"))
    first = min(found, key=lambda b: -1 if b.position is None else b.position) if found else None
    return Verdict(walked.events, walked.head, len(checkpoints), first)


def checkpoint_problem(checkpoint: Checkpoint, walked: Walked, public_key: bytes | None) -> str | None:
    said = f"the checkpoint signed at {checkpoint.signed_at}"
    if not signature_holds(checkpoint, public_key):
        whose = "the given key" if public_key is not None else "its key"
        return f"{said} is not signed by {whose} (forged or altered checkpoint)"
    if walked.breach is not None and (walked.breach.position or 0) <= checkpoint.position:
        return None  # the chain fails first; what comes after it is not vouched for
    held = walked.hashes.get(checkpoint.position)
    if held is None:
        return f"{said} names a position the log no longer holds (events deleted)"
    if held != checkpoint.hash:
        return f"{said} vouches for another hash here (the log was rewritten)"
    return None


# -- exported files -------------------------------------------------------------------------------
@attrs.frozen
class ExportedEvent:
    """An exported line as a notification: what the chain hashes."""

    id: int
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes
    hash: bytes | None
    line: int


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def exported_event(name: str, number: int, raw: str) -> ExportedEvent:
    """One line of an export; an unreadable line is a breach at the line (there is no position)."""
    try:
        obj = json.loads(raw)
        position, version, topic, state = obj["position"], obj["version"], obj["topic"], obj["state"]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (position, version)):
            raise ValueError
        if not isinstance(topic, str) or not isinstance(state, dict):
            raise ValueError
        try:
            aggregate: UUID | str = UUID(str(obj["aggregate_id"]))
        except ValueError:
            aggregate = str(obj["aggregate_id"])
        held = obj.get("hash")
        chain_hash = bytes.fromhex(held) if isinstance(held, str) else None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidInputError(f"{name}:{number}: is not an exported ledger event") from None
    return ExportedEvent(position, aggregate, version, topic, dumps(state).encode(), chain_hash, number)


def read_export(path: Path) -> list[ExportedEvent]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"{path}: cannot be read ({e})") from None
    return [exported_event(str(path), number, raw)
            for number, raw in enumerate(text.splitlines(), start=1) if raw.strip()]


def export_chain(events: Iterable[ExportedEvent]) -> Iterator[tuple[int, bytes]]:
    for event in events:
        if event.hash is not None:
            yield event.id, event.hash


def verify_export(path: Path, public_key: bytes | None = None,
                  checkpoints: Sequence[Checkpoint] = ()) -> Verdict:
    """An exported JSONL file, offline: its lines' hashes against the events they carry, and the
    checkpoints given (kept apart from the file: an export holds none)."""
    if public_key is not None and not checkpoints:
        raise InvalidInputError("verify --export with --public-key needs the checkpoints to check "
                                "(--checkpoint FILE, as 'checkpoint' printed them)")
    events = read_export(path)
    return verify_exported(events, public_key, checkpoints)


def verify_exported(events: Sequence[ExportedEvent], public_key: bytes | None = None,
                    checkpoints: Sequence[Checkpoint] = (), facts: bool = True) -> Verdict:
    """The chain of exported events (and, with ``facts``, one content for each fact id)."""
    walked = walk(events, export_chain(events), frozenset(c.position for c in checkpoints))
    if walked.breach is None and facts:
        contents = OneContent()
        for event in events:
            contents.see(event.id, event.originator_id, event.topic, event.state)
        walked = attrs.evolve(walked, breach=contents.breach)
    return judge(walked, checkpoints, public_key)


# -- signing the head -----------------------------------------------------------------------------
class TamperedError(LedgerError, ValueError):
    """Raised when the log fails its chain or a checkpoint: nothing is signed or appended."""


def sign_head(recorder: ApplicationRecorder, key: Ed25519PrivateKey) -> Checkpoint:
    """Verify the whole log, then sign and store a checkpoint of its head."""
    verdict = verify_ledger(recorder)
    if verdict.breach is not None:
        raise TamperedError(f"{verdict.summary('the ledger')}; no checkpoint signed")
    if verdict.head is None:
        raise NothingToSignError("the ledger is empty: there is nothing to sign")
    checkpoint = sign(key, *verdict.head)
    chained(recorder).insert_checkpoint(checkpoint)
    return checkpoint
