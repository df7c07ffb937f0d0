"""The stores as skate-ledger configures them pass the eventsourcing library's own conformance suites.

``build_app`` wires our own application recorders (``ledger.store.recorders``: the library's plus the hash
chain, docs/decisions/0007-tamper-evidence.md) and the library's transcoder (0005). These suites,
written by the library's authors, check that what ``build_app`` wires up — SQLite file in WAL mode,
PostgreSQL with our pool settings and schema, the in-process store — behaves as the library
promises: ordered notifications, atomic inserts, conflicts detected, tracking monotonic. After each
application recorder test, every event the suite wrote (concurrently, in batches, with conflicts)
must be chained: ``verify`` finds the log intact.
"""

from __future__ import annotations

import tempfile
import threading
import unittest
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from eventsourcing.persistence import ApplicationRecorder, ProcessRecorder, TrackingRecorder, Transcoder
from eventsourcing.tests import persistence as suites

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.store.postgres import ChainedPostgresApplicationRecorder
from ledger.store.postgres_views import PostgresViewsRecorder
from ledger.store.recorders import ChainedPOPOApplicationRecorder, ChainedSQLiteApplicationRecorder
from ledger.store.transcoder import LedgerTranscoder
from ledger.store.verify import verify_ledger
from ledger.store.views import SQLiteViewsRecorder
from projections.views import views_recorder
from tests.conftest import _PG, IN_CI, drop_pg_schema, new_pg_schema, pg_url


def join_test_threads(before: set[threading.Thread]) -> None:
    """The suites' reader threads are told to stop but not joined; closing a connection while one
    still reads crashes the SQLite driver, so wait for them before closing the store."""
    for thread in set(threading.enumerate()) - before:
        if not thread.daemon and thread is not threading.current_thread():
            thread.join(timeout=10)  # the store's own pool threads are daemons: left alone


# The stores are mixins that come before a suite's TestCase: to mypy they extend TestCase, so that
# their super().setUp() is the suite's; at run time they extend object, and the MRO is unchanged.
if TYPE_CHECKING:
    StoreBase = unittest.TestCase
else:
    StoreBase = object


class OpenedLedgers(StoreBase):
    """The ledgers a test opens, closed after the suite's tearDown once its reader threads ended."""

    def setUp(self) -> None:
        self._apps: list[Ledger] = []
        self._threads = set(threading.enumerate())
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        join_test_threads(self._threads)
        for app in self._apps:
            app.close()

    def opened(self, app: Ledger) -> Ledger:
        self._apps.append(app)
        return app


class SQLiteStore(OpenedLedgers):
    """A fresh SQLite ledger file per test, opened through build_app."""

    def setUp(self) -> None:
        self._dir = tempfile.TemporaryDirectory()
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        self._dir.cleanup()

    def ledger(self) -> Ledger:
        return self.opened(build_app(str(Path(self._dir.name) / "conformance.db")))


class PostgresStore(OpenedLedgers):
    """A fresh PostgreSQL schema per test, opened through build_app."""

    def setUp(self) -> None:
        if not _PG:
            pytest.skip("PostgreSQL is not reachable here (under CI=true conftest fails instead)")
        self._schema = new_pg_schema()
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        drop_pg_schema(self._schema)

    def ledger(self) -> Ledger:
        return self.opened(build_app(pg_url(self._schema)))


class ChainChecked(StoreBase):
    """The recorder build_app wires is our chained one, and it chained all the suite wrote. A
    mixin that comes first: its checks run before the store's tearDown closes the store."""

    chained_class: type[ApplicationRecorder]
    gaps_allowed: bool
    _recorders: list[ApplicationRecorder]

    def setUp(self) -> None:
        self._recorders = []
        super().setUp()

    def tearDown(self) -> None:
        self.assert_chained()
        super().tearDown()

    def chained_recorder(self, app: Ledger) -> ApplicationRecorder:
        recorder = app.recorder
        assert type(recorder) is self.chained_class
        self._recorders.append(recorder)
        return recorder

    def assert_chained(self) -> None:
        for recorder in self._recorders:
            verdict = verify_ledger(recorder)
            assert verdict.breach is None, verdict.summary("the suite's log")
            assert verdict.events == (recorder.max_notification_id() or 0) or self.gaps_allowed


class TestSQLiteApplicationRecorder(ChainChecked, SQLiteStore,
                                    suites.ApplicationRecorderTestCase[ApplicationRecorder]):
    chained_class = ChainedSQLiteApplicationRecorder
    gaps_allowed = False

    def create_recorder(self) -> ApplicationRecorder:
        return self.chained_recorder(self.ledger())

    def test_insert_subscribe(self) -> None:
        """Our SQLite recorder subscribes (by polling: the projection runner's feed), which the
        library's SQLite recorder does not: the suite's optional subscription test runs on it."""
        self.optional_test_insert_subscribe()


