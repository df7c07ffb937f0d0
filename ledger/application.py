"""The command API of the ledger (its composition root, ``build_app``, is :mod:`ledger.bootstrap`).

Each command is a few lines: load the aggregate, let it decide, save. A refused command raises a
:class:`~ledger.domain.errors.LedgerError` before anything is saved, so it appends nothing. A command that
finds its fact already recorded (a retransmission) saves nothing and returns ``None``.
"""

from __future__ import annotations

import contextlib
import functools
import random
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Cache, LRUCache
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Notification, StoredEvent

from ledger.domain.clocks import known_at_of, stamp_known_at
from ledger.domain.competition import Competition, cup_name
from ledger.domain.errors import (
    ConcurrentWriteError,
    InvalidInputError,
    RefusedFactError,
    UnknownFactError,
    UnknownRaceError,
    UnknownSkaterError,
    stored_at,
)
from ledger.domain.kinds import FactKind
from ledger.domain.race import Race
from ledger.domain.race_state import Fact
from ledger.domain.record import season_of
from ledger.domain.rules import check_race_day, race_distance
from ledger.domain.skater import Skater, SkaterAlias
from ledger.domain.timing import MASS_START
from ledger.domain.values import (
    RaceRules,
    check_nation,
    competition_id,
    competition_slug,
    distinct_skater_id,
    name_fold,
    normal_name,
    plain_name,
    race_id,
    race_key,
    skater_id,
    team_race_key,
)
from ledger.store.personal import PERSONAL, RevealingMapper, Vault
from ledger.store.recorders import chained


class StoredRow(NamedTuple):
    """A stored event as the mapper reads it (the attributes of the library's StoredEvent)."""

    id: int
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes


READ_BATCH = 1000
#: The longest name, reason or other free text a command takes (as a result list's fields).
MAX_TEXT = 200


def check_text(what: str, value: str | None) -> None:
    """Refuse free text (a name, a reason …) that is absurdly long or holds control characters."""
    if value is None:
        return
    if len(value) > MAX_TEXT:
        raise InvalidInputError(f"{what} is longer than {MAX_TEXT} characters")
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs")
                or c in "\u2028\u2029"), None)
    if bad is not None:
        raise InvalidInputError(f"{what} holds a control character (U+{ord(bad):04X})")


def check_birth_date(value: str | None) -> None:
    """A birth date is a calendar date, YYYY-MM-DD."""
    if value is None:
        return
    try:
        date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"birth date {value!r} is not a date YYYY-MM-DD") from None
    if len(value) != len("YYYY-MM-DD"):
        raise InvalidInputError(f"birth date {value!r} is not a date YYYY-MM-DD")


#: How often a command is run again after another writer saved the same aggregate first, and the
#: longest pause between two runs. Two consoles streaming into one race can make one of them lose
#: several times in a row on a loaded machine (8 attempts with pauses doubling from 10 ms were
#: seen to run out): losing 40 times, each with a fresh chance, is what gives up.
ATTEMPTS = 40
MAX_PAUSE = 0.05
C = TypeVar("C", bound=Callable[..., Any])


