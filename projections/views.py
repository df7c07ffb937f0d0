"""The read models in the store, kept by the library's ``ProjectionRunner`` (issue 14, item 2;
docs/decisions/0018-bitemporal-views.md).

:class:`Views` is the library's ``Projection``: it folds each fact into a
:class:`~projections.state.LedgerState` of its own, works out which view rows the fact changes and
writes them with the fact's tracking in one transaction of the views recorder
(``ledger.store.views``), so a view takes each fact in exactly once. :func:`rebuild` starts it from
nothing; :func:`catch_up` goes on from the position the views hold. Both run the library's
``ProjectionRunner`` over the ledger's own store (SQLite file or PostgreSQL schema); the
in-process stores keep no views.

Writes do not update the views in their own transaction: the views catch up after them (the
decision says why). A reader asks :func:`view_history`, which answers only when the views hold the
basis asked about, and says so (None) otherwise, for the caller to fold instead.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, cast
from uuid import UUID

import attrs
from eventsourcing.persistence import InfrastructureFactory, Tracking, TrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.utils import Environment

from ledger.application import Ledger
from ledger.domain.clocks import known_at_of
from ledger.domain.errors import InvalidInputError
from ledger.store.views import VIEWS, Change, SQLiteViewsRecorder, Step, ViewsRecorder, micros
from projections import clock_view, index_view
from projections import cup_view as cupv
from projections import history_view as hv
from projections import races_view as rv
from projections import records_view as cv
from projections.basis import Basis, state_as_of
from projections.cup import CupStandings, cup_standings
from projections.history import History, history
from projections.records import records
from projections.state import CompetitionInfo, LedgerState, collector_paused
from projections.view_reading import BUILT, DECLINED, Check, Compared, built

#: The upstream application's name: the views' tracking row is kept under it.
UPSTREAM = Ledger.name
#: How often a rebuild looks at the position the views reached (seconds).
PROGRESS_EVERY = 0.2
#: Facts per transaction when a rebuild or a catch-up takes in the log by itself.
BATCH = 5000

Progress = Callable[[int, int], None]  # (position reached, last position)


Held = dict[str, dict[str, str]]  # a view's open rows: key -> item -> body


class Keeper(Protocol):
    """One view kept fact by fact. ``before`` sees the fold before the fact (what it returns is
    handed to ``after``); ``after`` sees it after and returns the view's rows the fact changed,
    keeping its own copy of the open rows (``held``, given at the start) up to date."""

    view: str

    def before(self, state: LedgerState, event: Any) -> Any: ...

    def after(self, state: LedgerState, event: Any, before: Any) -> list[Change]: ...


KeeperClass = Callable[[Held], Keeper]
#: Every view the store keeps, in the order their rows are worked out for each fact.
KEEPERS: tuple[tuple[str, KeeperClass], ...] = ((hv.VIEW, hv.HistoryKeeper),
                                               (index_view.VIEW, index_view.IndexKeeper),
                                               (rv.VIEW, rv.RacesKeeper),
                                               (cv.VIEW, cv.RecordsKeeper),
                                               (clock_view.VIEW, clock_view.ClockKeeper),
                                               (cupv.VIEW, cupv.CupsKeeper))
#: Views that write a marker row when built from nothing (projections.view_reading): a catch-up
#: of a store built before they existed rebuilds instead of going on without their past.
MARKED = (rv.VIEW, cv.VIEW, clock_view.VIEW, cupv.VIEW)


@attrs.define
class Start:
    """Where the projection starts: the fold, the open rows of each view (view -> key -> item ->
    body), the latest known-at moment; or the keepers of a projection that ran so far (a rebuild's
    batches hand over to the runner with all they keep)."""

    state: LedgerState = attrs.Factory(LedgerState)
    held: dict[str, Held] = attrs.Factory(dict)
    known: int | None = None
    keepers: list[Keeper] | None = None


class Views(Projection[Any]):
    """Every view of the store (:data:`KEEPERS`), folded fact by fact."""

    name = VIEWS
    #: Set on the subclass :func:`resumed` makes: the library constructs the projection itself.
    start: ClassVar[Start | None] = None

    def __init__(self, view: Any) -> None:
        super().__init__(view)
        begin = type(self).start or Start()
        self.state, self.known = begin.state, begin.known
        self.keepers = begin.keepers if begin.keepers is not None else [
            keeper(begin.held.get(name, {})) for name, keeper in KEEPERS]

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        # (the library declares it a singledispatchmethod; one method takes every fact here)
        recorder = cast(ViewsRecorder, self.view)
        recorder.record_step(self.step(tracking.notification_id, domain_event), tracking)

    def step(self, position: int, event: Any) -> Step:
        """Fold one fact; the view rows it changes."""
        before = [keeper.before(self.state, event) for keeper in self.keepers]
        self.state.apply(position, event)
        own = micros(known_at_of(event))
        late = (own, self.known) if self.known is not None and own < self.known else None
        self.known = own if self.known is None else max(self.known, own)
        found: list[Change] = []
        for keeper, prior in zip(self.keepers, before, strict=True):
            found += keeper.after(self.state, event, prior)
        return Step(position, self.known, tuple(found), late)


def handed_over(projection: Views) -> Start:
    """Where a projection that ran so far stands, for the runner's to go on from."""
    return Start(projection.state, known=projection.known, keepers=projection.keepers)


