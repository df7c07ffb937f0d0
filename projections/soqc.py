"""The ISU's Special Olympic Qualification Classifications (SOQC) for Milano Cortina 2026, as
qualification rules data (``projections/qualification_rules/soqc-*.json``, kind ``soqc``;
docs/decisions/0023-soqc.md).

Quota places are the nations' (NOCs'), not the skaters'. Per event (a distance, or the mass
start) of one category the rule gives the entry places, the cap per nation, and how many places
go by the points classification and how many by the times classification. From the races of the
qualifying World Cups (the rule names the competitions):

- the **points classification**: each skater's World Cup points summed over the qualifying races
  of the event (projections/cup.py's points per race; a race without a points table makes the
  whole classification *unscored*: no points are guessed);
- the **times classification**: each skater's best time over the qualifying races (needs no
  table);
- the **allocation**: walk the points classification best first; each skater gives her nation a
  place unless the nation is at its cap, until the places by points are given; then the times
  classification the same way, passing over skaters who earned a place by points; then, when
  the rule gives its size, the reserve list from the times classification;
- the **host rule**: a host nation with no place in the event gets one (``dependent``), and the
  last place of the entry list may be replaced by it;
- the **status** of every place: ``certain`` (no outcome of the qualifying races still to come
  can take it: all are skated, or for a points place the points still to win cannot pass enough
  skaters), ``provisional`` (held now, could be lost), ``dependent`` (on others' choices or a
  reallocation: the host rule, the reserve list), ``out`` (a skater passed over, her nation at
  its cap), ``unresolved`` (equal at the cut, the regulation's tie-break not held), ``unknown``
  (a number the rule does not know, e.g. the split of the places between points and times).

The team pursuit is an event like the others: its competitors are teams (decision 0021), one
per nation, and the host rule gives no place in it. Over every event of the category the answer
gives each nation's places and how many skaters it may enter (9, 8 or 7, and at most what its
places allow), and the ISU's reduction to 82 per category: the places it could remove are
``dependent``.

Every function here is pure: a :class:`~projections.state.LedgerState` in, an answer out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.errors import InvalidInputError
from ledger.domain.race_state import RaceState
from projections.cup import PointsTable, division_of, event_of, kind_of, race_points
from projections.leaderboard import leaderboard
from projections.results import result_of
from projections.state import LedgerState

KIND = "soqc"


# -- the rule's numbers --------------------------------------------------------------------------
def number(spec: Mapping[str, Any], field: str) -> int | None:
    """A number of the rule: ``{"value": N, "from": [...]}``; None when the rule marks it unknown."""
    held = spec.get(field)
    if isinstance(held, Mapping):
        held = held.get("value")
    if held is None or held == "unknown":
        return None
    if not isinstance(held, int) or held < 0:
        raise InvalidInputError(f"{field} of event {spec.get('event')!r} is not a whole number "
                                f"or 'unknown'")
    return held


HOST_MODES = ("always", "reserve", "none")


def host_mode(spec: Mapping[str, Any]) -> str:
    """How the host rule applies to the event (``host_rule``): ``always`` (a host with no place
    is given one), ``reserve`` (only when it is on the reserve list: the team pursuit) or
    ``none``; ``always`` when the rule says nothing."""
    held = spec.get("host_rule", "always")
    if isinstance(held, Mapping):
        held = held.get("value", "always")
    if held not in HOST_MODES:
        raise InvalidInputError(f"host_rule of event {spec.get('event')!r} is not one of "
                                f"{', '.join(HOST_MODES)}")
    return str(held)


@attrs.frozen
class EventRule:
    event: str  # "500", …, or "mass-start"
    entry_places: int | None
    cap: int | None
    by_points: int | None
    by_times: int | None
    reserve: int | None
    classifications: tuple[str, ...]
    host_rule: str = "always"  # HOST_MODES: the team pursuit's is "reserve"
    competitor: str = "skater"  # or "team" (decision 0021: a team is the competitor)


def events_of(rule: Mapping[str, Any]) -> list[EventRule]:
    found = []
    for spec in rule.get("events", []):
        ev = EventRule(str(spec["event"]), number(spec, "entry_places"),
                       number(spec, "cap_per_noc"), number(spec, "by_points"),
                       number(spec, "by_times"), number(spec, "reserve_places"),
                       tuple(spec.get("classifications", ("points", "times"))),
                       host_mode(spec), str(spec.get("competitor", "skater")))
        split = (ev.by_points, ev.by_times if "times" in ev.classifications else 0)
        if ev.entry_places is not None and None not in split and sum(
                n or 0 for n in split) != ev.entry_places:
            raise InvalidInputError(f"rule {rule['rule']!r}, event {ev.event}: {split[0]} places "
                                    f"by points and {split[1]} by times are not the "
                                    f"{ev.entry_places} entry places")
        found.append(ev)
    return found


def event_named(rule: Mapping[str, Any], event: str | None) -> list[EventRule]:
    """The rule's events, or the one asked for; an event the rule has not is refused."""
    events = events_of(rule)
    if event is None:
        return events
    chosen = [e for e in events if e.event == event]
    if not chosen:
        raise InvalidInputError(f"rule {rule['rule']!r} has no event {event!r} "
                                f"(events: {', '.join(e.event for e in events)})")
    return chosen


