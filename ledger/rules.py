"""The race rules that decide whether a fact may be recorded: small pure functions over a sheet.

Each raises a :class:`~ledger.errors.LedgerError` naming what is wrong, or returns quietly. They
run before a fact is recorded, never on replay: today's rules must not re-judge yesterday's facts.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.errors import (
    FactIdTakenError,
    InvalidInputError,
    RefusedFactError,
    ResultsOfficialError,
    UnknownFactError,
    UnknownSkaterError,
    naming_stored,
)
from ledger.sheet import Fact, RaceSheet
from ledger.timing import check_time_is_plausible, format_time

#: Facts that close a skater's current attempt: no new time may follow without a correction.
CLOSING = {"finish": "a finish", "dnf": "a DNF", "dq": "a DQ", "dns": "a DNS", "wdr": "a withdrawal"}
#: Facts a referee may void.
VOIDABLE = frozenset({"passing", "finish", "fall", "dnf", "dns", "wdr", "dq", "place"})


def refuse_after_official(sheet: RaceSheet, what: str) -> None:
    if sheet.official is not None:
        raise ResultsOfficialError(
            f"cannot {what}: the results of {sheet.key} are official; "
            "record a correction (correct or void) with a reason"
        )


def check_entered(sheet: RaceSheet, skater: UUID) -> None:
    if skater not in sheet.entries:
        raise UnknownSkaterError(f"the skater is not entered in {sheet.key}")


def check_pair_exists(sheet: RaceSheet, pair: int) -> None:
    if pair not in sheet.pairs:
        raise InvalidInputError(f"pair {pair} has not been drawn in {sheet.key}")


def pair_is_running(sheet: RaceSheet, pair: int) -> bool:
    return sheet.clock(pair).running if pair in sheet.clocks else False


def check_pair_draw(sheet: RaceSheet, pair: int, inner: UUID | None, outer: UUID | None) -> None:
    refuse_after_official(sheet, "draw a pair")
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


def check_start(sheet: RaceSheet, pair: int) -> None:
    refuse_after_official(sheet, "start a pair")
    check_pair_exists(sheet, pair)
    if pair_is_running(sheet, pair):
        raise RefusedFactError(f"pair {pair} is already racing; clear the clock first")


def skater_pair(sheet: RaceSheet, skater: UUID) -> int:
    check_entered(sheet, skater)
    pair = sheet.pair_of(skater)
    if pair is None:
        raise RefusedFactError(f"the skater has no pair in {sheet.key}; draw the pairs first")
    return pair


def check_false_start(sheet: RaceSheet, skater: UUID) -> int:
    refuse_after_official(sheet, "record a false start")
    pair = skater_pair(sheet, skater)
    if not pair_is_running(sheet, pair):
        raise RefusedFactError(f"pair {pair} has not been started; record the start signal first")
    return pair


def false_start_disqualifies(sheet: RaceSheet, skater: UUID, pair: int, scope: str) -> bool:
    """ISU 255.4: the second false start disqualifies (per skater, or per pair: configurable)."""
    starts = sheet.clock(pair).false_starts
    count = len(starts) if scope == "pair" else starts.count(skater)
    return count >= 2


def is_retransmission(sheet: RaceSheet, fid: UUID, kind: str | None = None, **content: Any) -> bool:
    """True when this exact fact is already recorded (a retransmission: nothing to append).

    One fact id, one content: the same id with another time (or place) is refused (a correction
    changes a time); the same id naming another kind of fact, skater, attempt, passing point or
    source is refused as another fact under a taken id. A voided fact keeps its id: the same
    content again is its retransmission, not a new fact."""
    fact = sheet.facts.get(fid)
    if fact is None:
        return False
    held = {"kind": fact.kind, "skater": fact.skater, "attempt": fact.attempt,
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
    if kind == "passing":
        return (f"the passing at {values.get('metres')} m ({values.get('source')}) of {who} in "
                f"{_show(values.get('at_ms'))}")
    if kind == "finish":
        return f"the finish ({values.get('source')}) of {who} in {_show(values.get('at_ms'))}"
    if kind == "place":
        return f"place {values.get('place')} of {who}"
    return f"a {kind} of {who}"


def _show(ms: int | None) -> str:
    return format_time(ms, thousandths=True) if ms is not None else "no time"


def _describe(fact: Fact) -> str:
    if fact.kind == "passing":
        return f"the passing at {fact.metres} m ({fact.source})"
    return {"finish": "the finish", "place": "the place"}.get(fact.kind, fact.kind)


def check_open(sheet: RaceSheet, skater: UUID, what: str) -> None:
    """Refuse a new fact after one that closed the skater's current attempt."""
    attempt = sheet.attempt_of(skater)
    for fact in sheet.live_facts(skater):
        closes = fact.kind in CLOSING and (fact.kind in {"dq", "dns", "wdr"} or fact.attempt == attempt)
        if closes:
            raise RefusedFactError(
                f"cannot {what}: the skater already has {CLOSING[fact.kind]} in {sheet.key}; "
                "a new time needs a correction"
            )


