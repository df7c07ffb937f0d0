"""Personal data sealed per skater, and erased by destroying the skater's key (crypto-shredding;
docs/decisions/0029-erasable-personal-data.md).

A skater's personal fields (:data:`PERSONAL`: birth date, home town, club, contact) are stored in
her events only as AES-GCM ciphertext under her own 256-bit data key, with a random 96-bit nonce
and ``<skater id>|<field>`` as associated data (a sealed value cannot be moved to another skater
or field). The data keys live in the table ``ledger_keys`` beside the events (the same SQLite file,
the same PostgreSQL schema; on the in-process store, on its recorder), OUTSIDE the hash chain, each
wrapped (AES-GCM) by the master key read from the file named by ``$SKATE_LEDGER_MASTER_KEY_FILE``.

Erasure deletes the key's row and leaves a tombstone (the skater's id, when; no key): the
ciphertext in the chained events stays and can no longer be read, so ``verify`` is unchanged.
SQLite deletes with ``PRAGMA secure_delete``, then ``VACUUM`` and a truncating WAL checkpoint;
PostgreSQL deletes and then ``VACUUM FULL`` rewrites the table, so no dead copy of the row stays.
"""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent

from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.domain.skater import Skater
from ledger.store.side_tables import SideTables

MASTER_KEY_ENV: Final = "SKATE_LEDGER_MASTER_KEY_FILE"
KEYS_TABLE: Final = "ledger_keys"
#: The personal fields of a skater, in the order they are sealed and shown.
PERSONAL: Final = ("birth_date", "hometown", "club", "contact")
#: What a reader sees of a sealed field it cannot read: the key is destroyed, or not at hand.
ERASED, SEALED = "erased", "sealed"
#: The events whose personal fields the reader reveals (or hides, once erased).
PERSONAL_EVENTS: Final = (Skater.Registered, Skater.PersonalDataSealed)
MASTER_HEADER: Final = "skate-ledger master key v1"
_WRAP_AD: Final = b"skate-ledger data key v1|"


class MasterKeyMissingError(LedgerError, PermissionError):
    """Raised when a command must seal or read personal fields and no master key is given."""


class ErasedError(LedgerError, ValueError):
    """Raised when personal data of a skater whose key was destroyed is to be sealed again, or
    the skater erased twice."""


# -- the master key -----------------------------------------------------------------------------
def make_master_key(path: Path) -> None:
    """Write a new master key file (mode 0600; an existing file is never overwritten)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInputError(f"{path}: exists; a master key file is never overwritten") from None
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot be written ({e.strerror})") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(f"{MASTER_HEADER}\n{secrets.token_hex(32)}\n")


def read_master_key(path: Path) -> bytes:
    """The 32 bytes of a master key file (its header line, then 64 hex digits)."""
    try:
        lines = path.read_text(encoding="ascii").split()
    except OSError as e:
        raise InvalidInputError(f"{path}: the master key file cannot be read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{path}: not a master key file (not ASCII text)") from None
    # the header's four words, then 32 bytes in hex
    if len(lines) != 5 or " ".join(lines[:4]) != MASTER_HEADER or len(lines[4]) != 64:
        raise InvalidInputError(f"{path}: not a master key file (make one with 'skate-ledger keys "
                                "init --output FILE')")
    try:
        return bytes.fromhex(lines[4])
    except ValueError:
        raise InvalidInputError(f"{path}: the master key is not hexadecimal") from None


def master_key() -> bytes | None:
    """The master key named by ``$SKATE_LEDGER_MASTER_KEY_FILE``; None when it is not set."""
    name = os.environ.get(MASTER_KEY_ENV)
    return read_master_key(Path(name)) if name else None


def needed_master_key(what: str) -> bytes:
    key = master_key()
    if key is None:
        raise MasterKeyMissingError(f"{what} needs the master key: set ${MASTER_KEY_ENV} to its file "
                                    "(make one with 'skate-ledger keys init --output FILE')")
    return key


# -- sealing ------------------------------------------------------------------------------------
def _aesgcm(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # imported where it is used
    return AESGCM(key)


def field_ad(skater: UUID, field: str) -> bytes:
    return f"{skater}|{field}".encode()


def seal_value(data_key: bytes, skater: UUID, field: str, value: str) -> str:
    """``base64(nonce ‖ AES-GCM(value))`` with the skater's id and the field as associated data."""
    nonce = secrets.token_bytes(12)
    sealed = _aesgcm(data_key).encrypt(nonce, value.encode("utf-8"), field_ad(skater, field))
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_value(data_key: bytes, skater: UUID, field: str, sealed: str) -> str:
    raw = base64.b64decode(sealed)
    return str(_aesgcm(data_key).decrypt(raw[:12], raw[12:], field_ad(skater, field)).decode("utf-8"))


