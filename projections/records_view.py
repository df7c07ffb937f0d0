"""The records view: what ``skate-ledger records`` answers, as bitemporal rows in the store
(docs/decisions/0018-bitemporal-views.md).

The view ``records`` holds one row per record as it stands (key ``record``, item the JSON of its
scope, category and distance; the body the :class:`projections.records.Record`). Records are kept
per (category, distance) group, which is how :func:`projections.marks.derive` finds them: the walk
over a group's races in the order they were skated (day, key) only reads and writes that group's
records, so the groups are independent. A keeper holds each group's races in that order with the
records as they stood before each one (a checkpoint), and after a fact walks on from the first race
the fact can change, not from the start: a fact of the latest race walks one race. What can change
a race's step of the walk: its own facts (its board), the record table lines of its group (from the
first race on or after the line's date), its competition (venue and name: the track and
championship scopes) and its skaters (name and nation: the national scope). Groups without a table
line hold no records and are not walked until a line arrives. The answer read back is the fold's
``records(state).current``, field for field (tests/laws/test_records_view.py).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from ledger.domain.competition import Competition
from ledger.domain.race import Race
from ledger.domain.race_state import RaceState
from ledger.domain.record import Record as RecordStood
from ledger.domain.skater import Skater
from ledger.store.views import Change, ViewsRecorder
from projections.basis import Basis
from projections.leaderboard import Row, leaderboard
from projections.marks import Held, Walk
from projections.records import Record, records
from projections.state import LedgerState, RecordInfo
from projections.view_reading import (
    DECLINED,
    Compared,
    Marking,
    first_difference,
    items_of,
    rows_at,
)

VIEW = "records"
RECORD = "record"
MASS_START = "mass-start"  # not walked by projections.marks.derive

Group = tuple[str, int]  # (category, distance)
Current = dict[tuple[str, tuple[str, ...]], Record]  # as projections.records.Records.current
Standing = dict[tuple[str, str, int], Held]  # (scope, category, distance) → the record as it stands


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def item_of(scope: str, category: str, distance_m: int) -> str:
    return dumps([scope, category, distance_m])


def group_of_item(item: str) -> Group:
    _, category, distance = json.loads(item)
    return category, int(distance)


def record_of(held: Held) -> Record:
    """As :func:`projections.records.records` turns a record held into its answer."""
    return Record(held.mark, (held.scope, held.category, str(held.distance_m)), held.skater,
                  held.time_ms, held.race, held.since, held.source)


def record_body(record: Record) -> str:
    return dumps({"mark": record.mark, "scope": list(record.scope), "skater": record.skater,
                  "time_ms": record.time_ms, "race": record.race, "day": record.day,
                  "source": record.source})


def record_from(body: str) -> Record:
    d = json.loads(body)
    return Record(d["mark"], tuple(d["scope"]), d["skater"], d["time_ms"], d["race"], d["day"],
                  d["source"])


def current_from(bodies: Iterable[str]) -> Current:
    return {(r.mark, r.scope): r for r in map(record_from, bodies)}


def view_records(views: ViewsRecorder, basis: Basis, last: int) -> Current | None:
    """The records as they stand as of ``basis``, from the view's rows (one indexed lookup), or
    None when the view does not hold the basis (:func:`projections.view_reading.rows_at`)."""
    rows = rows_at(views, VIEW, basis, last)
    if rows is None:
        return None
    return current_from(items_of(rows(RECORD)).values())


# -- the walk, group by group ----------------------------------------------------------------------
def valid_rows(state: LedgerState, sheet: RaceState) -> list[Row]:
    """The results of a race that can hold a record, in the order the walk takes them (as
    :meth:`projections.marks.Walk.race` does: valid times, by pair, then time)."""
    rows = [r for r in leaderboard(state, sheet.key).rows
            if r.status == "OK" and r.time_ms is not None and not r.place_reported]
    return sorted(rows, key=lambda r: (r.pair or 0, r.time_ms or 0))


def walked(rows: list[Row]) -> list[tuple[Any, ...]]:
    """What the walk reads of a race's valid rows (who, under which name, what time, which pair):
    a fact that leaves it as it was (an entry, a draw, a passing) leaves the race's step alone."""
    return [(r.skater_id, r.skater, r.time_ms, r.pair) for r in rows]