def resumed(start: Start) -> type[Views]:
    """The projection class that starts from ``start`` (the runner builds the instance)."""
    return type("Views", (Views,), {"name": VIEWS, "start": start})


def views_class(datastore: object) -> type[ViewsRecorder] | None:
    """The views recorder for a ledger's datastore; None for the in-process store (no views).
    The PostgreSQL one is imported only for a PostgreSQL datastore (psycopg is loaded by then)."""
    if isinstance(datastore, SQLiteDatastore):
        return SQLiteViewsRecorder
    if type(datastore).__module__ == "eventsourcing.postgres":
        return postgres_views()
    return None


def postgres_views() -> type[ViewsRecorder]:
    from ledger.store.postgres_views import PostgresViewsRecorder
    return PostgresViewsRecorder


def views_on(datastore: object) -> ViewsRecorder | None:
    """A views recorder reading the ledger's own datastore, creating nothing; None when the store
    keeps no views (the in-process store) or they were never built."""
    cls = views_class(datastore)
    if cls is None:
        return None
    recorder = cls(datastore)  # type: ignore[call-arg]  # each class takes its own datastore
    return recorder if recorder.built() else None


def store_of(app: Ledger) -> object:
    """The ledger's datastore (the SQLite and PostgreSQL factories hold one; the in-process none)."""
    return getattr(app.factory, "datastore", None)


def kept_elsewhere(app: Ledger) -> bool:
    """Whether the views are kept in a PostgreSQL database of their own (``--views URL``: the
    settings under the prefix the runner reads, ``ledger.bootstrap.views_env``)."""
    return f"{VIEWS.upper()}_PERSISTENCE_MODULE" in app.env


def class_for(app: Ledger) -> type[ViewsRecorder] | None:
    """The views recorder's class: PostgreSQL for views kept elsewhere, else by the ledger's store."""
    return postgres_views() if kept_elsewhere(app) else views_class(store_of(app))


# -- running --------------------------------------------------------------------------------------
def runner_env(app: Ledger) -> dict[str, str]:
    """The settings of the ledger's own store, for the runner's ledger and the views recorder
    (with ``--views``, the views' own settings beside them, under their prefix)."""
    env = dict(app.env)
    name = env.get("SQLITE_DBNAME", "")
    if class_for(app) is None or ("memory" in name and not kept_elsewhere(app)):
        raise InvalidInputError("views are kept in a SQLite file or a PostgreSQL database, not in "
                                "memory")
    env.pop("CREATE_TABLE", None)
    env.pop(f"{VIEWS.upper()}_CREATE_TABLE", None)
    return env


