"""The composition root: the one place that wires persistence (:func:`build_app`).

Every script and test builds its ledger here: the store's settings for a ``--db`` value (SQLite,
``:memory:``, the library's in-process store or PostgreSQL), our chained recorders and transcoder
(``ledger.store``), and the checks of the store before it is opened (decision 0012). The topics in
these settings are module paths of configuration, not stored data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlparse

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from ledger.domain.values import RaceRules
from ledger.store.stores import check_name, check_store, check_views_store, is_postgres, read_only_name

DEFAULT_DB = "skate-ledger.db"

#: Every store: the library's JSON format written and read with orjson, and a cache of the
#: aggregates a long-running ledger (a timing console, the bench) commands, fast-forwarded from the
#: store on every load so other writers' facts are seen (decision 0009).
TRANSCODER = {"TRANSCODER_TOPIC": "ledger.store.transcoder:LedgerTranscoder",
              "AGGREGATE_CACHE_MAXSIZE": "128"}


def store_env(db: str | None = None, read_only: bool = False) -> dict[str, str]:
    """The eventsourcing settings for a ``--db`` value: a SQLite path, ``:memory:``, ``memory``
    (the library's in-process store) or a PostgreSQL URL.

    Every store gets our chained application recorder (``ledger.store.recorders``, decision 0007).
    ``read_only`` opens a SQLite file with ``mode=ro`` and creates no table anywhere (decision 0012)."""
    target = chosen_db(db)
    if target == "memory":
        return {"PERSISTENCE_MODULE": "ledger.store.recorders:ChainedPOPOFactory", **TRANSCODER}
    reading = {"CREATE_TABLE": "n"} if read_only and target != ":memory:" else {}
    if is_postgres(target):
        return {**postgres_env(target), **TRANSCODER, **reading,
                "APPLICATION_RECORDER_TOPIC": "ledger.store.postgres:ChainedPostgresApplicationRecorder"}
    if "://" in target:
        raise InvalidInputError(f"--db {target!r}: only file paths, :memory: and postgresql:// URLs")
    name = read_only_name(target) if reading else target
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": name, **TRANSCODER,
            "SQLITE_LOCK_TIMEOUT": "10", **reading,
            "APPLICATION_RECORDER_TOPIC": "ledger.store.recorders:ChainedSQLiteApplicationRecorder"}


#: The settings of the views' own store carry this prefix: the library's runner builds the views
#: recorder from the environment named after the projection ("views"), which reads ``VIEWS_<KEY>``
#: before ``<KEY>`` (eventsourcing.utils.Environment).
VIEWS_PREFIX = "VIEWS_"


def views_env(url: str | None) -> dict[str, str]:
    """The settings for ``--views URL`` (else $SKATE_LEDGER_VIEWS): the read models kept in another
    PostgreSQL database (a replica's primary, say), under the prefix the library's runner reads.
    None given: no settings (the views are kept beside the ledger)."""
    target = url if url is not None else os.environ.get("SKATE_LEDGER_VIEWS") or None
    if target is None:
        return {}
    if not is_postgres(target):
        raise InvalidInputError(f"--views {target!r}: only a postgresql:// URL (without --views the "
                                "views are kept beside the ledger, in its own file or database)")
    return {VIEWS_PREFIX + key: value for key, value in postgres_env(target).items()}


def chosen_db(db: str | None) -> str:
    """The ``--db`` given, else $SKATE_LEDGER_DB, else ./skate-ledger.db; an empty name is refused."""
    target = db if db is not None else os.environ.get("SKATE_LEDGER_DB") or DEFAULT_DB
    check_name(target)
    return target


def postgres_env(url: str) -> dict[str, str]:
    parts = urlparse(url)
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    query = parse_qs(parts.query)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "2",
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }


def build_app(db: str | None = None, extra: Mapping[str, str] | None = None, *,
              read_only: bool = False, rules: RaceRules | None = None,
              views: str | None = None) -> Ledger:
    """The one place that wires persistence and the rules: every script and test builds its ledger
    here. ``rules``: the federation's configurable rules (default ``RaceRules()``), the one place
    they are set. ``views``: a PostgreSQL URL where the read models are kept (``--views``, else
    $SKATE_LEDGER_VIEWS; without it they are kept beside the ledger, docs/decisions/0018).

    The store is checked first (``ledger.store.stores``): one that is not a ledger of ours is refused
    untouched; with ``read_only`` (the commands that only read) nothing is created, and a store
    without a ledger is refused."""
    env = store_env(db, read_only)
    check_store(chosen_db(db), env, write=not read_only)
    elsewhere = views_env(views)
    if elsewhere:
        check_views_store({key.removeprefix(VIEWS_PREFIX): value for key, value in elsewhere.items()})
    env.update(elsewhere)
    env.update(extra or {})
    return Ledger(env=env, rules=rules)
