"""Snapshots for "as of" answers: the state at any basis from the nearest snapshot plus a short fold.

:func:`projections.basis.state_as_of` folds from position 1 every time (the obviously-correct
baseline, docs/decisions/0004-as-of.md). A :class:`SnapshotStore` folds the log once, keeping a
snapshot of the :class:`~projections.state.LedgerState` every ``every`` events, and the position and
known-at moment of every event; a question "as of position N" or "as known at T" then resolves T to a
position, restores the last snapshot at or before it and folds at most ``spacing - 1`` events.

"As known at T" takes every fact known at or before T (decision 0014). The log's prefix up to the
first event known after T is one part; the rest are events *known earlier than one before them*
(a timing system's stream imported after later facts): the store keeps the positions of those
"late" events, and adds the ones known at T after the prefix's fold.

Snapshots are derived data, kept in memory only and rebuilt from the log at will; they never
change an answer (tests/store/test_snapshots.py compares them with the fold from zero).

Memory: a snapshot shares every sheet that did not change since the one before it, and takes the
head's own sheets for those that did; the head is copy-on-write too (``LedgerState.owned``): after a
snapshot it owns no sheet, and copies (:func:`~projections.state.copy_race_state`) one before its
first change. A finished race's sheet is thus held once, by the head and the snapshots alike; the
copies are those of the races that changed between two kept snapshots. The mappings of races,
skaters, competitions and race keys are stored whole every ``FULL_EVERY`` snapshots and as the
changes in between. Measured with tracemalloc (a snapshot every 100 events, as the board): on a
generated ledger of 49,503 events the store held 52.5 MB before the limit and copy-on-write head,
36.5 MB after (0.70; a plain fold alone holds 30.9 MB); on 201,919 events, 193.8 MB and 110.6 MB
(0.57; the plain fold 102.2 MB).

A cache with a size limit: the store holds at most ``limit`` snapshots. It takes one every
``spacing`` events (``every`` at first). When a new snapshot makes one too many, the store thins:
it keeps the first snapshot (count 0), those at multiples of twice the spacing and the newest, and
doubles the spacing. Snapshots then stand at most ``spacing`` events apart, the newest fewer than
``spacing`` behind the head, so memory stays bounded (about ``limit`` snapshots' worth of changed
sheets whatever the log's length) and an as-of answer folds at most ``spacing - 1`` events after
the nearest snapshot, which it finds by its count (bisect), not by arithmetic on the spacing.

Thinning re-encodes the kept snapshots (the simplest correct way, and the only costly step, paid
once per doubling): it walks the old list in order, restoring each snapshot's whole mappings
as it goes (a full one replaces them, a delta updates them), and writes the kept ones anew as the
list they now form: whole mappings at every ``FULL_EVERY``-th *new* index, and in between the
entries whose value differs (by identity) from the kept snapshot before. Since the mappings only
ever grow (``LedgerState.apply`` never deletes an entry) and an unchanged sheet is the same object
in every snapshot that shares it, that difference is exactly the union of the dropped deltas, so a
restore from the new list gives the same mappings as one from the old. Sheets are not copied
again: the kept snapshots share them as before, and those only a dropped snapshot held are freed.

A restored state is copy-on-write (``LedgerState.owned``): its sheets are shared with the
snapshot until ``apply`` changes one, which copies it first. Read it freely, and change it only
through ``apply``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from ledger.application import Ledger
from ledger.domain.clocks import known_at_of
from ledger.domain.competition import Competition
from ledger.domain.race import Race
from ledger.domain.race_state import RaceState
from ledger.domain.record import Record
from ledger.domain.skater import Skater
from projections.basis import Basis
from projections.runner import catch_up
from projections.state import (
    CompetitionInfo,
    LedgerState,
    RecordInfo,
    SkaterInfo,
    collector_paused,
)

#: Events between two snapshots: an as-of answer folds fewer than this many after a restore
#: (1,000 gave an as-of p95 of 27 ms at 100,000 events on this machine, 500 gave 13 ms).
DEFAULT_EVERY = 500
#: At most this many snapshots are kept; past it the store thins and doubles its spacing.
DEFAULT_LIMIT = 256
#: Every FULL_EVERY-th snapshot holds whole mappings; the others only what changed since.
FULL_EVERY = 32

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

# The snapshots know which parts of a LedgerState an event changes (see _note); a new field of
# LedgerState must be taught to them, and this guard fails at import until it is.
_KNOWN = ("position", "recorded_at", "skaters", "competitions", "races", "race_keys", "records",
          "owned")
if tuple(f.name for f in attrs.fields(LedgerState)) != _KNOWN:
    raise TypeError("LedgerState has new fields: teach projections.snapshots about them")


_ABSENT = object()


def _changed(before: dict[Any, Any], after: dict[Any, Any]) -> dict[Any, Any]:
    """The entries of ``after`` that ``before`` lacks or holds another object for (maps only grow)."""
    return {k: v for k, v in after.items() if before.get(k, _ABSENT) is not v}


def micros(moment: datetime) -> int:
    """Microseconds since the epoch (exact; ``moment`` must carry a time zone, as the basis requires)."""
    return (moment - _EPOCH) // _US


@attrs.define
class Snapshot:
    """The state after the first ``count`` events of the log (a snapshot: never changed)."""

    count: int
    position: int
    recorded_at: datetime | None
    races: dict[UUID, RaceState]
    race_keys: dict[str, UUID]
    skaters: dict[UUID, SkaterInfo]
    competitions: dict[UUID, CompetitionInfo]
    full: bool  # whole mappings, or only the entries changed since the snapshot before
    records: dict[UUID, RecordInfo] = attrs.Factory(dict)  # record-table lines (few: all new ones)


class SnapshotStore:
    """Snapshots of one ledger's log, caught up with it before each answer."""

    def __init__(self, every: int = DEFAULT_EVERY, full_every: int = FULL_EVERY,
                 limit: int = DEFAULT_LIMIT) -> None:
        if every < 1 or full_every < 1:
            raise ValueError("snapshot intervals must be 1 or more")
        if limit < 2:
            raise ValueError("a snapshot store needs room for 2 snapshots or more")
        self.every = every  # the first spacing
        self.spacing = every  # events between two snapshots now (doubled by each thinning)
        self.full_every = full_every
        self.limit = limit
        #: The whole log folded so far (changed in place, copy-on-write for the sheets it shares
        #: with the snapshots; read it freely, change it only through ``fold``).
        self.head = LedgerState(owned=set())
        self.positions = array("q")  # the position of every event folded, in log order
        self.latest = array("q")  # the latest known-at moment (µs) among the events up to each one
        #: The events known earlier than an event before them: their index in ``positions`` and
        #: their known-at moment (µs), in log order (none in a log recorded as it happened).
        self.late_index = array("q")
        self.late_known = array("q")
        self.snapshots: list[Snapshot] = [
            Snapshot(0, 0, None, {}, {}, {}, {}, full=True)]
        self._dirty_races: dict[UUID, None] = {}  # changed since the last snapshot, in order
        self._new_keys: dict[str, None] = {}
        self._new_skaters: dict[UUID, None] = {}
        self._new_competitions: dict[UUID, None] = {}
        self._new_records: dict[UUID, None] = {}

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def build(cls, app: Ledger, every: int = DEFAULT_EVERY,
              limit: int = DEFAULT_LIMIT) -> SnapshotStore:
        store = cls(every, limit=limit)
        store.catch_up(app)
        return store

    @property
    def count(self) -> int:
        return len(self.positions)

    @property
    def position(self) -> int:
        return self.positions[-1] if self.positions else 0

    def catch_up(self, app: Ledger) -> int:
        """Fold the events appended since the last call; returns how many there were."""
        if app.last_position() <= self.position:
            return 0
        return catch_up(app, self.position, self.fold)

    def fold(self, position: int, event: Any) -> None:
        """Fold one event (in log order) into the head, and take a snapshot every ``every``."""
        self.head.apply(position, event)
        self._note(event)
        stamp = micros(known_at_of(event))
        if self.latest and stamp < self.latest[-1]:
            self.late_index.append(self.count)
            self.late_known.append(stamp)
        self.positions.append(position)
        self.latest.append(max(stamp, self.latest[-1]) if self.latest else stamp)
        if self.count % self.spacing == 0:
            self._checkpoint()
            if len(self.snapshots) > self.limit:
                self._thin()

    def _note(self, event: Any) -> None:
        """Which entries of the head's mappings ``event`` changed (LedgerState.apply's cases)."""
        if isinstance(event, Race.Event):
            self._dirty_races[event.originator_id] = None
            if isinstance(event, Race.Scheduled):
                self._new_keys[event.key] = None
        elif isinstance(event, Skater.Registered):
            self._new_skaters[event.originator_id] = None
        elif isinstance(event, (Competition.Scheduled, Competition.JoinedCup)):
            self._new_competitions[event.originator_id] = None
        elif isinstance(event, Record.Stood):
            self._new_records[event.originator_id] = None

    def _checkpoint(self) -> None:
        head = self.head
        full = len(self.snapshots) % self.full_every == 0
        # The snapshot takes the head's sheets as they are, and the head gives up owning them: it
        # copies one before its next change (copy on write), so a sheet that no longer changes (a
        # race over) is held once, by the head and every snapshot since its last change.
        if full:
            races = dict(head.races)
            keys, skaters, comps = dict(head.race_keys), dict(head.skaters), dict(head.competitions)
        else:
            races = {rid: head.races[rid] for rid in self._dirty_races}
            keys = {k: head.race_keys[k] for k in self._new_keys}
            skaters = {s: head.skaters[s] for s in self._new_skaters}
            comps = {c: head.competitions[c] for c in self._new_competitions}
        assert head.owned is not None
        head.owned.clear()
        records = dict(head.records) if full else {r: head.records[r] for r in self._new_records}
        self.snapshots.append(Snapshot(self.count, self.position, head.recorded_at, races, keys,
                                           skaters, comps, full, records))
        self._dirty_races, self._new_keys = {}, {}
        self._new_skaters, self._new_competitions, self._new_records = {}, {}, {}

    def _thin(self) -> None:
        """Keep the first, every one at a multiple of twice the spacing and the newest; re-encode
        them as a list of their own (whole mappings every ``full_every``, deltas between)."""
        spacing = self.spacing * 2
        old, last = self.snapshots, len(self.snapshots) - 1
        kept: list[Snapshot] = []
        races: dict[UUID, RaceState] = {}
        keys: dict[str, UUID] = {}
        skaters: dict[UUID, SkaterInfo] = {}
        comps: dict[UUID, CompetitionInfo] = {}
        records: dict[UUID, RecordInfo] = {}
        before: tuple[dict[Any, Any], ...] = ({}, {}, {}, {}, {})
        for index, cp in enumerate(old):
            if cp.full:
                races, keys, skaters = dict(cp.races), dict(cp.race_keys), dict(cp.skaters)
                comps, records = dict(cp.competitions), dict(cp.records)
            else:
                races.update(cp.races)
                keys.update(cp.race_keys)
                skaters.update(cp.skaters)
                comps.update(cp.competitions)
                records.update(cp.records)
            if cp.count % spacing and index != last:
                continue
            now: tuple[dict[Any, Any], ...] = (races, keys, skaters, comps, records)
            full = len(kept) % self.full_every == 0
            parts = [dict(m) if full else _changed(b, m) for b, m in zip(before, now, strict=True)]
            kept.append(Snapshot(cp.count, cp.position, cp.recorded_at, parts[0], parts[1],
                                 parts[2], parts[3], full, parts[4]))
            before = tuple(dict(m) for m in now)
        self.snapshots = kept
        self.spacing = spacing

    # -- answering -----------------------------------------------------------------------------
    def resolve(self, basis: Basis) -> int:
        """How many events of the log (as folded so far) the basis takes in."""
        if basis.known_at is not None:
            return bisect_right(self.latest, micros(basis.known_at))
        if basis.position is not None:
            return bisect_right(self.positions, basis.position)
        return self.count

    def state_as_of(self, app: Ledger, basis: Basis | None = None) -> LedgerState:
        """The same state as :func:`projections.basis.state_as_of` (``app`` must be the ledger these
        snapshots were built from): the nearest snapshot, then a short fold."""
        self.catch_up(app)
        count = self.resolve(basis or Basis())
        index = bisect_right(self.snapshots, count, key=lambda cp: cp.count) - 1
        state = self.restore(index)
        if count > self.snapshots[index].count:
            state.apply_all(app.read_log(start=state.position + 1, stop=self.positions[count - 1]))
        if basis is not None and basis.known_at is not None:
            self._add_late(app, state, count, basis.known_at)
        return state

    def _add_late(self, app: Ledger, state: LedgerState, count: int, moment: datetime) -> None:
        """Fold the late events after the first ``count`` that were known at ``moment``."""
        limit = micros(moment)
        first = bisect_right(self.late_index, count - 1)
        wanted = {self.positions[i] for i, known in zip(self.late_index[first:],
                                                        self.late_known[first:], strict=True)
                  if known <= limit}
        if not wanted:
            return
        with collector_paused():
            for position, event in app.read_log(start=min(wanted), stop=max(wanted)):
                if position in wanted and state.knows_what_it_names(event):
                    state.apply(position, event)

    def restore(self, index: int) -> LedgerState:
        """A copy-on-write state of snapshot ``index`` (its sheets shared until changed)."""
        cp = self.snapshots[index]
        races, keys, skaters, comps = self._restore_maps(index)
        base = index - index % self.full_every
        records: dict[UUID, RecordInfo] = {}
        for earlier in self.snapshots[base:index + 1]:
            records.update(earlier.records)
        return LedgerState(position=cp.position, recorded_at=cp.recorded_at, skaters=skaters,
                           competitions=comps, races=races, race_keys=keys, records=records,
                           owned=set())

    def _restore_maps(self, index: int) -> tuple[dict[UUID, RaceState], dict[str, UUID],
                                                 dict[UUID, SkaterInfo], dict[UUID, CompetitionInfo]]:
        base = index - index % self.full_every
        first = self.snapshots[base]
        races, keys = dict(first.races), dict(first.race_keys)
        skaters, comps = dict(first.skaters), dict(first.competitions)
        for cp in self.snapshots[base + 1:index + 1]:
            races.update(cp.races)
            keys.update(cp.race_keys)
            skaters.update(cp.skaters)
            comps.update(cp.competitions)
        return races, keys, skaters, comps