def views_recorder(app: Ledger, create: bool = True) -> ViewsRecorder:
    """The views recorder as the library's ``ProjectionRunner`` builds it (tables created, unless
    ``create`` is false)."""
    env = runner_env(app)
    if not create:
        env[f"{VIEWS.upper()}_CREATE_TABLE"] = "n"
    cls = class_for(app)
    assert cls is not None  # runner_env refused the stores without views
    factory = InfrastructureFactory.construct(env=Environment(VIEWS, env))
    recorder = factory.tracking_recorder(cast(type[TrackingRecorder], cls))  # both are the library's
    return cast(ViewsRecorder, recorder)


def run(app: Ledger, projection: type[Views], progress: Progress | None = None) -> int:
    """Run the library's projection runner until the views hold the ledger's last position."""
    last = app.last_position()
    env = runner_env(app)
    cls = class_for(app)
    assert cls is not None
    with collector_paused(), ProjectionRunner(application_class=Ledger, projection_class=projection,
                                              view_class=cls, env=env) as runner:
        recorder = cast(ViewsRecorder, runner.view)
        while True:
            reached = recorder.max_tracking_id(UPSTREAM) or 0
            if progress is not None:
                progress(reached, last)
            if reached >= last:
                return reached
            runner.run_forever(timeout=PROGRESS_EVERY)  # re-raises the projection's error


def take_in(app: Ledger, recorder: ViewsRecorder, projection: Views, start: int,
            progress: Progress | None = None, batch: int = BATCH) -> int:
    """Fold the log from ``start`` on into ``projection``, ``batch`` facts per transaction of the
    views recorder: each batch's steps with the tracking of its last fact (``record_steps``), so
    the views hold a whole batch or none of it. The position reached."""
    last, reached = app.last_position(), start - 1
    steps: list[Step] = []
    with collector_paused():
        for position, event in app.read_log(start=start):
            steps.append(projection.step(position, event))
            if len(steps) >= batch:
                recorder.record_steps(steps, Tracking(UPSTREAM, position))
                steps, reached = [], position
                if progress is not None:
                    progress(reached, max(last, reached))
        if steps:
            reached = steps[-1].position
            recorder.record_steps(steps, Tracking(UPSTREAM, reached))
    return reached


def go_on(app: Ledger, recorder: ViewsRecorder, projection: Views, start: int,
          progress: Progress | None) -> int:
    """Take in the log from ``start`` in batches, then hand over to the library's runner for the
    facts appended meanwhile (one transaction per fact, as live)."""
    reached = take_in(app, recorder, projection, start, progress)
    if app.last_position() > reached:
        return run(app, resumed(handed_over(projection)), progress)
    if progress is not None:
        progress(reached, reached)
    return reached


def rebuild(app: Ledger, progress: Progress | None = None) -> int:
    """Forget the views and take in the whole log again; the position reached."""
    recorder = views_recorder(app)
    recorder.reset(UPSTREAM)
    return go_on(app, recorder, Views(recorder), 1, progress)


def catch_up(app: Ledger, progress: Progress | None = None) -> int:
    """Take in the facts after the position the views hold (all of them the first time)."""
    recorder = views_recorder(app)
    tracked = recorder.max_tracking_id(UPSTREAM) or 0
    if tracked == 0:
        return rebuild(app, progress)
    start = Start(held={name: hv.held_of(recorder.open_rows(name)) for name, _ in KEEPERS})
    if any(BUILT not in start.held[name] for name in MARKED):
        return rebuild(app, progress)  # a view added since the views were built: all again
    if not cupv.scored_with(recorder, cupv.kept_tables()):
        return rebuild(app, progress)  # the cups view scored with other tables than those shipped
    with collector_paused():
        for position, event in app.read_log(stop=tracked):
            start.state.apply(position, event)
            own = micros(known_at_of(event))
            start.known = own if start.known is None else max(start.known, own)
    return go_on(app, recorder, resumed(start)(recorder), tracked + 1, progress)


