"""The Skater aggregate: a person who races, identified by name (docs/decisions/0003-ids.md)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.values import skater_id


class Skater(Aggregate):
    TOPIC = "skate-ledger:Skater"

    class Event(Aggregate.Event):
        TOPIC = "skate-ledger:Skater.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "skate-ledger:Skater.Created"

    class Registered(Created):
        TOPIC = "skate-ledger:Skater.Registered"
        name: str
        nation: str | None
        club: str | None
        hometown: str | None

    @staticmethod
    def create_id(name: str) -> UUID:
        return skater_id(name)

    @event(Registered)
    def __init__(self, name: str, nation: str | None, club: str | None,
                 hometown: str | None) -> None:
        self.name = name
        self.nation = nation
        self.club = club
        self.hometown = hometown

    @classmethod
    def registered_as(cls, sid: UUID, name: str, nation: str | None, club: str | None,
                      hometown: str | None) -> Skater:
        """A skater with a given id: one registered with ``--new`` whose name has the key of
        another skater's (``ledger.values.distinct_skater_id``)."""
        return cls._create(cls.Registered, id=sid, name=name, nation=nation, club=club,
                           hometown=hometown)
