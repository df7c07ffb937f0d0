"""Marks from evidence (docs/decisions/0015-marks-from-evidence.md): PB, SB and record marks are
derived only against a baseline the ledger holds.

- **PB / SB**: a skater's bests known before a race (``Race.BestsKnown``: from a Vantage stream or
  an entry list) are the baseline at that distance (the SB for its season); the ledger's own valid
  results after it improve it. A time strictly better than the baseline, compared in published
  hundredths, is a PB (which is also a season best, so SB is given only when it is not a PB).
  Without a baseline there is no PB or SB: the skater may have skated faster elsewhere.
- **Records** (WR, TR, NR, CR): a record table line (``Record.Stood``) is the baseline of its scope
  (``world``, ``track:<venue>``, ``national:<NAT>``, ``championship:<name>``), category and
  distance for races on or after its date; a time strictly better is the record mark, a time equal
  (in hundredths) is the record equalled, written with a trailing ``=`` (``WR=``).
- Only valid times count (status OK, time known): everything is re-derived from the leaderboards,
  so a DQ or correction that removes a best restores the one before.

Published marks (what a list printed, ``Race.MarksPublished``) are not derived here; they are kept
apart as published.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.kinds import FactKind
from ledger.domain.race_state import RaceState
from ledger.domain.record import season_of
from projections.leaderboard import Leaderboard, Row, leaderboard
from projections.state import LedgerState, RecordInfo

#: What each mark means (the legend under every table and page that shows marks).
LEGEND: dict[str, str] = {
    "WR": "world record", "OR": "Olympic record", "CR": "championship record",
    "TR": "track record", "NR": "national record", "PB": "personal best", "SB": "season best",
    "WRJ": "world junior record", "TRJ": "track junior record", "NRJ": "national junior record",
}
EQUALLED = "="
BESTS = frozenset({FactKind.BESTS})


def load_scopes() -> list[dict[str, Any]]:
    """The record scopes (projections/record_scopes.json), in the order their marks are shown.
    Read beside this module: importlib.resources would cost every command ~6 ms to import."""
    text = Path(__file__).with_name("record_scopes.json").read_text(encoding="utf-8")
    return json.loads(text)["scopes"]  # type: ignore[no-any-return]  # our JSON file


#: The order record marks are shown in.
SCOPE_ORDER = tuple(scope["kind"] for scope in load_scopes())
MARK_OF = {scope["kind"]: scope["mark"] for scope in load_scopes()}


def meaning(mark: str) -> str:
    """``WR`` → "world record"; ``WR=`` → "world record equalled"; an unknown mark is named as is."""
    base = mark.rstrip(EQUALLED)
    name = LEGEND.get(base.upper(), "as published")
    return f"{name} equalled" if mark.endswith(EQUALLED) and base else name


def legend(marks: Iterable[str]) -> str:
    """One line naming every mark shown, in order of first appearance ("" when none)."""
    seen = dict.fromkeys(m for m in marks if m)
    return " · ".join(f"{m} {meaning(m)}" for m in seen)


@attrs.frozen
class Held:
    """A record as it stands: from a record table line, or bettered in the ledger since."""

    mark: str
    scope: str
    category: str
    distance_m: int
    time_ms: int
    skater: str | None
    since: str  # the table's date, or the day of the race that bettered it
    race: str | None  # None: as the table gives it
    source: str


@attrs.frozen
class Marks:
    derived: dict[tuple[str, UUID], tuple[str, ...]]  # (race key, skater) → marks earned then
    records: dict[tuple[str, str, int], Held]  # (scope, category, distance) → as it stands
    personal_bests: dict[tuple[UUID, int], int]  # (skater, distance) → PB known (ms)
    season_bests: dict[tuple[UUID, str, int], int]  # (skater, season, distance) → SB known


def hundredths(ms: int) -> int:
    """Compared as published: truncated to hundredths (rules.md §1)."""
    return ms - ms % 10


#: A race's leaderboard by its key (``leaderboard`` by default; a view keeps them between facts).
Boards = Callable[[LedgerState, str], Leaderboard]


def derive(state: LedgerState, only: RaceState | None = None,
           over: set[tuple[str, int]] | None = None, boards: Boards = leaderboard) -> Marks:
    """Every derived mark of the ledger, race by race in the order they were skated; with
    ``only``, just what that race's marks depend on (its distance and category, up to its day),
    and nothing at all, quickly, when the ledger holds no baseline for it; with ``over``, only the
    races of these (category, distance)."""
    races = [s for s in state.races.values() if s.discipline != "mass-start" and (
        only is None or (s.day <= only.day and (s.distance_m, s.category) == (only.distance_m,
                                                                              only.category)))
             and (over is None or (s.category, s.distance_m) in over)]
    races.sort(key=lambda s: (s.day, s.key))
    if only is not None and not has_evidence(state, races, only):
        return Marks({}, {}, {}, {})
    walk = Walk(state, boards)
    for sheet in races:
        walk.race(sheet)
    if only is None:
        walk.take_tables(None)  # the records as they stand now, raced since or not
    return Marks(walk.derived, walk.records, walk.pbs, walk.sbs)


def has_evidence(state: LedgerState, races: list[RaceState], only: RaceState) -> bool:
    """Whether any baseline bears on ``only``: a record table line of its category and distance
    dated by its day, or bests known for one of its entrants in these races."""
    day = only.day.isoformat()
    if any((r.category, r.distance_m) == (only.category, only.distance_m) and r.as_of <= day
           for r in state.records.values()):
        return True
    entrants = only.entries.keys()
    for sheet in races:
        for sid in entrants & sheet.entries.keys():
            for fact in sheet.by_skater.get(sid, ()):
                if fact.kind == FactKind.BESTS and fact.live:
                    return True
    return False


def norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def series_of(name: str) -> str:
    """The championship a competition belongs to: its name without years and edition numbers."""
    words = re.sub(r"\b(19|20)\d\d(/\d\d(\d\d)?)?\b|^\d+\.\s*", " ", name)
    return norm(words)


def venue_names(venue: str) -> set[str]:
    """A venue as record tables may name it: "Thialf, Heerenveen" is also "Thialf"; "Olympic
    Oval (CAN)" is also "Olympic Oval"."""
    return {norm(venue), norm(venue.split(",")[0]), norm(venue.split("(")[0])} - {""}