def competitions_of(rule: Mapping[str, Any]) -> list[str]:
    """The ledger keys of the qualifying competitions the rule names."""
    return [str(c["competition"]) for c in rule.get("competitions", [])]


# -- the races -----------------------------------------------------------------------------------
def qualifying_races(state: LedgerState, rule: Mapping[str, Any], event: str) -> list[RaceState]:
    """The races of the event in the qualifying competitions, both divisions, in schedule order."""
    wanted = set(competitions_of(rule))
    return [s for s in state.races.values()
            if s.competition in wanted and s.category == rule["category"] and event_of(s) == event]


def skated(sheet: RaceState) -> bool:
    """Official, or every entered skater has a result: nothing of the race remains (a race
    nobody is entered in yet is still to come)."""
    return sheet.official is not None or (bool(sheet.entries) and all(
        result_of(sheet, s) is not None for s in sheet.entries))


@attrs.frozen
class Remaining:
    """What of the qualifying races may still come: ``races`` not skated yet among those
    scheduled, and the qualifying competitions the ledger holds no race of (``unheld``: how many
    races they will bring is not known)."""

    races: tuple[RaceState, ...]
    unheld: tuple[str, ...]

    @property
    def nothing(self) -> bool:
        return not self.races and not self.unheld

    def describe(self) -> str:
        parts = []
        if self.races:
            parts.append(f"{len(self.races)} race(s) not skated yet")
        if self.unheld:
            parts.append("no race yet of " + ", ".join(self.unheld))
        return "; ".join(parts) or "every qualifying race is skated"


def remaining(state: LedgerState, rule: Mapping[str, Any], event: str,
              races: Sequence[RaceState]) -> Remaining:
    held = {s.competition for s in races}
    return Remaining(tuple(s for s in races if not skated(s)),
                     tuple(c for c in competitions_of(rule) if c not in held))


# -- the classifications -------------------------------------------------------------------------
@attrs.frozen
class Classed:
    """One skater's line of a classification: points, or a best time (and the race of it)."""

    rank: int
    skater_id: UUID
    skater: str
    nation: str | None
    value: int  # points, or the best time in ms
    race: str | None = None  # the race of the best time
    uncertain_ms: int = 0


def shared_ranks(order: Sequence[tuple[UUID, str, str | None, int, str | None, int]],
                 ) -> list[Classed]:
    """Rank 1, 2, …; equal values share a rank and the next is skipped."""
    out: list[Classed] = []
    for index, (who, name, nation, value, race, uncertain) in enumerate(order):
        rank = out[-1].rank if out and out[-1].value == value else index + 1
        out.append(Classed(rank, who, name, nation, value, race, uncertain))
    return out


