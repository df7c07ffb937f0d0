"""A restore's chain links: an export's own checked link taken where the event lands as it did
in the export (:mod:`ledger.store.restore`, :mod:`ledger.store.restore_postgres`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

from ledger.store.chain import link
from ledger.store.recorders import chain_rows

#: An exported event's place in its export's checked chain: (position, previous hash, hash).
Link = tuple[int, bytes, bytes]


def continued_chain(ids: Sequence[int], stored: Sequence[StoredEvent], previous: bytes,
                    canonical_id: Callable[[Any], Any], links: Sequence[Link | None]
                    ) -> list[tuple[int, bytes]]:
    """:func:`~ledger.store.recorders.chain_rows`, taking an export's own link where the event
    lands at the position it had there after the same previous hash (a restore into an empty
    ledger: every event): the same inputs to the hash, so the same hash, computed once."""
    if not links:
        return chain_rows(ids, stored, previous, canonical_id)
    rows = []
    for position, s, known in zip(ids, stored, links, strict=True):
        if known is not None and known[0] == position and known[1] == previous:
            previous = known[2]
        else:
            previous = link(previous, position, canonical_id(s.originator_id), s.originator_version,
                            s.topic, s.state)
        rows.append((position, previous))
    return rows