# -- reading --------------------------------------------------------------------------------------
def views_of(app: Ledger) -> ViewsRecorder | None:
    """The views of the ledger, read through the ledger's own connection, or with ``--views``
    through one to their own database (None: none built; nothing is created)."""
    if not kept_elsewhere(app):
        return views_on(store_of(app))
    recorder = views_recorder(app, create=False)
    return recorder if recorder.built() else None


def view_history(views: ViewsRecorder, name: str, basis: Basis, last: int) -> History | None:
    """The history ``name`` finds as of ``basis`` (position or known-at moment), from the view's
    rows: an indexed lookup. None when the view cannot answer: it has not taken in the basis
    (a position after the one it holds; a moment while it lags the log), or the facts known at
    that moment are not a prefix of the log. Raises UnknownSkaterError as the fold does."""
    tracked = views.max_tracking_id(UPSTREAM) or 0
    held: Callable[[str], list[Any]]
    if basis.known_at is not None:
        moment = micros(basis.known_at)
        if tracked < last or views.disordered(moment):
            return None
        held = lambda key: views.held_known(hv.VIEW, key, moment)  # noqa: E731
    else:
        position = last if basis.position is None else min(basis.position, last)
        if position > tracked:
            return None
        held = lambda key: views.held_at(hv.VIEW, key, position)  # noqa: E731
    mine, exact = (hv.history_from(held(key)) for key in hv.keys_of(name))
    return hv.resolved(name, mine, exact)


# -- checking -------------------------------------------------------------------------------------
@attrs.frozen
class Checked:
    """A basis checked: how many answers agreed (over every view), or why a view did not answer,
    or the first difference (naming the view, and what in it differs)."""

    basis: Basis
    agreed: int = 0
    declined: str | None = None
    difference: str | None = None


def check_history(views: ViewsRecorder, state: LedgerState, basis: Basis, last: int) -> Compared:
    """The histories view against the fold ``state`` (as of ``basis``), for every skater
    registered then; at a position, also that the view holds exactly those skaters."""
    if basis.known_at is None:
        position = last if basis.position is None else min(basis.position, last)
        if position <= (views.max_tracking_id(UPSTREAM) or 0):
            held = set(views.keys_at(hv.VIEW, position))
            registered = {sid.hex for sid in state.skaters}
            if held != registered:
                return Compared(difference=f"the view holds skaters {sorted(held - registered)} "
                                           f"the fold has not, and not {sorted(registered - held)}")
    agreed = 0
    for name in sorted({info.name for info in state.skaters.values()}):
        found = view_history(views, name, basis, last)
        if found is None:
            return Compared(agreed, declined=DECLINED)
        differs = hv.difference(found, history(state, name))
        if differs is not None:
            return Compared(agreed, difference=f"skater {name}: {differs}")
        agreed += 1
    return Compared(agreed)


#: Every view's check, beside its keeper (:data:`KEEPERS`): ``views check`` runs them all.
CHECKS: tuple[tuple[str, Check], ...] = ((hv.VIEW, check_history), (rv.VIEW, rv.check),
                                         (cv.VIEW, cv.check), (cupv.VIEW, cupv.check))


def check_at(app: Ledger, views: ViewsRecorder, basis: Basis,
             checks: tuple[tuple[str, Check], ...] = CHECKS) -> Checked:
    """Every view against one fold from position 1, as of ``basis``. The first difference names
    its view; a view that does not answer is named too, after the others were checked."""
    state = state_as_of(app, basis)
    last = app.last_position()
    agreed, declined = 0, []
    for name, check in checks:
        found = check(views, state, basis, last)
        agreed += found.agreed
        if found.difference is not None:
            return Checked(basis, agreed, difference=f"view {name}: {found.difference}")
        if found.declined is not None:
            declined.append(name)
    if declined:
        return Checked(basis, agreed, declined=f"views {', '.join(declined)}: {DECLINED}")
    return Checked(basis, agreed)