def times_classification(state: LedgerState, races: Sequence[RaceState]) -> list[Classed]:
    """Each skater's best time over ``races`` (a finish with a time; DNF, DQ, DNS, WDR count
    nothing), fastest first; equal times share a rank."""
    best: dict[UUID, tuple[int, str, str | None, int, str]] = {}
    for sheet in races:
        for row in leaderboard(state, sheet.key).rows:
            if row.status != "OK" or row.time_ms is None:
                continue
            held = best.get(row.skater_id)
            if held is None or row.time_ms < held[0]:
                best[row.skater_id] = (row.time_ms, row.skater, row.nation, row.uncertain_ms,
                                       sheet.key)
    order = sorted(best.items(), key=lambda kv: (kv[1][0], kv[1][1].casefold()))
    return shared_ranks([(who, name, nation, ms, race, unc)
                         for who, (ms, name, nation, unc, race) in order])


@attrs.frozen
class Points:
    rows: tuple[Classed, ...]
    unscored: str | None  # why there is no points classification
    source: str | None  # the points table's source


def points_classification(state: LedgerState, races: Sequence[RaceState],
                          tables: Mapping[tuple[str, str], PointsTable]) -> Points:
    """Each skater's World Cup points summed over ``races``, most first; unscored (no rows) when
    any race has no points: a classification of some races only would mislead."""
    totals: dict[UUID, int] = {}
    source = None
    for sheet in races:
        scored = race_points(state, sheet, tables)
        if scored.unscored is not None:
            hint = ("record cup COMPETITION CUP" if scored.table is None and "no cup" in scored.unscored
                    else "give a table with --cup-table")
            return Points((), f"{sheet.key}: {scored.unscored} ({hint})", None)
        source = scored.table.source if scored.table else source
        for who, points in scored.points.items():
            totals[who] = totals.get(who, 0) + points
    order = sorted((w for w in totals if totals[w] > 0),
                   key=lambda w: (-totals[w], state.name_of(w).casefold()))
    nation = {w: (state.skaters[w].nation if w in state.skaters else None) for w in order}
    return Points(tuple(shared_ranks([(w, state.name_of(w), nation[w], totals[w], None, 0)
                                      for w in order])), None, source)


def top_points(state: LedgerState, sheet: RaceState,
               tables: Mapping[tuple[str, str], PointsTable]) -> int | None:
    """The most points one skater can win in ``sheet``; None when it has no table."""
    scored = race_points(state, sheet, tables, rows=())
    if scored.unscored is not None or scored.table is None:
        return None
    listed = scored.table.places.get((division_of(sheet), kind_of(sheet)))
    return max(listed) if listed else None


# -- the allocation ------------------------------------------------------------------------------
@attrs.frozen
class Place:
    """A quota place (``place`` 1…) or a line of the answer that holds none (``place`` None)."""

    place: int | None
    by: str  # points, times, host, reserve
    nation: str | None
    skater: str | None
    rank: int | None  # the skater's rank in the classification ``by``
    status: str
    reason: str
    replaced: bool = False  # an entry place the host's place may take
    reducible: bool = False  # a place the ISU's reduction to 82 per category could remove


@attrs.frozen
class Walked:
    skater: Classed
    given: bool  # a place given; False: passed over (nation at its cap)


def walk(rows: Sequence[Classed], places: int, cap: int, held: dict[str | None, int],
         passed: frozenset[UUID] = frozenset()) -> list[Walked]:
    """Walk ``rows`` best first: a skater gives her nation a place unless it holds ``cap``
    already (``held``: nation → places, updated); skaters in ``passed`` are skipped; stop when
    ``places`` are given. A skater of no known nation gives none (a quota place is a nation's)."""
    out: list[Walked] = []
    given = 0
    for row in rows:
        if given >= places:
            break
        if row.skater_id in passed or row.nation is None:
            continue
        if held.get(row.nation, 0) >= cap:
            out.append(Walked(row, False))
            continue
        held[row.nation] = held.get(row.nation, 0) + 1
        given += 1
        out.append(Walked(row, True))
    return out


