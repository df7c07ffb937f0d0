"""The regional report: every chosen skater's place and time in the ledger's races, DNFs with where
they fell, and, over qualification rules, who qualified and who depends on other results.

Skaters are chosen by hometown, club or nation (any of them). Pure over a
:class:`~projections.state.LedgerState`; the command (scripts/cli/questions.py) shapes the lines
into text or JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

import attrs

from ledger.domain.errors import InvalidInputError
from ledger.domain.kinds import FactKind
from projections.leaderboard import leaderboard
from projections.qualification import STRENGTH, evaluate, load_rule
from projections.results import result_of
from projections.state import LedgerState


@attrs.frozen
class ReportLine:
    race: str
    day: date
    skater: str
    hometown: str | None  # "erased" or "sealed" when recorded but not to be read (0029)
    rank: int | None
    time_ms: int | None
    status: str
    reached_m: int | None  # where a DNF fell
    reason: str | None  # a DNF's reason
    qualification: str | None  # the strongest status over the rules; None without rules


@attrs.frozen
class Report:
    lines: tuple[ReportLine, ...]
    qualified: tuple[str, ...] | None  # certain or provisional; None without rules
    dependent: tuple[str, ...]  # depending on other results


@attrs.frozen
class Choice:
    """Which skaters a report is about, and which races."""

    hometown: tuple[str, ...] = ()
    club: tuple[str, ...] = ()
    nation: tuple[str, ...] = ()
    competition: str | None = None  # the competition's key
    day: str | None = None  # YYYY-MM-DD

    def __attrs_post_init__(self) -> None:
        if not (self.hometown or self.club or self.nation):
            raise InvalidInputError("choose skaters with --hometown, --club or --nation")


def chosen(state: LedgerState, choice: Choice) -> set[UUID]:
    return {sid for sid, info in state.skaters.items()
            if info.hometown in choice.hometown or info.club in choice.club
            or info.nation in choice.nation}


def report_lines(state: LedgerState, choice: Choice) -> list[ReportLine]:
    """The chosen skaters' results, race by race in the order they were skated."""
    who = chosen(state, choice)
    lines = []
    for sheet in sorted(state.races.values(), key=lambda s: (s.day, s.key)):
        if (choice.competition and sheet.competition != choice.competition) or (
                choice.day and sheet.day.isoformat() != choice.day):
            continue
        board = {row.skater_id: row for row in leaderboard(state, sheet.key).rows}
        for sid in sheet.entries:
            row = board.get(sid)
            if sid not in who or row is None:
                continue
            result = result_of(sheet, sid)
            dnf = result.metres_reached if result and result.status == "DNF" else None
            reason = next((f.detail.get("reason") for f in sheet.live_facts(sid, frozenset({FactKind.DNF}))),
                          None)
            info = state.skaters[sid]
            lines.append(ReportLine(sheet.key, sheet.day, row.skater, info.hometown or info.withheld,
                                    row.rank, row.time_ms, row.status, dnf, reason, None))
    return lines


def statuses_of(state: LedgerState, rules: Iterable[str]) -> dict[str, str]:
    """Skater → the strongest qualification status over these rules (rule files' names or paths)."""
    found: dict[str, str] = {}
    for rule in rules:
        for name, status in evaluate(state, load_rule(rule)).skaters.items():
            found[name] = max(found.get(name, "out"), status, key=STRENGTH.__getitem__)
    return found


def report(state: LedgerState, choice: Choice, rules: tuple[str, ...] = ()) -> Report:
    lines = report_lines(state, choice)
    if not rules:
        return Report(tuple(lines), None, ())
    statuses = statuses_of(state, rules)
    lines = [attrs.evolve(line, qualification=statuses.get(line.skater, "out")) for line in lines]
    qualified = sorted({line.skater for line in lines if line.qualification in {"certain", "provisional"}})
    dependent = sorted({line.skater for line in lines if line.qualification == "dependent"})
    return Report(tuple(lines), tuple(qualified), tuple(dependent))
