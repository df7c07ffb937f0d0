"""The Skater aggregate: a person who races, identified by name (docs/decisions/0003-ids.md)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.aggregate import LedgerAggregate
from ledger.domain.values import skater_id


class Skater(LedgerAggregate):
    class Registered(Aggregate.Created):
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
        another skater's (``ledger.domain.values.distinct_skater_id``)."""
        return cls._create(cls.Registered, id=sid, name=name, nation=nation, club=club,
                           hometown=hometown)


class SkaterAlias(LedgerAggregate):
    """Another spelling of a registered skater's name (a timing system's, another list's), noted
    by an official: the name finds that skater. Its id is the one the name's key gives, like a
    skater's, so a look-up by name costs one load either way (docs/decisions/0016)."""

    class Noted(Aggregate.Created):
        TOPIC = "skate-ledger:SkaterAlias.Noted"
        name: str
        skater: UUID

    @staticmethod
    def create_id(name: str, skater: UUID) -> UUID:
        return skater_id(name)

    @event(Noted)
    def __init__(self, name: str, skater: UUID) -> None:
        self.name = name
        self.skater = skater