def next_eligible(rows: Sequence[Classed], after: Classed | None, cap: int,
                  held: Mapping[str | None, int], passed: frozenset[UUID]) -> Classed | None:
    """The first skater after ``after`` who could still take a place: for a tie at the cut."""
    seen = after is None
    for row in rows:
        if not seen:
            seen = row.skater_id == after.skater_id if after else True
            continue
        if row.skater_id in passed or row.nation is None or held.get(row.nation, 0) >= cap:
            continue
        return row
    return None


@attrs.frozen
class EventAnswer:
    event: str
    category: str
    rule: EventRule
    races: tuple[str, ...]
    remaining: Remaining
    points: Points
    times: tuple[Classed, ...]
    places: tuple[Place, ...]
    nations: Mapping[str, int]  # nation → quota places held (entry list, host place included)
    unknown: str | None  # why the places cannot be given


@attrs.frozen
class NationTotal:
    """What a nation holds over the category's events, and how many skaters it may enter:
    ``most`` is 9, 8 or 7 by the rule (``noc_total``), ``skaters`` at most that and at most its
    entry places in the individual events plus the team pursuit's three."""

    nation: str
    places: Mapping[str, int]  # event → entry places (the host's included)
    by_points: Mapping[str, int]  # event → places by points
    team: bool | None  # a team pursuit place; None when the rule has no team pursuit
    most: int | None  # 9, 8 or 7; None when a number it needs is unknown
    skaters: int | None
    status: str  # certain, provisional, unknown; dependent: the reduction could take a place
    reason: str


@attrs.frozen
class Reduction:
    """The ISU's reduction of the category to ``limit`` skaters (rule ``reduction``)."""

    limit: int
    skaters: int | None  # the nations' skaters at most, summed; None when not known
    excess: int | None
    order: tuple[str, ...]  # the category's events, in the order places are taken
    removable: int  # places marked dependent: the reduction could remove them
    reason: str


@attrs.frozen
class SoqcAnswer:
    rule: str
    version: int
    category: str
    events: tuple[EventAnswer, ...]
    nations: tuple[NationTotal, ...] = ()
    reduction: Reduction | None = None


def evaluate_soqc(state: LedgerState, rule: Mapping[str, Any],
                  tables: Mapping[tuple[str, str], PointsTable],
                  event: str | None = None) -> SoqcAnswer:
    """The SOQC answer on ``state``: every event of the rule, or the one asked for. The nation
    totals and the reduction need every event, so every event is evaluated."""
    asked = {e.event for e in event_named(rule, event)}
    answers = [event_answer(state, rule, e, tables) for e in events_of(rule)]
    totals = nation_totals(rule, answers)
    cut = reduction_of(rule, answers, totals)
    if cut is not None and cut.excess is not None and cut.excess > 0:
        answers = reduce_places(answers, cut)
        at_stake = [p.nation for a in answers for p in a.places if p.reducible]
        cut = attrs.evolve(cut, removable=len(at_stake))
        totals = [attrs.evolve(t, status="dependent", reason=(
            f"{t.reason}; the reduction to {cut.limit} could remove {at_stake.count(t.nation)} "
            "of its places")) if t.nation in at_stake else t for t in totals]
    return SoqcAnswer(rule["rule"], int(rule["version"]), rule["category"],
                      tuple(a for a in answers if a.event in asked), tuple(totals), cut)


# -- the nation totals and the reduction to 82 per category ------------------------------------
TEAM_EVENT = "team-pursuit"
#: skaters in a team pursuit (rules.md §2: the time is taken when the third crosses)
TEAM_SKATERS = 3


def entry_places(ev: EventAnswer) -> list[Place]:
    """The places of the event's entry list: given, not replaced by the host's, not reserves."""
    return [p for p in ev.places
            if p.place is not None and p.nation and not p.replaced and p.by != "reserve"]