def random_bases(app: Ledger, samples: int, rng: random.Random) -> list[Basis]:
    """``samples`` random positions and as many known-at moments of the log's facts, and now."""
    last = app.last_position()
    if last == 0:
        return [Basis()]
    positions = sorted(rng.randint(1, last) for _ in range(samples))
    picked = set(positions)
    moments = [known_at_of(event) for position, event in app.read_log() if position in picked]
    return [Basis(), *(Basis(position=p) for p in positions), *(Basis(known_at=m) for m in moments)]


def history_at(app: Ledger, name: str, basis: Basis) -> History:
    """The history ``name`` finds as of ``basis``: from the view when it holds the basis (an
    indexed lookup), else by the fold; the same answer either way (tests/laws/test_history_view.py)."""
    views = views_of(app)
    if views is not None and basis.after_pair is None and basis.at_m is None:
        found = view_history(views, name, basis, app.last_position())
        if found is not None:
            return found
    return history(state_as_of(app, basis), name)


def catalogue_at(app: Ledger, basis: Basis) -> rv.Catalogue:
    """The races and competitions as of ``basis``: from the view when it holds the basis (two
    indexed lookups), else by the fold; the same answer either way (tests/laws/test_races_view.py)."""
    views = views_of(app)
    if views is not None:
        found = rv.view_catalogue(views, basis, app.last_position())
        if found is not None:
            return found
    return rv.catalogue(state_as_of(app, basis))


def records_at(app: Ledger, basis: Basis) -> cv.Current:
    """The records as they stand as of ``basis`` (``records(state).current``): from the view when
    it holds the basis, else by the fold; the same answer either way
    (tests/laws/test_records_view.py)."""
    views = views_of(app)
    if views is not None:
        found = cv.view_records(views, basis, app.last_position())
        if found is not None:
            return found
    return records(state_as_of(app, basis)).current


def view_position(views: ViewsRecorder, basis: Basis, last: int) -> int | None:
    """The log position a question as of ``basis`` answers as of (what the fold's state holds,
    ``projections.reading.last_taken``), from the views: at a position, that position; as known at
    a moment, the end of the prefix the clock says was known by then (the whole log when the
    moment is after the views' last growth of known-at). None when the views cannot tell (no
    clock, a late interval, the views lag): the caller folds."""
    tracked = views.max_tracking_id(UPSTREAM) or 0
    if basis.known_at is None:
        return last if basis.position is None else min(basis.position, last)
    moment = micros(basis.known_at)
    if tracked < last or not built(views, clock_view.VIEW) or views.disordered(moment):
        return None
    prefix = clock_view.known_prefix(views, tracked, moment)
    return last if prefix is None else min(prefix, last)


def cup_at(app: Ledger, cup: str, basis: Basis, category: str | None = None,
           event: str | None = None) -> tuple[list[CompetitionInfo], CupStandings]:
    """The competitions and the standings of ``cup`` as of ``basis``, scored by the shipped tables:
    from the races and cups views when they hold the basis (indexed lookups), else by the fold;
    the same answer either way (tests/laws/test_cup_view.py)."""
    views = views_of(app)
    if views is not None:
        last = app.last_position()
        found = rv.view_catalogue(views, basis, last)
        position = view_position(views, basis, last)
        if found is not None and position is not None:
            standings = cupv.view_standings(views, basis, last, position, cup, category, event)
            if standings is not None:
                return list(found.competitions), standings
    state = state_as_of(app, basis)
    return (list(state.competitions.values()),
            cup_standings(state, cup, cupv.kept_tables(), category, event))


def forget_personal(app: Ledger, skater: UUID) -> int:
    """Delete the index rows that hold an erased skater's hometown or club in clear (from a
    registration of before docs/decisions/0029: a sealed field is never indexed); how many."""
    views = views_of(app)
    if views is None:
        return 0
    return views.forget(index_view.VIEW, skater.hex,
                        tuple(f"{field}/" for field in index_view.CHOSEN_BY if field != "nation"))