class GroupWalk(Walk):
    """The records part of :class:`projections.marks.Walk` over one group: its record table lines
    and records only (the bests are not walked). ``Walk.__init__`` is not run: it would sort every
    table line of the ledger for each walk."""

    def __init__(self, state: LedgerState, tables: list[RecordInfo], standing: Standing) -> None:
        self.state = state
        self.tables = tables
        self.records = standing
        self.scopes: dict[str, list[str]] = {}

    def step(self, sheet: RaceState, rows: list[Row]) -> None:
        self.scopes = {}
        self.take_tables(sheet)
        for row in rows:
            self.record_marks(sheet, row)

    def scopes_of(self, sheet: RaceState, row: Row) -> list[str]:
        """:meth:`Walk.scopes_of`, once per nation within a race's step: they differ only by the
        skater's nation there (the race's venue and name are the same, and the records' scopes
        do not change while its results are taken: a record bettered keeps its scope)."""
        info = self.state.skaters.get(row.skater_id)
        nation = (info.nation or "").upper() if info else ""
        found = self.scopes.get(nation)
        if found is None:
            found = self.scopes[nation] = super().scopes_of(sheet, row)
        return found


class GroupRecords:
    """One group's races in walk order, its table lines, and the records before each race."""

    def __init__(self) -> None:
        self.order: list[tuple[date, str]] = []  # (day, key), as derive sorts the races
        self.rids: list[UUID] = []
        self.lines: list[RecordInfo] = []  # in log order (derive sorts them stably by date)
        self.tables: list[RecordInfo] = []
        self.before: list[Standing] = [{}]  # before[i]: the records before race i
        self.clean = 0  # before[0..clean] hold for the ledger as it is
        self.items: set[str] = set()  # the items of the rows the view holds for this group

    def index(self, sheet: RaceState) -> int:
        return bisect.bisect_left(self.order, (sheet.day, sheet.key))

    def add(self, sheet: RaceState) -> int:
        at = self.index(sheet)
        self.order.insert(at, (sheet.day, sheet.key))
        self.rids.insert(at, sheet.race_id)
        return at

    def stale(self, at: int) -> None:
        """The walk's step at race ``at`` may give another result now."""
        self.clean = min(self.clean, at)

    def take_line(self, line: RecordInfo) -> None:
        self.lines.append(line)
        self.tables = sorted(self.lines, key=lambda r: r.as_of)
        try:
            self.stale(bisect.bisect_left(self.order, (date.fromisoformat(line.as_of), "")))
        except ValueError:
            self.stale(0)

    def walk(self, state: LedgerState, rows_of: Any) -> Standing:
        """Walk on from the first stale race; the records as they stand now (every table line
        taken in, raced since or not, as derive ends)."""
        del self.before[self.clean + 1:]
        walk = GroupWalk(state, self.tables, {})
        for at in range(self.clean, len(self.rids)):
            sheet = state.races[self.rids[at]]
            prior = self.before[at]
            walk.records = dict(prior)
            walk.step(sheet, rows_of(state, sheet))
            self.before.append(prior if walk.records == prior else walk.records)
        self.clean = len(self.rids)
        walk.records = dict(self.before[-1])
        walk.take_tables(None)
        return walk.records


