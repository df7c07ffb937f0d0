"""Results sheets that carry their checkpoint, and the offline check of one (docs/decisions/0007).

``standings RACE --format json --checkpoint`` adds to the sheet a ``checkpoint`` object — the
sheet's position, the chain hash there and, when the ledger holds a checkpoint signed at exactly that
position or ``--sign`` asks for one, its signature and public key — and the ``notation`` its times
are written in. ``verify --sheet SHEET --export FILE [--public-key FILE]`` then checks, with no
database: the signature; the export's chain up to the sheet's position, and that its hash there is
the sheet's; and the sheet's rows against the standings folded from the export as of that position.
The first thing that fails is named in one line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.domain.timing import Notation
from ledger.domain.values import parse_datetime
from ledger.store.chain import HASH_SIZE, Checkpoint, walk
from ledger.store.recorders import chained
from ledger.store.signing import NothingToSignError, checkpoint_json, sign, signature_holds
from ledger.store.verify import ExportedEvent, TamperedError, export_chain, verify_ledger
from projections import reading
from projections.basis import Basis
from projections.leaderboard import leaderboard, standings_at
from projections.sheet import notes_by_row, sheet_head
from projections.state import LedgerState
from scripts import output
from scripts.sheet import (
    Printed,
    chain_hash_at,
    page_text_rows,
    printed_rows,
    qr_payload,
    read_printed,
    render_html,
    stored_checkpoint,
)

if TYPE_CHECKING:  # cryptography is imported when a key signs (ledger/store/signing.py)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

NOTATIONS = ("iso", "nl")


class SheetMismatchError(LedgerError, ValueError):
    """Raised when a results sheet does not hold against the ledger's export: its checkpoint, its
    signature or one of its rows."""


# -- issuing ----------------------------------------------------------------------------------------
def sheet_checkpoint(app: Ledger, position: int, key: Ed25519PrivateKey | None) -> dict[str, Any]:
    """The checkpoint a sheet as of ``position`` carries. The whole log is verified first; with
    ``key`` a new checkpoint of that position is signed and stored, else a stored one signed at
    exactly that position is carried, else the position and hash alone."""
    verdict = verify_ledger(app.recorder)
    if verdict.breach is not None:
        raise TamperedError(f"{verdict.summary('the ledger')}; no checkpoint given")
    if position == 0:
        raise NothingToSignError("the sheet is at position 0: there is nothing to vouch for")
    if key is not None:
        store = chained(app.recorder)
        signed = sign(key, position, chain_hash_at(app, position))
        store.insert_checkpoint(signed)
        return checkpoint_json(signed)
    return stored_checkpoint(app, position)


def checkpoint_line(checkpoint: dict[str, Any]) -> str:
    """The checkpoint under a table."""
    signed = (f"; signed {checkpoint['signed_at']} by key {checkpoint['public_key']}"
              if checkpoint.get("signature") else "; not signed")
    return f"checkpoint: position {checkpoint['position']}, chain hash {checkpoint['hash']}{signed}"


# -- checking -----------------------------------------------------------------------------------------
def read_sheet(path: Path) -> tuple[dict[str, Any], Printed | None]:
    """A results sheet: JSON (``standings --format json --checkpoint``), or a printed one (``sheet``,
    HTML or PDF) with the data it carries."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot be read ({e})") from None
    printed = read_printed(path, raw)
    if printed is not None:
        return shaped(path, printed.data), printed
    try:
        sheet = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InvalidInputError(f"{path}: cannot be read ({e})") from None
    except (ValueError, RecursionError):
        raise InvalidInputError(f"{path}: is not JSON, an HTML or a PDF sheet") from None
    return shaped(path, sheet), None


def shaped(path: Path, sheet: Any) -> dict[str, Any]:
    shape = (isinstance(sheet, dict) and isinstance(sheet.get("race"), str)
             and isinstance(sheet.get("basis"), dict) and isinstance(sheet.get("rows"), list)
             and all(isinstance(row, dict) for row in sheet["rows"]))
    if not shape:
        raise InvalidInputError(f"{path}: is not a results sheet (standings --format json)")
    if not isinstance(sheet.get("checkpoint"), dict):
        raise InvalidInputError(f"{path}: carries no checkpoint "
                                "(standings --format json --checkpoint writes one)")
    found: dict[str, Any] = sheet
    return found