def wrap(master: bytes, skater: UUID, data_key: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + bytes(_aesgcm(master).encrypt(nonce, data_key, _WRAP_AD + str(skater).encode()))


def unwrap(master: bytes, skater: UUID, wrapped: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    try:
        return bytes(_aesgcm(master).decrypt(wrapped[:12], wrapped[12:], _WRAP_AD + str(skater).encode()))
    except InvalidTag:
        raise InvalidInputError(f"${MASTER_KEY_ENV}: not the master key of this ledger (a skater's "
                                "key does not open with it)") from None


# -- the key table ------------------------------------------------------------------------------
class Vault(SideTables):
    """``ledger_keys`` of one ledger's store: skater → wrapped data key, or a tombstone (erased).

    Rows are read once per instance (one query) and kept; reading never creates the table."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        super().__init__(recorder, "_skate_keys")  # the in-memory store keeps keys on its recorder
        self._rows: dict[UUID, bytes | None] | None = None
        self._open: dict[UUID, bytes] = {}  # unwrapped data keys, for this process only
        self._refreshed = False

    def _create(self, c: Any) -> None:
        self._create_table(c, KEYS_TABLE, f"skater TEXT PRIMARY KEY, wrapped {self.blob}, "
                           "made_at TEXT NOT NULL, erased_at TEXT")

    def rows(self) -> dict[UUID, bytes | None]:
        """Skater → wrapped key (None: erased)."""
        if self._rows is None:
            self._rows = self._read()
        return self._rows

    def _read(self) -> dict[UUID, bytes | None]:
        if self.kind == "memory":
            return dict(self.memory)
        if not self._exists(KEYS_TABLE):
            return {}
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql("SELECT skater, wrapped FROM {0}", KEYS_TABLE))
            found = c.fetchall()
        return {UUID(r["skater"]): None if r["wrapped"] is None else bytes(r["wrapped"]) for r in found}

    def forget(self) -> None:
        """Read the table again on next use (another process may have written it)."""
        self._rows, self._open = None, {}

    def holds_personal_data(self) -> bool:
        return any(w is not None for w in self.rows().values())

    def erased(self, skater: UUID) -> bool:
        rows = self.rows()
        return skater in rows and rows[skater] is None

    # -- reading
    def data_key(self, skater: UUID, master: bytes | None) -> bytes | None:
        """The skater's data key; None when it is erased, not in this ledger, or no master key."""
        if skater in self._open:
            return self._open[skater]
        if skater not in self.rows() and not self._refreshed:
            # another process may have made it since the table was read: read it again, once
            self._rows, self._refreshed = None, True
        wrapped = self.rows().get(skater)
        if wrapped is None or master is None:
            return None
        self._open[skater] = unwrap(master, skater, wrapped)
        return self._open[skater]

    def reveal(self, skater: UUID, sealed: Mapping[str, str], master: bytes | None
               ) -> tuple[dict[str, str | None], str | None]:
        """The sealed fields in clear, and what a field that cannot be read is (erased or sealed;
        None when all could be read)."""
        if self.erased(skater):
            return dict.fromkeys(sealed), ERASED
        key = self.data_key(skater, master)
        if key is None:
            return dict.fromkeys(sealed), SEALED
        return {f: open_value(key, skater, f, v) for f, v in sealed.items()}, None

    # -- writing
    def seal(self, skater: UUID, fields: Mapping[str, str | None], what: str) -> dict[str, str]:
        """The given (non-None) fields sealed with the skater's key, made and stored if new."""
        given = {f: v for f, v in fields.items() if v is not None}
        if not given:
            return {}
        master = needed_master_key(what)
        if self.erased(skater):
            raise ErasedError(f"{what}: this skater's personal data was erased; nothing recorded")
        key = self.data_key(skater, master) or self._new_key(skater, self.checked(master))
        return {f: seal_value(key, skater, f, v) for f, v in given.items()}

    def checked(self, master: bytes) -> bytes:
        """``master``, once it opens a key this ledger holds (any skater's): a new key wrapped by
        another ledger's master key could never be read with this one's."""
        held = next(((s, w) for s, w in self.rows().items() if w is not None), None)
        if held is not None and held[0] not in self._open:
            self._open[held[0]] = unwrap(master, *held)
        return master

    def _new_key(self, skater: UUID, master: bytes) -> bytes:
        key = secrets.token_bytes(32)
        wrapped = wrap(master, skater, key)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        if self.kind == "memory":
            self.memory[skater] = wrapped
        else:
            with self.datastore.transaction(commit=True) as c:
                self._create(c)
                c.execute(self._sql("INSERT INTO {0} (skater, wrapped, made_at) VALUES (?,?,?)",
                                    KEYS_TABLE),
                          (str(skater), wrapped, now))
        self.rows()[skater] = wrapped
        self._open[skater] = key
        return key

    def destroy(self, skater: UUID) -> None:
        """Destroy the skater's key: its row is replaced by a tombstone, and no copy of it stays
        in the store's files (SQLite) or tables (PostgreSQL)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._open.pop(skater, None)
        if self.kind == "memory":
            self.memory[skater] = None
        elif self.kind == "sqlite":
            self._destroy_sqlite(skater, now)
        else:
            self._destroy_postgres(skater, now)
        self.rows()[skater] = None

    def _tombstone(self, c: Any, skater: UUID, now: str) -> None:
        self._create(c)
        c.execute(self._sql("DELETE FROM {0} WHERE skater=?", KEYS_TABLE), (str(skater),))
        c.execute(self._sql("INSERT INTO {0} (skater, wrapped, made_at, erased_at) VALUES "
                            "(?,NULL,?,?)", KEYS_TABLE), (str(skater), now, now))

    def _destroy_sqlite(self, skater: UUID, now: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("PRAGMA secure_delete=ON")  # deleted content is overwritten with zeros
            self._tombstone(c, skater, now)
        with self.datastore.get_connection(commit=True) as conn:
            # VACUUM runs outside a transaction, on the library's own connection
            raw: sqlite3.Connection = conn._sqlite_conn
            if not self.datastore.pool.is_sqlite_memory_mode:
                raw.execute("VACUUM")  # the freelist's pages go; the file is rewritten
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL's old pages go

    def _destroy_postgres(self, skater: UUID, now: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._tombstone(c, skater, now)
        with self.datastore.get_connection() as conn:  # autocommit: VACUUM runs outside a transaction
            conn.execute(self._sql("VACUUM FULL {0}", KEYS_TABLE))


# -- reading events -----------------------------------------------------------------------------
class RevealingMapper(Mapper[UUID]):
    """The library's mapper, which fills in a skater's personal fields from her sealed ones when
    asked to (:attr:`revealing`: only the questions that read them, so that every other read
    decrypts nothing), the ledger holds her key and the master key is given; else they stay None,
    and the event's ``withheld`` says why: "sealed" or "erased". An erased skater's fields read
    None even where an event of before 0029 holds them in clear. The stored bytes never change."""

    vault: Vault | None = None
    revealing = False
    _master: bytes | None = None
    _master_read = False

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = super().to_domain_event(stored_event)
        if self.vault is not None and isinstance(event, PERSONAL_EVENTS):
            self.reveal(event)
        return event

    def master(self) -> bytes | None:
        if not self._master_read:
            self._master, self._master_read = master_key(), True
        return self._master

    def reveal(self, event: Any) -> None:
        assert self.vault is not None  # checked by the caller
        state = event.__dict__
        sealed = state.get("sealed") or {}
        if self.vault.erased(event.originator_id):
            state.update(dict.fromkeys(PERSONAL), withheld=ERASED)
        elif sealed and not self.revealing:
            state.update(withheld=SEALED)
        elif sealed:
            values, withheld = self.vault.reveal(event.originator_id, sealed, self.master())
            state.update(values, withheld=withheld)


def personal_of(event: Any) -> dict[str, str | None]:
    """The personal fields an event (as the reader revealed it) holds, None where unknown."""
    return {f: getattr(event, f, None) for f in PERSONAL}
