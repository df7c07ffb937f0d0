"""A skater's result in a race: which outcome counts, by the rules of rules.md §4.

Precedence: withdrawn, did not start and disqualified override everything; else the best valid
finish over all the skater's races (a re-skate: the better time counts); else a DNF; else a place
reported by a published list whose time is unknown. A skater with none of these has no result yet.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import attrs

from ledger.domain.kinds import FactKind
from ledger.domain.race_state import Fact, RaceState

FactFilter = Callable[[Fact], bool]
#: The kinds of fact :func:`result_from` reads: a fact of any other kind added to a sheet leaves
#: every result as it was (the skater histories view relies on it: projections/history_kept.py).
RESULT_KINDS = frozenset({FactKind.WDR, FactKind.DNS, FactKind.DQ, FactKind.FINISH, FactKind.PLACE,
                          FactKind.DNF})


@attrs.frozen
class Result:
    skater: UUID
    status: str  # OK, DNF, DNS, DQ, WDR
    time_ms: int | None = None
    attempt: int = 1
    place: int | None = None  # the place a published list gives (the only clue when time is unknown)
    source: str | None = None
    precision_ms: int = 1  # 10 when only hundredths are known
    uncertain_ms: int = 0  # the true time may lie this many ms above time_ms (decision 0013)
    metres_reached: int | None = None
    fact: UUID | None = None


def everything(_: Fact) -> bool:
    return True


def skater_facts(sheet: RaceState, skater: UUID, keep: FactFilter) -> list[Fact]:
    return [f for f in sheet.live_facts(skater) if keep(f)]


def result_of(sheet: RaceState, skater: UUID, keep: FactFilter = everything) -> Result | None:
    return result_from(skater, skater_facts(sheet, skater, keep))


def result_from(skater: UUID, facts: list[Fact]) -> Result | None:
    """The result of a skater given the skater's live facts (those kept), in the sheet's order."""
    kinds = {f.kind: f for f in facts}
    for status, kind in (("WDR", FactKind.WDR), ("DNS", FactKind.DNS), ("DQ", FactKind.DQ)):
        if kind in kinds:
            return Result(skater, status, attempt=kinds[kind].attempt, fact=kinds[kind].fact_id)
    finishes = [f for f in facts if f.kind == FactKind.FINISH and f.ms is not None]
    place = kinds[FactKind.PLACE].detail["place"] if FactKind.PLACE in kinds else None
    if finishes:
        best = min(finishes, key=lambda f: (f.ms or 0, f.seq))
        return Result(skater, "OK", best.ms, best.attempt, place=place, source=best.source,
                      precision_ms=best.detail.get("precision_ms", 1),
                      uncertain_ms=0 if best.corrections else best.detail.get("uncertain_ms", 0),
                      fact=best.fact_id)
    if FactKind.DNF in kinds:
        dnf = kinds[FactKind.DNF]
        return Result(skater, "DNF", attempt=dnf.attempt, metres_reached=dnf.metres, fact=dnf.fact_id)
    if FactKind.PLACE in kinds:
        reported = kinds[FactKind.PLACE]
        return Result(skater, "OK", place=reported.detail["place"], source=reported.source,
                      fact=reported.fact_id)
    return None


def results(sheet: RaceState, keep: FactFilter = everything) -> list[Result]:
    """The result of every entered skater who has one, in entry order."""
    found = (result_from(skater, skater_facts(sheet, skater, keep)) for skater in sheet.entries)
    return [r for r in found if r is not None]
