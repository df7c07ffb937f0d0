"""The steps of a race's timeline: which facts end a pair (the replay's and the board's steps).

A read-side question: the command's ``replay --step pair`` and the board's live timeline both ask
it, so it lives here and neither adapter imports the other.
"""

from __future__ import annotations

from typing import Any

from projections.results import result_of
from projections.state import LedgerState

#: The kinds of fact that give a skater an outcome (a step of a pair can only be one of these).
OUTCOMES = frozenset({"finish", "dnf", "dns", "wdr", "dq", "place"})


def ends_a_pair(state: LedgerState, sheet: Any, event: Any) -> bool:
    """A step of a pair: an outcome fact after which every skater of that pair has a result."""
    fact = sheet.facts.get(getattr(event, "fact_id", None))
    if fact is None or fact.kind not in OUTCOMES:
        return False
    if fact.pair is None:
        return True
    return all(result_of(sheet, s) is not None for s in sheet.pairs.get(fact.pair, ()) if s)
