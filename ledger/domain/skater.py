"""The Skater aggregate: a person who races, identified by name (docs/decisions/0003-ids.md)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.aggregate import LedgerAggregate
from ledger.domain.values import skater_id


class Skater(LedgerAggregate):
    """A skater. Her name and nation are published sport results; her personal fields (birth
    date, home town, club, contact) are recorded only sealed with her own key, in ``sealed``
    (field → ciphertext; ledger.store.personal, docs/decisions/0029): the plain fields of a new
    registration are None, and the reader fills them in when it holds her key."""

    class Registered(Aggregate.Created):
        TOPIC = "skate-ledger:Skater.Registered"
        class_version = 2
        name: str
        nation: str | None
        club: str | None  # plain only in registrations recorded before 0029 (class version 1)
        hometown: str | None  # as club
        birth_date: str | None  # never stored in clear: filled in by the reader from ``sealed``
        contact: str | None  # as birth_date
        sealed: dict[str, str] | None  # field → ciphertext (None, {}: nothing sealed)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A registration of before 0029: club and hometown in clear, nothing sealed."""
            state.update(birth_date=None, contact=None, sealed={})

    class PersonalDataSealed(Aggregate.Event):
        """The skater's personal fields, sealed with her key (``skate-ledger migrate
        personal-data``), for a registration of before 0029 that held them in clear at
        ``plain_at`` (log positions): that plain text stays in the chain (decision 0029)."""

        TOPIC = "skate-ledger:Skater.PersonalDataSealed"
        sealed: dict[str, str]
        plain_at: tuple[int, ...]

    class Erased(Aggregate.Event):
        """The skater's key was destroyed: her personal fields cannot be read any more. Who, why;
        when is the fact's own time. It holds no personal data."""

        TOPIC = "skate-ledger:Skater.Erased"
        reason: str
        by: str

    @staticmethod
    def create_id(name: str) -> UUID:
        return skater_id(name)

    @event(Registered)
    def __init__(self, name: str, nation: str | None, club: str | None,
                 hometown: str | None, birth_date: str | None = None, contact: str | None = None,
                 sealed: dict[str, str] | None = None) -> None:
        self.name = name
        self.nation = nation
        self.club = club
        self.hometown = hometown
        self.birth_date = birth_date
        self.contact = contact
        self.sealed = dict(sealed or {})
        self.erased = False

    @classmethod
    def registered_as(cls, sid: UUID, name: str, nation: str | None, club: str | None,
                      hometown: str | None, sealed: dict[str, str] | None = None) -> Skater:
        """A skater with a given id: one registered with ``--new`` whose name has the key of
        another skater's (``ledger.domain.values.distinct_skater_id``)."""
        return cls._create(cls.Registered, id=sid, name=name, nation=nation, club=club,
                           hometown=hometown, birth_date=None, contact=None, sealed=sealed or {})

    @event(PersonalDataSealed)
    def seal_personal_data(self, sealed: dict[str, str], plain_at: tuple[int, ...]) -> None:
        self.sealed = dict(sealed)

    @event(Erased)
    def erase(self, reason: str, by: str) -> None:
        self.erased = True
        self.club = self.hometown = self.birth_date = self.contact = None


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
