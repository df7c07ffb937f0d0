"""The clock view: which positions were known by a moment, as one indexed lookup (issue 14, items
1 and 7; docs/decisions/0018-bitemporal-views.md).

A question as known at a moment m answers as of the last fact the fold takes in by then
(``projections.reading.last_taken``). Found by reading the log back from its end, that costs the
events stored since m: at a moment early in a large ledger, most of the log. The views already
know better: K(p), the latest known-at moment of the facts up to p, never decreases, and when no
late fact covers m (``views_late``) the facts known by m are exactly the positions p with
K(p) <= m, a prefix of the log. This view holds one row, rewritten whenever K grows: the version
opened at position p holds for the positions up to the next growth q, its ``from_known`` is K(p).
The last version opened by m (one step down the ``(view, key, from_known)`` index) therefore gives
the prefix: positions up to q - 1, or up to the position the views hold when it is still open.
"""

from __future__ import annotations

from typing import Any

from ledger.domain.clocks import known_at_of
from ledger.store.views import Change, ViewsRecorder, micros
from projections.state import LedgerState
from projections.view_reading import BUILT, Marking, built

VIEW = "clock"
KEY = ""  # the one row's key (the marker's is BUILT)


class ClockKeeper:
    """Keeps the view ``clock``: after a fact that makes the latest known-at moment grow, the row
    again (its body the moment, in micros)."""

    view = VIEW

    def __init__(self, held: dict[str, dict[str, str]]) -> None:
        body = held.get(KEY, {}).get("")
        self.known = None if body is None else int(body)
        self.marking = Marking()

    def before(self, state: LedgerState, event: Any) -> None:
        self.marking.begin(state.position)

    def after(self, state: LedgerState, event: Any, before: Any) -> list[Change]:
        found = self.marking.due(VIEW)
        own = micros(known_at_of(event))
        if self.known is None or own > self.known:
            self.known = own
            found.append(Change(VIEW, KEY, "", str(own)))
        return found


def known_prefix(views: ViewsRecorder, tracked: int, known: int) -> int | None:
    """The last position of the prefix of the log known by the moment ``known`` (micros), when the
    views can tell: the clock was kept from position 1 and no late fact covers the moment. A
    prefix that reaches the position the views hold (``tracked``) may go on in facts they have not
    taken in: None then, as when they cannot tell (the caller reads the log)."""
    if not built(views, VIEW) or views.disordered(known):
        return None
    span = views.span_known(VIEW, KEY, known)
    if span is None:
        return 0  # the first fact was known after the moment: nothing was known by then
    _, to_pos = span
    if to_pos is None:
        return None  # known up to the views' last position, and maybe beyond it
    return to_pos - 1


__all__ = ["BUILT", "VIEW", "ClockKeeper", "known_prefix"]