def noc_numbers(rule: Mapping[str, Any]) -> tuple[int, int, int] | None:
    """The rule's three nation totals, most first (9, 8, 7: ``noc_total``); None without them."""
    held = (rule.get("noc_total") or {}).get("value") or {}
    try:
        numbers = sorted((int(k) for k in held), reverse=True)
    except ValueError:
        raise InvalidInputError(f"rule {rule['rule']!r}: noc_total's keys are not whole "
                                "numbers") from None
    if len(numbers) != 3:
        return None
    return numbers[0], numbers[1], numbers[2]


def noc_most(team: bool, individual: Sequence[EventRule], places: Mapping[str, int],
             by_points: Mapping[str, int], numbers: tuple[int, int, int] = (9, 8, 7)) -> int:
    """The first of ``numbers`` (9) with a team pursuit place and its cap by points in every
    individual event, the second (8) with a team pursuit place and a place in every individual
    event, else the third (7) (rule ``noc_total``)."""
    if team and all(e.cap is not None and by_points.get(e.event, 0) >= e.cap for e in individual):
        return numbers[0]
    if team and all(places.get(e.event, 0) >= 1 for e in individual):
        return numbers[1]
    return numbers[2]


def nation_totals(rule: Mapping[str, Any], answers: Sequence[EventAnswer]) -> list[NationTotal]:
    """Every nation with a place in any event: its places, its 9/8/7 and its skaters at most."""
    individual = [a for a in answers if a.rule.competitor != "team"]
    teams = [a for a in answers if a.event == TEAM_EVENT]
    unknown = [a.event for a in answers if a.unknown is not None]
    left = [a.event for a in answers if not a.remaining.nothing]
    nations = sorted({p.nation for a in answers for p in entry_places(a) if p.nation})
    numbers = noc_numbers(rule)
    if numbers is None:
        return []
    out = []
    for nation in nations:
        places = {a.event: n for a in answers
                  if (n := sum(1 for p in entry_places(a) if p.nation == nation))}
        points = {a.event: n for a in answers if (n := sum(
            1 for p in entry_places(a) if p.nation == nation and p.by == "points"))}
        team = (TEAM_EVENT in places) if teams else None
        if unknown or team is None:
            gap = ("the places of " + ", ".join(unknown) + " are not known" if unknown
                   else "the rule has no team pursuit, which the totals need")
            out.append(NationTotal(nation, places, points, team, None, None, "unknown", gap))
            continue
        most = noc_most(bool(team), [a.rule for a in individual], places, points, numbers)
        skaters = min(most, sum(n for e, n in places.items() if e != TEAM_EVENT)
                      + (TEAM_SKATERS if team else 0))
        why = {numbers[0]: "a team pursuit place and its cap by points in every individual event",
               numbers[1]: "a team pursuit place and a place in every individual event",
               numbers[2]: ("no team pursuit place" if not team
                            else "not a place in every individual event")}
        status = "provisional" if left else "certain"
        out.append(NationTotal(nation, places, points, team, most, skaters, status,
                               f"{most}: {why[most]}" + (
                                   f"; still to come in {', '.join(left)}" if left else "")))
    return out


def category_order(rule: Mapping[str, Any]) -> tuple[str, ...]:
    """The category's events in the reduction's order ("500 women", …, "mass start women")."""
    order = ((rule.get("reduction") or {}).get("value") or {}).get("order", [])
    out = []
    for entry in order:
        words = str(entry).split()
        if words and words[-1] == rule["category"]:
            out.append("mass-start" if words[0] == "mass" else words[0])
    return tuple(out)