class RecordsKeeper:
    """Keeps the view ``records`` (a keeper of :class:`projections.views.Views`): after a fact,
    the groups it can change are walked on from the first race it can change, and the rows of
    their records that differ are written."""

    view = VIEW

    def __init__(self, held: dict[str, dict[str, str]]) -> None:
        self.held = held
        self.rows = held.setdefault(RECORD, {})
        self.marking = Marking()
        self.groups: dict[Group, GroupRecords] = {}
        self.race_group: dict[UUID, Group] = {}
        self.by_competition: dict[UUID, set[UUID]] = {}
        self.by_skater: dict[UUID, set[UUID]] = {}
        self.valid: dict[UUID, list[Row]] = {}  # a race's valid rows, until a fact may change them
        self.ready = False

    # -- the indexes -------------------------------------------------------------------------
    def start(self, state: LedgerState) -> None:
        """Index what ``state`` holds already (a catch-up starts from a fold; a rebuild from
        nothing); the rows held come from the store."""
        self.ready = True
        for sheet in state.races.values():
            self.take_race(sheet)
        for line in state.records.values():
            self.group(line.category, line.distance_m).take_line(line)
        for item in self.rows:
            self.group(*group_of_item(item)).items.add(item)

    def group(self, category: str, distance_m: int) -> GroupRecords:
        found = self.groups.get((category, distance_m))
        if found is None:
            found = self.groups[(category, distance_m)] = GroupRecords()
        return found

    def take_race(self, sheet: RaceState) -> GroupRecords | None:
        """Index a race (once); its group, None for a race no walk takes."""
        if sheet.discipline == MASS_START:
            return None
        key = (sheet.category, sheet.distance_m)
        group = self.group(*key)
        if sheet.race_id not in self.race_group:
            self.race_group[sheet.race_id] = key
            self.by_competition.setdefault(sheet.competition_id, set()).add(sheet.race_id)
            group.stale(group.add(sheet))
        for sid in sheet.entries:
            self.by_skater.setdefault(sid, set()).add(sheet.race_id)
        return group

    def rows_of(self, state: LedgerState, sheet: RaceState) -> list[Row]:
        found = self.valid.get(sheet.race_id)
        if found is None:
            found = self.valid[sheet.race_id] = valid_rows(state, sheet)
        return found

    def race_changed(self, state: LedgerState, sheet: RaceState, new: bool) -> set[Group]:
        """After a fact of a race: its group, when the walk's step at it may differ (a race new
        to the walk, or valid rows that differ, as the walk reads them, from those it took; the
        rows are drawn only for a group with a table line, the others are not walked)."""
        key = self.race_group.get(sheet.race_id)
        if key is None:
            return set()
        group = self.groups[key]
        old = self.valid.pop(sheet.race_id, None)
        if group.lines and not new and old is not None and (
                walked(old) == walked(self.rows_of(state, sheet))):
            return set()
        group.stale(group.index(sheet))
        return {key}

    def races_changed(self, state: LedgerState, rids: Iterable[UUID]) -> set[Group]:
        touched: set[Group] = set()
        for rid in rids:
            self.valid.pop(rid, None)
            key = self.race_group.get(rid)
            if key is not None:
                group = self.groups[key]
                group.stale(group.index(state.races[rid]))
                touched.add(key)
        return touched

    # -- the keeper --------------------------------------------------------------------------
    def before(self, state: LedgerState, event: Any) -> int:
        self.marking.begin(state.position)
        if not self.ready:
            self.start(state)
        if isinstance(event, Race.Event) and event.originator_id in state.races:
            return len(state.races[event.originator_id].entries)
        return 0

    def after(self, state: LedgerState, event: Any, before: Any) -> list[Change]:
        found = self.marking.due(VIEW)
        touched: set[Group] = set()
        if isinstance(event, Race.Event):
            sheet = state.races[event.originator_id]
            new = sheet.race_id not in self.race_group
            if new or len(sheet.entries) != before:
                self.take_race(sheet)
            touched = self.race_changed(state, sheet, new)
        elif isinstance(event, RecordStood.Stood):
            self.group(event.category, event.distance_m).take_line(event)
            touched = {(event.category, event.distance_m)}
        elif isinstance(event, Competition.Scheduled):
            touched = self.races_changed(state, self.by_competition.get(event.originator_id, ()))
        elif isinstance(event, Skater.Registered):
            touched = self.races_changed(state, self.by_skater.get(event.originator_id, ()))
        for key in sorted(touched):
            found += self.changes(state, self.groups[key])
        return found

    def changes(self, state: LedgerState, group: GroupRecords) -> list[Change]:
        """The rows of a group's records that differ from those held; the held ones brought up
        to date. A group without table lines holds no records: nothing to walk."""
        if not group.lines:
            return []
        standing = {item_of(*key): dumps_record(held) for key, held in
                    group.walk(state, self.rows_of).items()}
        found = [Change(VIEW, RECORD, item, body) for item, body in standing.items()
                 if self.rows.get(item) != body]
        found += [Change(VIEW, RECORD, item, None) for item in sorted(group.items - standing.keys())]
        for change in found:
            if change.body is None:
                self.rows.pop(change.item, None)
            else:
                self.rows[change.item] = change.body
        group.items = set(standing)
        return found


def dumps_record(held: Held) -> str:
    return record_body(record_of(held))


# -- checking --------------------------------------------------------------------------------------
def difference(view: Current, fold: Current) -> str | None:
    """The first way the view's records differ from the fold's, in words (None: the same)."""
    for key in sorted(view.keys() | fold.keys()):
        mine, theirs = view.get(key), fold.get(key)
        name = f"record {key[0]} {' / '.join(key[1])}"
        if mine is None or theirs is None:
            return f"{name}: the view {'lacks it' if mine is None else 'has it'}, the fold " \
                   f"{'has it' if mine is None else 'lacks it'}"
        differs = first_difference(mine, theirs, name)
        if differs is not None:
            return differs
    return None


def check(views: ViewsRecorder, state: LedgerState, basis: Basis, last: int) -> Compared:
    """The view against the fold ``state`` (as of ``basis``): every record as it stands."""
    found = view_records(views, basis, last)
    if found is None:
        return Compared(declined=DECLINED)
    fold = records(state).current
    differs = difference(found, fold)
    return Compared(difference=differs) if differs is not None else Compared(agreed=len(fold))
