"""The batch of one import: the aggregates it loads or creates, saved in one transaction.

Every loader (:mod:`ledger.importing.results`, ``.records``, ``.vantage``) applies the rows of its
files to the aggregates of a :class:`Batch` in memory, through the same commands a live official
uses (so the same rules decide), and the batch saves them together at the end. A refused row
raises an error naming its file and line (:class:`at_line`) before anything is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ledger.application import Ledger
from ledger.domain.competition import Competition
from ledger.domain.errors import ImportFormatError, LedgerError, RefusedFactError
from ledger.domain.race import Race
from ledger.domain.rules import check_race_day
from ledger.domain.skater import Skater, SkaterAlias
from ledger.domain.timing import TEAM_DISCIPLINES
from ledger.domain.values import (
    check_nation,
    competition_id,
    competition_slug,
    name_fold,
    normal_name,
    plain_name,
    race_id,
    race_key,
    skater_id,
    team_race_key,
)
from ledger.store.personal import PERSONAL

A = TypeVar("A", bound=Aggregate)


class Batch:
    """Aggregates loaded or created for one import, saved in one transaction."""

    def __init__(self, app: Ledger) -> None:
        self.app = app
        self.loaded: dict[UUID, Aggregate] = {}
        self.skaters: dict[str, UUID] = {}  # the names this import gave, normalised, and their ids
        #: those names folded (case, accents, invisible characters) → the first name of each fold:
        #: a look-alike among the rows is found in one look-up, not by a scan of every name
        self.folded: dict[str, str] = {}
        #: saved competitions first, then skaters, then races (a Vantage stream joined the batch)
        self.ranked = False

    def find(self, aggregate_id: UUID) -> Any | None:
        if aggregate_id not in self.loaded:
            try:
                self.loaded[aggregate_id] = self.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
        return self.loaded[aggregate_id]

    def get_or_create(self, aggregate_id: UUID, create: Callable[[], A]) -> A:
        found = self.find(aggregate_id)
        if found is None:
            found = self.loaded[aggregate_id] = create()
        return found

    def competition(self, name: str, venue: str | None, first: date, last: date) -> Competition:
        name = normal_name("the competition's name", name)
        venue = normal_name("the venue", venue) if venue is not None else None
        slug = competition_slug(name, first)
        return self.get_or_create(competition_id(slug), lambda: Competition(
            slug=slug, name=name, venue=venue, first_day=first.isoformat(),
            last_day=last.isoformat(), track_m=400))

    def race(self, comp: Competition, distance_m: int, category: str, day: date,
             label: str | None, discipline: str = "individual") -> Race:
        """The race of this competition, distance (or team discipline), category and label on that
        day; a second race with the same name on another day gets the suffix -2, -3 …"""
        base = (team_race_key(comp.slug, category, discipline, label)
                if discipline in TEAM_DISCIPLINES
                else race_key(comp.slug, category, distance_m, label, discipline))
        for n in range(1, 100):
            key = base if n == 1 else f"{base}-{n}"
            race: Race | None = self.find(race_id(key))
            if race is None:
                if not comp.pending_events:  # held before this import: its days are not the list's
                    check_race_day(comp.slug, date.fromisoformat(comp.first_day),
                                   date.fromisoformat(comp.last_day), day)
                return self.get_or_create(race_id(key), lambda k=key: Race(  # type: ignore[misc]  # key bound now
                    key=k, competition_id=comp.id, competition=comp.slug, day=day.isoformat(),
                    distance_m=distance_m, category=category, label=label, track_m=comp.track_m,
                    discipline=discipline))
            if race.sheet.day == day:
                if race.sheet.discipline != discipline:
                    raise LedgerError(f"{key} is in the ledger as a {race.sheet.discipline} race")
                return race
        raise LedgerError(f"too many races named {base}")

    def skater(self, name: str, nation: str | None, club: str | None,
               hometown: str | None, birth_date: str | None = None,
               contact: str | None = None) -> UUID:
        """The skater of a row, registered when new, as ``record skater`` would: the name
        normalised, and refused when it is not a name or differs from a registered skater's (or
        one earlier in this import) only by case, accents or invisible characters."""
        check_nation(nation)
        normal = normal_name("the skater's name", name)
        sid = self.skaters.get(normal)
        if sid is not None:
            return sid
        sid = self.app.skater_id_of(normal)
        found = self.find(sid)
        if found is None or (plain_name(found.name) != normal and not self.aliased(normal, sid)):
            twins = [found.name] if found is not None else [
                *(s.name for s in self.app.skaters_like(normal)),
                *([self.folded[fold]] if (fold := name_fold(normal)) in self.folded else [])]
            if twins:
                raise RefusedFactError(
                    f"skater {normal!r} differs from the registered skater {twins[0]!r} only by "
                    "case, accents or invisible characters; write that name for the same person "
                    f"(or note this spelling first: record skater {normal!r} --same-as "
                    f"{twins[0]!r}), or register the other one first with record skater --new")
            personal = dict(zip(PERSONAL, (birth_date, hometown, club, contact), strict=True))
            sealed = self.app.vault.seal(sid, personal, f"importing {normal!r} with personal fields")
            self.loaded[sid] = Skater(name=normal, nation=nation, club=None, hometown=None,
                                      sealed=sealed)
        self.skaters[normal] = sid
        self.folded.setdefault(name_fold(normal), normal)
        return sid

    def aliased(self, name: str, sid: UUID) -> bool:
        """Whether ``name`` is a noted spelling of the skater ``sid`` (``record skater --same-as``)."""
        alias = self.find(skater_id(name))
        return isinstance(alias, SkaterAlias) and alias.skater == sid

    def id_of(self, name: str) -> UUID:
        """The id this import gave the skater of a row (``skater`` has seen the name)."""
        return self.skaters[plain_name(name)]
    def aggregates(self) -> list[Aggregate]:
        """The aggregates to save, in the order their events go into the log."""
        found = list(self.loaded.values())
        return sorted(found, key=save_rank) if self.ranked else found

    def pending(self) -> set[UUID]:
        """The ids of the aggregates this batch would append to."""
        return {i for i, a in self.loaded.items() if a.pending_events}

    def save(self) -> int | None:
        return self.app.save_new(*self.aggregates())


def save_rank(aggregate: object) -> int:
    """Competitions, then skaters, then races: so that every race fact can name its skater."""
    return 0 if isinstance(aggregate, Competition) else 1 if isinstance(aggregate, Skater) else 2


class at_line:  # noqa: N801 - used as a context manager, reads as a phrase
    """Turn a refusal inside the block into an error naming the file and line."""

    def __init__(self, path: str, line: int, app: Ledger | None = None) -> None:
        self.path, self.line, self.app = path, line, app

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _tb: object) -> None:
        if isinstance(error, RefusedFactError) and self.app is not None:
            error = self.app.located(error)  # the line, and the stored fact's position
        if isinstance(error, LedgerError) and not isinstance(error, ImportFormatError):
            raise ImportFormatError(self.path, self.line, str(error)) from None
