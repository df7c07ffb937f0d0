"""The Competition aggregate: a meeting at a venue over one or more days."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.aggregate import LedgerAggregate
from ledger.domain.values import competition_id


class Competition(LedgerAggregate):
    class Scheduled(Aggregate.Created):
        TOPIC = "skate-ledger:Competition.Scheduled"
        slug: str
        name: str
        venue: str | None
        first_day: str
        last_day: str
        track_m: int

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
