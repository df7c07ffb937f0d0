"""The race rules that decide whether a fact may be recorded: small pure functions over a sheet.

Each raises a :class:`~ledger.domain.errors.LedgerError` naming what is wrong, or returns quietly. They
run before a fact is recorded, never on replay: today's rules must not re-judge yesterday's facts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from uuid import UUID

from ledger.domain.errors import (
    FactIdTakenError,
    InvalidInputError,
    RefusedFactError,
    ResultsOfficialError,
    UnknownFactError,
    UnknownSkaterError,
    naming_stored,
)
from ledger.domain.kinds import FactKind
from ledger.domain.race_state import Fact, RaceState
from ledger.domain.timing import (
    DISCIPLINES,
    MASS_START,
    MASS_START_PAIR,
    TEAM_DISTANCES,
    TEAM_SIZES,
    check_time_is_plausible,
    format_time,
)

#: Facts that close a skater's current attempt: no new time may follow without a correction.
CLOSING = {FactKind.FINISH: "a finish", FactKind.DNF: "a DNF", FactKind.DQ: "a DQ",
           FactKind.DNS: "a DNS", FactKind.WDR: "a withdrawal"}
#: Facts that close every attempt of the skater in the race, not only the current one.
CLOSING_ALL = frozenset({FactKind.DQ, FactKind.DNS, FactKind.WDR})
#: Facts a referee may void.
VOIDABLE = frozenset({FactKind.PASSING, FactKind.FINISH, FactKind.FALL, FactKind.DNF, FactKind.DNS,
                      FactKind.WDR, FactKind.DQ, FactKind.PLACE, FactKind.SPRINT})
#: Facts with a time a correction may change (a presented source's shown time aside).
TIMED = frozenset({FactKind.PASSING, FactKind.FINISH})


def refuse_after_official(sheet: RaceState, what: str) -> None:
    if sheet.official is not None:
        raise ResultsOfficialError(
            f"cannot {what}: the results of {sheet.key} are official; "
            "record a correction (correct or void) with a reason"
        )


def check_entered(sheet: RaceState, skater: UUID) -> None:
    if skater not in sheet.entries:
        raise UnknownSkaterError(f"the skater is not entered in {sheet.key}")


def check_pair_exists(sheet: RaceState, pair: int) -> None:
    if pair not in sheet.pairs:
        raise InvalidInputError(f"pair {pair} has not been drawn in {sheet.key}")


def pair_is_running(sheet: RaceState, pair: int) -> bool:
    return sheet.clock(pair).running if pair in sheet.clocks else False


def check_pair_draw(sheet: RaceState, pair: int, inner: UUID | None, outer: UUID | None) -> None:
    refuse_after_official(sheet, "draw a pair")
    if sheet.discipline == MASS_START:
        raise RefusedFactError(f"{sheet.key} is a mass start: everyone starts at once, no pairs "
                               "are drawn (record enter)")
    if pair < 1:
        raise InvalidInputError(f"pair number {pair} is not 1 or more")
    if inner is None and outer is None:
        raise InvalidInputError(f"pair {pair} has no skater")
    if inner == outer:
        raise InvalidInputError(f"pair {pair} has the same skater in both lanes")
    if pair in sheet.pairs:
        raise RefusedFactError(f"pair {pair} of {sheet.key} is already drawn")
    for skater in (inner, outer):
        drawn = sheet.pair_of(skater)
        if drawn is not None:
            raise RefusedFactError(f"the skater is already drawn in pair {drawn} of {sheet.key}")


#: Skaters a lane may hold at one start: two in a quartet start (Division B since 2023/24).
LANE_HOLDS = 2


def check_quartet_draw(sheet: RaceState, pair: int, inner: list[UUID], outer: list[UUID]) -> None:
    """A quartet start: up to two skaters a lane, all different, in an individual race (shared
    ice changes nothing in the ranking; a team race draws teams, two to a pair)."""
    together = check_quartet_lanes(sheet, pair, inner, outer)
    check_pair_draw(sheet, pair, inner[0] if inner else None, outer[0] if outer else None)
    for skater in together:
        drawn = sheet.pair_of(skater)
        if drawn is not None:
            raise RefusedFactError(f"the skater is already drawn in pair {drawn} of {sheet.key}")


def check_start(sheet: RaceState, pair: int, signal_at: datetime | None = None) -> None:
    refuse_after_official(sheet, "start a pair")
    if sheet.discipline == MASS_START:
        check_mass_start(sheet, pair)
    else:
        check_pair_exists(sheet, pair)
    if pair_is_running(sheet, pair):
        raise RefusedFactError(f"pair {pair} is already racing; clear the clock first")
    if signal_at is not None and not on_day(signal_at, sheet.day):
        raise RefusedFactError(
            f"the start signal at {signal_at.isoformat()} is not on the day of {sheet.key} "
            f"({sheet.day})"
        )


#: The earliest and latest clocks on Earth (UTC+14, UTC-12). A moment given with the venue's offset
#: (15:00+01:00) is on the date it reads; one given in UTC (a timing system's ``…Z``) does not say
#: the venue's zone, so it is on a day when it falls within that day somewhere on Earth (08:30 in
#: Obihiro is 23:30 UTC the evening before).
EARLIEST = timezone(timedelta(hours=14))
LATEST = timezone(timedelta(hours=-12))


def in_utc(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


def on_day(moment: datetime, day: date) -> bool:
    """Whether ``moment`` falls on the venue's ``day`` (see EARLIEST)."""
    if not in_utc(moment):
        return moment.date() == day
    utc = moment.astimezone(UTC)
    return (datetime.combine(day, time(), EARLIEST) <= utc
            < datetime.combine(day + timedelta(days=1), time(), LATEST))