def reduction_of(rule: Mapping[str, Any], answers: Sequence[EventAnswer],
                 totals: Sequence[NationTotal]) -> Reduction | None:
    """How far the category is over the limit (82), when the rule gives one."""
    limit = ((rule.get("reduction") or {}).get("value") or {}).get("per_gender")
    if not isinstance(limit, int):
        return None
    order = category_order(rule)
    if noc_numbers(rule) is None or not any(a.event == TEAM_EVENT for a in answers):
        return Reduction(limit, None, None, order, 0, "not known: the rule gives no nation "
                                                      "totals (noc_total) or no team pursuit")
    if any(t.skaters is None for t in totals) or any(a.unknown for a in answers):
        return Reduction(limit, None, None, order, 0,
                         "not known: the places of some event are not known")
    skaters = sum(t.skaters or 0 for t in totals)
    excess = skaters - limit
    return Reduction(limit, skaters, excess, order, 0,
                     f"{skaters} skaters at most for {limit}: " + (
                         f"{excess} over" if excess > 0 else "none over"))


def lowest_first(ev: EventAnswer) -> list[Place]:
    """The places the reduction takes first: the last of the entry list first, the host's
    place never (it is the host rule's)."""
    return [p for p in reversed(entry_places(ev)) if p.by in {"points", "times"}]


def removable(lists: Sequence[Sequence[Place]], excess: int) -> set[tuple[int, int]]:
    """The places (list index, index in it) the reduction could take: one event after another
    in turn (a round at a time), or each event emptied before the next: the union of both."""
    one_by_one: list[tuple[int, int]] = []
    depth = 0
    while len(one_by_one) < excess and any(depth < len(x) for x in lists):
        for i, held in enumerate(lists):
            if depth < len(held) and len(one_by_one) < excess:
                one_by_one.append((i, depth))
        depth += 1
    emptied = [(i, k) for i, held in enumerate(lists) for k in range(len(held))][:excess]
    return set(one_by_one) | set(emptied)


def reduce_places(answers: Sequence[EventAnswer], cut: Reduction) -> list[EventAnswer]:
    """Mark ``dependent`` each place the reduction to ``cut.limit`` could remove."""
    by_event = {a.event: a for a in answers}
    order = [e for e in cut.order if e in by_event]
    lists = [lowest_first(by_event[e]) for e in order]
    taken = removable(lists, cut.excess or 0)
    marked: dict[str, set[int]] = {}
    for i, k in taken:
        place = lists[i][k]
        marked.setdefault(order[i], set()).add(id(place))
    why = (f"the ISU's reduction to {cut.limit} could remove it ({cut.reason}; events in the "
           f"order {', '.join(cut.order)}, the lowest-ranked first)")
    out = []
    for a in answers:
        ids = marked.get(a.event, set())
        places = tuple(attrs.evolve(p, status="unresolved" if p.status == "unresolved"
                                    else "dependent", reason=f"{p.reason}; {why}",
                                    reducible=True)
                       if id(p) in ids else p for p in a.places)
        out.append(attrs.evolve(a, places=places))
    return out


def event_answer(state: LedgerState, rule: Mapping[str, Any], spec: EventRule,
                 tables: Mapping[tuple[str, str], PointsTable]) -> EventAnswer:
    races = qualifying_races(state, rule, spec.event)
    left = remaining(state, rule, spec.event, races)
    points = points_classification(state, races, tables)
    times = tuple(times_classification(state, races)) if "times" in spec.classifications else ()
    unknown = why_unknown(spec, points)
    places: list[Place] = []
    if unknown is None and spec.cap is not None and spec.by_points is not None:
        places = allocation(state, rule, spec, (spec.cap, spec.by_points), points, times, left,
                            tables)
    nations: dict[str, int] = {}
    for p in places:
        if p.place is not None and p.nation and not p.replaced and p.by != "reserve":
            nations[p.nation] = nations.get(p.nation, 0) + 1
    return EventAnswer(spec.event, rule["category"], spec, tuple(s.key for s in races), left,
                       points, times, tuple(places), nations, unknown)


