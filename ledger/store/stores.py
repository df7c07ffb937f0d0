"""Whether ``--db`` names a skate-ledger ledger, found out before the library opens (or creates)
anything there (docs/decisions/0012-the-store-is-ours.md).

A SQLite file of ours carries ``PRAGMA application_id`` = :data:`APPLICATION_ID`, set when a
writing command opens it. A file written before the marker existed is recognised by our own tables
(``stored_events`` beside ``ledger_chain``) and marked when it is next opened for writing. Anything
else that holds tables (another program's database, a ``stored_events`` table without our chain) is
refused and left byte-for-byte untouched: it is inspected from its header, then through a
``mode=ro`` connection (``immutable=1`` when a write-ahead-log file would otherwise be created).

A command that only reads opens the store read-only and creates nothing: a missing or empty file,
or a PostgreSQL schema without our tables, is "no ledger at …".

PostgreSQL is reached first by a TCP connection bounded by :data:`PG_CONNECT_TIMEOUT`, then by one
psycopg connection, so that a refused port, a missing database and an unknown role each get their
own line at once instead of the connection pool's wait.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ledger.domain.errors import (
    InvalidInputError,
    NoLedgerError,
    NotOurStoreError,
    ReadOnlyStoreError,
    StoreUnreachableError,
)

if TYPE_CHECKING:  # psycopg is imported where a PostgreSQL store is checked, not by every command
    import psycopg

#: ``PRAGMA application_id`` of our SQLite files: "SKLG".
APPLICATION_ID = 0x534B4C47
SQLITE_MAGIC = b"SQLite format 3\x00"
#: The tables by which a ledger written before the marker is recognised (SQLite names).
OUR_TABLES = frozenset({"stored_events", "ledger_chain"})
#: PostgreSQL names them after the application: ``ledger_events`` and ``ledger_chain``.
PG_EVENTS, PG_CHAIN = "ledger_events", "ledger_chain"
#: How the topics of our events begin (decision 0001): a pre-chain ledger is known by them.
OUR_TOPICS = "skate-ledger:"
#: Seconds to wait for the PostgreSQL server's TCP port (libpq's own timeout has a 2 s minimum).
PG_CONNECT_TIMEOUT = 1.0
#: libpq's shortest ``connect_timeout``, for the handshake once the port answered.
PG_HANDSHAKE_TIMEOUT = 2
#: Seconds to wait for another connection's write lock while looking (as the ledger's own).
LOCK_TIMEOUT = 10.0
MEMORY_NAMES = frozenset({":memory:", "memory"})
UNTOUCHED = "it was left untouched"


def is_postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def check_store(target: str, env: dict[str, str], write: bool) -> None:
    """Refuse ``target`` unless it is a ledger of ours (or, for a writing command, nothing yet)."""
    if target in MEMORY_NAMES:
        return
    if is_postgres(target):
        check_postgres(target, env, write)
    else:
        check_sqlite(target, write)


# -- SQLite --------------------------------------------------------------------------------------
def read_only_name(path: str) -> str:
    """The URI that opens the SQLite file ``path`` read-only."""
    return f"file:{quote(os.path.abspath(path))}?mode=ro"


def check_sqlite(path: str, write: bool) -> None:
    kind = sqlite_kind(path)
    if kind == "none":
        if not write:
            raise NoLedgerError(f"no ledger at {path}: the file does not exist (reading creates nothing)")
        return
    if kind == "empty" and not write:
        raise NoLedgerError(f"no ledger at {path}: the file is empty (reading creates nothing)")
    if write and read_only_file(path):
        raise ReadOnlyStoreError(f"--db {path}: the file is read-only; nothing was appended")


def read_only_file(path: str) -> bool:
    """Whether the file may not be written: its permissions say so (honoured even for root)."""
    mode = os.stat(path).st_mode
    return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK)


def sqlite_kind(path: str) -> str:
    """"none" (no file), "empty" (a file without tables) or "ours"; else NotOurStoreError."""
    where = Path(path)
    if not where.exists():
        return "none"
    if where.is_dir():
        raise NotOurStoreError(f"--db {path} is a directory, not a ledger file")
    if not where.is_file():
        raise NotOurStoreError(f"--db {path} is not a regular file; {UNTOUCHED}")
    with where.open("rb") as handle:
        header = handle.read(100)
    if not header:
        return "empty"
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise NotOurStoreError(f"--db {path} is not a skate-ledger ledger (not a SQLite database); "
                               f"{UNTOUCHED}")
    marker = int.from_bytes(header[68:72], "big")
    if marker == APPLICATION_ID:
        return "ours"
    if marker != 0:
        raise NotOurStoreError(f"--db {path} is not a skate-ledger ledger (another program's database: "
                               f"application_id 0x{marker:08X}); {UNTOUCHED}")
    return kind_of_tables(path, sqlite_tables(path, wal=header[18] == 2))


def sqlite_tables(path: str, wal: bool) -> tuple[int, set[str]]:
    """The application_id and table names (``stored_events`` and nothing else counts as ours when
    every event in it is a skate-ledger fact), read without creating anything beside the file."""
    name = read_only_name(path)
    if wal and not Path(f"{path}-wal").exists():
        name += "&immutable=1"  # a WAL file's reader would create -wal and -shm; nothing is pending
    try:
        conn = sqlite3.connect(name, uri=True, timeout=LOCK_TIMEOUT)
        try:
            marker = conn.execute("PRAGMA application_id").fetchone()[0]
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                "AND name NOT LIKE 'sqlite!_%' ESCAPE '!'").fetchall()
            tables = {str(row[0]) for row in rows}
            if tables == {"stored_events"} and our_events(conn.execute, "stored_events", "?"):
                tables |= OUR_TABLES  # a ledger written before the chain existed (decision 0007)
        finally:
            conn.close()
    except sqlite3.OperationalError as e:  # locked, unreadable: not a judgement of the file
        raise InvalidInputError(f"--db {path}: cannot be read ({e}); {UNTOUCHED}") from None
    except sqlite3.DatabaseError as e:
        raise NotOurStoreError(f"--db {path} is not a skate-ledger ledger ({e}); {UNTOUCHED}") from None
    return int(marker), tables


def our_events(execute: Any, table: str, mark: str) -> bool:
    """Whether ``table`` holds events and all of them are skate-ledger facts (by their topics)."""
    held = execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
    foreign = execute(f"SELECT 1 FROM {table} WHERE topic NOT LIKE {mark} LIMIT 1",
                      (OUR_TOPICS + "%",)).fetchone()
    return held is not None and foreign is None


def kind_of_tables(path: str, found: tuple[int, set[str]]) -> str:
    marker, tables = found
    if marker == APPLICATION_ID:
        return "ours"  # marked in the write-ahead log, not yet in the file's header
    if marker != 0:
        raise NotOurStoreError(f"--db {path} is not a skate-ledger ledger (another program's database: "
                               f"application_id 0x{marker:08X}); {UNTOUCHED}")
    if not tables:
        return "empty"
    if tables >= OUR_TABLES:
        return "ours"  # written before the marker existed
    if "stored_events" in tables:
        why = "a stored_events table without the ledger's chain table"
    else:
        shown = sorted(tables)
        why = "it holds other tables: " + ", ".join(shown[:5]) + (" …" if len(shown) > 5 else "")
    raise NotOurStoreError(f"--db {path} is not a skate-ledger ledger ({why}); {UNTOUCHED}")


# -- PostgreSQL ----------------------------------------------------------------------------------
def shown_url(env: dict[str, str]) -> str:
    """The URL as a message may show it (no password)."""
    return (f"postgresql://{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/"
            f"{env['POSTGRES_DBNAME']}")


def check_postgres(target: str, env: dict[str, str], write: bool) -> None:
    import psycopg

    url = shown_url(env)
    host, port = env["POSTGRES_HOST"], int(env["POSTGRES_PORT"])
    if not host.startswith("/"):
        reach(url, host, port)
    try:
        conn = psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=host, port=port,
                               user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
                               connect_timeout=PG_HANDSHAKE_TIMEOUT, autocommit=True)
    except psycopg.OperationalError as e:
        raise StoreUnreachableError(connection_failure(url, env, str(e))) from None
    schema = env["POSTGRES_SCHEMA"]
    with conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                            "AND table_name IN (%s, %s)", (schema, PG_EVENTS, PG_CHAIN)).fetchall()
        tables = {row[0] for row in rows}
        if tables == {PG_EVENTS} and pg_our_events(conn, schema):
            tables.add(PG_CHAIN)  # a ledger written before the chain existed (decision 0007)
    if PG_EVENTS in tables and PG_CHAIN not in tables:
        raise NotOurStoreError(f"--db {url} is not a skate-ledger ledger (schema {schema!r} holds "
                               f"{PG_EVENTS} without {PG_CHAIN}); {UNTOUCHED}")
    if not write and PG_EVENTS not in tables:
        raise NoLedgerError(f"no ledger at {url}: schema {schema!r} holds none (reading creates nothing)")


def check_views_store(env: dict[str, str]) -> None:
    """``--views URL``: the PostgreSQL database that keeps the read models must answer, and must not
    be a ledger (a ledger's views are kept beside it without ``--views``). It is created nothing in
    here: the views' tables are created by the runner that keeps them (``views rebuild``)."""
    import psycopg

    url = shown_url(env)
    host, port = env["POSTGRES_HOST"], int(env["POSTGRES_PORT"])
    if not host.startswith("/"):
        reach(url, host, port, "--views")
    try:
        conn = psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=host, port=port,
                               user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
                               connect_timeout=PG_HANDSHAKE_TIMEOUT, autocommit=True)
    except psycopg.OperationalError as e:
        raise StoreUnreachableError(connection_failure(url, env, str(e), "--views")) from None
    with conn:
        held = conn.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND "
                            "table_name = %s", (env["POSTGRES_SCHEMA"], PG_EVENTS)).fetchone()
    if held is not None:
        raise InvalidInputError(f"--views {url}: schema {env['POSTGRES_SCHEMA']!r} holds a ledger; "
                                "give a database of its own for the views (or no --views: then they "
                                "are kept beside the ledger)")