def before_day(moment: datetime, day: date) -> bool:
    """Whether ``moment`` is before the venue's ``day`` (see EARLIEST)."""
    if not in_utc(moment):
        return moment.date() < day
    return moment.astimezone(UTC) < datetime.combine(day, time(), EARLIEST)


def check_race_day(competition: str, first_day: date, last_day: date, day: date) -> None:
    """A race is held on one of its competition's days."""
    if not first_day <= day <= last_day:
        days = str(first_day) if first_day == last_day else f"{first_day} to {last_day}"
        raise RefusedFactError(f"a race on {day} is outside the days of {competition} ({days})")


def race_distance(discipline: str, category: str, distance_m: int | None) -> int:
    """The distance of a race to schedule: an individual race's is given; a team race's follows
    from its discipline and category (TEAM_DISTANCES), and a distance given must be that one.
    Only a mixed relay is of category mixed (docs/decisions/0021-teams.md)."""
    if discipline not in DISCIPLINES:
        raise InvalidInputError(f"discipline {discipline!r} is not one of {', '.join(DISCIPLINES)}")
    if discipline == "individual":
        if distance_m is None:
            raise InvalidInputError("an individual race needs its --distance")
        if category == "mixed":
            raise InvalidInputError("category mixed is a mixed relay's (--discipline mixed-relay)")
        return distance_m
    if discipline == MASS_START:
        if category == "mixed":
            raise InvalidInputError("category mixed is a mixed relay's (--discipline mixed-relay)")
        return distance_m or 0  # its laps of the track (Ledger.schedule_mass_start)
    implied = TEAM_DISTANCES.get((discipline, category))
    if implied is None:
        kinds = sorted(c for d, c in TEAM_DISTANCES if d == discipline)
        raise InvalidInputError(f"a {discipline} race is of category {' or '.join(kinds)}, "
                                f"not {category}")
    if distance_m not in (None, implied):
        raise InvalidInputError(f"a {category} {discipline} race is {implied} m, not {distance_m} m")
    return implied


def skater_pair(sheet: RaceState, skater: UUID) -> int:
    check_entered(sheet, skater)
    pair = sheet.pair_of(skater)
    if pair is None:
        raise RefusedFactError(f"the skater has no pair in {sheet.key}; draw the pairs first")
    return pair


def check_false_start(sheet: RaceState, skater: UUID) -> int:
    refuse_after_official(sheet, "record a false start")
    pair = skater_pair(sheet, skater)
    check_has_started(sheet, skater, "record a false start")
    if not pair_is_running(sheet, pair):
        raise RefusedFactError(f"pair {pair} has not been started; record the start signal first")
    return pair


def false_start_disqualifies(sheet: RaceState, skater: UUID, pair: int, scope: str) -> bool:
    """ISU 255.4: the second false start disqualifies (per skater, or per pair: configurable)."""
    starts = sheet.clock(pair).false_starts
    count = len(starts) if scope == "pair" else starts.count(skater)
    return count >= 2


def is_retransmission(sheet: RaceState, fid: UUID, kind: FactKind | None = None, **content: Any) -> bool:
    """True when this exact fact is already recorded (a retransmission: nothing to append).

    One fact id, one content: the same id with another time (or place) is refused (a correction
    changes a time); the same id naming another kind of fact, skater, attempt, passing point or
    source is refused as another fact under a taken id. A voided fact keeps its id: the same
    content again is its retransmission, not a new fact."""
    fact = sheet.facts.get(fid)
    if fact is None:
        return False
    held: dict[str, Any] = {"kind": fact.kind, "skater": fact.skater, "attempt": fact.attempt,
            "metres": fact.metres, "source": fact.source,
            "at_ms": fact.corrections[0]["before"] if fact.corrections else fact.ms,
            "place": fact.detail.get("place"), "precision_ms": fact.detail.get("precision_ms", 1)}
    given = {**content, "kind": kind or fact.kind}
    differs = [name for name, value in given.items() if held[name] != value]
    if not differs:
        return True
    if set(differs) <= {"at_ms", "place"} and not fact.voided:
        name = differs[0]
        shown = _show(held[name]) if name == "at_ms" else held[name]
        raise naming_stored(RefusedFactError(
            f"{_describe(fact)} is already recorded as {shown}; record a correction to change it"),
            sheet.race_id, fact.seq)
    with_attempt = "attempt" in differs
    raise naming_stored(FactIdTakenError(
        f"this fact id is already recorded as {_as_fact(held, with_attempt)}"
        f"{' (voided)' if fact.voided else ''}, and this one is {_as_fact(given, with_attempt)}: "
        "one fact id holds one fact"), sheet.race_id, fact.seq,
        tuple(s for s in (held["skater"], given.get("skater")) if isinstance(s, UUID)))


