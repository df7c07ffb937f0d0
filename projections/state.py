"""The whole ledger folded into read models: skaters, competitions and one sheet per race.

:class:`LedgerState` is the one fold every projection starts from. It is applied event by event
(incrementally, by :mod:`projections.runner`) or to a prefix of the log (an "as of" basis); both
give the same state, which a property test checks.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.clocks import known_at_of
from ledger.domain.competition import Competition
from ledger.domain.race import Race
from ledger.domain.race_state import RaceState
from ledger.domain.record import Record
from ledger.domain.skater import Skater


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a fold runs.

    A fold creates hundreds of thousands of long-lived objects (facts, sheets) and no reference
    cycles; the collector would walk all of them again and again as they accumulate (about a third
    of a rebuild's time, docs/benchmarks.md) to free nothing. Reference counting still frees
    everything that is dropped. Nested uses are fine: the outermost one restores the collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@attrs.frozen
class SkaterInfo:
    skater: UUID
    name: str
    nation: str | None
    club: str | None
    hometown: str | None
    #: why personal fields that were recorded read None: "erased" (her key is destroyed) or
    #: "sealed" (no master key given); None when none is withheld (docs/decisions/0029)
    withheld: str | None = None


@attrs.frozen
class CompetitionInfo:
    competition: UUID
    slug: str
    name: str
    venue: str | None
    first_day: str
    last_day: str
    #: the cup it counts for (docs/decisions/0022-cup-points.md), None when it counts for none
    cup: str | None = None


#: A line of a record table, the record of a scope as it stood on ``as_of``: the event that
#: says so, whose fields (scope, category, distance_m, time_ms, skater, nation, as_of, source)
#: are what the read side reads of it.
RecordInfo = Record.Stood


@attrs.define
class LedgerState:
    """Everything known as of ``position`` (0: nothing yet)."""

    position: int = 0
    recorded_at: datetime | None = None
    skaters: dict[UUID, SkaterInfo] = attrs.Factory(dict)
    competitions: dict[UUID, CompetitionInfo] = attrs.Factory(dict)
    races: dict[UUID, RaceState] = attrs.Factory(dict)
    race_keys: dict[str, UUID] = attrs.Factory(dict)
    #: The lines of the record tables imported (baselines of the derived record marks).
    records: dict[UUID, RecordInfo] = attrs.Factory(dict)
    #: Copy on write (projections.snapshots): None, the usual, means this state owns every sheet;
    #: a set names the only sheets it owns, the others being shared with a snapshot, which
    #: ``apply`` copies before it changes them. Not part of the state's value.
    owned: set[UUID] | None = attrs.field(default=None, eq=False, repr=False)

    def apply(self, position: int, event: Any) -> None:
        """Fold one event of the log (events must come in log order)."""
        if isinstance(event, Race.Scheduled):
            self.races[event.originator_id] = event.new_sheet()
            self.race_keys[event.key] = event.originator_id
            if self.owned is not None:
                self.owned.add(event.originator_id)
        elif isinstance(event, Race.Event):
            rid = event.originator_id
            if self.owned is not None and rid not in self.owned:
                self.races[rid] = copy_race_state(self.races[rid])
                self.owned.add(rid)
            event.record_on(self.races[rid])
        elif isinstance(event, Skater.Registered):
            self.skaters[event.originator_id] = SkaterInfo(
                event.originator_id, event.name, event.nation, event.club, event.hometown,
                getattr(event, "withheld", None))
        elif isinstance(event, Skater.PersonalDataSealed | Skater.Erased):
            self.personal(event)
        elif isinstance(event, Competition.Scheduled):
            self.competitions[event.originator_id] = CompetitionInfo(
                event.originator_id, event.slug, event.name, event.venue, event.first_day,
                event.last_day)
        elif isinstance(event, Competition.JoinedCup):
            info = self.competitions.get(event.originator_id)
            if info is not None:  # a partial read without the competition takes no cup of it
                self.competitions[event.originator_id] = attrs.evolve(info, cup=event.cup)
        elif isinstance(event, Record.Stood):
            self.records[event.originator_id] = event
        self.position = position
        self.recorded_at = known_at_of(event)

    def personal(self, event: Skater.PersonalDataSealed | Skater.Erased) -> None:
        """A skater's personal fields sealed (as the reader revealed them) or erased."""
        info = self.skaters.get(event.originator_id)
        if info is None:
            return  # a partial read without her registration
        if isinstance(event, Skater.Erased):
            self.skaters[info.skater] = attrs.evolve(info, club=None, hometown=None,
                                                     withheld="erased")
            return
        self.skaters[info.skater] = attrs.evolve(
            info, club=getattr(event, "club", None) or info.club,
            hometown=getattr(event, "hometown", None) or info.hometown,
            withheld=getattr(event, "withheld", None) or info.withheld)

    def knows_what_it_names(self, event: Any) -> bool:
        """Whether the race and the fact that ``event`` names are in this state.

        Always so for a prefix of the log. An "as known at" fold takes the facts known by then in
        log order, and a fact known early may name one that was known only later (a timing
        system's correction of a fact entered by hand, a stream imported into a race scheduled
        since, a re-skate or a result of a skater whose entry came later): such a fact was not
        yet a fact of the ledger's story at that moment, and is left
        out (docs/decisions/0014-two-clocks-at-the-door.md)."""
        if not isinstance(event, Race.Event) or isinstance(event, Race.Scheduled):
            return True
        sheet = self.races.get(event.originator_id)
        if sheet is None:
            return False
        skater = None if isinstance(event, Race.StarterEntered) else getattr(event, "skater", None)
        if skater is not None and skater not in sheet.entries:
            return False  # a fact of a skater whose entry was known only later (a re-skate, a DNS)
        named = getattr(event, "target", None) or getattr(event, "passing", None)
        return named is None or named in sheet.facts

    def apply_all(self, events: Iterable[tuple[int, Any]]) -> LedgerState:
        with collector_paused():
            for position, event in events:
                self.apply(position, event)
        return self

    def sheet(self, key: str) -> RaceState | None:
        rid = self.race_keys.get(key)
        return self.races.get(rid) if rid else None

    def name_of(self, skater: UUID) -> str:
        info = self.skaters.get(skater)
        return info.name if info else str(skater)


def copy_race_state(sheet: RaceState) -> RaceState:
    """An independent copy of ``sheet`` (:meth:`ledger.domain.race_state.RaceState.copy`): snapshots share
    sheets copy-on-write."""
    return sheet.copy()
