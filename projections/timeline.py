"""The steps of a race's timeline: which facts end a pair (the replay's and the board's steps).

A read-side question: the command's ``replay --step pair`` and the board's live timeline both ask
it, so it lives here and neither adapter imports the other.
"""

from __future__ import annotations

from typing import Any

from ledger.domain.rules import OUTCOMES
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
    return all(result_of(sheet, s) is not None for s in sheet.pairs.get(fact.pair, ()) if s)