def _as_fact(values: dict[str, Any], with_attempt: bool) -> str:
    """A fact told by its content (the ledger puts the skater's name for the id)."""
    kind, who = values.get("kind"), f"skater {values.get('skater')}"
    if with_attempt:
        who += f" (attempt {values.get('attempt')})"
    if kind == FactKind.PASSING:
        return (f"the passing at {values.get('metres')} m ({source_name(values.get('source'))}) of {who} in "
                f"{_show(values.get('at_ms'))}")
    if kind == FactKind.FINISH:
        return (f"the finish ({source_name(values.get('source'))}) of {who} in "
                f"{_show(values.get('at_ms'))}")
    if kind == FactKind.PLACE:
        return f"place {values.get('place')} of {who}"
    return f"a {kind} of {who}"


def _show(ms: int | None) -> str:
    return format_time(ms, thousandths=True) if ms is not None else "no time"


def source_name(source: str | None) -> str:
    """A timing source as a user reads it; one not given is unknown (never guessed)."""
    return source if source is not None else "an unknown source"


def _describe(fact: Fact) -> str:
    if fact.kind == FactKind.PASSING:
        return f"the passing at {fact.metres} m ({source_name(fact.source)})"
    return {FactKind.FINISH: "the finish", FactKind.PLACE: "the place"}.get(fact.kind, fact.kind)


def check_open(sheet: RaceState, skater: UUID, what: str) -> None:
    """Refuse a new fact after one that closed the skater's current attempt."""
    attempt = sheet.attempt_of(skater)
    for fact in sheet.live_facts(skater):
        closes = fact.kind in CLOSING and (fact.kind in CLOSING_ALL or fact.attempt == attempt)
        if closes:
            raise RefusedFactError(
                f"cannot {what}: the skater already has {CLOSING[fact.kind]} in {sheet.key}; "
                "a new time needs a correction"
            )


def check_clock(sheet: RaceState, skater: UUID) -> None:
    """In a race recorded live (some pair has a start signal), times need the pair's clock running;
    a race known only from a result list has no start signals, and needs none."""
    pair = sheet.pair_of(skater)
    if pair is None or not sheet.clocks:
        return
    if pair not in sheet.clocks:
        raise RefusedFactError(f"pair {pair} has not been started; record the start signal first")
    if not sheet.clocks[pair].running:
        raise RefusedFactError(
            f"the clock of pair {pair} is stopped (cleared, false start or re-skate); "
            "record a new start"
        )


def check_order(sheet: RaceState, skater: UUID, attempt: int, metres: int, at_ms: int,
                ignore: UUID | None = None) -> None:
    """Passing times increase with the metres skated."""
    for other in sheet.passings(skater, attempt):
        if other.fact_id == ignore or other.ms is None or other.metres is None:
            continue
        earlier = other.metres < metres and other.ms >= at_ms
        later = other.metres > metres and other.ms <= at_ms
        if earlier or later:
            raise RefusedFactError(
                f"{_show(at_ms)} at {metres} m does not follow {_show(other.ms)} at {other.metres} m: "
                "passing times must increase"
            )


def check_passing(sheet: RaceState, skater: UUID, metres: int, at_ms: int, source: str | None,
                  at_line: bool = False) -> None:
    """``at_line``: a timing device's detection at the finish line (a Vantage lap), kept as
    measured beside the finish; anyone else records the finish line as a finish."""
    refuse_after_official(sheet, "record a passing")
    check_entered(sheet, skater)
    if metres > sheet.distance_m:
        raise InvalidInputError(
            f"a passing at {metres} m is beyond the finish of the {sheet.distance_m} m"
        )
    if metres == sheet.distance_m and not at_line:
        raise InvalidInputError(
            f"a passing at {metres} m is at the finish of the {sheet.distance_m} m: "
            "record the finish instead"
        )
    if metres not in sheet.points:
        points = ", ".join(str(p) for p in sheet.points)
        raise InvalidInputError(
            f"{metres} m is not a passing point of the {sheet.distance_m} m ({points})"
        )
    check_open(sheet, skater, "record a passing")
    check_clock(sheet, skater)
    check_time_is_plausible(at_ms, metres)
    attempt = sheet.attempt_of(skater)
    for other in sheet.passings(skater, attempt):
        if other.metres == metres and other.source == source:
            raise RefusedFactError(
                f"a passing at {metres} m from {source_name(source)} is already recorded; "
                "correct it instead"
            )
    check_order(sheet, skater, attempt, metres, at_ms)


def last_passing_before_line(sheet: RaceState, skater: UUID, attempt: int) -> Fact | None:
    before = [p for p in sheet.passings(skater, attempt) if (p.metres or 0) < sheet.distance_m]
    return before[-1] if before else None


def check_finish_time(sheet: RaceState, skater: UUID, attempt: int, at_ms: int) -> None:
    check_time_is_plausible(at_ms, sheet.distance_m)
    last = last_passing_before_line(sheet, skater, attempt)
    if last is not None and last.ms is not None and at_ms <= last.ms:
        raise RefusedFactError(
            f"finish {_show(at_ms)} is not after the last passing ({_show(last.ms)} at {last.metres} m)"
        )


