"""The skater histories kept fact by fact: each fact recomputes only what it can change
(issue 14, item 2; docs/decisions/0018-bitemporal-views.md, "Rebuild speed").

A history (:func:`projections.history.history_of`) is a function of the races' results, ranks,
passings and published marks, of the marks derived from evidence and of the skater's name. Drawn
from scratch for every skater a fact may touch, it cost the first views about 70 facts per second.
:class:`KeptHistories` keeps the parts instead and knows which parts a fact reaches:

- per race and entrant, the result (``result_of``), the passings of its attempt and the marks
  published; a fact that only adds one fact to a sheet changes them for that fact's skater only,
  and only when its kind is read there (a passing: the passings; a finish: the result);
- per race, the ranks (``leaderboard.ranks_of``): drawn again only when a result of the race
  changed, from the results kept;
- per skater, the races entered, and per (distance, category) the skaters entered and how many
  bests-known facts its races hold: marks are derived only against evidence (decision 0015), so a
  group with neither a bests-known fact nor a record table line gives no marks and needs no walk;
  in a group that has some, the marks of every skater of the group are derived again (with
  ``derive``, as the fold does; a walk once per race it ends at, shared within a fact);
- per skater, the rows last made: a row whose value is unchanged is not encoded again.

What this gives is what ``history_of`` gives, row for row (tests/laws/test_history_kept.py checks it
after every fact, tests/laws/test_history_view.py through the store).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice
from typing import Any
from uuid import UUID

import attrs
import orjson

from ledger.domain.competition import Competition
from ledger.domain.kinds import FactKind
from ledger.domain.race import Race
from ledger.domain.race_state import Fact, RaceState
from ledger.domain.record import Record
from ledger.domain.skater import Skater
from ledger.domain.timing import MASS_START
from ledger.store.views import Change
from projections.history import HistoryRow, team_row
from projections.leaderboard import Leaderboard, leaderboard, ranks_of
from projections.marks import Marks, derive
from projections.results import RESULT_KINDS, Result, result_of
from projections.state import LedgerState

VIEW = "history"
SUMMARY = ""  # the item of the skater-level row (races are keyed by their key, never empty)
MARKS = frozenset({FactKind.MARKS})
#: The kinds of fact the parts of a row read besides the result: passings, published marks.
PARTS_KINDS = frozenset({FactKind.PASSING, FactKind.MARKS})

Items = dict[str, str]  # item → body
Group = tuple[int, str]  # (distance, category): the races one marks walk goes over
Parts = tuple[tuple[tuple[int, int], ...], tuple[str, ...]]  # (passings, published marks)

#: Facts whose ``record_on`` adds one fact to the sheet and changes no fact already on it: only
#: that fact's skater's result, passings and published marks can change.
ADDS_ONE: frozenset[type[Any]] = frozenset({
    Race.StarterEntered, Race.PairDrawn, Race.Started, Race.PassingRecorded, Race.FinishRecorded,
    Race.SourcePresented, Race.PlaceReported, Race.MarksPublished, Race.BestsKnown, Race.Fell,
    Race.DidNotFinish, Race.DidNotStart, Race.Withdrawn, Race.Disqualified,
    Race.ResultsDeclaredOfficial})
#: Facts that change one fact already on the sheet (its time, or voided) and add one naming its
#: skater: that skater's parts are all worked out again. Any other race fact (a clock cleared, a
#: false start, a re-skate, a redraw, a team named) works out again the parts of every entrant.
ALTERS_ONE: frozenset[type[Any]] = frozenset({Race.TimeCorrected, Race.FactVoided})
#: Facts that change no leaderboard row (neither result, status, time nor pair), so no marks walk.
NO_BOARD_CHANGE: frozenset[type[Any]] = frozenset({
    Race.Started, Race.PassingRecorded, Race.SourcePresented, Race.MarksPublished, Race.Fell,
    Race.ResultsDeclaredOfficial})


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII as is: what ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))`` writes (the bodies the first views wrote), by orjson, about ten times
    faster; json itself for what orjson refuses (an integer past 64 bits, a lone surrogate)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def row_body(row: HistoryRow) -> str:
    """A race's row of a history as stored."""
    body = {
        "race": row.race, "competition": row.competition, "day": row.day.isoformat(),
        "distance_m": row.distance_m, "rank": row.rank, "status": row.status,
        "time_ms": row.time_ms, "passings": row.passings, "marks": row.marks,
        "published": row.published_marks}
    if row.team is not None:  # a team member's row (decision 0025); others are stored as before
        body["team"] = row.team
    return dumps(body)


