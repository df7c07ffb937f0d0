"""The read side's one entry point, beside the write side's ``build_app``: the ledger as of a basis.

The command (scripts/cli/), the web board (scripts/board/) and the benchmarks (scripts/bench/) get
every state through these functions and fold no log themselves:

- :func:`state_at`: the state of a ledger as of a :class:`~projections.basis.Basis`, folded from
  position 1 (:func:`projections.basis.state_as_of`) or from the nearest snapshot of a
  :class:`~projections.snapshots.SnapshotStore`; the same state either way.
- :func:`race_state_at`: the same state for the questions about one race (its board, standings at
  a passing point, the pair on the ice, what-if, its audit): only that race's sheet, its
  competition and the skaters it names, read from their own streams, so its cost does not grow
  with the size of the ledger; with ``marks``, also what its derived marks depend on; with
  ``bests``, also what its skaters' bests (the pair panel's reference) depend on; with
  ``competition``, also the races of its competition (the race page's qualification panel).
- :func:`catalogue_at`: the competitions and races as of a basis, with what a list of them shows
  (starters, official): a read of the few kinds of event that say so, not a fold of the log.
- :func:`competition_log` and :func:`competition_at`: a competition's own facts (its races', the
  names they show), and its state and timeline folded from them: what a day's page and its replay
  read.
- :func:`carried`: a state read from a closed set of streams, carried on over newer events
  instead of read again (the board's cache).
- :func:`snapshots_of`: a snapshot store of a ledger, caught up with its log.
- :func:`fold` and :func:`folding`: the state of given ``(position, event)`` pairs (an exported
  log, a replay), all at once or after each event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from ledger.application import Ledger
from ledger.domain.clocks import known_at_of
from ledger.domain.competition import Competition
from ledger.domain.race import Race
from ledger.domain.race_state import RaceState
from ledger.domain.record import Record, season_of
from ledger.domain.skater import Skater
from ledger.domain.values import competition_id, race_id
from projections.basis import Basis, Snapshots, known_by, state_as_of
from projections.bests import ledger_best
from projections.snapshots import DEFAULT_EVERY, SnapshotStore
from projections.state import LedgerState, collector_paused


def state_at(app: Ledger, basis: Basis | None = None,
             snapshots: Snapshots | None = None) -> LedgerState:
    """The ledger as of ``basis`` (the whole log by default): which facts were known. The race
    moment of the basis (after pair N, at a passing point) is the boards' part."""
    return state_as_of(app, basis or Basis(), snapshots)


class Sheets(Protocol):
    """A cache of races' sheets as read from their streams (the board's,
    ``scripts.board.live.SheetCache``), so that reads of many races share the sheets they hold."""

    def get(self, rid: UUID, stop: int, lean: bool) -> RaceState | None:
        """Race ``rid``'s sheet (``lean``: :func:`take_lean`'s) as of position ``stop``, if kept
        (never to be changed)."""

    def put(self, rid: UUID, sheet: RaceState, last: int, stop: int, lean: bool) -> None:
        """Keep ``sheet``: race ``rid``'s stream read up to ``stop``, its last event at ``last``."""


