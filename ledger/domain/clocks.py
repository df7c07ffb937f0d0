"""The two clocks of a fact at the door (docs/decisions/0014-two-clocks-at-the-door.md).

Every stored event has the store's own time, the library's ``timestamp`` (when this ledger
appended it). A fact that comes from a timing system also keeps that system's own moment, the
moment it became known at the rink: its **known-at** moment, stored as ``known_at`` on the event
(only when there is one, so events stored before it load unchanged). Without one, the store's time
is the known-at moment. A reconstructed moment (the demo day's) is stamped the same way and is
labelled reconstructed where it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ledger.domain.errors import InvalidInputError


def known_at_of(event: Any) -> datetime:
    """When the fact became known: the timing system's moment if it has one, else the store's."""
    moment: datetime | None = event.__dict__.get("known_at")
    return moment if moment is not None else event.timestamp


def stamp_known_at(events: Iterable[Any], moment: datetime) -> None:
    """Give events that are not saved yet their known-at moment (the ones without one).

    The events are frozen; this runs before they are saved, as the library's own constructor
    would, so the stored event carries the moment and every fold of it sees the same."""
    if moment.tzinfo is None:
        raise InvalidInputError(f"the known-at moment {moment.isoformat()} has no time zone")
    for event in events:
        if event.__dict__.get("known_at") is None:
            object.__setattr__(event, "known_at", moment)