@pytest.mark.postgres
class TestPostgresApplicationRecorder(ChainChecked, PostgresStore,
                                      suites.ApplicationRecorderTestCase[ApplicationRecorder]):
    chained_class = ChainedPostgresApplicationRecorder
    gaps_allowed = True  # a conflicting insert uses up sequence values: ids have gaps

    def create_recorder(self) -> ApplicationRecorder:
        return self.chained_recorder(self.ledger())


class TestPOPOApplicationRecorder(ChainChecked, suites.ApplicationRecorderTestCase[ApplicationRecorder]):
    chained_class = ChainedPOPOApplicationRecorder
    gaps_allowed = False

    def create_recorder(self) -> ApplicationRecorder:
        return self.chained_recorder(build_app("memory"))


class TestSQLiteTrackingRecorder(SQLiteStore, suites.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return self.ledger().factory.tracking_recorder()


@pytest.mark.postgres
class TestPostgresTrackingRecorder(PostgresStore, suites.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return self.ledger().factory.tracking_recorder()


class ViewsChecked:
    """The views recorder as the projection runner builds it in the ledger's own store; what the
    suites write through it (tracking, its own events) never reaches the ledger's log."""

    views_class: type[object]
    _views_apps: list[Ledger]

    def views(self, app: Ledger) -> object:
        recorder = views_recorder(app)
        assert type(recorder) is self.views_class
        self._views_apps = [*getattr(self, "_views_apps", []), app]
        return recorder

    def assert_log_untouched(self) -> None:
        for app in getattr(self, "_views_apps", []):
            assert app.last_position() == 0


class TestSQLiteViewsTrackingRecorder(SQLiteStore, ViewsChecked, suites.TrackingRecorderTestCase):
    views_class = SQLiteViewsRecorder

    def tearDown(self) -> None:
        self.assert_log_untouched()
        super().tearDown()

    def create_recorder(self) -> TrackingRecorder:
        return cast(TrackingRecorder, self.views(self.ledger()))


class TestSQLiteViewsProcessRecorder(SQLiteStore, ViewsChecked, suites.ProcessRecorderTestCase):
    views_class = SQLiteViewsRecorder

    def tearDown(self) -> None:
        self.assert_log_untouched()
        super().tearDown()

    def create_recorder(self) -> ProcessRecorder:
        return cast(ProcessRecorder, self.views(self.ledger()))


@pytest.mark.postgres
class TestPostgresViewsTrackingRecorder(PostgresStore, ViewsChecked, suites.TrackingRecorderTestCase):
    views_class = PostgresViewsRecorder

    def tearDown(self) -> None:
        self.assert_log_untouched()
        super().tearDown()

    def create_recorder(self) -> TrackingRecorder:
        return cast(TrackingRecorder, self.views(self.ledger()))


@pytest.mark.postgres
class TestPostgresViewsProcessRecorder(PostgresStore, ViewsChecked, suites.ProcessRecorderTestCase):
    views_class = PostgresViewsRecorder

    def tearDown(self) -> None:
        self.assert_log_untouched()
        super().tearDown()

    def create_recorder(self) -> ProcessRecorder:
        return cast(ProcessRecorder, self.views(self.ledger()))


class TestLedgerTranscoder(suites.TranscoderTestCase):
    """The transcoder of our ledger, with the suite's two custom types registered as the library's
    own test does. Where the library's own test skips (JSON has no tuples and no subclasses), we
    assert the documented behaviour instead, because our events rely on it (docs/decisions/0001)."""

    def construct_transcoder(self) -> Transcoder:
        transcoder = cast(LedgerTranscoder, build_app("memory").mapper.transcoder)  # build_app wires it
        transcoder.register(suites.CustomType1AsDict())
        transcoder.register(suites.CustomType2AsDict())
        return transcoder

    def round_trip(self, obj: object) -> object:
        return self.transcoder.decode(self.transcoder.encode(obj))

    def test_tuple(self) -> None:
        assert self.round_trip((1, "a", (2, 3))) == [1, "a", [2, 3]]

    def test_mixed(self) -> None:
        assert self.round_trip([(1, "a"), {"b": 2}]) == [[1, "a"], {"b": 2}]
        assert self.round_trip({"a": (1, 2), "b": [3, 4]}) == {"a": [1, 2], "b": [3, 4]}

    def test_dict_subclass(self) -> None:
        copy = self.round_trip(suites.Mydict({"a": 1}))
        assert copy == {"a": 1} and type(copy) is dict

    def test_list_subclass(self) -> None:
        copy = self.round_trip(suites.MyList([1, 2]))
        assert copy == [1, 2] and type(copy) is list

    def test_str_subclass(self) -> None:
        copy = self.round_trip(suites.MyStr("a"))
        assert copy == "a" and type(copy) is str

    def test_int_subclass(self) -> None:
        copy = self.round_trip(suites.MyInt(3))
        assert copy == 3 and type(copy) is int


def test_postgres_conformance_runs_under_ci() -> None:
    assert _PG or not IN_CI
