"""The timeline of a race day: which facts end a pair, the replay's frames, the board's steps.

A read-side question: the command's ``replay`` and the board's live timeline (its replay slider)
both ask it, so it lives here and neither adapter imports the other or folds on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import takewhile
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.clocks import known_at_of
from ledger.domain.kinds import FactKind
from ledger.domain.race import Race
from ledger.domain.rules import OUTCOMES
from projections.reading import folding
from projections.results import result_of
from projections.state import LedgerState


def ends_a_pair(state: LedgerState, sheet: Any, event: Any) -> bool:
    """A step of a pair: an outcome fact (``rules.OUTCOMES``) after which every skater of that
    pair has a result."""
    fact = sheet.facts.get(getattr(event, "fact_id", None))
    if fact is None or fact.kind not in OUTCOMES:
        return False
    if fact.pair is None:
        return True
    return all(result_of(sheet, s) is not None for s in sheet.skaters_in(fact.pair))


#: Acts that can change a board although no pair ends with them: each is a step by pair.
CHANGES_A_BOARD = (Race.TimeCorrected, Race.FactVoided, Race.Disqualified, Race.ReskateGranted,
                   Race.ClockCleared, Race.ResultsDeclaredOfficial, Race.DidNotFinish,
                   Race.DidNotStart, Race.Withdrawn, Race.PlaceReported, Race.MarksPublished)


@attrs.frozen
class Frame:
    """One step of a replay: the state just after ``position`` (shared: read it at once)."""

    position: int
    race: str
    event: Any
    state: LedgerState


def replay_frames(events: Iterable[tuple[int, Any]], target: str, step: str,
                  until: datetime | None = None) -> Iterator[Frame]:
    """The frames of the replay of ``target`` (a race key or a competition slug).

    ``step`` "event": a frame after every fact of the target; "pair": after each pair and each act
    that changes a board (:data:`CHANGES_A_BOARD`). Either way, a race whose last fact made no
    frame gets a closing one, so the last frame of every race is its board after all its facts."""
    state = LedgerState()
    known = events if until is None else takewhile(lambda pair: known_at_of(pair[1]) <= until, events)
    last: dict[str, tuple[int, Any]] = {}  # race key → its latest fact (position, event)
    framed: dict[str, int] = {}  # race key → the position of its latest frame
    for position, event, _ in folding(known, state):
        sheet = state.races.get(event.originator_id)
        if sheet is None or not (sheet.key == target or sheet.competition == target):
            continue
        last[sheet.key] = (position, event)
        if step == "pair" and not (ends_a_pair(state, sheet, event)
                                   or isinstance(event, CHANGES_A_BOARD)):
            continue
        framed[sheet.key] = position
        yield Frame(position, sheet.key, event, state)
    for key, (position, event) in last.items():
        if framed.get(key) != position:
            yield Frame(position, key, event, state)  # its board: no later fact of it changed it


@attrs.frozen
class Step:
    """One fact of a race, for the board's replay slider."""

    position: int
    recorded_at: datetime
    race: str
    competition: str
    kind: str
    label: str
    ends_pair: bool
    at_m: int | None = None


def step_of(state: LedgerState, position: int, event: Any) -> Step | None:
    """The step of the board's timeline that ``event`` (just folded into ``state``) makes: a fact
    of a race, labelled for the slider; None for anything that is not a race's."""
    if not isinstance(event, Race.Event):
        return None
    sheet = state.races.get(event.originator_id)
    if sheet is None:
        return None
    fid = getattr(event, "fact_id", None)
    fact = sheet.facts.get(fid) if isinstance(fid, UUID) else None
    kind = fact.kind if fact is not None else type(event).__name__
    who = state.name_of(fact.skater) if fact is not None and fact.skater else None
    where = f" {fact.metres} m" if fact is not None and fact.kind == FactKind.PASSING else ""
    pair = f" pair {fact.pair}" if fact is not None and fact.pair and not who else ""
    label = f"{sheet.key}: {kind}{where}{pair}" + (f" — {who}" if who else "")
    return Step(position, known_at_of(event), sheet.key, sheet.competition, kind, label,
                ends_a_pair(state, sheet, event), fact.metres if fact is not None else None)
