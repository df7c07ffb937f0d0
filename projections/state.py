"""The whole ledger folded into read models: skaters, competitions and one sheet per race.

:class:`LedgerState` is the one fold every projection starts from. It is applied event by event
(incrementally, by :mod:`projections.runner`) or to a prefix of the log (an "as of" basis); both
give the same state, which a property test checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from ledger.competition import Competition
from ledger.race import Race
from ledger.sheet import Entry, Fact, PairClock, RaceSheet
from ledger.skater import Skater


@attrs.frozen
class SkaterInfo:
    skater: UUID
    name: str
    nation: str | None
    club: str | None
    hometown: str | None


@attrs.frozen
class CompetitionInfo:
    competition: UUID
    slug: str
    name: str
    venue: str | None
    first_day: str
    last_day: str


@attrs.define
class LedgerState:
    """Everything known as of ``position`` (0: nothing yet)."""

    position: int = 0
    recorded_at: datetime | None = None
    skaters: dict[UUID, SkaterInfo] = attrs.Factory(dict)
    competitions: dict[UUID, CompetitionInfo] = attrs.Factory(dict)
    races: dict[UUID, RaceSheet] = attrs.Factory(dict)
    race_keys: dict[str, UUID] = attrs.Factory(dict)
    #: Copy on write (projections.checkpoints): None, the usual, means this state owns every sheet;
    #: a set names the only sheets it owns, the others being shared with a checkpoint, which
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
                self.races[rid] = copy_sheet(self.races[rid])
                self.owned.add(rid)
            event.record_on(self.races[rid])
        elif isinstance(event, Skater.Registered):
            self.skaters[event.originator_id] = SkaterInfo(
                event.originator_id, event.name, event.nation, event.club, event.hometown)
        elif isinstance(event, Competition.Scheduled):
            self.competitions[event.originator_id] = CompetitionInfo(
                event.originator_id, event.slug, event.name, event.venue, event.first_day,
                event.last_day)
        self.position = position
        self.recorded_at = event.timestamp

    def apply_all(self, events: Iterable[tuple[int, Any]]) -> LedgerState:
        for position, event in events:
            self.apply(position, event)
        return self

    def sheet(self, key: str) -> RaceSheet | None:
        rid = self.race_keys.get(key)
        return self.races.get(rid) if rid else None

    def name_of(self, skater: UUID) -> str:
        info = self.skaters.get(skater)
        return info.name if info else str(skater)


# -- independent copies of a sheet (checkpoints) -------------------------------------------------
# copy_sheet copies every mutable part of a sheet and shares the immutable ones (ids, times,
# strings, tuples). It names each field, so a field added to one of these classes must be added
# here too: this guard fails at import until it is (and the checkpoint property test checks values).
_COPIED_FIELDS = {
    RaceSheet: ("race_id", "key", "competition_id", "competition", "day", "distance_m", "category",
                "label", "track_m", "discipline", "entries", "pairs", "clocks", "facts", "official",
                "presented", "team_members"),
    Fact: ("fact_id", "kind", "seq", "recorded_at", "skater", "pair", "attempt", "metres", "ms",
           "source", "detail", "voided", "corrections"),
    Entry: ("skater", "pair", "lane", "attempt"),
    PairClock: ("starts", "running", "started_seq", "false_starts"),
}
for _cls, _names in _COPIED_FIELDS.items():
    if tuple(f.name for f in attrs.fields(_cls)) != _names:
        raise TypeError(f"{_cls.__name__} has new fields: teach projections.state.copy_sheet them")


def copy_fact(f: Fact) -> Fact:
    # a correction is a dict appended once and never changed: the list is copied, not the dicts
    return Fact(f.fact_id, f.kind, f.seq, f.recorded_at, f.skater, f.pair, f.attempt, f.metres,
                f.ms, f.source, dict(f.detail), f.voided, list(f.corrections))


def copy_sheet(sheet: RaceSheet) -> RaceSheet:
    """An independent copy of ``sheet``: folding more facts into either leaves the other as it was.
    About thirty times cheaper than ``copy.deepcopy`` (docs/benchmarks.md)."""
    facts = {fid: copy_fact(f) for fid, f in sheet.facts.items()}
    return RaceSheet(
        race_id=sheet.race_id, key=sheet.key, competition_id=sheet.competition_id,
        competition=sheet.competition, day=sheet.day, distance_m=sheet.distance_m,
        category=sheet.category, label=sheet.label, track_m=sheet.track_m,
        discipline=sheet.discipline,
        entries={s: Entry(e.skater, e.pair, e.lane, e.attempt) for s, e in sheet.entries.items()},
        pairs=dict(sheet.pairs),
        clocks={p: PairClock(c.starts, c.running, c.started_seq, list(c.false_starts))
                for p, c in sheet.clocks.items()},
        facts=facts,
        official=facts[sheet.official.fact_id] if sheet.official is not None else None,
        presented=dict(sheet.presented),
        team_members={t: list(m) for t, m in sheet.team_members.items()},
    )