def pg_our_events(conn: psycopg.Connection[Any], schema: str) -> bool:
    import psycopg

    table = f'"{schema.replace(chr(34), chr(34) * 2)}".{PG_EVENTS}'
    try:
        return our_events(conn.execute, table, "%s")
    except psycopg.Error:  # not the library's columns: not ours
        return False


def reach(url: str, host: str, port: int, option: str = "--db") -> None:
    """Connect to the server's port within PG_CONNECT_TIMEOUT, or say why not (``option``: the
    argument that named the server, in the message)."""
    try:
        socket.create_connection((host, port), timeout=PG_CONNECT_TIMEOUT).close()
    except ConnectionRefusedError:
        raise StoreUnreachableError(f"{option} {url}: nothing listens at {host}:{port} (connection refused); "
                                    "is PostgreSQL running there?") from None
    except TimeoutError:
        raise StoreUnreachableError(f"{option} {url}: {host}:{port} did not answer within "
                                    f"{PG_CONNECT_TIMEOUT:g} s") from None
    except OSError as e:
        raise StoreUnreachableError(f"{option} {url}: cannot reach {host}:{port} "
                                    f"({e.strerror or e})") from None


def connection_failure(url: str, env: dict[str, str], error: str, option: str = "--db") -> str:
    """One line for psycopg's connection error: the missing database or role named, with the fix."""
    reason = error.split("FATAL:", 1)[-1].strip().splitlines()[0] if error else "no reason given"
    dbname, user = env["POSTGRES_DBNAME"], env["POSTGRES_USER"]
    if f'database "{dbname}" does not exist' in error:
        return (f"{option} {url}: database {dbname!r} does not exist; create it with: createdb -h "
                f"{env['POSTGRES_HOST']} -p {env['POSTGRES_PORT']} -U {user} {dbname}")
    if f'role "{user}" does not exist' in error:
        return (f"{option} {url}: role {user!r} does not exist on "
                f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}")
    return f"{option} {url}: cannot connect ({reason})"


def check_name(target: str) -> None:
    """Refuse a ``--db`` that names nothing."""
    if not target.strip():
        raise InvalidInputError(f"--db {target!r} names no ledger: give a file path, :memory: or a "
                                "postgresql:// URL")