def check_finish(sheet: RaceState, skater: UUID, at_ms: int) -> None:
    refuse_after_official(sheet, "record a finish")
    check_entered(sheet, skater)
    check_team_result(sheet, skater)
    check_open(sheet, skater, "record a finish")
    check_clock(sheet, skater)
    check_finish_time(sheet, skater, sheet.attempt_of(skater), at_ms)


def check_precision(at_ms: int, precision_ms: int) -> None:
    if precision_ms not in (1, 10, 100, 1000):
        raise InvalidInputError(f"precision {precision_ms} ms is not 1, 10, 100 or 1000")
    if at_ms % precision_ms:
        raise InvalidInputError(f"{_show(at_ms)} has more digits than its precision ({precision_ms} ms)")


def check_uncertainty(precision_ms: int, uncertain_ms: int) -> None:
    """A time known to the thousandth but for the winner's unknown digit (decision 0013) may lie
    0..9 ms above its lowest consistent value; a coarser precision already says how little is known."""
    if not 0 <= uncertain_ms <= 9 or (uncertain_ms and precision_ms != 1):
        raise InvalidInputError(f"an uncertainty of {uncertain_ms} ms is not 0-9 ms above a time "
                                "known to the thousandth")


def check_marks(sheet: RaceState, skater: UUID, marks: list[str]) -> None:
    """Marks beside an entrant's result, or beside a team member's (a list prints each member's)."""
    if not any(skater in members for members in sheet.team_members.values()):
        check_entered(sheet, skater)
    if not marks or any(not m.strip() or len(m) > 12 for m in marks):
        raise InvalidInputError(f"record marks {marks!r} are not marks like WR, NR, PB")


def check_points(sheet: RaceState, skater: UUID, points: int | None,
                 sprint_points: tuple[tuple[int, int], ...] | None, laps: int | None) -> None:
    """Published points name an entrant of a mass start, and sprints and laps within its laps."""
    if sheet.discipline != MASS_START:
        raise InvalidInputError(f"points are a mass start's; {sheet.key} is a {sheet.discipline} race")
    check_entered(sheet, skater)
    race_laps = sheet.distance_m // sheet.track_m
    numbers = [n for n in (points, laps, *(v for pair in sprint_points or () for v in pair))
               if n is not None]
    if any(n < 0 for n in numbers):
        raise InvalidInputError("points and laps are 0 or more")
    if laps is not None and laps > race_laps:
        raise InvalidInputError(f"laps {laps} is more than the race's {race_laps}")
    laps_named = [lap for lap, _ in sprint_points or ()]
    if any(not 1 <= lap <= race_laps for lap in laps_named) or len(set(laps_named)) != len(laps_named):
        raise InvalidInputError(f"sprint points name laps {laps_named}: each once, 1 to {race_laps}")


def check_bests(sheet: RaceState, skater: UUID, pb_ms: int | None, sb_ms: int | None) -> None:
    """A baseline names an entrant and at least one best; a season best is never faster than the
    personal best."""
    check_entered(sheet, skater)
    if pb_ms is None and sb_ms is None:
        raise InvalidInputError("bests known before the race need a personal or a season best")
    if any(ms is not None and ms <= 0 for ms in (pb_ms, sb_ms)):
        raise InvalidInputError("a personal or season best must be a time above zero")
    if pb_ms is not None and sb_ms is not None and sb_ms < pb_ms:
        raise InvalidInputError(f"season best {_show(sb_ms)} is faster than personal best "
                                f"{_show(pb_ms)}")


def check_place(sheet: RaceState, skater: UUID, place: int) -> None:
    refuse_after_official(sheet, "report a place")
    check_entered(sheet, skater)
    if place < 1:
        raise InvalidInputError(f"place {place} is not 1 or more")


def check_fall(sheet: RaceState, skater: UUID, metres: int | None) -> None:
    refuse_after_official(sheet, "record a fall")
    check_entered(sheet, skater)
    if metres is not None and not 0 <= metres <= sheet.distance_m:
        raise InvalidInputError(f"a fall at {metres} m is not on the {sheet.distance_m} m")
    check_open(sheet, skater, "record a fall")


def check_dnf(sheet: RaceState, skater: UUID, metres_reached: int | None = None) -> None:
    refuse_after_official(sheet, "record a DNF")
    check_entered(sheet, skater)
    if metres_reached is not None and not 0 <= metres_reached < sheet.distance_m:
        raise InvalidInputError(
            f"a DNF that reached {metres_reached} m is not on the {sheet.distance_m} m "
            f"(0 to {sheet.distance_m - 1} m; a skater who reached the line finished)"
        )
    check_open(sheet, skater, "record a DNF")


def did_not_start(sheet: RaceState, skater: UUID) -> Fact | None:
    """The skater's live DNS or withdrawal, if any."""
    return next(sheet.live_facts(skater, frozenset({FactKind.DNS, FactKind.WDR})), None)