def why_unknown(spec: EventRule, points: Points) -> str | None:
    if spec.cap is None:
        return "the cap per nation of this event is not known"
    if spec.by_points is None or ("times" in spec.classifications and spec.by_times is None):
        return ("how many places go by points and how many by times is not in the sources "
                "(decision 0023): give a rule file that says, or see the classifications")
    if spec.by_points and points.unscored is not None:
        return f"the points classification is unscored: {points.unscored}"
    return None


def allocation(state: LedgerState, rule: Mapping[str, Any], spec: EventRule,
               numbers: tuple[int, int], points: Points, times: Sequence[Classed],
               left: Remaining, tables: Mapping[tuple[str, str], PointsTable]) -> list[Place]:
    """The places by points, then by times, the reserve list, then the host rule;
    ``numbers`` is the event's (cap per nation, places by points)."""
    cap, places_by_points = numbers
    held: dict[str | None, int] = {}
    gain = points_to_win(state, left, tables)
    by_points = walk(points.rows, places_by_points, cap, held)
    points_given = frozenset(w.skater.skater_id for w in by_points if w.given)
    cut = tie_at_cut(points.rows, by_points, places_by_points, cap, held, frozenset())

    def by_points_status(row: Classed) -> tuple[str, str]:
        if cut is not None and row.rank == cut.rank:
            return "unresolved", (f"{row.value} points, equal with {cut.skater} at the cut: the "
                                  "regulation's tie-break is not held")
        return points_status(row, points.rows, places_by_points, gain, left)

    def by_times_status(row: Classed) -> tuple[str, str]:
        return ("certain" if left.nothing else "provisional",
                f"best time {row.race}" + ("" if left.nothing else f"; still to come: {left.describe()}"))

    out = numbered(by_points, "points", 0, f"holds its cap of {cap} by points already", by_points_status)
    by_times = walk(times, spec.by_times or 0, cap, held, points_given)
    out += numbered(by_times, "times", sum(w.given for w in by_points),
                    f"holds its cap of {cap} already", by_times_status)
    given = points_given | {w.skater.skater_id for w in by_times if w.given}
    reserve: list[Place] = []
    if spec.reserve is not None:
        for k, w in enumerate((w for w in walk(times, spec.reserve, cap, dict(held), given)
                               if w.given), start=1):
            reserve.append(Place(None, "reserve", w.skater.nation, w.skater.skater,
                                 w.skater.rank, "dependent",
                                 f"reserve {k}: enters only when a place is given back"))
    return (out if spec.host_rule == "none" else host_rule(rule, out, reserve, spec)) + reserve


def numbered(walked: Sequence[Walked], by: str, before: int, full: str,
             status: Callable[[Classed], tuple[str, str]]) -> list[Place]:
    """The lines of one way of giving places (``by``: points or times), the places numbered on
    after ``before``: a skater given one has the status and reason ``status`` tells; one passed
    over is "out", her nation ``full`` (holds its cap)."""
    out: list[Place] = []
    for w in walked:
        row = w.skater
        if w.given:
            before += 1
            out.append(Place(before, by, row.nation, row.skater, row.rank, *status(row)))
        else:
            out.append(Place(None, by, row.nation, row.skater, row.rank, "out", f"{row.nation} {full}"))
    return out


def points_to_win(state: LedgerState, left: Remaining,
                  tables: Mapping[tuple[str, str], PointsTable]) -> int | None:
    """The most points one skater can still win; None when not known (a qualifying competition
    with no race yet, or a race without a table)."""
    if left.unheld:
        return None
    total = 0
    for sheet in left.races:
        top = top_points(state, sheet, tables)
        if top is None:
            return None
        total += top
    return total


