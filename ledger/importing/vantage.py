"""Vantage timing event streams (design/interfaces.md, "Vantage streams"): one JSON event a line.

Emando Vantage publishes a race day as a stream of change events, each a JSON object naming its
``typeName``. Times are ticks of 100 ns since the heat's start; they become integer milliseconds by
truncation. A stream is imported like any file (:mod:`ledger.importing`; its lines are read by
:mod:`ledger.formats.vantage`): the facts are applied to
aggregates in memory, through the same commands a live official uses, and saved in one
transaction; a refused line raises an error naming the file and line, and nothing is saved.

What each ``typeName`` becomes:

- ``CompetitionActivatedEvent`` → ``Competition.Scheduled`` (name, venue, first and last day);
- ``DistanceActivatedEvent`` → ``Race.Scheduled`` (distance, category, day, discipline: individual
  distances, and team pursuit with passing points every half lap; a distance given in laps is
  laps × track length), and ``Race.OfficialsRecorded`` (``referee1`` and ``starter``) and
  ``Race.ConditionsRecorded`` (``startWeather``/``endWeather``: track and air temperature,
  humidity) when the distance names them;
- ``HeatActivatedEvent`` → ``Skater.Registered`` (name, nation; a team is registered like a
  skater, and its members, when the stream names them, as skaters in ``Race.TeamMembersNamed``),
  ``Race.StarterEntered`` and ``Race.PairDrawn`` (the heat is the pair; lane 0 inner, 1 outer);
  the ``personalBest`` and ``seasonBest`` a competitor carries → ``Race.BestsKnown``, the bests
  known before the race (baselines of derived marks, not marks);
- ``HeatStartedEvent`` → ``Race.Started``; ``HeatClearedEvent`` → ``Race.ClockCleared`` when the
  stream had started the heat (or given it laps);
- ``RaceLapAddedEvent`` → ``Race.PassingRecorded``: a lap is a passing at a passing point, from one
  source (transponder, optical, photo finish) with its device time. The n-th lap of a source is
  at the n-th passing point, as Vantage counts them, unless the lap carries a ``fixedIndex``; laps
  beyond the distance (after the finish) are not at a passing point and are left out;
- ``LastPresentedRaceLapChangedEvent`` → ``Race.SourcePresented`` (which passing is shown); when
  the stream presents another passing at the same point, the earlier presentation is superseded by
  a ``Race.TimeCorrected`` (author "Vantage") before the new ``SourcePresented``;
- ``HeatCommittedEvent`` → ``Race.FinishRecorded`` (the committed time, with its source), or DNS,
  DNF, DQ or WDR from the result's ``timeInvalidReason``; a later commit of another time is a
  ``Race.TimeCorrected`` of the finish (author "Vantage").

Left out, because they hold no fact of ours: ``RacePassingAddedEvent`` (raw loop detections; the
ones at a passing point arrive again as laps, the others lie between passing points),
``LastRaceSpeedChangedEvent`` (a speed derived from passings), ``RaceNextLapIndexChangedEvent`` and
``HeatNextLapIndexChangedEvent`` (the lap a display expects next), ``HeatDeactivatedEvent`` and
``DistanceDeactivatedEvent`` (what the display shows). Any other type is refused, so that no fact
(a lap update, say) is dropped unnoticed.

Ids are deterministic (docs/decisions/0003-ids.md): each fact's id is made from the stream's own
ids (the Vantage race id of a competitor in a heat, the heat's start moment) and its sequence
numbers (the n-th lap of a source, the n-th presentation at a point), so importing a stream again
appends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import attrs

from ledger.application import Ledger, stamp_pending
from ledger.domain.competition import Competition
from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.domain.race import Race
from ledger.domain.record import season_of
from ledger.domain.rules import check_race_day
from ledger.domain.timing import format_time
from ledger.domain.values import fact_id, parse_category, race_id, race_key
from ledger.formats.vantage import (
    DISCIPLINES,
    IGNORED,
    LAPS,
    LENGTH,
    LONGEST_M,
    NOT_EVIDENCED,
    OUTCOMES,
    Event,
    day,
    items,
    moment,
    ms_of,
    obj,
    opt_obj,
    opt_text,
    opt_whole,
    order,
    read_events,
    recorded_moment,
    source_of,
    text,
    whole,
)
from ledger.importing.batch import Batch, at_line

AUTHOR: Final = "Vantage"
LABELS: Final = {"individual": None, "team-pursuit": "Team pursuit"}


def import_vantage(app: Ledger, path: Path | str, batch: Batch | None = None) -> int | None:
    """Record the facts of one Vantage stream; the last position appended, or None if nothing new.

    Each fact is known at the moment of the stream event it comes from (its ``_time``, the
    recorder's clock; decision 0014); an event without one leaves its facts known at the store's
    time. With a ``batch``, the facts join it and nothing is saved: the caller saves several
    files at once."""
    name = str(path)
    shared = batch is not None
    stream = VantageStream(batch or Batch(app))
    stream.batch.ranked = True  # one transaction; skaters before races (``save_rank``)
    # per aggregate: how many of its new events have their moment (those of files before this one
    # in a shared batch keep theirs)
    stamped: dict[UUID, int] = {aid: len(a.pending_events) for aid, a in stream.batch.loaded.items()}
    for number, event in read_events(Path(path)):
        with at_line(name, number, app):
            known = recorded_moment(event)
            stream.apply(event)
            for aid, aggregate in stream.batch.loaded.items():
                done, pending = stamped.get(aid, 0), len(aggregate.pending_events)
                if pending > done:
                    if known is not None:
                        stamp_pending(aggregate, known, done)
                    stamped[aid] = pending
    return None if shared else stream.batch.save()


# -- the stream's own state ---------------------------------------------------------------------
@attrs.define
class Heat:
    """A pair as the stream runs it: which start its passings belong to."""

    race: Race
    pair: int
    started: str | None = None  # the running start's moment, as the stream gives it
    clears: int = 0  # clock clears since that start
    running: bool = False
    competitors: list[Competitor] = attrs.Factory(list)

    @property
    def run(self) -> str:
        """Which run of the pair a passing belongs to (a clear and a new start begin another)."""
        return f"{self.started or '-'}/{self.clears}"


@attrs.frozen
class Lap:
    metres: int
    ticks: int
    fid: UUID
    source: str
    device: str


@attrs.frozen
class Shown:
    """The presentation at one passing point: the passing shown, its fact, how many so far."""

    lap: Lap
    fid: UUID
    count: int


@attrs.define
class Competitor:
    """One Vantage race: a skater (or a team) in a heat."""

    vantage_id: str
    skater: UUID
    heat: Heat
    lap_counts: dict[tuple[str, str], int] = attrs.Factory(dict)
    laps: list[Lap] = attrs.Factory(list)
    shown: dict[int, Shown] = attrs.Factory(dict)

    @property
    def race(self) -> Race:
        return self.heat.race

    def new_run(self) -> None:
        self.lap_counts.clear()
        self.laps.clear()
        self.shown.clear()

    def fid(self, *parts: object) -> UUID:
        return fact_id(self.race.id, "vantage", self.vantage_id, self.heat.run, *parts)


class VantageStream:
    """Applies a stream's events, in order, to the aggregates of one import."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.competitions: dict[str, Competition] = {}
        self.distances: dict[str, Race] = {}
        self.heats: dict[tuple[str, int], Heat] = {}
        self.competitors: dict[str, Competitor] = {}
        self.values: dict[UUID, int] = {}  # the last time the stream gave each timed fact
        self.changes: dict[UUID, int] = {}  # how often the stream changed it
        self.handlers: dict[str, Callable[[Event], None]] = {
            "CompetitionActivatedEvent": self.competition_activated,
            "DistanceActivatedEvent": self.distance_activated,
            "HeatActivatedEvent": self.heat_activated_event,
            "HeatStartedEvent": self.heat_started,
            "HeatClearedEvent": self.heat_cleared,
            "RaceLapAddedEvent": self.lap_added,
            "LastPresentedRaceLapChangedEvent": self.presented_lap_changed,
            "HeatCommittedEvent": self.heat_committed,
        }

    def apply(self, event: Event) -> None:
        kind = event["typeName"]
        if kind in IGNORED:
            return
        handler = self.handlers.get(kind)
        if handler is None:
            raise InvalidInputError(f"event type {kind!r} is not supported (yet)")
        handler(event)

    # -- finding what an event names --------------------------------------------------------
    def competition_of(self, event: Event) -> Competition:
        cid = text(event, "competitionId")
        if cid not in self.competitions:
            raise InvalidInputError(f"competition {cid} was not activated earlier in the stream")
        return self.competitions[cid]

    def distance_of(self, event: Event) -> tuple[str, Race]:
        did = text(event, "distanceId")
        if did not in self.distances:
            raise InvalidInputError(f"distance {did} was not activated earlier in the stream")
        return did, self.distances[did]

    def heat_key(self, event: Event) -> tuple[tuple[str, int], Race]:
        did, race = self.distance_of(event)
        heat = obj(event, "heat")
        if whole(heat, "round", 1) != 1:
            raise InvalidInputError("heats of a round other than 1 are not supported")
        return (did, whole(heat, "number", 1)), race

    def heat_of(self, event: Event) -> Heat:
        key, _ = self.heat_key(event)
        if key not in self.heats:
            raise InvalidInputError(f"heat {key[1]} was not activated earlier in the stream")
        return self.heats[key]

    def competitor_of(self, event: Event) -> Competitor:
        vid = text(event, "raceId")
        if vid not in self.competitors:
            raise InvalidInputError(f"race {vid} is in no heat activated earlier in the stream")
        return self.competitors[vid]

    # -- the handlers -----------------------------------------------------------------------
    def competition_activated(self, event: Event) -> None:
        cid = text(event, "competitionId")
        competition = obj(event, "competition")
        discipline = opt_text(competition, "discipline")
        if discipline not in (None, "SpeedSkating.LongTrack"):
            raise InvalidInputError(f"competition discipline {discipline!r} is not long track")
        venue = opt_obj(competition, "venue")
        first = day(text(competition, "starts"), "starts")
        ends = opt_text(competition, "ends")
        last = day(ends, "ends") if ends else first
        if last < first:
            raise InvalidInputError("the competition ends before it starts")
        self.competitions[cid] = self.batch.competition(
            text(competition, "name"), opt_text(venue, "name") if venue else None, first, last)

    def distance_activated(self, event: Event) -> None:
        comp = self.competition_of(event)
        did = text(event, "distanceId")
        distance = obj(event, "distance")
        name = text(distance, "name")
        vantage_discipline = text(distance, "discipline")
        if vantage_discipline in NOT_EVIDENCED:
            raise InvalidInputError(f"{name}: {NOT_EVIDENCED[vantage_discipline]}")
        if vantage_discipline not in DISCIPLINES:
            raise InvalidInputError(f"{name}: {vantage_discipline} is not supported yet "
                                    "(individual distances and team pursuit are)")
        discipline = DISCIPLINES[vantage_discipline]
        track_m = whole(distance, "trackLength", 1)
        if track_m != comp.track_m:
            raise InvalidInputError(f"{name}: track length {track_m} m is not the competition's "
                                    f"{comp.track_m} m")
        value, quantity = whole(distance, "value", 1), whole(distance, "valueQuantity")
        if quantity not in (LENGTH, LAPS):
            raise InvalidInputError(f"{name}: valueQuantity {quantity} is neither metres nor laps")
        metres = value if quantity == LENGTH else value * track_m
        if metres > LONGEST_M:
            raise InvalidInputError(f"{name}: {metres} m is not a long-track distance")
        category = parse_category(name.split()[0])
        self.distances[did] = self.race(comp, metres, category, day(text(distance, "starts"), "starts"),
                                        discipline)
        self.officials(did, self.distances[did], distance)

    def officials(self, did: str, race: Race, distance: Mapping[str, Any]) -> None:
        """The distance's referee (``referee1``; ``referee2`` assists) and starter, and its
        ``startWeather``/``endWeather`` where the stream gives them (none of ours does). The ids
        hold the values: the same again is a retransmission, others a correction."""
        referee, starter = opt_text(distance, "referee1"), opt_text(distance, "starter")
        if referee or starter:
            race.record_officials(referee or None, starter or None, None, "vantage",
                                  fact_id(race.id, "vantage", did, "officials", referee, starter))
        for at, key in (("start", "startWeather"), ("end", "endWeather")):
            weather = opt_obj(distance, key) or {}
            values = (tenths_of(weather, "trackTemperature"), tenths_of(weather, "airTemperature"),
                      percent_of(weather, "humidity"))
            if any(v is not None for v in values):
                race.record_conditions(at, *values, None, "vantage",
                                       fact_id(race.id, "vantage", did, "conditions", at, *values))

    def race(self, comp: Competition, distance_m: int, category: str, on: date,
             discipline: str) -> Race:
        """The race of this distance on that day (as :meth:`Batch.race`, with its discipline)."""
        label = LABELS[discipline]
        base = race_key(comp.slug, category, distance_m, label)
        for n in range(1, 100):
            key = base if n == 1 else f"{base}-{n}"
            race: Race | None = self.batch.find(race_id(key))
            if race is None:
                check_race_day(comp.slug, date.fromisoformat(comp.first_day),
                               date.fromisoformat(comp.last_day), on)
                return self.batch.get_or_create(race_id(key), lambda k=key: Race(  # type: ignore[misc]  # key bound now
                    key=k, competition_id=comp.id, competition=comp.slug, day=on.isoformat(),
                    distance_m=distance_m, category=category, label=label, track_m=comp.track_m,
                    discipline=discipline))
            if race.sheet.day == on:
                if race.sheet.discipline != discipline:
                    raise InvalidInputError(f"{key} is in the ledger as a {race.sheet.discipline} race")
                return race
        raise LedgerError(f"too many races named {base}")

    def heat_activated_event(self, event: Event) -> None:
        self.heat_activated(event)

    def heat_activated(self, event: Event, committing: bool = False) -> Heat:
        key, race = self.heat_key(event)
        races = items(event, "races")
        if not 1 <= len(races) <= 2:
            raise InvalidInputError(f"heat {key[1]} has {len(races)} races; a pair has one or two")
        lanes: dict[int, tuple[str, UUID]] = {}
        for entry in races:
            if not isinstance(entry, dict):
                raise InvalidInputError("a race of the heat is not an object")
            if not committing and (items(entry, "laps") or items(entry, "passings")):
                raise InvalidInputError("the heat is activated with laps already run (a recording "
                                        "joined mid-race); import the stream from the heat's start")
            detail = obj(entry, "race")
            lane = whole(detail, "lane")
            if lane not in (0, 1) or lane in lanes:
                raise InvalidInputError(f"lane {lane} is not a free lane 0 (inner) or 1 (outer)")
            if opt_whole(detail, "heat", 1) not in (None, key[1]):
                raise InvalidInputError(f"a race of heat {key[1]} names heat {detail['heat']}")
            lanes[lane] = (text(detail, "id"), self.register(race, obj(detail, "competitor")))
            self.bests(race, lanes[lane][0], lanes[lane][1], detail)
        inner, outer = lanes.get(0), lanes.get(1)
        race.draw_pair(key[1], inner[1] if inner else None, outer[1] if outer else None, True)
        heat = self.heats.setdefault(key, Heat(race, key[1]))
        for vid, sid in lanes.values():
            known = self.competitors.get(vid)
            if known is not None and (known.skater != sid or known.heat is not heat):
                raise InvalidInputError(f"race {vid} is already another competitor or heat")
            if known is None:
                self.competitors[vid] = competitor = Competitor(vid, sid, heat)
                heat.competitors.append(competitor)
        return heat

    def register(self, race: Race, competitor: dict[str, Any]) -> UUID:
        """Register the skater or team and enter it; a team's members when the stream names them."""
        name = opt_text(competitor, "fullName") or text(competitor, "name")
        sid = self.batch.skater(name, opt_text(competitor, "nationalityCode"), None, None)
        race.enter_starter(sid)
        members = items(competitor, "members")
        if members:
            race.name_team_members(sid, [self.member(m) for m in sorted(members, key=order)])
        return sid

    def bests(self, race: Race, vid: str, sid: UUID, detail: Mapping[str, Any]) -> None:
        """The personal and season best the stream carries for the competitor: a baseline known
        before this race (Race.BestsKnown), not a mark. The first the stream gives stands (a later
        one may already hold this race's time); none given, none recorded."""
        pb, sb = opt_whole(detail, "personalBest", 1), opt_whole(detail, "seasonBest", 1)
        fid = fact_id(race.id, "vantage", vid, "bests")
        if (pb is None and sb is None) or race.has(fid):
            return
        race.know_bests(sid, ms_of(pb) if pb else None, ms_of(sb) if sb else None,
                        season_of(race.sheet.day), "vantage", fid)

    def member(self, member: object) -> UUID:
        """A team member: a person competitor, or a link holding one under ``member``."""
        if not isinstance(member, dict):
            raise InvalidInputError("a team member is not an object")
        link = member.get("member")
        person: dict[str, Any] = link if isinstance(link, dict) else member
        name = opt_text(person, "fullName")
        if name is None:
            raise InvalidInputError("a team member has no fullName")
        return self.batch.skater(name, opt_text(person, "nationalityCode"), None, None)

    def heat_started(self, event: Event) -> None:
        heat = self.heat_of(event)
        started = text(event, "started")
        signal = moment(started, "started")
        heat.race.start(heat.pair, signal, fact_id(heat.race.id, "vantage", "start", heat.pair, started))
        heat.started, heat.clears, heat.running = started, 0, True
        for competitor in heat.competitors:
            competitor.new_run()

    def heat_cleared(self, event: Event) -> None:
        heat = self.heat_of(event)
        if heat.running or any(c.laps for c in heat.competitors):
            fid = fact_id(heat.race.id, "vantage", "clear", heat.pair, heat.run)
            heat.race.clear_clock(heat.pair, "the heat was cleared (Vantage HeatClearedEvent)", fid)
            heat.clears += 1
        heat.running = False
        for competitor in heat.competitors:
            competitor.new_run()

    def lap_added(self, event: Event) -> None:
        competitor = self.competitor_of(event)
        lap = obj(event, "lap")
        if opt_text(lap, "raceId") not in (None, competitor.vantage_id):
            raise InvalidInputError("the lap names another race than the event")
        device = obj(lap, "presentationSource")
        source = source_of(device)
        how = text(device, "how")
        appliance = " ".join(filter(None, (opt_text(device, "applianceName"),
                                           opt_text(device, "applianceInstanceName"))))
        ticks = whole(lap, "time", 1)
        index = opt_whole(lap, "fixedIndex")
        if index is None:
            index = competitor.lap_counts.get((how, appliance), 0)
            competitor.lap_counts[(how, appliance)] = index + 1
        points = competitor.race.sheet.points
        if index >= len(points):
            return  # after the finish: Vantage counts no more laps than the distance has
        metres, at_ms = points[index], ms_of(ticks)
        fid = competitor.fid("lap", how, appliance, index)
        race, sid = competitor.race, competitor.skater
        self.timed(race, fid, at_ms, lambda: race.record_passing(sid, metres, at_ms, source, fid,
                                                                 at_line=True),
                   f"Vantage gave the {source} passing at {metres} m again, at another time")
        competitor.laps.append(Lap(metres, ticks, fid, source, appliance or how))

    def presented_lap_changed(self, event: Event) -> None:
        competitor = self.competitor_of(event)
        lap = obj(event, "lap")
        metres, ticks = whole(lap, "passedLength", 1), whole(lap, "time", 1)
        race = competitor.race
        if metres not in race.sheet.points:
            raise InvalidInputError(f"the presented lap at {metres} m is not at a passing point")
        matching = [p for p in competitor.laps if p.metres == metres and p.ticks == ticks]
        if not matching:
            raise InvalidInputError(f"the presented time at {metres} m "
                                    f"({format_time(ms_of(ticks), thousandths=True)}) is none of the "
                                    "passings the stream gave there")
        shown, before = matching[-1], competitor.shown.get(metres)
        if before is not None and before.lap.fid == shown.fid:
            return
        count = before.count + 1 if before else 1
        if before is not None:
            reason = (f"Vantage presents the {shown.source} passing ({shown.device}) at {metres} m "
                      f"instead of the {before.lap.source} passing ({before.lap.device})")
            race.correct_time(before.fid, ms_of(ticks), reason, AUTHOR,
                              competitor.fid("presentation-changed", metres, count))
        fid = competitor.fid("presented", metres, count)
        race.present_source(competitor.skater, metres, shown.fid, fid)
        competitor.shown[metres] = Shown(shown, fid, count)

    def heat_committed(self, event: Event) -> None:
        key, _ = self.heat_key(event)
        heat = self.heats.get(key) or self.heat_activated(event, committing=True)
        for entry in items(event, "races"):
            detail = obj(entry, "race") if isinstance(entry, dict) else {}
            competitor = self.competitors.get(text(detail, "id"))
            if competitor is None or competitor.heat is not heat:
                raise InvalidInputError(f"race {detail['id']} is not a race of heat {heat.pair}")
            self.commit(competitor, opt_obj(detail, "time"), opt_obj(detail, "result"))

    def commit(self, competitor: Competitor, time: dict[str, Any] | None,
               result: dict[str, Any] | None) -> None:
        race, sid = competitor.race, competitor.skater
        reason = result.get("timeInvalidReason") if result else None
        outcome = None
        if reason is not None:
            if not isinstance(reason, int | str) or isinstance(reason, bool) or reason not in OUTCOMES:
                raise InvalidInputError(f"timeInvalidReason {reason!r} is not one this reader knows")
            outcome = OUTCOMES[reason]
        if time is not None and outcome in (None, "DQ"):
            at_ms, source = ms_of(whole(time, "time", 1)), source_of(time)
            fid = competitor.fid("finish")
            self.timed(race, fid, at_ms, lambda: race.record_finish(sid, at_ms, source, fid),
                       f"Vantage committed heat {competitor.heat.pair} again: {source} "
                       f"{format_time(at_ms, thousandths=True)}")
        fid = competitor.fid("outcome", outcome)
        if outcome == "DNS":
            race.record_dns(sid, "did not start (Vantage)", fid)
        elif outcome == "DNF":
            race.record_dnf(sid, None, "did not finish (Vantage)", fid)
        elif outcome == "WDR":
            race.record_withdrawal(sid, "withdrawn (Vantage)", fid)
        elif outcome == "DQ":
            race.disqualify(sid, "disqualified (as Vantage committed it; no rule given)", None, fid)

    def timed(self, race: Race, fid: UUID, at_ms: int, record: Callable[[], None],
              reason: str) -> None:
        """Record a timed fact the first time the stream gives it; a later, different time from the
        stream is a correction (author "Vantage"). Re-imported, both are found already recorded."""
        last = self.values.get(fid)
        self.values[fid] = at_ms
        held = race.sheet.facts.get(fid)
        if held is not None and held.voided:
            return  # recorded, and since voided (its clock was cleared)
        if last is None:
            record()  # the same time again appends nothing; another one is refused
        elif last != at_ms:
            self.changes[fid] = count = self.changes.get(fid, 0) + 1
            race.correct_time(fid, at_ms, reason, AUTHOR,
                              fact_id(race.id, "vantage", "changed", fid, count))


def tenths_of(weather: Mapping[str, Any], key: str) -> int | None:
    """A temperature of the stream (°C, a number or null) in tenths of a degree."""
    value = weather.get(key)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidInputError(f"{key} {value!r} is not a temperature")
    return round(value * 10)


def percent_of(weather: Mapping[str, Any], key: str) -> int | None:
    value = weather.get(key)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidInputError(f"{key} {value!r} is not a percentage")
    return round(value)