def race_state_at(app: Ledger, key: str, basis: Basis | None = None, *,
                  marks: bool = False, bests: bool = False, competition: bool = False,
                  sheets: Sheets | None = None) -> LedgerState:
    """The ledger as of ``basis`` as a question about race ``key`` sees it: equal, for that race,
    to :func:`state_at` (its sheet, its competition, the names of the skaters it names, the
    position and known-at moment of the basis), read from those aggregates' own streams.

    The facts of a stream are taken in its order (which is log order) by the rule of the whole
    fold (:func:`projections.basis.known_by`): a race's fact names only facts of the same race, so
    the race's own facts decide it. With ``marks``, the state also holds what the race's derived
    marks depend on (:func:`projections.marks.derive` with ``only``: the record table lines and the
    races of its category and distance up to its day); with ``bests``, what its skaters' season
    and personal bests depend on (:func:`projections.bests.ledger_best`: the record lines and every
    race of its distance); with ``competition``, every race of its competition (what qualification
    rules read). Those races are found by a read of two kinds of event only (Race.Scheduled,
    Record.Stood: a scan of the log that decodes nothing else; the read models of issue 14, item 2,
    will index them).

    With ``sheets`` (on the whole log, not as known at a moment) the races' sheets come from that
    cache when it has them and go into it when read: the state then shares them, and owns none
    (``LedgerState.owned``: it copies a sheet before it changes it); and the other races (what
    marks, bests and qualification read of them: results, not passings) are read lean
    (:func:`take_lean`)."""
    basis = basis or Basis()
    stop = stop_of(app, basis)
    state = LedgerState()
    if basis.known_at is not None:
        sheets = None
    if sheets is not None:
        state.owned = set()
    with collector_paused():
        taken = [take_race(app, state, race_id(key), stop, basis.known_at, sheets)]
        if (marks or bests or competition) and taken[0] is not None:
            taken += take_evidence(app, state, taken[0], stop, basis.known_at, marks=marks,
                                   bests=bests, competition=competition, sheets=sheets)
            if bests and sheets is not None:
                take_references(app, state, taken[0], stop, sheets)
        for sheet in (s for s in taken if s is not None):
            take(state, app.read_stream(sheet.competition_id, stop), basis.known_at)
            for skater in sorted(skaters_named(sheet) - state.skaters.keys()):
                take(state, (e for e in app.read_stream(skater, stop)
                             if isinstance(e[1], Skater.Registered)), basis.known_at)
    state.position, state.recorded_at = last_taken(app, stop, basis.known_at)
    return state


def race_log(app: Ledger, key: str, stop: int) -> list[tuple[int, Any]]:
    """The events up to ``stop`` that the questions about race ``key`` read (its own, its
    competition's, the registrations of the skaters it names), in log order: the part of the log
    a race's audit folds (:func:`projections.audit.audit` of one race)."""
    state = LedgerState()
    with collector_paused():
        own = app.read_stream(race_id(key), stop)
        state.apply_all(own)
        sheet = state.races.get(race_id(key))
        if sheet is None:
            return own
        named = [e for sid in sorted(skaters_named(sheet)) for e in app.read_stream(sid, stop)
                 if isinstance(e[1], Skater.Registered)]
        return sorted([*own, *app.read_stream(sheet.competition_id, stop), *named],
                      key=lambda pair: pair[0])


def stop_of(app: Ledger, basis: Basis) -> int:
    """The last position a fold as of ``basis`` reads."""
    last = app.last_position()
    return last if basis.position is None else min(basis.position, last)


def take(state: LedgerState, events: Iterable[tuple[int, Any]], known_at: datetime | None) -> None:
    """Fold ``events`` (one stream's, in its order) into ``state`` as the whole fold would."""
    for position, event in events:
        if known_at is None or known_by(state, event, known_at):
            state.apply(position, event)


#: What a lean sheet leaves out (:func:`take_lean`): the passings and which of them was shown.
LEAN_LEFT_OUT = (Race.PassingRecorded, Race.SourcePresented)
#: Their topics: a lean read leaves them out before decoding (most of a race's events).
LEAN_TOPICS = frozenset(kind.TOPIC for kind in LEAN_LEFT_OUT)


def take_lean(state: LedgerState, events: Iterable[tuple[int, Any]],
              known_at: datetime | None = None) -> None:
    """Fold a race's ``events`` into ``state`` without its passings (:data:`LEAN_LEFT_OUT`) and
    the corrections and voids of facts left out: a lean sheet, whose results
    (:func:`projections.results.result_of`, which reads no passing), boards at the finish, marks
    and bests are the full sheet's, in about a seventh of the memory. What an evidence race is
    read for; never a race's own page."""
    for position, event in events:
        if isinstance(event, LEAN_LEFT_OUT):
            continue
        if known_at is not None and not known_by(state, event, known_at):
            continue
        target = getattr(event, "target", None)
        if target is not None and target not in state.races[event.originator_id].facts:
            continue
        state.apply(position, event)


