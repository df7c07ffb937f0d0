"""What the web board shows, as plain data for the templates and the JSON API.

Each function takes a :class:`~projections.state.LedgerState` (the ledger as of one basis) and
returns dicts and lists; nothing here reads the store or knows about HTTP. The JSON shapes of the
command (scripts/output.py) are reused as they are, and extended only with new keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from ledger.domain.kinds import FactKind
from ledger.domain.race_state import Fact, RaceState
from ledger.domain.rules import CLOSING_ALL, TIMED
from ledger.domain.timing import Notation, format_gap, format_time, truncate_to_hundredths
from projections.basis import Basis
from projections.history import History
from projections.history import progression as times_by_distance
from projections.leaderboard import Leaderboard, leaderboard, pair_filter, standings_at
from projections.marks import derive, meaning, published_marks
from projections.mass_start import is_mass_start, live_panel, table_for
from projections.pair import Estimate, Passing, SkaterOnIce, on_ice, pair_panel
from projections.qualification import evaluate, load_rule
from projections.results import result_of
from projections.running import laps_shown, next_pair, race_status, splits_of
from projections.state import CompetitionInfo, LedgerState, SkaterInfo
from scripts import output

#: The ledger holds no time zone; a venue's is known from its name (rules.md: results are local).
VENUE_ZONES = {
    "heerenveen": "Europe/Amsterdam", "thialf": "Europe/Amsterdam", "amsterdam": "Europe/Amsterdam",
    "enschede": "Europe/Amsterdam", "groningen": "Europe/Amsterdam", "utrecht": "Europe/Amsterdam",
    "den haag": "Europe/Amsterdam", "tilburg": "Europe/Amsterdam", "inzell": "Europe/Berlin",
    "berlin": "Europe/Berlin", "erfurt": "Europe/Berlin", "hamar": "Europe/Oslo",
    "stavanger": "Europe/Oslo", "tomaszów": "Europe/Warsaw", "tomaszow": "Europe/Warsaw",
    "kolomna": "Europe/Moscow", "collalbo": "Europe/Rome", "baselga": "Europe/Rome",
    "calgary": "America/Edmonton", "salt lake": "America/Denver", "kearns": "America/Denver",
    "milwaukee": "America/Chicago", "quebec": "America/Toronto", "québec": "America/Toronto",
    "nagano": "Asia/Tokyo", "obihiro": "Asia/Tokyo", "tomakomai": "Asia/Tokyo",
    "beijing": "Asia/Shanghai", "harbin": "Asia/Shanghai", "gangneung": "Asia/Seoul",
    "astana": "Asia/Almaty", "almaty": "Asia/Almaty",
}
#: Dutch competitions (the demo's, the KNSB's) when the venue names no known rink.
DEFAULT_ZONE = "Europe/Amsterdam"
LANE_LABEL = {"inner": "inner · white armband", "outer": "outer · red armband"}
#: How the times of the page being made are written: ``iso`` (1:16.05) or ``nl`` (1.16,05), set
#: per request from the page's language (scripts/board/i18n.py); the JSON API stays ``iso``.
NOTATION: ContextVar[Notation] = ContextVar("notation", default="iso")


def zone_of(comp: CompetitionInfo | None) -> ZoneInfo:
    venue = (comp.venue or "").casefold() if comp else ""
    for word, zone in VENUE_ZONES.items():
        if word in venue:
            return ZoneInfo(zone)
    return ZoneInfo(DEFAULT_ZONE)


def moment(value: datetime | None, zone: ZoneInfo) -> dict[str, str] | None:
    """A recorded moment: ISO (for the viewer's own zone, in the browser) and venue-local text."""
    if value is None:
        return None
    local = value.astimezone(zone)
    return {"iso": value.isoformat(), "venue": local.strftime("%Y-%m-%d %H:%M:%S"),
            "zone": local.tzname() or str(zone)}


def time_text(ms: int | None) -> str | None:
    return format_time(ms, NOTATION.get()) if ms is not None else None


def gap_text(ms: int | None) -> str | None:
    return format_gap(ms, NOTATION.get()) if ms is not None else None


def change_text(before: int | None, after: int | None) -> tuple[str | None, str | None]:
    """A correction's two times: to the thousandth when their hundredths are equal
    ("1:08.452 → 1:08.455", not "1:08.45 → 1:08.45")."""
    if before is None or after is None or truncate_to_hundredths(before) != truncate_to_hundredths(after):
        return time_text(before), time_text(after)
    notation = NOTATION.get()
    return (format_time(before, notation, thousandths=True),
            format_time(after, notation, thousandths=True))


# -- the index and the day ------------------------------------------------------------------------
def index_view(state: LedgerState) -> dict[str, Any]:
    races = output.races_json(state)
    comps = [{"slug": c.slug, "name": c.name, "venue": c.venue, "first_day": c.first_day,
              "last_day": c.last_day, "races": [r for r in races if r["competition_slug"] == c.slug]}
             for c in sorted(state.competitions.values(), key=lambda c: (c.first_day, c.slug))]
    return {"competitions": comps}


def competition_of(state: LedgerState, slug: str) -> CompetitionInfo | None:
    return next((c for c in state.competitions.values() if c.slug == slug), None)


Memo = Callable[[str, Callable[[], Any]], Any]


def no_memo(_: str, make: Callable[[], Any]) -> Any:
    return make()


def day_view(state: LedgerState, slug: str, day: date | None = None,
             memo: Memo = no_memo) -> dict[str, Any]:
    """A competition's races by day (``day``: that day only), the pairs on the ice. ``memo``
    keeps each race's podium per position (the day page would otherwise draw a leaderboard of
    every race it lists at every look, docs/decisions/0027)."""
    comp = competition_of(state, slug)
    sheets = sorted((s for s in state.races.values() if s.competition == slug),
                    key=lambda s: (s.day, s.key))
    if comp is None and not sheets:
        raise LookupError(f"competition {slug!r} is not in the ledger at position {state.position}")
    zone = zone_of(comp)
    days: dict[str, list[dict[str, Any]]] = {}
    for sheet in sheets:
        if day is None or sheet.day == day:
            days.setdefault(sheet.day.isoformat(), []).append(race_summary(state, sheet, memo))
    on_ice = [r["on_ice"] for races in days.values() for r in races if r["on_ice"] and r["on_ice"]["racing"]]
    return {"slug": slug, "name": comp.name if comp else slug, "venue": comp.venue if comp else None,
            "zone": str(zone), "days": days, "on_ice": on_ice, "position": state.position,
            "recorded_at": moment(state.recorded_at, zone)}


def race_summary(state: LedgerState, sheet: RaceState, memo: Memo = no_memo) -> dict[str, Any]:
    """A race as the day page lists it: its status, its podium (the leader while it runs), the
    pair on the ice and the next pair, and its start list (shown on demand)."""
    pair = pair_on_ice(state, sheet)
    status = race_status(sheet)
    return {"key": sheet.key, "distance_m": sheet.distance_m, "category": sheet.category,
            "label": sheet.label, "discipline": sheet.discipline, "track_m": sheet.track_m,
            "official": sheet.official is not None, "status": status,
            "title": output.race_title(state, sheet.key), "starters": len(sheet.entries),
            "podium": podium_of(state, sheet, status, memo), "next_pair": next_pair(sheet),
            "pairs": start_list(state, sheet), "on_ice": pair}


def podium_of(state: LedgerState, sheet: RaceState, status: str,
              memo: Memo = no_memo) -> list[dict[str, Any]]:
    """The first three of the board (ranks 1 to 3, a shared place shown twice); while the race
    runs, its leader only. Nothing before the first result. The ranked rows are kept per race
    and position (``memo``); the times are written in the page's notation each time."""
    if status == "scheduled":
        return []
    ranked: list[tuple[int, str, str | None, int | None]] = memo(
        f"podium:{sheet.key}@{state.position}",
        lambda: [(row.rank, row.skater, row.nation, row.time_ms)
                 for row in leaderboard(state, sheet.key).rows if row.rank is not None and row.rank <= 3])
    top = 1 if status == "running" else 3
    return [{"rank": rank, "skater": skater, "nation": nation, "time": time_text(ms)}
            for rank, skater, nation, ms in ranked if rank <= top]


def start_list(state: LedgerState, sheet: RaceState) -> list[dict[str, Any]]:
    """Every drawn pair in order with each of its skaters (the two of a lane in a quartet start)
    and their lane, then the entrants not drawn; each skater with a status once the race closed
    their result otherwise than a time (WDR, DNS, DNF, DQ)."""
    found = on_ice(sheet)
    if is_mass_start(sheet):  # one start for all, no lanes
        started = found is not None and race_status(sheet) == "running"
        return [{"pair": None, "mass_start": True, "on_ice": started, "next": False,
                 "skaters": [entrant_cell(state, sheet, sid) for sid in sheet.entries]}]
    racing = found.pair if found is not None and found.racing else None
    upcoming = next_pair(sheet)
    rows = []
    for number in sorted(sheet.pairs):
        lanes = [entrant_cell(state, sheet, sid) for sid in sheet.skaters_in(number)]
        rows.append({"pair": number, "skaters": lanes, "on_ice": number == racing,
                     "next": number == upcoming})
    unpaired = [entrant_cell(state, sheet, sid) for sid, e in sheet.entries.items() if e.pair is None]
    if unpaired:
        rows.append({"pair": None, "skaters": unpaired, "on_ice": False, "next": False})
    return rows


def entrant_cell(state: LedgerState, sheet: RaceState, sid: UUID) -> dict[str, Any]:
    """A skater of the start list: name, nation, lane, and a status other than OK when known."""
    result = result_of(sheet, sid)
    status = result.status if result is not None and result.status != "OK" else None
    return {**skater_cell(state, sid, sheet.entries[sid].lane), "status": status}


def skater_cell(state: LedgerState, sid: UUID, lane: str | None) -> dict[str, Any]:
    info = state.skaters.get(sid)
    return {"skater": state.name_of(sid), "nation": info.nation if info else None, "lane": lane,
            "lane_label": LANE_LABEL.get(lane or "", "lane unknown")}


def pair_on_ice(state: LedgerState, sheet: RaceState) -> dict[str, Any] | None:
    """The pair started last, and whether it is still racing (projections/pair.py)."""
    found = on_ice(sheet)
    if found is None:
        return None
    return {"race": found.race, "pair": found.pair, "racing": found.racing,
            "started_at": found.started_at,
            "skaters": [skater_cell(state, s, sheet.entries[s].lane) for s in found.skaters]}


# -- the race board ------------------------------------------------------------------------------
def board_of(state: LedgerState, key: str, basis: Basis) -> Leaderboard:
    if basis.at_m is not None:
        return standings_at(state, key, basis.at_m, basis.after_pair)
    return leaderboard(state, key, basis.after_pair)


def race_view(state: LedgerState, key: str, basis: Basis, reference: str = "sb",
              memo: Memo = no_memo) -> dict[str, Any]:
    """Everything the race page shows: the board, the pair on ice, corrections, qualification.

    ``memo(name, make)`` may keep what depends on the whole ledger (records, qualification) per
    position: states at the same position are equal."""
    sheet = state.sheet(key)
    assert sheet is not None
    board = board_of(state, key, basis)
    comp = state.competitions.get(sheet.competition_id)
    zone = zone_of(comp)
    data = output.board_json(board, basis, NOTATION.get())
    derived = memo(f"marks:{key}@{state.position}", lambda: derive(state, sheet).derived)
    marks = marks_of(state, sheet, derived)
    keep = pair_filter(sheet, basis.after_pair)
    for row, shown in zip(board.rows, data["rows"], strict=True):
        shown.update(row_extras(state, sheet, row.skater_id, marks, zone))
        finish = row.time_ms if row.status == "OK" and basis.at_m is None else None
        shown["splits"] = splits_view(sheet, row.skater_id, keep, basis.at_m, finish)
    shown_marks = [m for r in data["rows"] for m in r["marks"] + r["published_marks"]]
    return {"key": key, "title": output.race_title(state, key), "slug": sheet.competition,
            "distance_m": sheet.distance_m, "category": sheet.category, "points": list(sheet.points),
            "discipline": sheet.discipline, "label": sheet.label, "track_m": sheet.track_m,
            "competition": comp.name if comp else sheet.competition, "day": sheet.day.isoformat(),
            "official": official_of(sheet, zone), "board": data, "position": state.position,
            "legend": [{"mark": m, "meaning": meaning(m)} for m in dict.fromkeys(shown_marks)],
            "recorded_at": moment(state.recorded_at, zone), "zone": str(zone),
            "pair": pair_view(state, sheet, basis.after_pair, reference),
            "splits": splits_header(sheet, basis.at_m),
            "start_list": start_list(state, sheet) if basis.after_pair is None else
            [{**p, "on_ice": False, "next": False} for p in start_list(state, sheet)],
            "mass_start": mass_start_view(state, sheet, basis),
            "corrections": corrections_of(state, sheet, zone, basis.after_pair),
            "qualification": memo(f"qualification:{sheet.competition}:{sheet.category}@{state.position}"
                                  + ("" if basis.after_pair is None else f":{key}/{basis.after_pair}"),
                                  lambda: qualification_of(state, sheet, basis.after_pair))}


def splits_header(sheet: RaceState, at_m: int | None = None) -> dict[str, Any] | None:
    """The passing columns of the results: one per point before the finish (``points``) on a
    short race, or one column of lap times (``laps``) on a long one; none for a mass start, nor
    for a race without a passing (its results come from a list)."""
    if is_mass_start(sheet) or not any(f.kind == FactKind.PASSING for f in sheet.facts.values()):
        return None  # a race known from a list only: no column of nothing
    points = [m for m in sheet.points if m < sheet.distance_m and (at_m is None or m <= at_m)]
    if not points:
        return None
    return {"laps": laps_shown(sheet), "points": points}


def splits_view(sheet: RaceState, sid: UUID, keep: Callable[[Fact], bool],
                at_m: int | None, finish_ms: int | None = None) -> dict[str, Any]:
    """A row's passing times: by point (time, and the lap since the point before) and the lap
    times in order, the last lap to the finish included when the last point's passing and the
    finish are known."""
    found = splits_of(sheet, sid, keep, at_m)
    laps = [{"at_m": s.at_m, "time": time_text(s.time_ms), "lap": format_lap(s.lap_ms)} for s in found]
    last = [m for m in sheet.points if m < sheet.distance_m]
    if finish_ms is not None and found and last and found[-1].at_m == last[-1] and found[-1].time_ms:
        cut = found[-1].time_ms - found[-1].time_ms % 10
        laps.append({"at_m": sheet.distance_m, "time": time_text(finish_ms),
                     "lap": format_lap(finish_ms - finish_ms % 10 - cut)})
    return {"by_point": {str(s.at_m): {"time": time_text(s.time_ms), "lap": format_lap(s.lap_ms)}
                         for s in found}, "laps": laps}


def mass_start_view(state: LedgerState, sheet: RaceState, basis: Basis) -> dict[str, Any] | None:
    """A mass start on the ice: lap counter, leader on points, each sprint's order and points."""
    if not is_mass_start(sheet):
        return None
    panel = live_panel(sheet, table_for(sheet.day), pair_filter(sheet, basis.after_pair))
    return {"laps": panel.laps, "lap": panel.lap, "leader_points": panel.leader_points,
            "leader": state.name_of(panel.leader) if panel.leader else None,
            "sprints": [{"lap": lap, "order": [{"skater": state.name_of(s), "points": p}
                                               for s, p in order]} for lap, order in panel.sprints]}


def official_of(sheet: RaceState, zone: ZoneInfo) -> dict[str, Any] | None:
    fact = sheet.official
    if fact is None:
        return None
    announced = fact.detail.get("announced_at")
    return {"by": fact.detail.get("author"), "announced_at": moment(announced, zone),
            "recorded_at": moment(fact.recorded_at, zone)}


def row_extras(state: LedgerState, sheet: RaceState, sid: UUID,
               marks: dict[UUID, dict[str, list[str]]], zone: ZoneInfo) -> dict[str, Any]:
    result = result_of(sheet, sid)
    fact = sheet.facts.get(result.fact) if result and result.fact else None
    corrections = [dict(zip(("before", "after"), change_text(c["before"], c["after"]), strict=True),
                        reason=c["reason"], by=c["author"]) for c in (fact.corrections if fact else [])]
    reason = None
    if fact is not None and fact.kind in CLOSING_ALL | {FactKind.DNF}:
        reason = fact.detail.get("rule") or fact.detail.get("reason")
    shown = marks.get(sid, {})
    return {"skater_id": str(sid), "marks": shown.get("marks", []),
            "published_marks": shown.get("published_marks", []), "corrections": corrections,
            "status_reason": reason, "official": sheet.official is not None,
            "fell": fact is not None and fact.kind == FactKind.FALL,
            "recorded_at": moment(fact.recorded_at, zone) if fact else None}


def marks_of(state: LedgerState, sheet: RaceState,
             derived: dict[tuple[str, UUID], tuple[str, ...]]) -> dict[UUID, dict[str, list[str]]]:
    """Each entrant's marks, kept apart: ``marks`` derived from evidence the ledger holds
    (projections/marks.py: a baseline of bests or a record table), ``published_marks`` as a
    published list printed them (MarksPublished)."""
    found: dict[UUID, dict[str, list[str]]] = {}
    for sid in sheet.entries:
        found[sid] = {"marks": list(derived.get((sheet.key, sid), ())),
                      "published_marks": published_marks(sheet, sid)}
    return found


def corrections_of(state: LedgerState, sheet: RaceState, zone: ZoneInfo,
                   after_pair: int | None = None) -> list[dict[str, Any]]:
    """Every correction, void and disqualification of the race with its reason and author; after
    pair N, those of the pairs up to N (of the fact they change)."""
    keep = pair_filter(sheet, after_pair)
    out = []
    for fact in sorted(sheet.facts.values(), key=lambda f: f.seq):
        if fact.kind not in {FactKind.CORRECTION, FactKind.VOID, FactKind.DQ}:
            continue
        target_id = fact.detail.get("target")
        target = sheet.facts.get(target_id) if isinstance(target_id, UUID) else None
        if not keep(target if target is not None else fact):
            continue
        what = describe(target) if target is not None else fact.kind
        changed = target if target is not None else fact
        out.append({"act": fact.kind, "skater": state.name_of(fact.skater) if fact.skater else None,
                    "what": what, "kind": changed.kind,
                    "at_m": changed.metres if changed.kind == FactKind.PASSING else None,
                    "after": time_text(fact.ms) if fact.kind == FactKind.CORRECTION else None,
                    "reason": fact.detail.get("reason") or fact.detail.get("rule"),
                    "by": fact.detail.get("author"), "recorded_at": moment(fact.recorded_at, zone)})
    return out


def describe(fact: Fact) -> str:
    where = f" at {fact.metres} m" if fact.kind == FactKind.PASSING else ""
    if fact.source is None and fact.kind in TIMED:
        return f"{fact.kind}{where} (source unknown)"
    return f"{fact.kind}{where} ({fact.source})" if fact.source else f"{fact.kind}{where}"


def qualification_of(state: LedgerState, sheet: RaceState,
                     after_pair: int | None = None) -> list[dict[str, Any]]:
    """The outcome of every qualification rule of this competition, for this race's category only
    (a rule over both categories is read for this one), on the page's basis: this race as it stood
    after pair N. A category column is shown wherever both categories appear."""
    panels = []
    cuts = {} if after_pair is None else {sheet.key: after_pair}
    for name in rule_names():
        rule = load_rule(name)
        if rule.get("competition") != sheet.competition or rule.get("category") not in (None, sheet.category):
            continue
        outcome = evaluate(state, {**rule, "category": sheet.category}, cuts)
        slots = [{"slot": s.slot, "distance_m": s.distance_m, "category": s.category,
                  "place": s.place, "skater": s.skater, "status": s.status, "reason": s.reason}
                 for s in outcome.slots]
        panels.append({"rule": outcome.rule, "title": rule.get("title", outcome.rule),
                       "slots": slots, "selected": list(outcome.selected),
                       "categories": sorted({s.category for s in outcome.slots}),
                       "after_pair": after_pair})
    return panels


@lru_cache(maxsize=1)
def rule_names() -> tuple[str, ...]:
    folder = resources.files("projections").joinpath("qualification_rules")
    return tuple(sorted(p.name.removesuffix(".json") for p in folder.iterdir()
                        if p.name.endswith(".json")))


# -- the pair on ice -----------------------------------------------------------------------------
def pair_view(state: LedgerState, sheet: RaceState, after_pair: int | None = None,
              reference: str = "sb", pair: int | None = None) -> dict[str, Any] | None:
    """Both skaters of the pair on ice (or ``pair``): every passing with split, lap time, virtual
    place and gap to the leader among all who passed that point so far, laps to go, and an
    estimated finish against a reference (season best, personal best or the leader's race), as
    projections/pair.py computes them."""
    panel = pair_panel(state, sheet, after_pair, reference, pair)
    if panel is None:
        return None
    return {"race": panel.race, "pair": panel.pair, "racing": panel.racing,
            "reference": panel.reference,
            "skaters": [skater_on_ice_view(state, s) for s in panel.skaters]}


def skater_on_ice_view(state: LedgerState, skater: SkaterOnIce) -> dict[str, Any]:
    return {**skater_cell(state, skater.skater_id, skater.lane), "result": skater.status,
            "time": time_text(skater.time_ms), "passings": [passing_view(p) for p in skater.passings],
            "laps_to_go": skater.laps_to_go, "estimate": estimate_view(skater.estimate)}


def passing_view(passing: Passing) -> dict[str, Any]:
    return {"at_m": passing.at_m, "time": time_text(passing.time_ms), "time_ms": passing.time_ms,
            "lap": format_lap(passing.lap_ms), "lap_ms": passing.lap_ms, "source": passing.source,
            "place": passing.place, "passed": passing.passed,
            "behind": gap_text(passing.behind_ms), "behind_ms": passing.behind_ms,
            "laps_to_go": passing.laps_to_go, "corrected": list(passing.corrected)}


def estimate_view(found: Estimate | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"time": time_text(found.time_ms), "time_ms": found.time_ms, "reference": found.reference,
            "reference_time": time_text(found.reference_ms), "versus": gap_signed(found.versus_ms),
            "label": "estimate"}


def format_lap(ms: int | None) -> str | None:
    """A lap time in the page's notation (Dutch ``26,90``, as its other times)."""
    return format_time(ms, NOTATION.get()) if ms is not None and ms > 0 else None


def gap_signed(ms: int) -> str:
    return format_gap(ms) if ms >= 0 else "-" + format_gap(-ms)[1:]


# -- the skater ------------------------------------------------------------------------------------
#: The plot area's margins in the chart's own units: room for the times at the left and the dates
#: below.
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 84, 16, 12, 40  # room for 14 px labels


def skater_facts(info: SkaterInfo | None) -> dict[str, str]:
    """What a public page shows of a skater besides the name: nation (a published result) and
    club (personal data, docs/decisions/0029: only when the board reads it in clear); what the
    ledger does not hold is left out, never filled in, and the home town is never shown."""
    if info is None:
        return {}
    known = {"nation": info.nation, "club": info.club}
    return {k: v for k, v in known.items() if v}


def progression(found: History, width: int = 480, height: int = 200) -> list[dict[str, Any]]:
    """One chart per distance: each valid time by the date it was skated, on axes with dates (the
    first and the last, and between them when there is room) and times (the fastest and the
    slowest, and one between); faster is higher. Each point also in a table, the text
    alternative."""
    charts = []
    left, right, top, bottom = CHART_LEFT, width - CHART_RIGHT, CHART_TOP, height - CHART_BOTTOM
    for series in times_by_distance(found):
        points = series.points
        d0, d1 = min(d.toordinal() for d, _ in points), max(d.toordinal() for d, _ in points)
        t0, t1 = series.best_ms, series.worst_ms

        def x(d: int, d0: int = d0, d1: int = d1) -> float:
            return round(left + (right - left) * ((d - d0) / (d1 - d0) if d1 > d0 else 0.5), 1)

        def y(t: int, t0: int = t0, t1: int = t1) -> float:
            return round(top + (bottom - top) * ((t - t0) / (t1 - t0) if t1 > t0 else 0.5), 1)

        dots = [{"x": x(day.toordinal()), "y": y(t), "date": day.isoformat(), "time": time_text(t),
                 "label": f"{day.isoformat()}: {time_text(t)}"} for day, t in points]
        days = sorted({day for day, _ in points})
        def at(day: date, x: Callable[[int], float] = x) -> float:
            return x(day.toordinal())
        shown_days = spaced(days if len(days) <= 4 else [days[0], days[len(days) // 2], days[-1]], at)
        times = sorted({t0, t1, (t0 + t1) // 2}) if t1 - t0 >= 20 else sorted({t0, t1})
        charts.append({"distance_m": series.distance_m, "width": width, "height": height,
                       "left": left, "right": right, "top": top, "bottom": bottom,
                       "line": " ".join(f"{p['x']},{p['y']}" for p in dots), "dots": dots,
                       "x_ticks": [{"x": x(d.toordinal()), "label": d.isoformat()} for d in shown_days],
                       "y_ticks": [{"y": y(t), "label": time_text(t)} for t in times],
                       "best": time_text(t0), "worst": time_text(t1),
                       "first": days[0].isoformat(), "last": days[-1].isoformat()})
    return charts


#: The room a date's label takes on the chart's axis (2017-12-26 at 14 px: 81), in the chart's units.
DATE_LABEL_WIDTH = 82


def spaced(days: list[date], at: Callable[[date], float]) -> list[date]:
    """The dates whose labels do not overlap: the first (its label starts at it) and the last (its
    label ends at it) always, they are the ends of the axis; one between (its label centred) only
    where it has room from its neighbours: dates a few days apart share one label."""
    if len(days) <= 2:
        return days
    half, kept = DATE_LABEL_WIDTH / 2, [days[0]]
    for day in days[1:-1]:
        room = DATE_LABEL_WIDTH + half if kept[-1] == days[0] else DATE_LABEL_WIDTH
        if at(day) - at(kept[-1]) >= room and at(days[-1]) - at(day) >= DATE_LABEL_WIDTH + half:
            kept.append(day)
    return [*kept, days[-1]]


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