def check_clock(sheet: RaceSheet, skater: UUID) -> None:
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


def check_order(sheet: RaceSheet, skater: UUID, attempt: int, metres: int, at_ms: int,
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


def check_passing(sheet: RaceSheet, skater: UUID, metres: int, at_ms: int, source: str) -> None:
    refuse_after_official(sheet, "record a passing")
    check_entered(sheet, skater)
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
                f"a passing at {metres} m from {source} is already recorded; correct it instead"
            )
    check_order(sheet, skater, attempt, metres, at_ms)


def last_passing_before_line(sheet: RaceSheet, skater: UUID, attempt: int) -> Fact | None:
    before = [p for p in sheet.passings(skater, attempt) if (p.metres or 0) < sheet.distance_m]
    return before[-1] if before else None


def check_finish_time(sheet: RaceSheet, skater: UUID, attempt: int, at_ms: int) -> None:
    check_time_is_plausible(at_ms, sheet.distance_m)
    last = last_passing_before_line(sheet, skater, attempt)
    if last is not None and last.ms is not None and at_ms <= last.ms:
        raise RefusedFactError(
            f"finish {_show(at_ms)} is not after the last passing ({_show(last.ms)} at {last.metres} m)"
        )


def check_finish(sheet: RaceSheet, skater: UUID, at_ms: int) -> None:
    refuse_after_official(sheet, "record a finish")
    check_entered(sheet, skater)
    check_open(sheet, skater, "record a finish")
    check_clock(sheet, skater)
    check_finish_time(sheet, skater, sheet.attempt_of(skater), at_ms)


def check_precision(at_ms: int, precision_ms: int) -> None:
    if precision_ms not in (1, 10, 100, 1000):
        raise InvalidInputError(f"precision {precision_ms} ms is not 1, 10, 100 or 1000")
    if at_ms % precision_ms:
        raise InvalidInputError(f"{_show(at_ms)} has more digits than its precision ({precision_ms} ms)")


def check_marks(sheet: RaceSheet, skater: UUID, marks: list[str]) -> None:
    check_entered(sheet, skater)
    if not marks or any(not m.strip() or len(m) > 12 for m in marks):
        raise InvalidInputError(f"record marks {marks!r} are not marks like WR, NR, PB")


def check_place(sheet: RaceSheet, skater: UUID, place: int) -> None:
    refuse_after_official(sheet, "report a place")
    check_entered(sheet, skater)
    if place < 1:
        raise InvalidInputError(f"place {place} is not 1 or more")


def check_fall(sheet: RaceSheet, skater: UUID, metres: int | None) -> None:
    refuse_after_official(sheet, "record a fall")
    check_entered(sheet, skater)
    if metres is not None and not 0 <= metres <= sheet.distance_m:
        raise InvalidInputError(f"a fall at {metres} m is not on the {sheet.distance_m} m")
    check_open(sheet, skater, "record a fall")


def check_dnf(sheet: RaceSheet, skater: UUID) -> None:
    refuse_after_official(sheet, "record a DNF")
    check_entered(sheet, skater)
    check_open(sheet, skater, "record a DNF")


def metres_reached(sheet: RaceSheet, skater: UUID) -> int | None:
    passings = sheet.passings(skater, sheet.attempt_of(skater))
    return passings[-1].metres if passings else None


def check_not_started(sheet: RaceSheet, skater: UUID, what: str) -> None:
    refuse_after_official(sheet, f"record {what}")
    check_entered(sheet, skater)
    check_open(sheet, skater, f"record {what}")
    raced = sheet.live_facts(skater, frozenset({"passing", "finish", "fall", "place"}))
    if next(raced, None) is not None:
        raise RefusedFactError(f"cannot record {what}: the skater has already raced in {sheet.key}")


def require_reason(reason: str | None, author: str | None, what: str) -> None:
    if not (reason and reason.strip()):
        raise InvalidInputError(f"{what} needs a reason")
    if not (author and author.strip()):
        raise InvalidInputError(f"{what} needs an author (who decided it)")