def points_status(row: Classed, rows: Sequence[Classed], places: int, gain: int | None,
                  left: Remaining) -> tuple[str, str]:
    """Certain when every qualifying race is skated, or when even if every skater behind won
    all the points still to win, fewer than ``places`` skaters could be level with or ahead of
    ``row`` (a skater with no points yet counts too: then ``gain`` must stay below its points)."""
    if left.nothing:
        return "certain", f"{row.value} points; every qualifying race is skated"
    if gain is None:
        return "provisional", f"{row.value} points; still to come: {left.describe()}"
    if gain < row.value:
        could = sum(1 for r in rows if r.skater_id != row.skater_id and r.value + gain >= row.value)
        if could + 1 <= places:
            return "certain", (f"{row.value} points: with {gain} still to win, at most {could} "
                               f"skater(s) can reach them")
    return "provisional", (f"{row.value} points; {gain} still to win in "
                           f"{len(left.races)} race(s)")


def tie_at_cut(rows: Sequence[Classed], walked: Sequence[Walked], places: int, cap: int,
               held: Mapping[str | None, int], passed: frozenset[UUID]) -> Classed | None:
    """The skater left out level with the last one given a place (an exact tie at the cut)."""
    given = [w.skater for w in walked if w.given]
    if len(given) < places or not given:
        return None
    after = next_eligible(rows, walked[-1].skater, cap, held, passed)
    return after if after is not None and after.value == given[-1].value else None


def host_rule(rule: Mapping[str, Any], places: list[Place], reserve: Sequence[Place],
              spec: EventRule) -> list[Place]:
    """A host nation with no place in the event gets one; when it is on the reserve list its
    place replaces the last of the entry list (or may: when the reserve list is not known).
    In an event whose host rule is ``reserve`` (the team pursuit) it gets one only from the
    reserve list, an additional place: whether it takes the last of the entry list is not said,
    so that one may be replaced."""
    host = (rule.get("host") or {}).get("nation")
    entry = [p for p in places if p.place is not None]
    if not host or any(p.nation == host for p in entry):
        return places
    on_reserve = any(p.nation == host for p in reserve)
    out = list(places)
    if spec.host_rule == "reserve":
        if not on_reserve:
            return places
        last = entry[-1] if entry else None
        if last is not None:
            out[out.index(last)] = attrs.evolve(last, status="dependent", reason=(
                f"may be replaced by the host's place ({host} holds a reserve place; the "
                "sources say an additional place, not whether it takes the last)"))
        out.append(Place((last.place or 0) + 1 if last else 1, "host", host, None, None,
                         "dependent", f"host rule: {host} holds a reserve place, so it is given "
                                      "an additional place"))
        return out
    last = entry[-1] if entry else None
    if last is not None and (on_reserve or spec.reserve is None):
        why = (f"replaced by the host's place: {host} holds a reserve place" if on_reserve
               else f"may be replaced by the host's place (when {host} is on the reserve list, "
                    "whose size is not known)")
        out[out.index(last)] = attrs.evolve(last, status="dependent", reason=why,
                                            replaced=on_reserve)
    number = (last.place or 0) if last is not None else 0
    out.append(Place(number if on_reserve else number + 1, "host", host, None, None, "dependent",
                     f"host rule: {host} has no place by the classifications, so it is given "
                     "one" + (", in place of the last of the entry list" if on_reserve else "")))
    return out


def outcome_slots(answer: SoqcAnswer) -> list[dict[str, Any]]:
    """Every place of every event as a qualification slot (the contract of ``qualification``)."""
    slots: list[dict[str, Any]] = []
    for ev in answer.events:
        distance = int(ev.event) if ev.event.isdigit() else None
        if ev.unknown is not None:
            slots.append({"slot": len(slots) + 1, "distance_m": distance, "category": ev.category,
                          "place": None, "skater": None, "status": "unknown",
                          "reason": f"{ev.event}: {ev.unknown}"})
            continue
        for p in ev.places:
            slots.append({"slot": len(slots) + 1, "distance_m": distance,
                          "category": ev.category, "place": p.rank, "skater": p.skater,
                          "status": p.status,
                          "reason": f"{ev.event} {p.by}"
                                    + (f" place {p.place}" if p.place else "")
                                    + (f" ({p.nation})" if p.nation else "") + f": {p.reason}"})
    return slots
