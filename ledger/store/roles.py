"""Roles, authors and the referee's token (docs/decisions/0008-roles.md).

Three roles write to the ledger: the timing operator, the referee and the administrator (which
command is whose: :data:`ROLE_OF`). Every write names its author. Only the referee's acts are
guarded: when the ledger holds a referee token (a salted scrypt hash in the ``ledger_roles`` table,
set with ``skate-ledger roles set-referee``), they need the token; a ledger without one stays open,
as every ledger was before. Each act is noted in ``ledger_acts`` (position, role, author, act) by
the recorders, in the events' own transaction: a command saves inside :func:`acting_as`.

Both tables live beside the events (the same SQLite file, the same PostgreSQL schema; in memory on
the in-process store). Reading the roles table never creates it, so a refused act changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import attrs
from eventsourcing.persistence import ApplicationRecorder

from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.store.recorders import Act, acting, chained
from ledger.store.side_tables import SideTables

TIMING, REFEREE, ADMIN = "timing operator", "referee", "administrator"
#: The role of each writing command (``record …`` and ``import``).
ROLE_OF: Final = {
    **dict.fromkeys(("start", "pass", "finish", "fall", "dnf", "dns", "wdr", "false-start",
                     "clear", "sprint"), TIMING),
    **dict.fromkeys(("dq", "correct", "void", "reskate", "redraw", "official"), REFEREE),
    **dict.fromkeys(("competition", "cup", "race", "skater", "enter", "pair", "team", "place", "bests",
                     "import", "erase", "migrate"), ADMIN),
    "officials": ADMIN,  # who officiates is named before the race, with the entries
    "conditions": TIMING,  # measured at the rink, as the times are
}
#: The acts that always need the administrator's token (an erasure cannot be undone: 0029).
GUARDED_ADMIN: Final = frozenset({"erase"})
ADMIN_TOKEN_FILE_ENV: Final = "SKATE_LEDGER_ADMIN_TOKEN_FILE"
AUTHOR_ENV: Final = "SKATE_LEDGER_AUTHOR"
TOKEN_ENV: Final = "SKATE_LEDGER_REFEREE_TOKEN"
TOKEN_FILE_ENV: Final = "SKATE_LEDGER_REFEREE_TOKEN_FILE"
MIN_TOKEN: Final = 16
MAX_TOKEN: Final = 4096
#: scrypt parameters (RFC 7914): 16 MiB of memory, about 50 ms a check.
SCRYPT: Final = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}
SCHEME: Final = "scrypt-n16384-r8-p1"
ROLES_TABLE = "ledger_roles"


class RefusedActError(LedgerError, PermissionError):
    """Raised when an act needs the referee's token and it is missing or does not match."""


@attrs.frozen
class Secret:
    role: str
    scheme: str
    salt: bytes
    hash: bytes
    set_at: str
    set_by: str | None


def token_hash(token: str, salt: bytes) -> bytes:
    return hashlib.scrypt(token.encode("utf-8"), salt=salt, maxmem=64 << 20, **SCRYPT)


def read_token(path: Path) -> str:
    """A token file: its text, without surrounding white space."""
    try:
        data = path.read_bytes()[:MAX_TOKEN + 1]
        token = data.decode("utf-8").strip()
    except OSError as e:
        raise InvalidInputError(f"{path}: the token file cannot be read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{path}: the token file is not UTF-8 text") from None
    if len(token) < MIN_TOKEN or len(token) > MAX_TOKEN:
        raise InvalidInputError(f"{path}: a token has {MIN_TOKEN} to {MAX_TOKEN} characters")
    return token


def given_token(token_file: Path | None) -> str | None:
    """The token a command was given: ``--token-file``, else $SKATE_LEDGER_REFEREE_TOKEN_FILE,
    else $SKATE_LEDGER_REFEREE_TOKEN (the token itself)."""
    if token_file is None and os.environ.get(TOKEN_FILE_ENV):
        token_file = Path(os.environ[TOKEN_FILE_ENV])
    if token_file is not None:
        return read_token(token_file)
    return os.environ.get(TOKEN_ENV) or None


@contextmanager
def acting_as(act: str, author: str | None) -> Iterator[None]:
    """Every event saved in this block is noted as ``act`` by ``author`` in its role, in the same
    transaction as the event (``ledger.store.recorders``)."""
    with acting(Act(ROLE_OF[act], author, act)):
        yield


def author_of(by: str | None) -> str | None:
    """The author a command names: ``--by``, else $SKATE_LEDGER_AUTHOR; blank is none."""
    name = by if by is not None else os.environ.get(AUTHOR_ENV)
    return " ".join(name.split()) if name and name.strip() else None