def take_race(app: Ledger, state: LedgerState, rid: UUID, stop: int,
              known_at: datetime | None, sheets: Sheets | None = None,
              lean: bool = False) -> RaceState | None:
    """Fold race ``rid``'s own facts into ``state``; its sheet (None: not scheduled by then).
    With ``sheets`` (not as known at a moment), the sheet kept there if it has it, else the one
    read, kept there; shared, so ``state`` does not own it; with ``lean`` too, a lean sheet
    (:func:`take_lean`), kept apart from the full ones."""
    if sheets is None or known_at is not None:
        if lean:
            take_lean(state, app.read_stream(rid, stop, skip=LEAN_TOPICS), known_at)
        else:
            take(state, app.read_stream(rid, stop), known_at)
        return state.races.get(rid)
    sheet = sheets.get(rid, stop, lean)
    if sheet is None:
        events = app.read_stream(rid, stop, skip=LEAN_TOPICS if lean else frozenset())
        if lean:
            take_lean(state, events)
        else:
            take(state, events, None)
        sheet = state.races.get(rid)
        if sheet is None:
            return None
        sheets.put(rid, sheet, events[-1][0], stop, lean)
    state.races[rid] = sheet
    state.race_keys[sheet.key] = rid
    if state.owned is not None:
        state.owned.discard(rid)
    return sheet


def take_references(app: Ledger, state: LedgerState, sheet: RaceState, stop: int,
                    sheets: Sheets) -> None:
    """Read in full the races whose passings the pair panel reads of lean sheets
    (:func:`projections.pair.reference_race`): each skater's season and personal best race at the
    distance, chosen by results, which a lean sheet holds as the full one does."""
    season = season_of(sheet.day)
    for sid in sorted(sheet.entries):
        for within in (season, None):
            best = ledger_best(state, sid, sheet.distance_m, within, besides=sheet.key)
            if best is not None:
                take_race(app, state, best.race.race_id, stop, None, sheets)


def take_evidence(app: Ledger, state: LedgerState, sheet: RaceState, stop: int,
                  known_at: datetime | None, *, marks: bool, bests: bool, competition: bool,
                  sheets: Sheets | None = None) -> list[RaceState | None]:
    """Fold the other races scheduled by ``stop`` that :func:`race_state_at` names for ``marks``,
    ``bests`` and ``competition`` (supersets of the races :func:`projections.marks.derive`,
    :func:`projections.bests.ledger_best` and the qualification rules choose among), and, with
    ``marks`` or ``bests``, the record table lines."""
    topics = (Race.Scheduled.TOPIC, Record.Stood.TOPIC)
    found = [(n.id, app.mapper.to_domain_event(n))
             for n in app.notifications(stop=stop, topics=topics)]
    if marks or bests:
        take(state, ((p, e) for p, e in found if isinstance(e, Record.Stood)), known_at)
    day = sheet.day.isoformat()

    def wanted(e: Race.Scheduled) -> bool:
        same = e.distance_m == sheet.distance_m
        return ((bests and same) or (marks and same and e.category == sheet.category
                                     and e.day <= day)
                or (competition and e.competition_id == sheet.competition_id))

    # lean sheets hold no passings: the board reads the pair panel's reference races again in
    # full (take_references); without its sheets, a question that wants bests reads them in full
    lean = sheets is not None or not bests
    return [take_race(app, state, e.originator_id, stop, known_at, sheets, lean=lean)
            for _, e in found
            if isinstance(e, Race.Scheduled) and e.originator_id != sheet.race_id and wanted(e)]


def skaters_named(sheet: RaceState) -> set[UUID]:
    """Every skater (and team) a race's sheet names: entered, drawn, in a team, in a fact."""
    named = set(sheet.entries) | set(sheet.team_members) | set(sheet.by_skater)
    named.update(s for pair in sheet.pairs for s in sheet.skaters_in(pair))
    named.update(s for members in sheet.team_members.values() for s in members)
    named.update(s for clock in sheet.clocks.values() for s in clock.false_starts)
    named.update(f.skater for f in sheet.facts.values() if f.skater is not None)
    return named


def last_taken(app: Ledger, stop: int, known_at: datetime | None) -> tuple[int, datetime | None]:
    """The position and known-at moment of the last fact the whole fold takes in up to ``stop``:
    the latest stored event by then, or, as known at a moment, the latest known by it that names
    only facts known by it (read back from ``stop``: the events stored since the moment; or, when
    the views' clock can tell, one indexed lookup: projections/clock_view.py)."""
    if known_at is not None:
        prefix = known_prefix_of(app, known_at)
        if prefix is not None:
            position = min(prefix, stop)
            for _, event in app.read_log(start=position, stop=position) if position else ():
                return position, known_at_of(event)
            return 0, None
    for position, event in app.read_log_backwards(stop):
        moment = known_at_of(event)
        if known_at is None:
            return position, moment
        if moment <= known_at and names_known(app, position, event, known_at):
            return position, moment
    return 0, None