def summary_body(name: str, pbs: dict[int, int], sbs: dict[str, dict[int, int]],
                 bests: dict[int, int]) -> str:
    """The skater-level row of a history as stored: the name, PBs, SBs and the ledger's bests."""
    return dumps({"skater": name, "pbs": list(pbs.items()),
                  "sbs": [[season, list(by.items())] for season, by in sbs.items()],
                  "bests": list(bests.items())})


def parts_of(sheet: RaceState, sid: UUID, result: Result | None) -> Parts:
    """The passings of the attempt that counts and the marks published, as ``history_of`` shows."""
    if result is None:
        return (), ()
    passings = tuple((f.metres or 0, f.ms or 0) for f in sheet.passings(sid, result.attempt))
    published = tuple(m for f in sheet.live_facts(sid, MARKS) for m in f.detail["marks"])
    return passings, published


@attrs.define
class RaceKept:
    """What the histories read of one race, kept: each entrant's result and parts, the ranks."""

    results: dict[UUID, Result | None] = attrs.Factory(dict)
    parts: dict[UUID, Parts] = attrs.Factory(dict)
    ranks: dict[UUID, int | None] = attrs.Factory(dict)

    def rank_again(self, state: LedgerState, sheet: RaceState) -> dict[UUID, int | None]:
        """Draw the ranks again from the results kept (a mass start's from its leaderboard: points
        rank it, decision 0020); the old ranks."""
        old = self.ranks
        if sheet.discipline == MASS_START:
            self.ranks = {row.skater_id: row.rank for row in leaderboard(state, sheet.key).rows}
            return old
        found = [r for s in sheet.entries if (r := self.results.get(s)) is not None]
        self.ranks = ranks_of(sheet, found)
        return old


@attrs.frozen
class SkaterMarks:
    """The marks derived for one skater: per race key, and the PBs and SBs known."""

    derived: dict[str, tuple[str, ...]] = attrs.Factory(dict)
    pbs: dict[int, int] = attrs.Factory(dict)
    sbs: dict[str, dict[int, int]] = attrs.Factory(dict)


NO_MARKS = SkaterMarks()


class KeptBoards:
    """The races' leaderboards kept between facts (for the marks walk): a race's is drawn again
    only after a fact of that race, and all of them after any other fact the fold takes in."""

    def __init__(self) -> None:
        self.kept: dict[str, Leaderboard] = {}

    def __call__(self, state: LedgerState, key: str) -> Leaderboard:
        found = self.kept.get(key)
        if found is None:
            found = self.kept[key] = leaderboard(state, key)
        return found

    def forget(self, state: LedgerState, event: Any) -> None:
        """Drop what ``event`` (just folded into ``state``) may have changed."""
        if isinstance(event, Race.Event):
            self.kept.pop(state.races[event.originator_id].key, None)
        else:
            self.kept.clear()


def group_of(sheet: RaceState) -> Group:
    return sheet.distance_m, sheet.category


def added_facts(sheet: RaceState, before: int) -> list[Fact]:
    """The facts a fact added to the sheet (the last ones: a sheet's facts keep their order)."""
    count = len(sheet.facts) - before
    if count == 1:
        return [next(reversed(sheet.facts.values()))]
    return list(islice(reversed(sheet.facts.values()), count))[::-1]