def check_has_started(sheet: RaceState, skater: UUID, what: str) -> None:
    """Refuse a fact that needs the skater on the ice for a skater who did not start."""
    absent = did_not_start(sheet, skater)
    if absent is not None:
        shown = "DNS" if absent.kind == FactKind.DNS else "withdrawn (WDR)"
        raise RefusedFactError(
            f"cannot {what}: the skater did not start in {sheet.key} ({shown}); "
            "void that first if it is wrong"
        )


def metres_reached(sheet: RaceState, skater: UUID) -> int | None:
    passings = sheet.passings(skater, sheet.attempt_of(skater))
    return passings[-1].metres if passings else None


def check_not_started(sheet: RaceState, skater: UUID, what: str) -> None:
    refuse_after_official(sheet, f"record {what}")
    check_entered(sheet, skater)
    check_open(sheet, skater, f"record {what}")
    raced = sheet.live_facts(skater, frozenset({FactKind.PASSING, FactKind.FINISH, FactKind.FALL,
                                                 FactKind.PLACE}))
    if next(raced, None) is not None:
        raise RefusedFactError(f"cannot record {what}: the skater has already raced in {sheet.key}")


def require_reason(reason: str | None, author: str | None, what: str) -> None:
    if not (reason and reason.strip()):
        raise InvalidInputError(f"{what} needs a reason")
    if not (author and author.strip()):
        raise InvalidInputError(f"{what} needs an author (who decided it)")


def check_disqualification(sheet: RaceState, skater: UUID, rule: str,
                           author: str | None = None) -> None:
    check_entered(sheet, skater)
    if not (author and author.strip()):
        refuse_after_official(sheet, "disqualify without an author")
    if not rule.strip():
        raise InvalidInputError("a disqualification needs the rule broken")
    if sheet.first(skater, FactKind.DQ) is not None:
        raise RefusedFactError(f"the skater is already disqualified in {sheet.key}")
    check_has_started(sheet, skater, "disqualify")


def check_reskate(sheet: RaceState, skater: UUID, replaces: int, reason: str, author: str,
                  pair: int | None = None) -> None:
    refuse_after_official(sheet, "grant a re-skate")
    check_entered(sheet, skater)
    require_reason(reason, author, "a re-skate")
    if replaces != sheet.attempt_of(skater):
        raise RefusedFactError(f"the skater's current race is number {sheet.attempt_of(skater)}")
    if sheet.first(skater, FactKind.DQ) is not None:
        raise RefusedFactError("a disqualified skater gets no re-skate; void the DQ first")
    check_has_started(sheet, skater, "grant a re-skate")
    moving = pair is not None and pair != sheet.pair_of(skater) and pair in sheet.pairs
    if moving and None not in sheet.pairs[pair or 0]:
        raise RefusedFactError(f"pair {pair} has no free lane for the re-skate")


def target_fact(sheet: RaceState, target: UUID) -> Fact:
    fact = sheet.facts.get(target)
    if fact is None:
        raise UnknownFactError(f"{sheet.key} holds no fact {target}")
    if fact.voided:
        raise RefusedFactError(f"fact {target} is already void")
    return fact


def check_time_correction(sheet: RaceState, target: UUID, at_ms: int, reason: str,
                          author: str) -> None:
    fact = target_fact(sheet, target)
    require_reason(reason, author, "a correction")
    if fact.kind == FactKind.PRESENTED and fact.metres is not None:
        check_time_is_plausible(at_ms, fact.metres)  # the time shown; the device times stay as measured
        return
    if fact.kind not in TIMED or fact.skater is None or fact.metres is None:
        raise RefusedFactError(f"fact {target} is a {fact.kind}, which has no time to correct")
    check_time_is_plausible(at_ms, fact.metres)
    if fact.kind == FactKind.FINISH:
        check_finish_time(sheet, fact.skater, fact.attempt, at_ms)
    else:
        check_order(sheet, fact.skater, fact.attempt, fact.metres, at_ms, ignore=fact.fact_id)
        check_before_finish(sheet, fact.skater, fact.attempt, fact.metres, at_ms)


def check_before_finish(sheet: RaceState, skater: UUID, attempt: int, metres: int,
                        at_ms: int) -> None:
    """A passing before the line comes before the finish (the finish is after the last passing)."""
    finish = sheet.finish(skater, attempt)
    finish_ms = finish.ms if finish is not None else None
    if metres < sheet.distance_m and finish_ms is not None and at_ms >= finish_ms:
        raise RefusedFactError(
            f"{_show(at_ms)} at {metres} m is not before the finish ({_show(finish_ms)})"
        )


def check_void(sheet: RaceState, target: UUID, reason: str, author: str) -> None:
    fact = target_fact(sheet, target)
    require_reason(reason, author, "a void")
    if fact.kind not in VOIDABLE:
        raise RefusedFactError(f"a {fact.kind} cannot be voided (only {', '.join(sorted(VOIDABLE))})")


def check_presentation(sheet: RaceState, skater: UUID, metres: int, passing: UUID) -> Fact:
    """The timing system presents one of the skater's live passings at that point; returns it."""
    refuse_after_official(sheet, "present a timing source")
    check_entered(sheet, skater)
    fact = target_fact(sheet, passing)
    if fact.kind != FactKind.PASSING or fact.skater != skater or fact.metres != metres:
        raise RefusedFactError(f"fact {passing} is not this skater's passing at {metres} m")
    if fact.attempt != sheet.attempt_of(skater):
        raise RefusedFactError(f"the passing at {metres} m belongs to an earlier race of the skater")
    return fact


