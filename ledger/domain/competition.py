"""The Competition aggregate: a meeting at a venue over one or more days."""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.aggregate import LedgerAggregate
from ledger.domain.errors import InvalidInputError
from ledger.domain.values import competition_id

#: A cup's name is a key, as a race's is: lower case, digits and hyphens (``world-cup-2025-26``).
CUP_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")


def cup_name(text: str) -> str:
    """The cup named by ``text``, or a refusal: a cup is looked up by this exact key, so a
    spelling that would make a second cup of the same series is refused, not normalised."""
    if not CUP_NAME.fullmatch(text):
        raise InvalidInputError(f"cup {text!r} is not a cup key (lower case letters, digits and "
                                f"hyphens, e.g. world-cup-2025-26)")
    return text


class Competition(LedgerAggregate):
    class Scheduled(Aggregate.Created):
        TOPIC = "skate-ledger:Competition.Scheduled"
        slug: str
        name: str
        venue: str | None
        first_day: str
        last_day: str
        track_m: int

    class JoinedCup(Aggregate.Event):
        """The competition counts for a cup (``world-cup-2025-26``): its races' places earn that
        cup's points (docs/decisions/0022-cup-points.md). Once a cup, always that cup."""
        TOPIC = "skate-ledger:Competition.JoinedCup"
        cup: str

    @staticmethod
    def create_id(slug: str) -> UUID:
        return competition_id(slug)

    @event(Scheduled)
    def __init__(self, slug: str, name: str, venue: str | None, first_day: str, last_day: str,
                 track_m: int) -> None:
        self.slug = slug
        self.name = name
        self.venue = venue
        self.first_day = first_day
        self.last_day = last_day
        self.track_m = track_m
        self.cup: str | None = None

    @event(JoinedCup)
    def join_cup(self, cup: str) -> None:
        self.cup = cup