class KeptHistories:
    """The skater histories' rows, kept fact by fact (see the module's docstring). ``held`` is the
    view's open rows (skater id hex → item → body), brought up to date by every :meth:`after`."""

    def __init__(self, held: dict[str, Items]) -> None:
        self.held = held
        self.races: dict[UUID, RaceKept] = {}
        self.raced: dict[UUID, set[UUID]] = {}  # skater → the races entered
        self.groups: dict[Group, set[UUID]] = {}  # the skaters entered in the group's races
        self.bests: dict[Group, int] = {}  # bests-known facts ever added to the group's races
        self.tables: set[Group] = set()  # the groups a record table line names
        self.rows: dict[UUID, dict[str, HistoryRow]] = {}  # the rows last made
        self.marks: dict[UUID, SkaterMarks] = {}  # the marks last derived (absent: none)
        #: skater → distance → race → (valid time, (day, race key)): the ledger's bests
        self.valid: dict[UUID, dict[int, dict[UUID, tuple[int, tuple[Any, str]]]]] = {}
        #: skater → distance → (first timed, distance, best valid time)
        self.best: dict[UUID, dict[int, tuple[tuple[Any, str], int, int]]] = {}
        self.boards = KeptBoards()
        self.primed = False
        #: skater → the team races they are a named member of; race → those members
        self.teamed: dict[UUID, set[UUID]] = {}
        self.members: dict[UUID, set[UUID]] = {}

    # -- taking a state in ----------------------------------------------------------------------
    def prime(self, state: LedgerState) -> None:
        """Take in what ``state`` holds (a projection resumed from a fold): every race's parts,
        the indexes, and the marks of the groups with evidence. The rows are compared with
        ``held`` the first time they are made."""
        self.primed = True
        for sheet in state.races.values():
            kept = self.races[sheet.race_id] = RaceKept()
            self.enter(sheet, list(sheet.entries))
            for sid in sheet.entries:
                result = kept.results[sid] = result_of(sheet, sid)
                kept.parts[sid] = parts_of(sheet, sid, result)
                self.timed(sheet, sid, result)
            kept.rank_again(state, sheet)
            self.name_members(sheet)
            group = group_of(sheet)
            self.bests[group] = self.bests.get(group, 0) + sum(
                1 for f in sheet.facts.values() if f.kind == FactKind.BESTS)
        self.tables = {(r.distance_m, r.category) for r in state.records.values()}
        memo: dict[UUID, Marks] = {}
        for group in self.groups:
            if self.evidence(group):
                for sid in self.groups[group]:
                    self.marks[sid] = self.marks_of(state, sid, memo)

    def enter(self, sheet: RaceState, skaters: Iterable[UUID]) -> None:
        group = self.groups.setdefault(group_of(sheet), set())
        for sid in skaters:
            self.raced.setdefault(sid, set()).add(sheet.race_id)
            group.add(sid)

    def evidence(self, group: Group) -> bool:
        """Whether any baseline may bear on the group's races (else ``derive`` finds none)."""
        return self.bests.get(group, 0) > 0 or group in self.tables

    # -- one fact ----------------------------------------------------------------------------------
    def before(self, state: LedgerState, event: Any) -> tuple[int, int]:
        """How many entrants and facts the fact's race had before it."""
        if not self.primed:
            self.prime(state)
        sheet = state.races.get(event.originator_id) if isinstance(event, Race.Event) else None
        return (len(sheet.entries), len(sheet.facts)) if sheet is not None else (0, 0)

    def after(self, state: LedgerState, event: Any, before: tuple[int, int]) -> list[Change]:
        """The view rows ``event`` (just folded into ``state``) changed."""
        self.boards.forget(state, event)
        if isinstance(event, Race.Scheduled):
            self.races[event.originator_id] = RaceKept()
            self.groups.setdefault(group_of(state.races[event.originator_id]), set())
            return []
        if isinstance(event, Race.Event):
            return self.race_fact(state, event, before)
        return self.other_fact(state, event)

    def race_fact(self, state: LedgerState, event: Any, before: tuple[int, int]) -> list[Change]:
        """The rows of the race's entrants, and in a team race those of every member named (a
        few skaters: their rows are made again after each of its facts, as ``team_row`` makes
        them, and only a changed one is written)."""
        found = self.entrant_fact(state, event, before)
        sheet = state.races[event.originator_id]
        if sheet.team_members or sheet.race_id in self.members:
            for sid in sorted(self.name_members(sheet)):
                found += self.refresh(state, sid, (sheet.race_id,), False)
        return found

    def name_members(self, sheet: RaceState) -> set[UUID]:
        """Index the members named in the race; those named now and before (a row to redo)."""
        named = {m for team, members in sheet.team_members.items() for m in members
                 if m not in sheet.entries and team in sheet.entries}
        before = self.members.get(sheet.race_id, set())
        for sid in named - before:
            self.teamed.setdefault(sid, set()).add(sheet.race_id)
        if named:
            self.members[sheet.race_id] = named
        return named | before

    def entrant_fact(self, state: LedgerState, event: Any, before: tuple[int, int]) -> list[Change]:
        sheet = state.races[event.originator_id]
        kept, group = self.races[sheet.race_id], group_of(sheet)
        entrants, facts = before
        new = list(islice(sheet.entries, entrants, None)) if len(sheet.entries) > entrants else []
        if new:
            self.enter(sheet, new)
        added = added_facts(sheet, facts)
        bests = sum(1 for f in added if f.kind == FactKind.BESTS)
        if bests:
            self.bests[group] = self.bests.get(group, 0) + bests
        kind = type(event)
        one = added[0] if len(added) == 1 else None
        results = parts = True
        mass = sheet.discipline == MASS_START  # points, sprints and laps rank it: no shortcut
        if one is not None and kind in ADDS_ONE and not mass:
            results = one.kind in RESULT_KINDS
            parts = one.kind in PARTS_KINDS and (  # a row to change: the skater has a result
                one.skater is not None and kept.results.get(one.skater) is not None)
            if not (results or parts or new) and (kind in NO_BOARD_CHANGE or not self.evidence(group)):
                return []  # a start, a fall, a passing before the skater's result, the draw ...
            who = {one.skater} if one.skater is not None else set()
        elif one is not None and kind in ALTERS_ONE and one.skater is not None:
            who = {one.skater}
        else:
            who = set(sheet.entries)
        entries = sheet.entries
        who = {sid for sid in (*who, *new) if sid in entries}  # (not ``& entries.keys()``: that
        # hashes every entrant, and a UUID's hash is Python code)
        redo: set[UUID] = set()  # skaters whose row of this race may differ
        summary: set[UUID] = set()  # skaters whose summary may differ (their results changed)
        for sid in who:
            result = kept.results.get(sid)
            if results or sid in new:
                fresh = result_of(sheet, sid)
                if fresh != result or sid not in kept.results:
                    kept.results[sid], result = fresh, fresh
                    self.timed(sheet, sid, fresh)
                    summary.add(sid)
            if parts or sid in summary or sid in new:
                made = parts_of(sheet, sid, result)
                if made != kept.parts.get(sid):
                    kept.parts[sid] = made
                    redo.add(sid)
        if summary or mass:
            old = kept.rank_again(state, sheet)
            redo |= summary | {s for s, r in kept.ranks.items() if old.get(s, r) != r or s not in old}
        marked = self.evidence(group) and kind not in NO_BOARD_CHANGE
        if marked:
            return self.refresh_marks(state, self.groups[group], redo | summary, {sheet.race_id},
                                      summary)
        found: list[Change] = []
        for sid in sorted(redo | summary):
            found += self.refresh(state, sid, (sheet.race_id,), sid in summary)
        return found

    def other_fact(self, state: LedgerState, event: Any) -> list[Change]:
        """A skater, a competition or a record table line: names, nations, venues and baselines."""
        if isinstance(event, Skater.Registered):
            sid = event.originator_id
            groups = {group_of(state.races[r]) for r in self.raced.get(sid, ())}
            marked: set[UUID] = set()
            for group in groups:
                if self.evidence(group):
                    marked |= self.groups[group]
            found = self.team_named(state, sid)  # a team registered after its races' facts
            if marked:
                return found + self.refresh_marks(state, marked | {sid}, {sid}, None, {sid})
            return found + self.refresh(state, sid, None, True)
        if isinstance(event, Competition.Scheduled):
            groups = {group_of(s) for s in state.races.values()
                      if s.competition_id == event.originator_id}
            return self.refresh_marks(state, self.skaters_of(groups), set(), None, set())
        if isinstance(event, Record.Stood):
            group = (event.distance_m, event.category)
            self.tables.add(group)
            return self.refresh_marks(state, self.groups.get(group, set()), set(), None, set())
        return []  # the fold takes nothing else in (an alias note): no history changes

    def team_named(self, state: LedgerState, team: UUID) -> list[Change]:
        """The rows of the members of ``team`` in its races: they carry the team's name."""
        found: list[Change] = []
        for rid in sorted(self.raced.get(team, ())):
            for sid in sorted(self.members.get(rid, set()) & set(
                    state.races[rid].team_members.get(team, ()))):
                found += self.refresh(state, sid, (rid,), False)
        return found

    def skaters_of(self, groups: Iterable[Group]) -> set[UUID]:
        """The skaters entered in the races of these groups that have evidence."""
        found: set[UUID] = set()
        for group in groups:
            if self.evidence(group):
                found |= self.groups.get(group, set())
        return found

    # -- marks ----------------------------------------------------------------------------------
    def marks_of(self, state: LedgerState, sid: UUID, memo: dict[UUID, Marks]) -> SkaterMarks:
        """The skater's marks as ``derive_for`` derives them over the races entered: one walk per
        (distance, category) to the last of them, skipped where the group has no evidence."""
        raced = sorted((state.races[r] for r in self.raced.get(sid, ())), key=lambda s: (s.day, s.key))
        last: dict[Group, RaceState] = {}
        for sheet in raced:
            group = group_of(sheet)
            if group not in last or (sheet.day, sheet.key) > (last[group].day, last[group].key):
                last[group] = sheet
        found = Marks({}, {}, {}, {})
        for group, sheet in last.items():
            if not self.evidence(group):
                continue  # derive finds no baseline there: it gives nothing
            part = memo.get(sheet.race_id)
            if part is None:
                part = memo[sheet.race_id] = derive(state, sheet, boards=self.boards)
            found.derived.update(part.derived)
            found.personal_bests.update(part.personal_bests)
            found.season_bests.update(part.season_bests)
        derived = {key: marks for (key, s), marks in found.derived.items() if s == sid}
        pbs = {d: ms for (s, d), ms in found.personal_bests.items() if s == sid}
        sbs: dict[str, dict[int, int]] = {}
        for (s, season, d), ms in found.season_bests.items():
            if s == sid:
                sbs.setdefault(season, {})[d] = ms
        return SkaterMarks(derived, pbs, sbs) if derived or pbs or sbs else NO_MARKS

    def refresh_marks(self, state: LedgerState, skaters: Iterable[UUID], redo: set[UUID],
                      races: set[UUID] | None, summary: set[UUID]) -> list[Change]:
        """Derive the marks of ``skaters`` again; the rows that changed, theirs and those of
        ``redo`` (in ``races``; None: every race) with the summaries of ``summary``."""
        memo: dict[UUID, Marks] = {}
        found: list[Change] = []
        for sid in sorted(set(skaters) | redo | summary):
            marks = self.marks_of(state, sid, memo)
            if marks != self.marks.get(sid, NO_MARKS):
                if marks is NO_MARKS:
                    self.marks.pop(sid, None)
                else:
                    self.marks[sid] = marks
                found += self.refresh(state, sid, None, True)
            elif sid in redo or sid in summary:
                found += self.refresh(state, sid, races, sid in summary)
        return found

    # -- rows -----------------------------------------------------------------------------------
    def row_of(self, state: LedgerState, sheet: RaceState, sid: UUID) -> HistoryRow | None:
        kept = self.races[sheet.race_id]
        if sid not in sheet.entries and sheet.race_id in self.teamed.get(sid, ()):
            return team_row(state, sheet, sid, self.boards)
        result = kept.results.get(sid)
        if result is None:
            return None
        passings, published = kept.parts[sid]
        derived = self.marks.get(sid, NO_MARKS).derived.get(sheet.key, ())
        return HistoryRow(sheet.key, sheet.competition, sheet.day, sheet.distance_m,
                          kept.ranks.get(sid), result.status, result.time_ms, passings, derived,
                          published)

    def timed(self, sheet: RaceState, sid: UUID, result: Result | None) -> None:
        """Keep the skater's valid time in this race (or its lack) for the ledger's bests, and the
        best and first timed race at its distance."""
        d = sheet.distance_m
        by_race = self.valid.setdefault(sid, {}).setdefault(d, {})
        if (result is not None and result.status == "OK" and result.time_ms is not None
                and sheet.discipline != MASS_START):  # a mass start's time is no best (0020)
            by_race[sheet.race_id] = (result.time_ms, (sheet.day, sheet.key))
        else:
            by_race.pop(sheet.race_id, None)
        bests = self.best.setdefault(sid, {})
        if by_race:
            bests[d] = (min(w for _, w in by_race.values()), d, min(ms for ms, _ in by_race.values()))
        else:
            bests.pop(d, None)

    def ledger_bests(self, sid: UUID) -> dict[int, int]:
        """``projections.bests.ledger_bests`` from the valid times kept: per distance, in the
        order first timed (by day and race key), the skater's best valid time."""
        return {d: ms for _, d, ms in sorted(self.best.get(sid, {}).values())}

    def refresh(self, state: LedgerState, sid: UUID, races: Iterable[UUID] | None,
                summary: bool) -> list[Change]:
        """The rows of the skater's history in ``races`` (None: all of them, and the rows of races
        gone) and its summary (when ``summary``) that differ from ``held``; ``held`` is brought up
        to date."""
        info = state.skaters.get(sid)
        if info is None:
            return []  # not registered: no history (the rows come when the skater is)
        key = sid.hex
        held = self.held.setdefault(key, {})
        made = self.rows.setdefault(sid, {})
        found: list[Change] = []
        wanted = (self.raced.get(sid, set()) | self.teamed.get(sid, set())
                  if races is None else races)
        for rid in wanted:
            sheet = state.races[rid]
            row = self.row_of(state, sheet, sid)
            if row is None:
                made.pop(sheet.key, None)
                if held.pop(sheet.key, None) is not None:
                    found.append(Change(VIEW, key, sheet.key, None))
            elif made.get(sheet.key) != row:
                made[sheet.key] = row
                body = row_body(row)
                if held.get(sheet.key) != body:
                    held[sheet.key] = body
                    found.append(Change(VIEW, key, sheet.key, body))
        if races is None:
            keys = {state.races[r].key for r in wanted}
            for item in [i for i in held if i != SUMMARY and i not in keys]:
                del held[item]
                made.pop(item, None)
                found.append(Change(VIEW, key, item, None))
        if summary or SUMMARY not in held:
            marks = self.marks.get(sid, NO_MARKS)
            body = summary_body(info.name, marks.pbs, marks.sbs, self.ledger_bests(sid))
            if held.get(SUMMARY) != body:
                held[SUMMARY] = body
                found.append(Change(VIEW, key, SUMMARY, body))
        return found
