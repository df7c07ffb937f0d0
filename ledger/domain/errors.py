"""The error tree of the ledger.

Every error a user can cause shares one root, :class:`LedgerError`, and also subclasses the
nearest builtin, so callers may catch either. A refused command appends nothing.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Raised when the ledger refuses a command or an input; nothing was appended."""


class InvalidInputError(LedgerError, ValueError):
    """Raised when a value given by a user cannot be read (a time, a distance, a date …)."""


class InvalidTimeError(InvalidInputError):
    """Raised when a time is malformed, zero, negative or absurd for its distance."""


class UnknownRaceError(LedgerError, LookupError):
    """Raised when a command names a race the ledger does not hold."""


class UnknownSkaterError(LedgerError, LookupError):
    """Raised when a command names a skater who is not registered or not entered in the race."""


class UnknownFactError(LedgerError, LookupError):
    """Raised when a correction or void names a fact the ledger does not hold."""


class RefusedFactError(LedgerError, ValueError):
    """Raised when a fact contradicts what the ledger already holds (the race rules)."""


class FactIdTakenError(RefusedFactError):
    """Raised when a fact's id is already recorded as another fact: one fact id, one content."""


def naming_stored(error: RefusedFactError, aggregate_id: object, version: int,
                  skaters: tuple[object, ...] = ()) -> RefusedFactError:
    """Mark a refusal as naming a stored fact (its aggregate and version, and the ids of the
    skaters it names), so that the ledger, which knows the log, can add the fact's position and
    the skaters' names (``stored_at``)."""
    error.stored = (aggregate_id, version)  # type: ignore[attr-defined]  # noted on the error
    error.skaters = skaters  # type: ignore[attr-defined]  # noted on the error
    return error


def stored_at(error: RefusedFactError, position: int | None,
              names: dict[str, str] | None = None) -> RefusedFactError:
    """The same refusal (same type), naming the stored fact's log position (and skaters by name)."""
    message = str(error)
    for sid, name in (names or {}).items():
        message = message.replace(f"skater {sid}", repr(name))
    if position is not None:
        message += f" (stored at position {position})"
    located = type(error)(message)
    located.position = position  # type: ignore[attr-defined]  # noted on the error
    return located


class ResultsOfficialError(RefusedFactError):
    """Raised when a change is attempted after the results were declared official without a correction."""


class ImportFormatError(InvalidInputError):
    """Raised when a file being imported is malformed; the message names the file and line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class ConcurrentWriteError(LedgerError):
    """Raised when other writers kept changing the same aggregate while a command was retried."""


class NotOurStoreError(InvalidInputError):
    """Raised when ``--db`` names a file or database that is not a skate-ledger ledger (another
    program's database, a foreign ``stored_events`` table); it is left untouched."""


class NoLedgerError(LedgerError, LookupError):
    """Raised when a command that only reads finds no ledger where ``--db`` points (it creates none)."""


class ReadOnlyStoreError(LedgerError, PermissionError):
    """Raised when a command that writes is given a ledger file that is read-only."""


class StoreUnreachableError(LedgerError, ConnectionError):
    """Raised when the PostgreSQL server of ``--db`` refuses the connection, or lacks the database
    or the role it names."""
