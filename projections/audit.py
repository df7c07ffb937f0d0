"""The audit trail: every correction (of a time or a draw), void, disqualification, re-skate, clock
clear, status change (DNF, DNS, WDR) and official declaration, with who, why, when it was recorded,
the value before and after, and the places it changed ("Skater A 4th → 3rd"). Folded from the log
like every other projection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from ledger.domain.clocks import known_at_of
from ledger.domain.kinds import FactKind
from ledger.domain.race import Race
from ledger.domain.race_state import Fact
from ledger.domain.timing import format_time
from projections.leaderboard import leaderboard
from projections.state import LedgerState

#: The status changes: a skater's result becomes DNF, DNS or WDR (a DQ is audited as well).
STATUS_CHANGES = {Race.DidNotFinish: "DNF", Race.DidNotStart: "DNS", Race.Withdrawn: "WDR"}
AUDITED = (Race.TimeCorrected, Race.FactVoided, Race.Disqualified, Race.ReskateGranted,
           Race.ClockCleared, Race.FalseStartRecorded, Race.ResultsDeclaredOfficial,
           Race.DrawCorrected, Race.QuartetDrawCorrected, *STATUS_CHANGES)


@attrs.frozen
class PlaceChange:
    skater: str
    before: int | None
    after: int | None

    def __str__(self) -> str:
        return f"{self.skater} {ordinal(self.before)} → {ordinal(self.after)}"


def ordinal(rank: int | None) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th, 21st; "unranked" for none."""
    if rank is None:
        return "unranked"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


@attrs.frozen
class AuditEntry:
    position: int
    recorded_at: datetime
    race: str
    act: str
    skater: str | None
    author: str | None
    reason: str | None
    before: str | None
    after: str | None
    changes: tuple[PlaceChange, ...]


def audit(events: Iterable[tuple[int, Any]], race: str | None = None) -> list[AuditEntry]:
    """The audited acts of the log (of one race, if given), oldest first."""
    state = LedgerState()
    entries = []
    for position, event in events:
        sheet = state.races.get(event.originator_id) if isinstance(event, Race.Event) else None
        if sheet is None or not isinstance(event, AUDITED) or (race and sheet.key != race):
            state.apply(position, event)
            continue
        ranks_before = ranks(state, sheet.key)
        before = describe_before(state, event)
        state.apply(position, event)
        ranks_after = ranks(state, sheet.key)
        entries.append(AuditEntry(
            position=position, recorded_at=known_at_of(event), race=sheet.key,
            act=type(event).__name__, skater=skater_of(state, event),
            author=getattr(event, "author", None), reason=reason_of(event),
            before=before, after=describe_after(state, event),
            changes=tuple(place_changes(ranks_before, ranks_after))))
    return entries


def ranks(state: LedgerState, key: str) -> dict[str, int | None]:
    return {row.skater: row.rank for row in leaderboard(state, key).rows}


def place_changes(before: dict[str, int | None], after: dict[str, int | None]) -> list[PlaceChange]:
    names = sorted(set(before) | set(after), key=lambda n: (after.get(n) or 10**6, n))
    return [PlaceChange(n, before.get(n), after.get(n)) for n in names
            if before.get(n) != after.get(n)]


def skater_of(state: LedgerState, event: Any) -> str | None:
    skater = getattr(event, "skater", None)
    if skater is None and hasattr(event, "target"):
        skater = state.races[event.originator_id].facts[event.target].skater
    return state.name_of(skater) if skater else None


def reason_of(event: Any) -> str | None:
    for name in ("reason", "rule", "forced_reason"):
        if getattr(event, name, None):
            return str(getattr(event, name))
    if isinstance(event, Race.FalseStartRecorded):
        return "false start"
    return None


def describe_fact(fact: Fact) -> str:
    time = f" {format_time(fact.ms, thousandths=True)}" if fact.ms is not None else ""
    where = f" at {fact.metres} m" if fact.kind == FactKind.PASSING else ""
    return f"{fact.kind}{where}{time}"


def describe_before(state: LedgerState, event: Any) -> str | None:
    sheet = state.races[event.originator_id]
    if isinstance(event, (Race.TimeCorrected, Race.FactVoided)):
        return describe_fact(sheet.facts[event.target])
    if isinstance(event, Race.ReskateGranted):
        return f"race {event.replaces_attempt}"
    if isinstance(event, Race.DrawCorrected):
        return describe_pair(state, event.pair, sheet.pairs.get(event.pair, (None, None)))
    if isinstance(event, Race.QuartetDrawCorrected):
        return describe_lanes(state, event.pair, sheet.lanes_of(event.pair))
    return None


def describe_lanes(state: LedgerState, pair: int, lanes: tuple[Any, Any]) -> str:
    """``pair 1: inner A, B; outer C, D`` (a quartet start, two a lane)."""
    names = [", ".join(state.name_of(sid) for sid in lane) or "-" for lane in lanes]
    return f"pair {pair}: inner {names[0]}; outer {names[1]}"


def describe_pair(state: LedgerState, pair: int, lanes: tuple[Any, Any]) -> str:
    """``pair 3: inner Mathias Vosté, outer -``."""
    names = [state.name_of(sid) if sid is not None else "-" for sid in lanes]
    return f"pair {pair}: inner {names[0]}, outer {names[1]}"


def describe_after(state: LedgerState, event: Any) -> str | None:
    if isinstance(event, Race.TimeCorrected):
        return describe_fact(state.races[event.originator_id].facts[event.target])
    if isinstance(event, Race.FactVoided):
        return "void"
    if isinstance(event, Race.Disqualified):
        return "DQ"
    if type(event) in STATUS_CHANGES:
        reached = getattr(event, "metres_reached", None)
        return STATUS_CHANGES[type(event)] + (f" ({reached} m reached)" if reached is not None else "")
    if isinstance(event, Race.ReskateGranted):
        lane = f", {event.lane} lane" if event.pair and event.lane else ""
        return (f"race {event.replaces_attempt + 1}"
                + (f" in pair {event.pair}{lane}" if event.pair else ""))
    if isinstance(event, Race.DrawCorrected):
        return describe_pair(state, event.pair, (event.inner, event.outer))
    if isinstance(event, Race.QuartetDrawCorrected):
        return describe_lanes(state, event.pair, (event.inner, event.outer))
    if isinstance(event, Race.ResultsDeclaredOfficial):
        return f"official, announced {event.announced_at.isoformat()}"
    return None