def sheet_checkpoint_of(path: Path, sheet: dict[str, Any]) -> tuple[int, bytes, Checkpoint | None]:
    """The sheet's position and chain hash, and its signed checkpoint if it carries one."""
    held = sheet["checkpoint"]
    try:
        position, chain_hash = held["position"], bytes.fromhex(held["hash"])
        if not isinstance(position, int) or isinstance(position, bool) or position < 1:
            raise ValueError
        if len(chain_hash) != HASH_SIZE:
            raise ValueError
        if held.get("signature") is None:
            return position, chain_hash, None
        return position, chain_hash, Checkpoint(
            position=position, hash=chain_hash, signed_at=str(held["signed_at"]),
            public_key=bytes.fromhex(held["public_key"]), signature=bytes.fromhex(held["signature"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidInputError(f"{path}: its checkpoint is not a position, a 64-digit hash and "
                                "(if signed) signed_at, public_key and signature") from None


def check_signature(signed: Checkpoint | None, public_key: bytes | None) -> str:
    if signed is None:
        if public_key is not None:
            raise SheetMismatchError("the sheet's checkpoint is not signed, and --public-key asks "
                                     "for one signed by that key")
        return "not signed"
    if not signature_holds(signed, public_key):
        whose = "the given key" if public_key is not None else "its key"
        raise SheetMismatchError(f"the sheet's checkpoint is not signed by {whose} "
                                 "(forged or altered checkpoint)")
    return f"signed {signed.signed_at} by key {signed.public_key.hex()}"


def check_chain(what: str, events: Sequence[ExportedEvent], position: int, chain_hash: bytes) -> None:
    upto = [e for e in events if e.id <= position]
    walked = walk(upto, export_chain(upto), frozenset({position}))
    if walked.breach is not None:
        raise SheetMismatchError(f"{what} is tampered at {walked.breach}")
    held = walked.hashes.get(position)
    if held is None:
        raise SheetMismatchError(f"{what} holds no event at the sheet's position {position}")
    if held != chain_hash:
        raise SheetMismatchError(f"the sheet's chain hash at position {position} is not {what}'s "
                                 "(the sheet, its checkpoint or the log was altered)")


def fold(what: str, events: Sequence[ExportedEvent], position: int,
         basis: Basis | None = None) -> tuple[LedgerState, Any]:
    """The state as of ``position``, and the first event after it (None at the end). On a known-at
    basis, the state as known at it (every event of the export known by then, decision 0014),
    whatever its position: :func:`check_known_at` compares the two."""
    decoded = decode(what, events)
    if basis is not None and basis.known_at is not None:
        return reading.fold(decoded, known_at=basis.known_at), None
    after: list[Any] = []

    def upto() -> Iterator[tuple[int, Any]]:
        for pair in decoded:
            if pair[0] > position:
                after.append(pair[1])
                return
            yield pair

    state = reading.fold(upto())
    return state, after[0] if after else None


def decode(what: str, events: Iterable[ExportedEvent]) -> Iterator[tuple[int, Any]]:
    """The exported events as (position, domain event), decoded one by one as they are read."""
    mapper = build_app("memory").mapper
    for event in events:
        try:
            domain = mapper.to_domain_event(StoredEvent(
                originator_id=event.originator_id, originator_version=event.originator_version,
                topic=event.topic, state=event.state))
        except Exception as e:  # noqa: BLE001 - whatever stops the decoding, the line is unreadable
            raise SheetMismatchError(f"{what}: line {event.line} is not an event this ledger "
                                     f"knows ({e})") from None
        yield event.id, domain


def basis_of(path: Path, sheet: dict[str, Any], position: int) -> Basis:
    basis = sheet["basis"]
    if basis.get("position") != position:
        raise SheetMismatchError(f"the sheet's basis position {basis.get('position')!r} is not its "
                                 f"checkpoint's position {position}")
    at_m, after_pair, known_at = basis.get("at_m"), basis.get("after_pair"), basis.get("known_at")
    for name, value in (("at_m", at_m), ("after_pair", after_pair)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise InvalidInputError(f"{path}: basis {name} is not a whole number")
    if known_at is not None and not isinstance(known_at, str):
        raise InvalidInputError(f"{path}: basis known_at is not a time")
    return Basis(known_at=parse_datetime(known_at) if known_at else None, at_m=at_m,
                 after_pair=after_pair)


def check_known_at(basis: Basis, state: LedgerState, position: int) -> None:
    """As known at T resolves to the last fact known by T: that must be the sheet's position."""
    if basis.known_at is None or state.position == position:
        return
    if state.position < position:
        raise SheetMismatchError(f"the sheet's position {position} was recorded after its "
                                 f"known_at {basis.known_at.isoformat()}")
    raise SheetMismatchError(f"the ledger knew more than position {position} at the sheet's "
                             f"known_at {basis.known_at.isoformat()}")


def check_rows(sheet: dict[str, Any], expected: dict[str, Any]) -> None:
    rows, want = sheet["rows"], expected["rows"]
    for number, (have, should) in enumerate(zip(rows, want, strict=False), start=1):
        for key in [*should, *(k for k in have if k not in should)]:
            if have.get(key) != should.get(key):
                raise SheetMismatchError(
                    f"row {number} of the sheet ({json.dumps(have.get('skater'))}): {key} is "
                    f"{json.dumps(have.get(key))} on the sheet, {json.dumps(should.get(key))} in the "
                    "ledger")
    if len(rows) != len(want):
        raise SheetMismatchError(f"the sheet has {len(rows)} row(s), the ledger {len(want)}")


def verify_sheet(path: Path, what: str, events: Sequence[ExportedEvent],
                 public_key: bytes | None) -> str:
    """Check a results sheet against the exported log; one line when it holds, else raise naming
    the first thing that fails."""
    sheet, printed = read_sheet(path)
    position, chain_hash, signed = sheet_checkpoint_of(path, sheet)
    signature = check_signature(signed, public_key)
    check_chain(what, events, position, chain_hash)
    basis = basis_of(path, sheet, position)
    notation = sheet.get("notation", "iso")
    if notation not in NOTATIONS:
        raise InvalidInputError(f"{path}: notation {notation!r} is not iso or nl")
    state, _after = fold(what, events, position, basis)
    check_known_at(basis, state, position)
    race = sheet["race"]
    if state.sheet(race) is None:
        raise SheetMismatchError(f"race {race!r} is not in {what} at position {position}")
    board = (standings_at(state, race, basis.at_m, basis.after_pair) if basis.at_m is not None
             else leaderboard(state, race, basis.after_pair))
    expected = output.board_json(board, basis, cast(Notation, notation))
    if any("marks" in row for row in sheet["rows"]):  # sheets printed before marks were shown
        output.add_marks(state, board, expected)
    if sheet["basis"] != expected["basis"]:
        raise SheetMismatchError(f"the sheet's basis {json.dumps(sheet['basis'])} is not "
                                 f"{json.dumps(expected['basis'])}")
    check_rows(sheet, expected)
    if printed is not None:
        check_printed(printed, state, board, sheet)
    form = f"the {printed.kind.upper()} sheet " if printed is not None else ""
    return (f"{path} holds: {form}{race} as of position {position}, {len(sheet['rows'])} row(s) "
            f"as {what} folds them; chain hash {chain_hash.hex()}; {signature}")


# -- printed sheets (skate-ledger sheet: HTML, PDF) ---------------------------------------------
def check_printed(printed: Printed, state: LedgerState, board: Any, sheet: dict[str, Any]) -> None:
    """The head of a printed sheet is the ledger's, and its pages print what its data says."""
    race = state.sheet(board.race)
    assert race is not None  # verify_sheet found it
    head = sheet_head(state, race)
    head["notes"] = notes_by_row(state, race, [row.skater_id for row in board.rows])
    held = sheet.get("sheet")
    if not isinstance(held, dict):
        raise SheetMismatchError("the printed sheet carries no head (competition, officials …)")
    for key in [*head, *(k for k in held if k not in head)]:
        if held.get(key) != head.get(key):
            raise SheetMismatchError(f"the sheet's {key} is {json.dumps(held.get(key))}, the "
                                     f"ledger's {json.dumps(head.get(key))}")
    if printed.kind == "html":
        check_html(printed.text, sheet)
    else:
        check_pdf(printed, sheet)


def check_html(page: str, sheet: dict[str, Any]) -> None:
    expected = render_html(sheet)
    if page == expected:
        return
    have, want = page.splitlines(), expected.splitlines()
    line = next((n for n, (a, b) in enumerate(zip(have, want, strict=False), start=1) if a != b),
                min(len(have), len(want)) + 1)
    raise SheetMismatchError(f"line {line} of the HTML page is not what its sheet data prints "
                             "(the page was altered)")


def check_pdf(printed: Printed, sheet: dict[str, Any]) -> None:
    if qr_payload(sheet["checkpoint"]) not in printed.qr:
        found = "no QR code" if not printed.qr else "a QR code of another checkpoint"
        raise SheetMismatchError(f"the PDF's pages hold {found}, not the sheet's checkpoint")
    text = page_text_rows(printed.text)
    if sheet["checkpoint"]["hash"] not in text:
        raise SheetMismatchError("the PDF's pages do not print the sheet's chain hash")
    at = 0
    for number, row in enumerate(printed_rows(sheet), start=1):
        for cell in (row["rank"], row["name"], row["nation"], row["time"], row["behind"]):
            printed_cell = " ".join(cell.split())
            where = text.find(printed_cell, at)
            if where < 0:
                raise SheetMismatchError(f"row {number} of the PDF ({json.dumps(row['name'])}) "
                                         f"does not print {json.dumps(cell)} where its data has it")
            at = where + len(printed_cell)
