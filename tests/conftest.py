"""Shared fixtures: the three stores, and the Hypothesis profiles.

Every storage test runs on the in-process store, a SQLite file and PostgreSQL. Under ``CI=true``
PostgreSQL is required (an unreachable server fails the run); locally it is used when reachable.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.store.personal import MASTER_KEY_ENV, make_master_key
from ledger.store.verify import verify_ledger

# Personal fields are sealed with a master key (docs/decisions/0029): the tests that register
# hometowns and clubs get one for the session; the refusals without one unset it.
if not os.environ.get(MASTER_KEY_ENV):
    _MASTER = Path(tempfile.mkdtemp(prefix="skate-ledger-master-")) / "master.key"
    make_master_key(_MASTER)
    os.environ[MASTER_KEY_ENV] = str(_MASTER)

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

PG_SERVER = os.environ.get("SKATE_LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DATABASE = "skate_ledger_test"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_available() -> bool:
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (PG_DATABASE,)).fetchone()
            if not exists:
                # another test worker (pytest -n 2) may have created it a moment ago
                with contextlib.suppress(psycopg.errors.DuplicateDatabase,
                                         psycopg.errors.UniqueViolation):
                    conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    except psycopg.OperationalError:
        if IN_CI:
            raise
        return False
    return True


_PG = postgres_available()


def new_pg_schema() -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}", autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema


def drop_pg_schema(schema: str) -> None:
    with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}", autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pg_url(schema: str) -> str:
    return f"{PG_SERVER}/{PG_DATABASE}?schema={schema}"


STORES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Callable[[], Ledger]]:
    """A factory of ledgers on one store: every call opens the same (initially empty) ledger.
    At teardown, ``verify`` must find the ledger's log intact (docs/decisions/0007)."""
    kind = request.param
    opened: list[Ledger] = []
    if kind == "postgres" and not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true this is a failure instead)")
    schema = new_pg_schema() if kind == "postgres" else ""
    path = tmp_path_factory.mktemp("ledger") / "test.db"
    shared: list[Ledger] = []

    def open_ledger() -> Ledger:
        if kind == "memory":
            if not shared:
                shared.append(build_app("memory"))
            return shared[0]
        app = build_app(pg_url(schema) if kind == "postgres" else str(path))
        opened.append(app)
        return app

    yield open_ledger
    for app in (shared or opened)[:1]:  # every ledger a test builds keeps its hash chain intact
        verdict = verify_ledger(app.recorder)
        assert verdict.breach is None, verdict.summary(f"the {kind} ledger of this test")
    for app in opened:
        app.close()
    if schema:
        drop_pg_schema(schema)


@pytest.fixture
def app(store: Callable[[], Ledger]) -> Ledger:
    """A fresh, empty ledger on each of the three stores."""
    return store()


@pytest.fixture
def memory_app() -> Ledger:
    """A fresh ledger on the in-process store, for tests of rules rather than storage."""
    return build_app("memory")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema's URL, for tests that run the command on PostgreSQL."""
    if not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true this fails above instead)")
    schema = new_pg_schema()
    try:
        yield pg_url(schema)
    finally:
        drop_pg_schema(schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def command_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty ledger for the command, as ``--db`` names it: a SQLite file, or a PostgreSQL
    schema's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    url: str = request.getfixturevalue("postgres_url")
    return url