def check_team_members(sheet: RaceState, team: UUID, members: list[UUID]) -> None:
    """A team entered in the race, named with distinct members who are not the team itself."""
    refuse_after_official(sheet, "name a team's members")
    if sheet.discipline == "individual":
        raise RefusedFactError(f"{sheet.key} is an individual race: a team is named in a team "
                               "race (record race --discipline …)")
    check_entered(sheet, team)
    if not members or len(set(members)) != len(members) or team in members:
        raise InvalidInputError("a team needs distinct members, other than the team itself")
    size = TEAM_SIZES.get(sheet.discipline)
    if size is not None and len(members) != size:
        raise InvalidInputError(f"a {sheet.discipline.replace('-', ' ')} team is {size} skaters "
                                f"({SKATED[sheet.discipline]}), not {len(members)}")
    if any(m in sheet.entries for m in members):
        raise RefusedFactError(f"a member of the team is entered in {sheet.key} as a competitor "
                               "of their own")
    named = sheet.team_members.get(team)
    if named is not None and named != list(members):
        raise RefusedFactError(f"the team's members are already named in {sheet.key}")


#: How a team of each discipline skates (docs/decisions/0021-teams.md), for the refusals.
SKATED = {"team-sprint": "three laps, one lap each, timed when the third crosses",
          "mixed-relay": "a woman and a man, six laps, timed when the last crosses"}


def check_team_result(sheet: RaceState, competitor: UUID) -> None:
    """In a team sprint or mixed relay the competitor is a team: its members named first."""
    if sheet.discipline in TEAM_SIZES and competitor not in sheet.team_members:
        raise RefusedFactError(f"{sheet.key} is a {sheet.discipline} race: name the team's members "
                               "first (record team)")


def check_official(sheet: RaceState, author: str, announced_at: datetime | None = None,
                   forced: str | None = None) -> None:
    """Results are declared official on or after the race's day, once every drawn pair has
    skated; ``forced`` (the referee's reason) overrides the second, never the first."""
    if not author.strip():
        raise InvalidInputError("declaring results official needs the referee's name")
    if announced_at is not None and before_day(announced_at, sheet.day):
        raise RefusedFactError(
            f"the results of {sheet.key} cannot be official at {announced_at.isoformat()}, "
            f"before the race's day ({sheet.day})"
        )
    if forced is not None and not forced.strip():
        raise InvalidInputError("declaring results official by force needs a reason")
    racing = still_racing(sheet) if sheet.discipline == MASS_START else 0
    if racing and forced is None:
        raise RefusedFactError(
            f"{racing} skater{'s' if racing > 1 else ''} of the mass start {sheet.key} "
            f"{'have' if racing > 1 else 'has'} no outcome yet (a finish, DNF, DQ, DNS or WDR); "
            "declare the results official anyway only with --force and a --reason")
    waiting = pairs_not_skated(sheet)
    if waiting and forced is None:
        listed = ", ".join(str(p) for p in waiting)
        raise RefusedFactError(
            f"pair{'s' if len(waiting) > 1 else ''} {listed} of {sheet.key} "
            f"{'have' if len(waiting) > 1 else 'has'} not skated; "
            "declare the results official anyway only with --force and a --reason"
        )


def has_outcome(sheet: RaceState, skater: UUID) -> bool:
    """Whether the skater's current race has an outcome: a time, a place, DNF, DQ, DNS or WDR."""
    attempt = sheet.attempt_of(skater)
    return any(f.kind in CLOSING_ALL or f.attempt == attempt
               for f in sheet.live_facts(skater, OUTCOMES))


OUTCOMES = frozenset({FactKind.FINISH, FactKind.PLACE, FactKind.DNF, FactKind.DQ, FactKind.DNS,
                      FactKind.WDR})


def still_racing(sheet: RaceState) -> int:
    """How many starters of a mass start have no outcome yet."""
    return sum(1 for skater in sheet.entries if not has_outcome(sheet, skater))


def pairs_not_skated(sheet: RaceState) -> list[int]:
    """The drawn pairs with a skater whose current race has no outcome yet."""
    return sorted(pair for pair in sheet.pairs
                  if any(sheet.pair_of(s) == pair and not has_outcome(sheet, s)
                         for s in sheet.skaters_in(pair)))


def check_quartet_lanes(sheet: RaceState, pair: int, inner: list[UUID],
                        outer: list[UUID]) -> list[UUID]:
    """At most two skaters a lane, all different, in an individual race: every skater drawn."""
    for lane, skaters in (("inner", inner), ("outer", outer)):
        if len(skaters) > LANE_HOLDS:
            raise InvalidInputError(f"pair {pair} has {len(skaters)} skaters in the {lane} lane; a "
                                    f"lane holds at most {LANE_HOLDS} (a quartet start)")
    together = [*inner, *outer]
    if len(set(together)) != len(together):
        raise InvalidInputError(f"pair {pair} names the same skater twice")
    if sheet.discipline != "individual":
        raise InvalidInputError(f"a quartet start is of skaters; {sheet.key} is a "
                                f"{sheet.discipline} race, two teams a pair")
    return together