def check_disqualification(sheet: RaceSheet, skater: UUID, rule: str,
                           author: str | None = None) -> None:
    check_entered(sheet, skater)
    if not (author and author.strip()):
        refuse_after_official(sheet, "disqualify without an author")
    if not rule.strip():
        raise InvalidInputError("a disqualification needs the rule broken")
    if sheet.first(skater, "dq") is not None:
        raise RefusedFactError(f"the skater is already disqualified in {sheet.key}")


def check_reskate(sheet: RaceSheet, skater: UUID, replaces: int, reason: str, author: str,
                  pair: int | None = None) -> None:
    refuse_after_official(sheet, "grant a re-skate")
    check_entered(sheet, skater)
    require_reason(reason, author, "a re-skate")
    if replaces != sheet.attempt_of(skater):
        raise RefusedFactError(f"the skater's current race is number {sheet.attempt_of(skater)}")
    if sheet.first(skater, "dq") is not None:
        raise RefusedFactError("a disqualified skater gets no re-skate; void the DQ first")
    moving = pair is not None and pair != sheet.pair_of(skater) and pair in sheet.pairs
    if moving and None not in sheet.pairs[pair or 0]:
        raise RefusedFactError(f"pair {pair} has no free lane for the re-skate")


def target_fact(sheet: RaceSheet, target: UUID) -> Fact:
    fact = sheet.facts.get(target)
    if fact is None:
        raise UnknownFactError(f"{sheet.key} holds no fact {target}")
    if fact.voided:
        raise RefusedFactError(f"fact {target} is already void")
    return fact


def check_time_correction(sheet: RaceSheet, target: UUID, at_ms: int, reason: str,
                          author: str) -> None:
    fact = target_fact(sheet, target)
    require_reason(reason, author, "a correction")
    if fact.kind == "presented" and fact.metres is not None:
        check_time_is_plausible(at_ms, fact.metres)  # the time shown; the device times stay as measured
        return
    if fact.kind not in {"passing", "finish"} or fact.skater is None or fact.metres is None:
        raise RefusedFactError(f"fact {target} is a {fact.kind}, which has no time to correct")
    check_time_is_plausible(at_ms, fact.metres)
    if fact.kind == "finish":
        check_finish_time(sheet, fact.skater, fact.attempt, at_ms)
    else:
        check_order(sheet, fact.skater, fact.attempt, fact.metres, at_ms, ignore=fact.fact_id)
        check_before_finish(sheet, fact.skater, fact.attempt, fact.metres, at_ms)


def check_before_finish(sheet: RaceSheet, skater: UUID, attempt: int, metres: int,
                        at_ms: int) -> None:
    """A passing before the line comes before the finish (the finish is after the last passing)."""
    finish = sheet.finish(skater, attempt)
    finish_ms = finish.ms if finish is not None else None
    if metres < sheet.distance_m and finish_ms is not None and at_ms >= finish_ms:
        raise RefusedFactError(
            f"{_show(at_ms)} at {metres} m is not before the finish ({_show(finish_ms)})"
        )


def check_void(sheet: RaceSheet, target: UUID, reason: str, author: str) -> None:
    fact = target_fact(sheet, target)
    require_reason(reason, author, "a void")
    if fact.kind not in VOIDABLE:
        raise RefusedFactError(f"a {fact.kind} cannot be voided (only {', '.join(sorted(VOIDABLE))})")


def check_presentation(sheet: RaceSheet, skater: UUID, metres: int, passing: UUID) -> Fact:
    """The timing system presents one of the skater's live passings at that point; returns it."""
    refuse_after_official(sheet, "present a timing source")
    check_entered(sheet, skater)
    fact = target_fact(sheet, passing)
    if fact.kind != "passing" or fact.skater != skater or fact.metres != metres:
        raise RefusedFactError(f"fact {passing} is not this skater's passing at {metres} m")
    if fact.attempt != sheet.attempt_of(skater):
        raise RefusedFactError(f"the passing at {metres} m belongs to an earlier race of the skater")
    return fact


def check_team_members(sheet: RaceSheet, team: UUID, members: list[UUID]) -> None:
    """A team entered in the race, named with distinct members who are not the team itself."""
    refuse_after_official(sheet, "name a team's members")
    check_entered(sheet, team)
    if not members or len(set(members)) != len(members) or team in members:
        raise InvalidInputError("a team needs distinct members, other than the team itself")
    named = sheet.team_members.get(team)
    if named is not None and named != list(members):
        raise RefusedFactError(f"the team's members are already named in {sheet.key}")


def check_official(sheet: RaceSheet, author: str) -> None:
    if not author.strip():
        raise InvalidInputError("declaring results official needs the referee's name")