class Walk:
    """The fold over races in order: the bests and records known so far."""

    def __init__(self, state: LedgerState, boards: Boards = leaderboard) -> None:
        self.state = state
        self.boards = boards
        self.derived: dict[tuple[str, UUID], tuple[str, ...]] = {}
        self.records: dict[tuple[str, str, int], Held] = {}
        self.pbs: dict[tuple[UUID, int], int] = {}
        self.sbs: dict[tuple[UUID, str, int], int] = {}
        self.seen: dict[tuple[UUID, int], int] = {}  # best valid time in the ledger, baseline or not
        self.seen_season: dict[tuple[UUID, str, int], int] = {}
        self.tables = sorted(state.records.values(), key=lambda r: r.as_of)

    def race(self, sheet: RaceState) -> None:
        season = season_of(sheet.day)
        for sid in sheet.entries:
            self.baseline(sheet, sid, season)
        rows = [r for r in self.boards(self.state, sheet.key).rows
                if r.status == "OK" and r.time_ms is not None and not r.place_reported]
        self.take_tables(sheet)
        for row in sorted(rows, key=lambda r: (r.pair or 0, r.time_ms or 0)):
            earned = self.bests(row, sheet.distance_m, season) + self.record_marks(sheet, row)
            if earned:
                self.derived[(sheet.key, row.skater_id)] = earned

    # -- personal and season bests ------------------------------------------------------------
    def baseline(self, sheet: RaceState, sid: UUID, season: str) -> None:
        """Take the bests known before this race; the ledger's own times after none are kept in
        ``seen`` and count once a baseline is known (they were skated)."""
        for fact in sheet.live_facts(sid, BESTS):
            pb, sb = fact.detail.get("pb_ms"), fact.detail.get("sb_ms")
            key = (sid, sheet.distance_m)
            if pb is not None:
                self.pbs[key] = least(pb, self.pbs.get(key), self.seen.get(key))
            skey = (sid, fact.detail.get("season") or season, sheet.distance_m)
            if sb is not None:
                self.sbs[skey] = least(sb, self.sbs.get(skey), self.seen_season.get(skey))

    def bests(self, row: Row, distance: int, season: str) -> tuple[str, ...]:
        sid, ms = row.skater_id, row.time_ms or 0
        key, skey = (sid, distance), (sid, season, distance)
        pb, sb = self.pbs.get(key), self.sbs.get(skey)
        self.seen[key] = min(ms, self.seen.get(key, ms))
        self.seen_season[skey] = min(ms, self.seen_season.get(skey, ms))
        if pb is not None:
            self.pbs[key] = min(pb, ms)
            if hundredths(ms) < hundredths(pb):
                self.sbs[skey] = min(ms, sb) if sb is not None else ms  # the best ever is this season's
                return ("PB",)
        if sb is not None:
            self.sbs[skey] = min(sb, ms)
            if hundredths(ms) < hundredths(sb):
                return ("SB",)
        return ()

    # -- records --------------------------------------------------------------------------------
    def take_tables(self, sheet: RaceState | None) -> None:
        """The record table lines dated on or before this race's day (all of them, without a race)
        become the records, unless the ledger has bettered them since the table's date."""
        day = sheet.day.isoformat() if sheet is not None else "9999-12-31"
        for line in self.tables:
            if line.as_of > day:
                break
            if sheet is not None and (line.category, line.distance_m) != (sheet.category,
                                                                          sheet.distance_m):
                continue
            key = (line.scope, line.category, line.distance_m)
            held = self.records.get(key)
            if held is None or (held.race is None and line.as_of > held.since) or (
                    line.as_of > held.since and line.time_ms <= held.time_ms):
                self.records[key] = held_of(line)

    def record_marks(self, sheet: RaceState, row: Row) -> tuple[str, ...]:
        earned: list[str] = []
        for scope in self.scopes_of(sheet, row):
            key = (scope, sheet.category, sheet.distance_m)
            held = self.records.get(key)
            if held is None:
                continue
            ms = row.time_ms or 0
            if hundredths(ms) < hundredths(held.time_ms):
                self.records[key] = attrs.evolve(held, time_ms=ms, skater=row.skater,
                                                 since=sheet.day.isoformat(), race=sheet.key,
                                                 source="ledger")
                earned.append(held.mark)
            elif hundredths(ms) == hundredths(held.time_ms) and not self.own(held, row, sheet):
                earned.append(held.mark + EQUALLED)
        return tuple(earned)

    def own(self, held: Held, row: Row, sheet: RaceState) -> bool:
        """The table lists this very result (its holder, its day): not equalled, and not known to
        be bettered in this race either — no mark."""
        return held.race is None and held.since == sheet.day.isoformat() and (
            norm(held.skater or "") == norm(row.skater))

    def scopes_of(self, sheet: RaceState, row: Row) -> list[str]:
        """The scopes of the records held that this result competes in: world, the track, the
        skater's nation, the championship."""
        comp = self.state.competitions.get(sheet.competition_id)
        info = self.state.skaters.get(row.skater_id)
        venues = venue_names(comp.venue) if comp and comp.venue else set()
        series = series_of(comp.name) if comp else None
        nation = (info.nation or "").upper() if info else ""
        found = []
        for scope, category, distance in self.records:
            if (category, distance) != (sheet.category, sheet.distance_m):
                continue
            kind, _, name = scope.partition(":")
            if (kind == "world" or (kind == "track" and norm(name) in venues)
                    or (kind == "national" and name == nation)
                    or (kind == "championship" and series_of(name) == series)):
                found.append(scope)
        return sorted(found, key=lambda s: SCOPE_ORDER.index(s.partition(":")[0]))