def known_prefix_of(app: Ledger, known_at: datetime) -> int | None:
    """The last position of the prefix of the log known at ``known_at``, from the views' clock;
    None when the ledger keeps no views or they cannot tell (the caller reads the log back)."""
    from ledger.store.views import micros
    from projections.clock_view import known_prefix  # the views' machinery only for a moment asked
    from projections.views import UPSTREAM, views_of

    views = views_of(app)
    if views is None:
        return None
    return known_prefix(views, views.max_tracking_id(UPSTREAM) or 0, micros(known_at))


def names_known(app: Ledger, position: int, event: Any, known_at: datetime) -> bool:
    """Whether the race and the fact ``event`` names were known at ``known_at`` when it was
    stored at ``position`` (:meth:`LedgerState.knows_what_it_names`), from its race's own facts."""
    if not isinstance(event, Race.Event) or isinstance(event, Race.Scheduled):
        return True
    before = LedgerState()
    take_race(app, before, event.originator_id, position - 1, known_at)
    return before.knows_what_it_names(event)


#: The kinds of event a list of competitions and races reads (:func:`catalogue_at`): each sheet's
#: key, day, distance, category and label (Race.Scheduled), its starters (an entry, a drawn pair,
#: a corrected draw: ``RaceState.entries``) and whether it is official.
CATALOGUE_TOPICS = (Competition.Scheduled.TOPIC, Race.Scheduled.TOPIC, Race.StarterEntered.TOPIC,
                    Race.PairDrawn.TOPIC, Race.DrawCorrected.TOPIC,
                    Race.ResultsDeclaredOfficial.TOPIC)


def catalogue_at(app: Ledger, basis: Basis | None = None) -> LedgerState:
    """The competitions and races as of ``basis`` as a list of them shows them
    (:func:`scripts.output.races_json`: name, venue, day, distance, category, label, the number
    of starters, official or not), with the position and known-at moment of the whole fold: only
    :data:`CATALOGUE_TOPICS` are read (a scan of the log that decodes nothing else), so the state
    holds no passing, no result and no skater. Each of those events names no other fact, so the
    rule of the whole fold (:func:`projections.basis.known_by`) decides it from its race alone.
    The sheets hold entries and pairs, not the facts that record them (:func:`list_in`).
    The one read of what is scheduled: a races view in the store can replace it here."""
    basis = basis or Basis()
    stop = stop_of(app, basis)
    state = LedgerState()
    to_event = app.mapper.to_domain_event
    with collector_paused():
        for n in app.notifications(stop=stop, topics=CATALOGUE_TOPICS):
            event = to_event(n)
            if basis.known_at is None or known_by(state, event, basis.known_at):
                list_in(state, n.id, event)
    state.position, state.recorded_at = last_taken(app, stop, basis.known_at)
    return state


def list_in(state: LedgerState, position: int, event: Any) -> None:
    """Fold one of :data:`CATALOGUE_TOPICS` into ``state`` as a list of races reads it: the
    entries and pairs of a sheet without the facts that record them (a list counts starters, it
    shows no fact), so a race costs the list a few objects, not one per entry and pair."""
    if isinstance(event, Race.StarterEntered):
        state.races[event.originator_id].enter(event.skater)
    elif isinstance(event, Race.PairDrawn):
        state.races[event.originator_id].draw_pair(event.pair, event.inner, event.outer,
                                                   event.lanes_known)
    elif isinstance(event, Race.DrawCorrected):
        state.races[event.originator_id].redraw(event.pair, event.inner, event.outer)
    else:
        state.apply(position, event)


def competition_log(app: Ledger, slug: str, stop: int) -> list[tuple[int, Any]]:
    """The events up to ``stop`` of competition ``slug``: its own, its races' (found by
    :func:`catalogue_at`'s read of what is scheduled) and the registrations of the skaters they
    name, in log order."""
    races = [e.originator_id for e in scheduled(app, stop) if e.competition == slug]
    state = LedgerState()
    with collector_paused():
        own = [event for rid in races for event in app.read_stream(rid, stop)]
        state.apply_all(sorted(own, key=lambda pair: pair[0]))
        named = set().union(*(skaters_named(sheet) for sheet in state.races.values()))
        own += app.read_stream(competition_id(slug), stop)
        own += [e for sid in sorted(named) for e in app.read_stream(sid, stop)
                if isinstance(e[1], Skater.Registered)]
    return sorted(own, key=lambda pair: pair[0])