def retried(command: C) -> C:
    """Run a command (load, decide, save) again when its save loses a race with another writer.

    Two timing consoles recording the same race load it at the same version; the second save
    violates the store's (aggregate, version) uniqueness and the library raises IntegrityError,
    appending nothing. Running the whole command again reloads the aggregate, so the rules decide
    on what the other console recorded (its retransmission of the same fact is then found and
    nothing is appended). After ATTEMPTS lost races the command is refused with a clear line."""
    @functools.wraps(command)
    def run(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return command(self, *args, **kwargs)
            except RefusedFactError as e:  # a refusal naming a stored fact: its position too
                raise self.located(e) from None
            except IntegrityError:
                if attempt == ATTEMPTS:
                    break
                self.retried_conflicts += 1
                # let the other writer finish; random, so that the two do not retry in step
                time.sleep(random.uniform(0, min(MAX_PAUSE, 0.002 * 2 ** attempt)))
        raise ConcurrentWriteError(
            f"{command.__name__.replace('_', ' ')}: other writers changed the same race (or "
            f"competition, or skater) {ATTEMPTS} times while this was recorded; nothing was "
            "appended by this command; run it again")
    return run  # type: ignore[return-value]  # run keeps F's signature


class Ledger(Application[UUID]):
    """The race-day ledger: every fact appended once, in order, never edited."""

    name = "Ledger"
    rules: RaceRules  # the federation's configurable rules, given at the root (``build_app``)
    retried_conflicts = 0  # how many lost saves this instance's commands ran again (``retried``)

    def __init__(self, *args: Any, rules: RaceRules | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules if rules is not None else RaceRules()
        self.appended: list[int] = []  # the positions this instance appended (saves, JSONL imports)
        self._names: dict[str, list[UUID]] = {}  # skaters by name_fold (skaters_like)
        self._names_read = 0  # the log position the index of names was read to
        self._known_at: datetime | None = None
        #: the skaters' data keys (ledger_keys); the reader reveals personal fields through it
        self.vault = Vault(self.recorder)
        if isinstance(self.mapper, RevealingMapper):
            self.mapper.vault = self.vault

    def reveal_personal(self) -> None:
        """From now on, read the skaters' personal fields in clear where the master key and
        their keys allow (a question that reads them: the report, ``export --include-personal``);
        other reads leave them sealed and import no cipher. Aggregates read before are dropped."""
        if isinstance(self.mapper, RevealingMapper) and not self.mapper.revealing:
            self.mapper.revealing = True
            cache = self.repository.cache
            if isinstance(cache, LRUCache):
                self.repository.cache = LRUCache(maxsize=cache.maxsize)
            elif cache is not None:
                self.repository.cache = Cache()

    def construct_mapper(self) -> Mapper[UUID]:
        """The library's mapper, revealing personal fields (ledger.store.personal)."""
        base = super().construct_mapper()
        return RevealingMapper(transcoder=base.transcoder, cipher=base.cipher,
                               compressor=base.compressor)

    @contextmanager
    def known_at(self, moment: datetime) -> Iterator[None]:
        """Record the facts of the commands run in the block as known at ``moment`` (a moment with
        a zone, from the source: a timing system's clock, or a reconstruction said to be one);
        without it a fact is known at the store's time (decision 0014)."""
        if moment.tzinfo is None:
            raise InvalidInputError(f"the known-at moment {moment.isoformat()} has no time zone")
        before, self._known_at = self._known_at, moment
        try:
            yield
        finally:
            self._known_at = before

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self._known_at is not None:
            for obj in objs:
                if isinstance(obj, Aggregate):
                    stamp_pending(obj, self._known_at)
        recordings = super().save(*objs, **kwargs)
        self.appended.extend(r.notification.id for r in recordings)
        return recordings

    # -- reading the log ---------------------------------------------------------------------
    def notifications(self, start: int = 1, stop: int | None = None,
                      topics: tuple[str, ...] = ()) -> Iterator[Notification]:
        """Every stored event from ``start`` up to and including ``stop``, in log order."""
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=READ_BATCH, stop=stop, topics=topics
            )
            yield from batch
            if len(batch) < READ_BATCH:
                return
            start = batch[-1].id + 1

    def read_log(self, start: int = 1, stop: int | None = None) -> Iterator[tuple[int, Any]]:
        """(position, domain event) pairs in log order.

        Reads plain rows (``select_rows`` of our recorders) rather than the library's Notification
        objects, and decodes them with the library's mapper: the same events, a quarter of the cost
        of reading (docs/benchmarks.md)."""
        recorder = chained(self.recorder)
        to_event = self.mapper.to_domain_event
        while True:
            rows = recorder.select_rows(start, stop, READ_BATCH)
            for row in rows:
                yield row[0], to_event(StoredRow._make(row))  # type: ignore[arg-type]  # our rows
            if len(rows) < READ_BATCH:
                return
            start = rows[-1][0] + 1

    def read_stream(self, aggregate_id: UUID, stop: int | None = None,
                    skip: frozenset[str] = frozenset()) -> list[tuple[int, Any]]:
        """(position, domain event) pairs of one aggregate's events at positions up to ``stop``
        (inclusive; all by default), in its order: one indexed query, whatever the log's size.
        ``skip``: topics whose events are left out before they are decoded (a lean read)."""
        to_event = self.mapper.to_domain_event
        rows = chained(self.recorder).select_stream_rows(aggregate_id, stop)
        return [(row[0], to_event(StoredRow._make(row)))  # type: ignore[arg-type]  # our rows
                for row in rows if row[3] not in skip]

    def read_log_backwards(self, stop: int | None = None) -> Iterator[tuple[int, Any]]:
        """(position, domain event) pairs from ``stop`` (the last position by default) back to
        position 1, the latest first."""
        recorder = chained(self.recorder)
        to_event = self.mapper.to_domain_event
        while stop is None or stop > 0:
            rows = recorder.select_rows_before(stop, READ_BATCH)
            for row in rows:
                yield row[0], to_event(StoredRow._make(row))  # type: ignore[arg-type]  # our rows
            if len(rows) < READ_BATCH:
                return
            stop = rows[-1][0] - 1

    def position_of(self, aggregate_id: UUID, version: int) -> int | None:
        """The log position of an aggregate's event, when the store can say (for refusals)."""
        find = getattr(self.recorder, "position_of", None)
        return find(aggregate_id, version) if find is not None else None

    def located(self, error: RefusedFactError) -> RefusedFactError:
        """A refusal that names a stored fact, with the fact's log position added."""
        stored = getattr(error, "stored", None)
        if stored is None or hasattr(error, "position"):
            return error
        names: dict[str, str] = {}
        for sid in getattr(error, "skaters", ()):
            with contextlib.suppress(AggregateNotFoundError):
                names[str(sid)] = self.repository.get(sid).name
        return stored_at(error, self.position_of(*stored), names)

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    # -- loading -----------------------------------------------------------------------------
    def race(self, key: str) -> Race:
        try:
            race: Race = self.repository.get(race_id(key))
        except AggregateNotFoundError:
            raise UnknownRaceError(f"race {key!r} is not in the ledger (see 'races')") from None
        return race

    def race_at(self, rid: UUID, version: int) -> Race:
        """A race as it stood after its ``version``-th event (the write side's fold of its events)."""
        race: Race = self.repository.get(rid, version=version)
        return race

    def skater(self, name: str) -> UUID:
        sid = self.registered_id(name)
        if sid is None:
            raise UnknownSkaterError(f"skater {name!r} is not registered")
        return sid

    def entered(self, race: Race, name: str) -> UUID:
        sid = self.skater(name)
        if sid not in race.sheet.entries:
            raise UnknownSkaterError(f"skater {name!r} is not entered in {race.sheet.key}")
        return sid

    def save_new(self, *aggregates: Aggregate) -> int | None:
        """Save whatever has pending events, in one transaction; the last position, or None."""
        pending = [a for a in aggregates if a.pending_events]
        if not pending:
            return None
        recordings = self.save(*pending)
        return recordings[-1].notification.id if recordings else None

    def save_together(self, stored: Sequence[StoredEvent], aggregates: Sequence[Aggregate]
                      ) -> int | None:
        """Save the pending events of ``aggregates`` and already stored-form events (an export's
        lines) in ONE transaction: all of them or, when the store refuses one, none. The last
        position appended, or None when there was nothing to save."""
        pending = [a for a in aggregates if a.pending_events]
        if not stored:
            return self.save_new(*pending)
        events = [e for a in pending for e in a.collect_events()]
        ids = self.recorder.insert_events([*(self.mapper.to_stored_event(e) for e in events),
                                           *stored])
        self.appended.extend(ids or ())
        return max(ids) if ids else None

    # -- set-up facts ------------------------------------------------------------------------
    @retried
    def schedule_competition(self, name: str, venue: str | None, first_day: date,
                             last_day: date | None = None, track_m: int = 400,
                             cup: str | None = None) -> str:
        check_text("the competition's name", name)
        check_text("the venue", venue)
        name = normal_name("the competition's name", name)
        venue = normal_name("the venue", venue) if venue is not None else None
        if track_m < 100 or track_m > 1000:
            raise InvalidInputError(f"track {track_m} m is not a speed skating track (100 to 1000 m)")
        if last_day is not None and last_day < first_day:
            raise InvalidInputError(f"the last day {last_day} is before the first day {first_day}")
        slug = competition_slug(name, first_day)
        if cup is not None:
            cup = cup_name(cup)
        if competition_id(slug) not in self.repository:
            comp = Competition(slug=slug, name=name, venue=venue, first_day=first_day.isoformat(),
                               last_day=(last_day or first_day).isoformat(), track_m=track_m)
            if cup is not None:
                comp.join_cup(cup)
            self.save(comp)
        elif cup is not None:
            self.join_cup(slug, cup)
        return slug

    @retried
    def join_cup(self, competition: str, cup: str) -> bool:
        """The competition counts for ``cup`` from now on; False when it did already (nothing is
        appended). A competition in another cup is refused: its races' points would move from
        one cup's standings to another's without a fact saying why."""
        cup = cup_name(cup)
        try:
            comp: Competition = self.repository.get(competition_id(competition))
        except AggregateNotFoundError:
            raise UnknownRaceError(f"competition {competition!r} is not in the ledger") from None
        if comp.cup == cup:
            return False
        if comp.cup is not None:
            raise InvalidInputError(f"competition {competition!r} counts for cup {comp.cup!r} "
                                    f"already, not {cup!r}")
        comp.join_cup(cup)
        self.save(comp)
        return True

    @retried
    def schedule_race(self, competition: str, distance_m: int | None, category: str, day: date,
                      label: str | None = None, discipline: str = "individual") -> str:
        key, race = self.new_race(competition, distance_m, category, day, label, discipline)
        if race is not None:
            self.save(race)
        return key

    @retried
    def schedule_mass_start(self, competition: str, laps: int, category: str, day: date,
                            label: str | None = None) -> str:
        """A mass start of ``laps`` laps of the competition's track (key ``…/<category>-mass-start``)."""
        if not 2 <= laps <= 100:
            raise InvalidInputError(f"a mass start of {laps} laps is not 2 to 100 laps")
        key, race = self.new_race(competition, 0, category, day, label, discipline=MASS_START,
                                  laps=laps)
        if race is not None:
            self.save(race)
        return key

    def new_race(self, competition: str, distance_m: int | None, category: str, day: date,
                 label: str | None, discipline: str = "individual",
                 laps: int | None = None) -> tuple[str, Race | None]:
        """The key of the race and a new (unsaved) Race, or None when it exists already. A team
        race's distance follows from its discipline and category (``team_distance``); a race given
        in ``laps`` (a mass start) is that many laps of the competition's track."""
        check_text("the label", label)
        try:
            comp: Competition = self.repository.get(competition_id(competition))
        except AggregateNotFoundError:
            raise UnknownRaceError(f"competition {competition!r} is not in the ledger") from None
        if laps is not None:
            distance_m = laps * comp.track_m
        distance_m = race_distance(discipline, category, distance_m)
        key = (race_key(competition, category, distance_m, label, discipline)
               if discipline in ("individual", MASS_START)
               else team_race_key(competition, category, discipline, label))
        if race_id(key) in self.repository:
            held: Race = self.repository.get(race_id(key))
            if held.sheet.discipline == MASS_START and held.sheet.distance_m != distance_m:
                raise RefusedFactError(f"{key} is already scheduled with "
                                       f"{held.sheet.distance_m // held.sheet.track_m} laps")
            return key, None
        check_race_day(competition, date.fromisoformat(comp.first_day),
                       date.fromisoformat(comp.last_day), day)
        race = Race(key=key, competition_id=comp.id, competition=competition, day=day.isoformat(),
                    distance_m=distance_m, category=category, label=label, track_m=comp.track_m,
                    discipline=discipline)
        return key, race

    @retried
    def register_skater(self, name: str, nation: str | None = None, club: str | None = None,
                        hometown: str | None = None, new: bool = False, *,
                        birth_date: str | None = None, contact: str | None = None) -> UUID:
        """Register a skater; the id (an existing skater's when this one is registered already).
        With ``new``, a skater whose name differs from a registered one's only by case, accents or
        invisible characters, told apart by a nation, club or hometown that differs. The personal
        fields (club, hometown, birth date, contact) are recorded sealed with the skater's key
        (ledger.store.personal), which needs the master key."""
        skater = self.new_skater(name, nation, club, hometown, new, birth_date=birth_date,
                                 contact=contact)
        if skater is not None:
            self.save(skater)
            return skater.id
        return self.skater_id_of(name)

    @retried
    def note_alias(self, name: str, of: str) -> int | None:
        """Note ``name`` as another spelling of the registered skater ``of`` (a timing system's or
        another list's spelling of the same person): commands and imports that name her so find
        her. Noting the same alias again appends nothing."""
        check_text("the skater's name", name)
        name = normal_name("the skater's name", name)
        target = self.skater(of)
        found = self.registered_id(name)
        if found == target:
            return None
        if found is not None:
            raise RefusedFactError(f"{name!r} is the name of another registered skater; an alias "
                                   "names no one else")
        if skater_id(name) in self.repository:  # a skater registered with --new holds the key
            raise RefusedFactError(f"{name!r} differs from a registered skater's name only by case; "
                                   "register the skater with that name instead")
        return self.save_new(SkaterAlias(name=name, skater=target))

    def new_skater(self, name: str, nation: str | None, club: str | None,
                   hometown: str | None, new: bool = False, *, birth_date: str | None = None,
                   contact: str | None = None) -> Skater | None:
        """A new (unsaved) Skater, or None when this name is registered already (a retransmission).

        The name is normalised (NFC, white space collapsed) and refused when it holds invisible,
        direction-changing or control characters. A name that differs from a registered skater's
        only by case, accents or invisible characters is refused, naming that skater, unless
        ``new`` is given with a distinguishing field (docs/decisions/0016)."""
        check_text("the skater's name", name)
        name = normal_name("the skater's name", name)
        for what, value in (("the nation", nation), ("the club", club),
                            ("the hometown", hometown), ("the contact", contact)):
            check_text(what, value)
        check_birth_date(birth_date)
        check_nation(nation)
        if distinct_skater_id(name) in self.repository:
            return None  # registered with --new under exactly this name
        key_id = skater_id(name)
        held: Skater | None = (self.repository.get(key_id) if key_id in self.repository
                               else None)
        if held is not None and plain_name(held.name) == name:
            if new:
                raise InvalidInputError(
                    f"--new: skater {held.name!r} is registered with exactly this name; the "
                    "ledger tells skaters apart by name (docs/decisions/0003-ids.md)")
            return None
        if held is not None or new:
            self.reveal_personal()  # a twin's club and hometown tell them apart (sealed: 0029)
            held = self.repository.get(key_id) if held is not None else None
        twins = [held] if held is not None else self.skaters_like(name)
        fields = {"nation": nation, "club": club, "hometown": hometown}
        if twins and not new:
            raise RefusedFactError(
                f"skater {name!r} differs from the registered skater {twins[0].name!r} only by "
                "case, accents or invisible characters; use that name for the same person (or "
                "note this spelling with --same-as), or give --new with a --nation, --club or "
                "--hometown that tells them apart")
        for twin in twins:
            if not any(v is not None and v != getattr(twin, f) for f, v in fields.items()):
                known = ", ".join(f"{f} {getattr(twin, f)}" for f in fields
                                  if getattr(twin, f) is not None) or "no nation, club or hometown"
                raise InvalidInputError(
                    f"--new: give a --nation, --club or --hometown that differs from the "
                    f"registered skater {twin.name!r} ({known})")
        personal = dict(zip(PERSONAL, (birth_date, hometown, club, contact), strict=True))
        sid = distinct_skater_id(name) if held is not None else skater_id(name)
        sealed = self.vault.seal(sid, personal, f"registering {name!r} with personal fields")
        made = (Skater.registered_as(sid, name, nation, None, None, sealed) if held is not None
                else Skater(name=name, nation=nation, club=None, hometown=None, sealed=sealed))
        # in memory, as a reader with the key sees it (the event holds only ``sealed``)
        vars(made).update({f: v for f, v in personal.items() if v is not None})
        return made

    def skater_id_of(self, name: str) -> UUID:
        """The id a skater's name finds (``registered_id``), or the one its name key gives."""
        return self.registered_id(name) or skater_id(name)

    def registered_id(self, name: str) -> UUID | None:
        """The registered skater a name finds: the one its name key gives when the names are the
        same; else one registered with ``--new`` under exactly this name; else the name key's
        (names are looked up without case, docs/decisions/0003-ids.md). None when not registered.
        The usual case (the name as registered) costs one load, as before."""
        sid = skater_id(name)
        try:
            held: Skater | SkaterAlias | None = self.repository.get(sid)
        except AggregateNotFoundError:
            held = None
        if isinstance(held, SkaterAlias) and plain_name(held.name) == plain_name(name):
            return held.skater  # another spelling of a registered skater's name
        if held is None or plain_name(held.name) != plain_name(name):
            exact = distinct_skater_id(name)
            if exact in self.repository:
                return exact
        return sid if held is not None else None

    def skaters_like(self, name: str) -> list[Skater]:
        """The registered skaters whose names differ from ``name`` only by case, accents or
        invisible characters (not the one with exactly this name). The index of names is read
        from the log once and then only from where it was last read."""
        top = self.last_position()
        if top > self._names_read:
            for note in self.notifications(self._names_read + 1, top, (Skater.Registered.TOPIC,)):
                event: Any = self.mapper.to_domain_event(note)
                self._names.setdefault(name_fold(event.name), []).append(event.originator_id)
            self._names_read = top
        found: list[Skater] = [self.repository.get(sid) for sid in self._names.get(name_fold(name), ())]
        return [twin for twin in found if plain_name(twin.name) != name]

    # -- race facts --------------------------------------------------------------------------
    def _on_race(self, key: str, act: Callable[[Race], object], **texts: str | None) -> int | None:
        """The shape of a race command: check its free texts (``reason="…"`` is checked as "the
        reason"), load the race, let ``act`` decide on it (a refusal raises before anything is
        saved), and save what it recorded: the last position appended, or None (a retransmission).
        Each command is ``retried`` as a whole, so a lost save runs this again from the load."""
        for name, value in texts.items():
            check_text(f"the {name}", value)
        race = self.race(key)
        act(race)
        return self.save_new(race)

    def _on_starter(self, key: str, skater: str, act: Callable[[Race, UUID], object],
                    **texts: str | None) -> int | None:
        """``_on_race`` for a fact of one starter: ``act`` gets the race and the entered skater's id."""
        return self._on_race(key, lambda race: act(race, self.entered(race, skater)), **texts)

    def enter_starter(self, key: str, skater: str) -> int | None:
        return self.enter_starters(key, (skater,))

    @retried
    def enter_starters(self, key: str, skaters: Sequence[str]) -> int | None:
        """Enter every one of ``skaters``, or (when one is refused) none: all are decided on the
        loaded race first and saved together."""
        def enter(race: Race) -> None:
            for skater in skaters:
                race.enter_starter(self.skater(skater))
        return self._on_race(key, enter)

    @retried
    def draw_pair(self, key: str, pair: int, inner: str | None, outer: str | None,
                  lanes_known: bool = True, enter: bool = False) -> int | None:
        """Draw a pair; with ``enter``, its skaters are entered first if they are not yet, in the
        same save (a refused draw enters nobody)."""
        def draw(race: Race) -> None:
            lanes = [self.skater(n) if n else None for n in (inner, outer)]
            if enter:
                for sid in lanes:
                    if sid is not None:
                        race.enter_starter(sid)
            race.draw_pair(pair, lanes[0], lanes[1], lanes_known)
        return self._on_race(key, draw)

    @retried
    def name_team(self, key: str, team: str, members: Sequence[str],
                  nation: str | None = None) -> int | None:
        """Enter a team in a team race and name its members (registered skaters): the team is
        registered like a skater when it is new, in the same save (a refusal appends nothing)."""
        new = self.new_skater(team, nation, None, None) if self.registered_id(team) is None else None
        tid = new.id if new is not None else self.skater(team)
        race = self.race(key)
        race.enter_starter(tid)
        race.name_team_members(tid, [self.skater(m) for m in members])
        return self.save_new(*(a for a in (new, race) if a is not None))

    @retried
    def draw_quartet(self, key: str, pair: int, inner: Sequence[str], outer: Sequence[str],
                     lanes_known: bool = True, enter: bool = False) -> int | None:
        """Draw a start of up to four, two per lane (``draw_pair`` when each lane holds one)."""
        def draw(race: Race) -> None:
            lanes = [[self.skater(n) for n in names] for names in (inner, outer)]
            if enter:
                for sid in (*lanes[0], *lanes[1]):
                    race.enter_starter(sid)
            race.draw_quartet(pair, lanes[0], lanes[1], lanes_known)
        return self._on_race(key, draw)

    @retried
    def start(self, key: str, pair: int, signal_at: datetime | None = None) -> int | None:
        return self._on_race(key, lambda race: race.start(pair, signal_at))

    @retried
    def false_start(self, key: str, skater: str) -> int | None:
        return self._on_starter(key, skater, lambda race, sid: race.false_start(sid, self.rules))

    @retried
    def clear_clock(self, key: str, pair: int, reason: str) -> int | None:
        return self._on_race(key, lambda race: race.clear_clock(pair, reason), reason=reason)

    @retried
    def record_passing(self, key: str, skater: str, metres: int, at_ms: int,
                       source: str | None = None, fid: UUID | None = None) -> int | None:
        return self._on_starter(
            key, skater, lambda race, sid: race.record_passing(sid, metres, at_ms, source, fid))

    @retried
    def record_finish(self, key: str, skater: str, at_ms: int, source: str | None = None,
                      fid: UUID | None = None, precision_ms: int = 1) -> int | None:
        return self._on_starter(
            key, skater, lambda race, sid: race.record_finish(sid, at_ms, source, fid, precision_ms))

    @retried
    def record_sprint(self, key: str, lap: int, skaters: Sequence[str]) -> int | None:
        """The order of crossing at the sprint after ``lap`` of a mass start, first first."""
        return self._on_race(key, lambda race: race.record_sprint(
            lap, [self.entered(race, name) for name in skaters]))

    @retried
    def report_place(self, key: str, skater: str, place: int, source: str = "list") -> int | None:
        return self._on_starter(key, skater, lambda race, sid: race.report_place(sid, place, source))

    @retried
    def know_bests(self, key: str, skater: str, pb_ms: int | None, sb_ms: int | None,
                   source: str) -> int | None:
        """The skater's personal and season best at the race's distance, as ``source`` knew them
        before the race (a baseline for derived PB and SB marks)."""
        return self._on_starter(key, skater, lambda race, sid: race.know_bests(
            sid, pb_ms, sb_ms, season_of(race.sheet.day), source), source=source)

    @retried
    def record_fall(self, key: str, skater: str, metres: int | None, went_on: bool,
                    reason: str | None = None) -> int | None:
        return self._on_starter(key, skater, lambda race, sid: race.record_fall(
            sid, metres, went_on, reason=reason), reason=reason)

    @retried
    def record_dnf(self, key: str, skater: str, metres_reached: int | None = None,
                   reason: str | None = None) -> int | None:
        return self._on_starter(key, skater, lambda race, sid: race.record_dnf(
            sid, metres_reached, reason), reason=reason)

    @retried
    def record_dns(self, key: str, skater: str, reason: str | None = None) -> int | None:
        return self._on_starter(key, skater, lambda race, sid: race.record_dns(sid, reason),
                                reason=reason)

    @retried
    def record_withdrawal(self, key: str, skater: str, reason: str | None = None) -> int | None:
        return self._on_starter(key, skater, lambda race, sid: race.record_withdrawal(sid, reason),
                                reason=reason)

    @retried
    def disqualify(self, key: str, skater: str, rule: str, author: str | None = None) -> int | None:
        return self._on_starter(key, skater, lambda race, sid: race.disqualify(sid, rule, author),
                                rule=rule, author=author)

    @retried
    def grant_reskate(self, key: str, skater: str, reason: str, author: str,
                      pair: int | None = None, lane: str | None = None) -> int | None:
        """A re-skate, in ``pair`` (default: the skater's own) and the ``lane`` the referee gave
        (None: not known; the ledger does not pick one)."""
        return self._on_starter(key, skater, lambda race, sid: race.grant_reskate(
            sid, reason, author, pair, race.sheet.attempt_of(sid), lane), reason=reason,
            author=author)

    @retried
    def correct_draw(self, key: str, pair: int, inner: str | None, outer: str | None,
                     reason: str, author: str) -> int | None:
        """The referee corrects the draw of ``pair``: these skaters, in these lanes, from now on;
        the fact names the draw it supersedes (``rules.check_draw_correction``)."""
        def redraw(race: Race) -> None:
            lanes = [self.entered(race, name) if name else None for name in (inner, outer)]
            race.correct_draw(pair, lanes[0], lanes[1], reason, author)
        return self._on_race(key, redraw, reason=reason, author=author)

    @retried
    def correct_lanes(self, key: str, pair: int, inner: Sequence[str], outer: Sequence[str],
                      reason: str, author: str) -> int | None:
        """The referee corrects the draw of ``pair`` with the skaters of each lane, in order: a
        pair of one a lane as :meth:`correct_draw`, a quartet start (two a lane) as well."""
        def redraw(race: Race) -> None:
            lanes = [[self.entered(race, n) for n in names if n] for names in (inner, outer)]
            race.correct_lanes(pair, lanes[0], lanes[1], reason, author)
        return self._on_race(key, redraw, reason=reason, author=author)

    @retried
    def correct_time(self, key: str, target: UUID, at_ms: int, reason: str,
                     author: str) -> int | None:
        return self._on_race(key, lambda race: race.correct_time(target, at_ms, reason, author),
                             reason=reason, author=author)

    @retried
    def void_fact(self, key: str, target: UUID, reason: str, author: str) -> int | None:
        return self._on_race(key, lambda race: race.void_fact(target, reason, author),
                             reason=reason, author=author)

    @retried
    def declare_official(self, key: str, author: str, announced_at: datetime | None = None,
                         forced_reason: str | None = None) -> int | None:
        """``forced_reason``: the referee declares the results official although drawn pairs
        have not skated (``record official --force --reason``)."""
        return self._on_race(key, lambda race: race.declare_official(
            author, announced_at or datetime.now().astimezone(), forced_reason),
            author=author, reason=forced_reason)

    @retried
    def record_officials(self, key: str, referee: str | None, starter: str | None,
                         author: str | None = None) -> int | None:
        """The race's referee and starter (a name left out stays as recorded)."""
        return self._on_race(key, lambda race: race.record_officials(
            referee and referee.strip(), starter and starter.strip(), author),
            referee=referee, starter=starter, author=author)

    @retried
    def record_conditions(self, key: str, at: str, ice_temp_dc: int | None,
                          air_temp_dc: int | None, humidity_pct: int | None,
                          author: str | None = None) -> int | None:
        """The ice and air at the start or end of the race (tenths of a degree; percent)."""
        return self._on_race(key, lambda race: race.record_conditions(
            at, ice_temp_dc, air_temp_dc, humidity_pct, author), author=author)

    def find_fact(self, key: str, skater: str, kind: FactKind | str,
                  metres: int | None = None) -> Fact:
        """The live fact of a skater's current race that a correction names: a finish or a passing."""
        race = self.race(key)
        sid = self.entered(race, skater)
        attempt = race.sheet.attempt_of(sid)
        for fact in race.sheet.live_facts(sid, attempt=attempt):
            if fact.kind == kind and (metres is None or fact.metres == metres):
                return fact
        where = f" at {metres} m" if metres is not None else ""
        raise UnknownFactError(f"{key} holds no {kind}{where} for {skater!r} to correct")


def stamp_pending(aggregate: Aggregate, moment: datetime, start: int = 0) -> None:
    """Give the aggregate's unsaved events from the ``start``-th on their known-at moment (those
    without one), and a race's facts of them the same ``recorded_at`` a fold of the stored events
    gives them."""
    events = aggregate.pending_events[start:]
    stamp_known_at(events, moment)
    if isinstance(aggregate, Race):
        facts = aggregate.sheet.facts
        for event in events:
            fact = facts.get(getattr(event, "fact_id", None))  # type: ignore[arg-type]  # None finds none
            if fact is not None and fact.seq == event.originator_version:
                fact.recorded_at = known_at_of(event)