def least(*times: int | None) -> int:
    return min(t for t in times if t is not None)


def held_of(line: RecordInfo) -> Held:
    mark = MARK_OF[line.scope.partition(":")[0]]
    return Held(mark, line.scope, line.category, line.distance_m, line.time_ms, line.skater,
                line.as_of, None, line.source)


def published_marks(sheet: RaceState, sid: UUID) -> list[str]:
    """The marks published lists printed beside the skater's result in this race
    (``Race.MarksPublished``), each once, in the order first printed: not derived, kept apart."""
    found: list[str] = []
    for fact in sheet.live_facts(sid, frozenset({FactKind.MARKS})):
        found += [m for m in fact.detail["marks"] if m not in found]
    return found


def derive_for(state: LedgerState, sheets: Iterable[RaceState], boards: Boards = leaderboard) -> Marks:
    """The derived marks of these races (a skater's, say), and the bests and records they depend
    on: one fold per distance and category, each up to the last of these races, skipped when the
    ledger holds no baseline for it."""
    last: dict[tuple[int, str], RaceState] = {}
    for sheet in sheets:
        key = (sheet.distance_m, sheet.category)
        if key not in last or (sheet.day, sheet.key) > (last[key].day, last[key].key):
            last[key] = sheet
    found = Marks({}, {}, {}, {})
    for sheet in last.values():
        part = derive(state, sheet, boards=boards)
        found.derived.update(part.derived)
        found.records.update(part.records)
        found.personal_bests.update(part.personal_bests)
        found.season_bests.update(part.season_bests)
    return found