def scheduled(app: Ledger, stop: int) -> list[Race.Scheduled]:
    """Every race scheduled by ``stop`` (a scan of one kind of event)."""
    to_event = app.mapper.to_domain_event
    found = (to_event(n) for n in app.notifications(stop=stop, topics=(Race.Scheduled.TOPIC,)))
    return [e for e in found if isinstance(e, Race.Scheduled)]


def competition_at(app: Ledger, slug: str, basis: Basis | None = None,
                   note: Callable[[LedgerState, int, Any], None] | None = None) -> LedgerState:
    """The ledger as of ``basis`` as the questions about competition ``slug`` see it (its day's
    start lists, the pair on the ice, its replay): equal, for its races, its competition and the
    names they show, to :func:`state_at`; ``note(state, position, event)`` is called after each
    event taken in (the board's timeline of the day)."""
    basis = basis or Basis()
    stop = stop_of(app, basis)
    state = LedgerState()
    with collector_paused():
        for position, event, _ in folding(competition_log(app, slug, stop), state, basis.known_at):
            if note is not None:
                note(state, position, event)
    state.position, state.recorded_at = last_taken(app, stop, basis.known_at)
    return state


def carried(state: LedgerState, events: Iterable[tuple[int, Any]], *, catalogue: bool = False,
            note: Callable[[LedgerState, int, Any], None] | None = None,
            full: UUID | None = None) -> bool:
    """Carry ``state`` (read by :func:`race_state_at`, :func:`competition_at` or, with
    ``catalogue``, :func:`catalogue_at`, as of the whole log up to some position) on over
    ``events``, the events stored after that position, in log order: afterwards it equals a new
    read as of the last of them. False (``state`` is then spoilt: read it again) when an event could
    change which streams that read takes (a race scheduled, a competition, a skater, a record
    line, a race's new skater whose registration it holds not): only facts of the races it holds
    are folded, and the others pass it by, which is the whole point: a fact of one race re-reads
    no other. ``note`` as for :func:`competition_at`. With ``full`` (a race's read with
    ``sheets``), a fact of any other race it holds (lean, or a reference race read in full)
    spoils it: it is read again, from the cache but for the race of the fact."""
    last = None
    with collector_paused():
        for position, event in events:
            last = (position, event)
            if catalogue:
                if getattr(event, "TOPIC", None) in CATALOGUE_TOPICS:
                    list_in(state, position, event)
                continue
            if not isinstance(event, Race.Event) or isinstance(event, Race.Scheduled):
                return False
            sheet = state.races.get(event.originator_id)
            if sheet is None:
                continue
            if full is not None and event.originator_id != full:
                return False  # a lean sheet, or a reference race: read again (from the cache)
            state.apply(position, event)  # a shared sheet is copied first: read it again
            if note is not None:
                note(state, position, event)
            if not skaters_named(state.races[event.originator_id]) <= state.skaters.keys():
                return False
    if last is not None:
        state.position, state.recorded_at = last[0], known_at_of(last[1])
    return True


def snapshots_of(app: Ledger, every: int = DEFAULT_EVERY) -> SnapshotStore:
    """Snapshots of ``app``'s log, folded up to its last position (give them to :func:`state_at`)."""
    return SnapshotStore.build(app, every)


def folding(events: Iterable[tuple[int, Any]], state: LedgerState | None = None,
            known_at: datetime | None = None) -> Iterator[tuple[int, Any, LedgerState]]:
    """Fold ``events`` in order into ``state`` (a new one by default), yielding the position, the
    event and the state just after it (the same state object each time: read it at once). With
    ``known_at``, only the events known by then are folded (and yielded), as in a known-at basis."""
    state = LedgerState() if state is None else state
    for position, event in events:
        if known_at is not None and not known_by(state, event, known_at):
            continue
        state.apply(position, event)
        yield position, event, state


def fold(events: Iterable[tuple[int, Any]], state: LedgerState | None = None,
         known_at: datetime | None = None) -> LedgerState:
    """The state after folding ``events`` in order (see :func:`folding`)."""
    state = LedgerState() if state is None else state
    with collector_paused():
        for _ in folding(events, state, known_at):
            pass
    return state