# -- the tables ---------------------------------------------------------------------------------
class RoleStore(SideTables):
    """``ledger_roles`` and ``ledger_acts`` of one ledger's store."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        super().__init__(recorder, "_skate_roles")  # the in-memory store keeps roles on its recorder

    def _create(self, c: Any) -> None:
        self._create_table(c, ROLES_TABLE, "role TEXT PRIMARY KEY, scheme TEXT NOT NULL, "
                           f"salt {self.blob} NOT NULL, hash {self.blob} NOT NULL, "
                           "set_at TEXT NOT NULL, set_by TEXT")

    # -- the referee's secret
    def secret(self, role: str = REFEREE) -> Secret | None:
        if self.kind == "memory":
            found: Secret | None = self.memory.get(role)
            return found
        if not self._exists(ROLES_TABLE):
            return None
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql("SELECT role, scheme, salt, hash, set_at, set_by FROM {0} WHERE role=?",
                                ROLES_TABLE), (role,))
            row = c.fetchone()
        if row is None:
            return None
        values = [row[k] for k in ("role", "scheme", "salt", "hash", "set_at", "set_by")]
        return Secret(values[0], values[1], bytes(values[2]), bytes(values[3]), values[4], values[5])

    def set_secret(self, secret: Secret | None, role: str = REFEREE) -> None:
        if self.kind == "memory":
            roles = self.memory
            if secret is None:
                roles.pop(role, None)
            else:
                roles[role] = secret
            return
        with self.datastore.transaction(commit=True) as c:
            self._create(c)
            c.execute(self._sql("DELETE FROM {0} WHERE role=?", ROLES_TABLE), (role,))
            if secret is not None:
                c.execute(self._sql("INSERT INTO {0} (role, scheme, salt, hash, set_at, set_by) "
                                    "VALUES (?,?,?,?,?,?)", ROLES_TABLE),
                          (secret.role, secret.scheme, secret.salt, secret.hash, secret.set_at,
                           secret.set_by))

    # -- acts (written by the recorders, in the events' transaction)
    def acts(self) -> list[tuple[int, str, str | None, str]]:
        return chained(self.recorder).select_acts()


def new_secret(token: str, set_by: str | None, role: str = REFEREE) -> Secret:
    salt = secrets.token_bytes(16)
    return Secret(role, SCHEME, salt, token_hash(token, salt),
                  datetime.now(UTC).isoformat(timespec="seconds"), set_by)


def token_matches(secret: Secret, token: str) -> bool:
    if secret.scheme != SCHEME:
        raise LedgerError(f"the {secret.role} token is stored with an unknown scheme {secret.scheme!r}")
    return hmac.compare_digest(token_hash(token, secret.salt), secret.hash)


def check_act(store: RoleStore, act: str, author: str | None, token_file: Path | None) -> None:
    """Refuse (before anything is appended) an act its author may not do here."""
    role = ROLE_OF[act]
    secret = store.secret()
    if secret is None:
        return  # an open ledger: no referee token configured (decision 0008)
    if author is None:
        raise RefusedActError(f"{act}: name the author with --by NAME or ${AUTHOR_ENV} "
                              "(this ledger has roles configured); nothing recorded")
    if role != REFEREE:
        return
    check_token(secret, given_token(token_file),
                f"{act} is the referee's act: give the referee's token with --token-file "
                f"FILE, ${TOKEN_FILE_ENV} or ${TOKEN_ENV}; nothing recorded",
                f"{act}: the token given is not the referee's token of this ledger; nothing recorded")


def check_token(secret: Secret, token: str | None, missing: str, wrong: str) -> None:
    """Refuse, saying ``missing``, when no token is given, or ``wrong``, when it is not the one
    ``secret`` holds the hash of."""
    if token is None:
        raise RefusedActError(missing)
    if not token_matches(secret, token):
        raise RefusedActError(wrong)


def set_referee(store: RoleStore, new_token: str | None, current: str | None, by: str | None) -> str:
    """Configure (or with ``new_token`` None, remove) the referee's token; changing or removing a
    configured one needs the current token."""
    held = store.secret()
    if held is not None:
        if current is None:
            raise RefusedActError("a referee token is configured: give the current one "
                                  f"(--current-token-file FILE, ${TOKEN_FILE_ENV} or ${TOKEN_ENV}) "
                                  "to change it; nothing changed")
        if not token_matches(held, current):
            raise RefusedActError("the current token given is not the referee's token of this ledger; "
                                  "nothing changed")
    store.set_secret(new_secret(new_token, by) if new_token is not None else None)
    if new_token is None:
        return "the referee token is removed: the ledger is open (anyone may record a referee's act)"
    return f"the referee token is set ({SCHEME}); the referee's acts now need it"


# -- the administrator's token (docs/decisions/0029: an erasure is the administrator's alone) ----
def given_admin_token(token_file: Path | None) -> str | None:
    """``--token-file``, else $SKATE_LEDGER_ADMIN_TOKEN_FILE."""
    if token_file is None and os.environ.get(ADMIN_TOKEN_FILE_ENV):
        token_file = Path(os.environ[ADMIN_TOKEN_FILE_ENV])
    return read_token(token_file) if token_file is not None else None


def check_administrator(store: RoleStore, act: str, token_file: Path | None) -> None:
    """Refuse an act that only the administrator may do unless the administrator's token of this
    ledger is given: a ledger without one refuses it (a timing operator or a referee holds no
    administrator's token; the referee's does not match)."""
    secret = store.secret(ADMIN)
    if secret is None:
        raise RefusedActError(f"{act} is the administrator's act and this ledger has no "
                              "administrator token: set one with 'skate-ledger roles "
                              "set-administrator --token-file FILE'; nothing changed")
    check_token(secret, given_admin_token(token_file),
                f"{act} is the administrator's act: give the administrator's token "
                f"with --token-file FILE or ${ADMIN_TOKEN_FILE_ENV}; nothing changed",
                f"{act}: the token given is not the administrator's token of this "
                "ledger; nothing changed")


def set_administrator(store: RoleStore, new_token: str, current: str | None, by: str | None) -> str:
    """Configure the administrator's token; changing a configured one needs the current token."""
    held = store.secret(ADMIN)
    if held is not None and (current is None or not token_matches(held, current)):
        raise RefusedActError("an administrator token is configured: give the current one with "
                              "--current-token-file FILE to change it; nothing changed")
    store.set_secret(new_secret(new_token, by, ADMIN), ADMIN)
    return f"the administrator token is set ({SCHEME}); erase now needs it"