# -- draw corrections and the lane of a re-skate (docs/decisions/0016) ----------------------------
#: A skater's facts that show they raced in their pair: such a skater cannot be drawn out of it.
RACED = frozenset({FactKind.PASSING, FactKind.FINISH, FactKind.PRESENTED, FactKind.FALL,
                   FactKind.DNF, FactKind.PLACE, FactKind.FALSE_START, FactKind.DQ})
#: Facts that close a skater's race before it is skated: such a skater takes no lane.
NOT_RACING = {FactKind.WDR: "withdrawn", FactKind.DNS: "did not start", FactKind.DQ: "disqualified"}


def current_draw(sheet: RaceState, pair: int) -> Fact:
    """The fact that drew the pair as it stands: its draw, or the latest correction of it."""
    check_pair_exists(sheet, pair)
    drawn = [f for f in sheet.facts.values()
             if f.kind in (FactKind.PAIR, FactKind.REDRAW) and f.pair == pair and f.live]
    if not drawn:
        raise RefusedFactError(f"pair {pair} of {sheet.key} has no recorded draw to correct")
    return max(drawn, key=lambda f: f.seq)


def is_redraw_retransmission(sheet: RaceState, current: Fact, inner: UUID | None,
                             outer: UUID | None) -> bool:
    """The pair's latest correction already drew exactly these skaters in these lanes."""
    return current.kind == FactKind.REDRAW and current.detail.get("after") == (inner, outer)


def check_draw_correction(sheet: RaceState, pair: int, inner: UUID | None, outer: UUID | None,
                          reason: str, author: str) -> None:
    """A referee corrects a pair's draw. Allowed before the pair skates, and after it (even after
    the results are official: it is a correction with a reason and an author, like a corrected
    time) as long as nobody who raced leaves the pair: swapping the lanes of the skaters who
    raced is a record's fix; naming another skater for times already recorded is not (void the
    facts and record them for the right skater). A skater joins only a pair not racing now,
    and only one who is not drawn elsewhere, nor withdrawn, not started or disqualified."""
    require_reason(reason, author, "a draw correction")
    if pair in sheet.quartets:
        raise RefusedFactError(f"pair {pair} of {sheet.key} is a quartet start; its correction "
                               "names the skaters of each lane (Race.correct_lanes)")
    if inner is None and outer is None:
        raise InvalidInputError(f"pair {pair} has no skater")
    if inner == outer:
        raise InvalidInputError(f"pair {pair} has the same skater in both lanes")
    held = sheet.pairs[pair]
    lanes_known = all(sheet.entries[s].lane is not None for s in held if s in sheet.entries)
    if held == (inner, outer) and lanes_known:
        raise RefusedFactError(f"pair {pair} of {sheet.key} is drawn so already; nothing to correct")
    check_redrawn_skaters(sheet, pair, [s for s in held if s is not None],
                          [s for s in (inner, outer) if s is not None])


def is_quartet_redraw_retransmission(current: Fact, inner: list[UUID], outer: list[UUID]) -> bool:
    """The pair's latest correction already drew exactly these skaters in these lanes."""
    return (current.kind == FactKind.REDRAW
            and current.detail.get("lanes_after") == (tuple(inner), tuple(outer)))


def check_quartet_correction(sheet: RaceState, pair: int, inner: list[UUID], outer: list[UUID],
                             reason: str, author: str) -> None:
    """A referee corrects a quartet start's draw (or draws a pair into one): as
    :func:`check_draw_correction`, for up to two skaters a lane (docs/decisions/0025)."""
    require_reason(reason, author, "a draw correction")
    if not inner and not outer:
        raise InvalidInputError(f"pair {pair} has no skater")
    together = check_quartet_lanes(sheet, pair, inner, outer)
    held = sheet.skaters_in(pair)
    lanes_known = all(sheet.entries[s].lane is not None for s in held if s in sheet.entries)
    if sheet.lanes_of(pair) == (tuple(inner), tuple(outer)) and lanes_known:
        raise RefusedFactError(f"pair {pair} of {sheet.key} is drawn so already; nothing to correct")
    check_redrawn_skaters(sheet, pair, list(held), together)


def check_redrawn_skaters(sheet: RaceState, pair: int, held: list[UUID],
                          after: list[UUID]) -> None:
    """Nobody who raced in the pair leaves it; a skater joins only when entered, drawn in no
    other pair, still racing, and the pair is not racing now."""
    for skater in held:
        if skater in after:
            continue
        raced = next((f for f in sheet.live_facts(skater, RACED) if f.pair == pair), None)
        if raced is not None:
            raise RefusedFactError(
                f"a skater who raced in pair {pair} ({raced.kind} recorded) cannot be drawn out "
                "of it; a draw correction may swap their lanes, or void their facts first")
    for skater in after:
        if skater in held:
            continue
        check_entered(sheet, skater)
        drawn = sheet.pair_of(skater)
        if drawn is not None:
            raise RefusedFactError(f"the skater is drawn in pair {drawn} of {sheet.key}; "
                                   "correct that pair's draw first")
        closed = next(sheet.live_facts(skater, frozenset(NOT_RACING)), None)
        if closed is not None:
            raise RefusedFactError(f"the skater is {NOT_RACING[closed.kind]} in {sheet.key} "
                                   "and takes no lane")
        if pair_is_running(sheet, pair):
            raise RefusedFactError(f"pair {pair} is racing; no skater can join it now")


def check_reskate_lane(sheet: RaceState, skater: UUID, pair: int | None,
                       lane: str | None) -> None:
    """The lane the referee gives a re-skate: free in the re-skate's pair; in the skater's own
    pair the lane stays as drawn (a draw correction changes it)."""
    if lane is None:
        return
    current = sheet.pair_of(skater)
    if pair is None or pair == current:
        drawn = sheet.entries[skater].lane
        if drawn is not None and drawn != lane:
            raise InvalidInputError(
                f"--lane {lane}: the re-skate in the skater's own pair {current} keeps the lane "
                f"drawn ({drawn}); give --pair N for another pair, or correct the draw")
        return
    inner, outer = sheet.pairs.get(pair, (None, None))
    taken = inner if lane == "inner" else outer
    if taken is not None and taken != skater:
        raise RefusedFactError(f"the {lane} lane of pair {pair} is taken by another skater")


# -- the mass start (docs/decisions/0020-mass-start.md) -----------------------------------------
def check_mass_start(sheet: RaceState, pair: int) -> None:
    """A mass start has one start, of every starter entered, and no pairs."""
    if pair != MASS_START_PAIR:
        raise InvalidInputError(f"{sheet.key} is a mass start: it has one start and no pair {pair}")
    if not sheet.entries:
        raise RefusedFactError(f"nobody is entered in {sheet.key}; enter the starters first")


def mass_start_laps(sheet: RaceState) -> int:
    return sheet.distance_m // sheet.track_m


def check_sprint(sheet: RaceState, lap: int, order: list[UUID]) -> None:
    """An intermediate sprint of a mass start: a lap before the last (the finish is the final
    sprint, recorded as finishes), crossed by distinct entered skaters who started (a DNF or DQ
    decided later does not undo the crossing: what it does to the points is the read side's rule)."""
    refuse_after_official(sheet, "record a sprint")
    if sheet.discipline != MASS_START:
        raise RefusedFactError(f"{sheet.key} is not a mass start: it has no sprints")
    laps = mass_start_laps(sheet)
    if not 1 <= lap < laps:
        raise InvalidInputError(f"lap {lap} is not an intermediate sprint of the {laps} laps "
                                f"(1 to {laps - 1}; the finish is the final sprint: record finishes)")
    if not order:
        raise InvalidInputError("a sprint needs the skaters who crossed, first first")
    if len(set(order)) != len(order):
        raise InvalidInputError("a skater crosses a sprint once: the order names someone twice")
    for skater in order:
        check_entered(sheet, skater)
        check_has_started(sheet, skater, "record a sprint")
    held = [f for f in sheet.facts.values()
            if f.kind == FactKind.SPRINT and f.live and f.detail.get("lap") == lap]
    if held:
        raise RefusedFactError(f"the sprint of lap {lap} of {sheet.key} is already recorded with "
                               "another order; void it first")


# -- the race's officials and conditions (docs/decisions/0030-the-result-sheet.md) ----------------
#: When conditions are measured: at the start of the race's first pair, or after its last.
CONDITION_MOMENTS = ("start", "end")
#: Plausibility bounds, not a regulation: ice is frozen (at most 0.0 °C) and no colder than an
#: outdoor rink in deep frost; air as any rink, indoor or out; humidity a percentage.
ICE_TEMP_DC = (-300, 0)
AIR_TEMP_DC = (-400, 450)
HUMIDITY_PCT = (0, 100)


def check_officials(referee: str | None, starter: str | None) -> None:
    """The referee and the starter of a race: at least one named, no blank name."""
    if referee is None and starter is None:
        raise InvalidInputError("name the --referee, the --starter or both")
    for role, name in (("referee", referee), ("starter", starter)):
        if name is not None and not name.strip():
            raise InvalidInputError(f"the {role}'s name is blank")


def check_conditions(at: str, ice_temp_dc: int | None, air_temp_dc: int | None,
                     humidity_pct: int | None) -> None:
    """Conditions at the start or the end of a race: at least one value, each plausible."""
    if at not in CONDITION_MOMENTS:
        raise InvalidInputError(f"--at {at!r}: conditions are measured at the start or the end")
    given = (("--ice-temp", ice_temp_dc, ICE_TEMP_DC, 10, " °C"),
             ("--air-temp", air_temp_dc, AIR_TEMP_DC, 10, " °C"),
             ("--humidity", humidity_pct, HUMIDITY_PCT, 1, " %"))
    if all(value is None for _, value, _, _, _ in given):
        raise InvalidInputError("give --ice-temp, --air-temp or --humidity (or more)")
    for option, value, (low, high), scale, unit in given:
        if value is not None and not low <= value <= high:
            raise InvalidInputError(f"{option} {value / scale:g}{unit} is not between "
                                    f"{low / scale:g} and {high / scale:g}{unit}")
