"""Synthetic seasons for benchmarks and tests: a deterministic generator of plausible race days.

Everything is clearly synthetic: skaters "Skater 0001" …, competitions "Synthetic Cup 01" …, at
"Synthetic Rink". Each competition holds six to ten races (500 m to 10000 m, men and women); each
race has its starters entered and drawn in pairs (inner and outer lane, the odd skater alone),
then pair by pair the start signal (sometimes a false start and a second signal), the passings at
every passing point (``ledger.domain.timing.passing_points``) with increasing, plausible times, and the
finish, in race-clock order. Some skaters fall (and go on, or do not finish), some do not start,
some are disqualified; some finishes and passings are corrected, some duplicate manual passings
are voided, and most races are declared official (a few corrected afterwards).

Facts go through the Race aggregate's commands (so the ledger's rules decide every one of them), and
each race is saved in one transaction with any competition or skater it brings in, as a file import
does (``ledger.importing.Batch``). The same seed gives the same events in the same order; only the
recorded times (the library stamps each event when it is made) differ from run to run.

    python -m scripts.demo.generate --db season.db --events 100000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.competition import Competition
from ledger.domain.race import Race
from ledger.domain.skater import Skater
from ledger.domain.timing import passing_points
from ledger.domain.values import RaceRules, competition_slug, race_key, skater_id

VENUE = "Synthetic Rink"
REFEREE = "Referee Synthetic"
NATIONS = ("NED", "NOR", "JPN", "USA", "CAN", "GER", "ITA", "KOR", "CHN", "POL", "CZE", "BEL")
DISTANCES = (500, 1000, 1500, 3000, 5000, 10000)
CATEGORIES = ("men", "women")
#: Average pace in ms per metre (men); women are 7% slower.
PACE = {500: 72, 1000: 70, 1500: 72, 3000: 77, 5000: 78, 10000: 80}
#: How many starters a race of that distance has (inclusive range).
FIELD = {500: (12, 20), 1000: (12, 20), 1500: (12, 20), 3000: (8, 16), 5000: (8, 14),
         10000: (6, 10)}
FIRST_DAY = date(2025, 10, 3)


@attrs.define
class Generated:
    """What one run wrote."""

    events: int = 0
    races: int = 0
    competitions: int = 0
    skaters: int = 0
    last_position: int = 0
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@attrs.frozen
class SyntheticSkater:
    name: str
    nation: str
    skill: float  # fraction of the pace gained (+) or lost (-)


class Season:
    """The deterministic plan: competitions, races and skaters drawn from one random generator."""

    def __init__(self, seed: int, pool: int) -> None:
        self.rng = random.Random(seed)
        self.skaters = [SyntheticSkater(f"Skater {n:04d}", self.rng.choice(NATIONS),
                                        self.rng.gauss(0.0, 0.02)) for n in range(1, pool + 1)]

    def program(self) -> list[tuple[int, str, int]]:
        """(distance, category, day 0 or 1) of each race of one competition."""
        kinds = [(d, c) for d in DISTANCES for c in CATEGORIES]
        chosen = self.rng.sample(kinds, self.rng.randint(6, 10))
        chosen.sort(key=lambda k: (k[0] > 1500, DISTANCES.index(k[0]), k[1]))
        return [(d, c, 0 if d <= 1500 else 1) for d, c in chosen]

    def field(self, distance: int) -> list[SyntheticSkater]:
        low, high = FIELD[distance]
        return self.rng.sample(self.skaters, min(len(self.skaters), self.rng.randint(low, high)))


def generate(app: Ledger, *, events: int | None = None, races: int | None = None, seed: int = 0,
             pool: int | None = None, first_cup: int = 1,
             on_race: Callable[[Generated], None] | None = None) -> Generated:
    """Write a synthetic season into ``app``: at least ``events`` events (it stops after the race
    that reaches them) or exactly ``races`` races; the same seed gives the same events. A second
    season written into the same ledger needs another ``first_cup`` (competitions are numbered
    from it)."""
    if events is None and races is None:
        raise ValueError("give events or races")
    target_races = races if races is not None else max(1, (events or 0) // 130)
    season = Season(seed, pool or max(24, min(600, target_races // 4)))
    done = Generated()
    registered: set[UUID] = set()
    started = time.perf_counter()
    number = first_cup - 1
    while True:
        number += 1
        first_day = FIRST_DAY + timedelta(days=7 * (number - 1))
        name = f"Synthetic Cup {number:02d}"
        slug = competition_slug(name, first_day)
        comp: Competition | None = Competition(
            slug=slug, name=name, venue=VENUE, first_day=first_day.isoformat(),
            last_day=(first_day + timedelta(days=1)).isoformat(), track_m=400)
        done.competitions += 1
        for distance, category, day_offset in season.program():
            day = first_day + timedelta(days=day_offset)
            field = season.field(distance)
            new: list[Aggregate] = [comp] if comp is not None else []
            comp = None
            for s in field:
                sid = skater_id(s.name)
                if sid not in registered:
                    registered.add(sid)
                    if sid in app.repository:  # registered by an earlier run
                        continue
                    new.append(Skater(name=s.name, nation=s.nation, club=None, hometown=None))
                    done.skaters += 1
            key = race_key(slug, category, distance, None)
            race = Race(key=key, competition_id=Competition.create_id(slug), competition=slug,
                        day=day.isoformat(), distance_m=distance, category=category, label=None,
                        track_m=400)
            run_race(race, season.rng, field, day, app.rules)
            new.append(race)
            done.events += sum(len(a.pending_events) for a in new)
            done.last_position = app.save_new(*new) or done.last_position
            done.races += 1
            done.seconds = time.perf_counter() - started
            if on_race is not None:
                on_race(done)
            if (races is not None and done.races >= races) or (
                    races is None and events is not None and done.events >= events):
                return done


def run_race(race: Race, rng: random.Random, field: list[SyntheticSkater], day: date,
             rule_set: RaceRules) -> None:
    """Every fact of one race, through the aggregate's commands (the rules decide each one;
    ``rule_set``: the ledger's configurable rules, ``Ledger.rules``)."""
    distance = race.sheet.distance_m
    women = race.sheet.category == "women"
    ids = [skater_id(s.name) for s in field]
    for sid in sorted(ids):
        race.enter_starter(sid)
    pairs: list[list[tuple[SyntheticSkater, UUID]]] = []
    for i in range(0, len(field), 2):
        pairs.append(list(zip(field[i:i + 2], ids[i:i + 2], strict=True)))
    for number, pair in enumerate(pairs, start=1):
        if len(pair) == 2:
            race.draw_pair(number, pair[0][1], pair[1][1])
        elif rng.random() < 0.5:
            race.draw_pair(number, pair[0][1], None)
        else:
            race.draw_pair(number, None, pair[0][1])
    signal = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=13)
    finished: list[UUID] = []
    for number, pair in enumerate(pairs, start=1):
        at = signal + timedelta(minutes=(4 if distance <= 1500 else 10) * number)
        finished += skate_pair(race, rng, number, pair, distance, women, at, rule_set)
    # the referee's work after the race: corrections, voids, disqualifications, the declaration
    for sid in finished:
        roll = rng.random()
        if roll < 0.04:
            fact = race.sheet.finish(sid, 1)
            assert fact is not None
            assert fact.ms is not None
            race.correct_time(fact.fact_id, fact.ms + rng.choice((-7, -3, 2, 5, 11, 24)),
                              "photo-finish read again", REFEREE)
        elif roll < 0.06:
            passings = race.sheet.passings(sid, 1)
            if passings and passings[-1].ms is not None:
                race.correct_time(passings[-1].fact_id, passings[-1].ms - rng.randint(1, 9),
                                  "transponder offset", REFEREE)
        elif roll < 0.085:
            race.disqualify(sid, "ISU 256: leaving the lane", REFEREE)
    if rng.random() < 0.9:
        race.declare_official(REFEREE, at + timedelta(minutes=20))
        if finished and rng.random() < 0.05:
            fact = race.sheet.finish(rng.choice(finished), 1)
            if fact is not None and fact.ms is not None:
                race.correct_time(fact.fact_id, fact.ms + 1, "late protest upheld", REFEREE)


def skate_pair(race: Race, rng: random.Random, number: int,
               pair: list[tuple[SyntheticSkater, UUID]], distance: int, women: bool,
               signal_at: datetime, rule_set: RaceRules) -> list[UUID]:
    """One pair's facts in race-clock order; the skaters who finished."""
    racing = []
    for skater, sid in pair:
        if rng.random() < 0.015:
            race.record_dns(sid, "not at the start")
        else:
            racing.append((skater, sid))
    if not racing:
        return []
    race.start(number, signal_at)
    if rng.random() < 0.03:
        race.false_start(racing[rng.randrange(len(racing))][1], rule_set)
        race.start(number, signal_at + timedelta(seconds=40))
    timed: list[tuple[int, int, Callable[[], None]]] = []
    finished = []
    points = [p for p in passing_points(distance) if p < distance]
    for lane, (skater, sid) in enumerate(racing):
        pace = PACE[distance] * (1.07 if women else 1.0) * (1 - skater.skill)
        pace *= 1 + rng.gauss(0.0, 0.01)
        fate = rng.random()
        fall_at = rng.randrange(len(points) + 1) if fate < 0.035 else None
        finish = int(distance * pace)
        opening = 1500
        for i, metres in enumerate(points):
            ms = opening + (finish - opening) * metres // distance + rng.randint(-40, 40)
            if fall_at is not None and i >= fall_at:
                ms += 3000  # got up and went on
            if fall_at == i:
                where = metres - rng.randint(20, 150)
                timed.append((ms - 2500, lane, partial(race.record_fall, sid, max(where, 0),
                                                       fate >= 0.02)))
                if fate < 0.02:  # did not get up: a DNF (recorded with the fall)
                    break
            timed.append((ms, lane, partial(race.record_passing, sid, metres, ms, "transponder")))
            if rng.random() < 0.003:  # a hand-timed duplicate, voided by the referee
                timed.append((ms + 1, lane, partial(void_manual, race, sid, metres, ms)))
        else:
            if fall_at is not None and fall_at == len(points):
                where = distance - rng.randint(20, 90)
                timed.append((finish - 2500, lane, partial(race.record_fall, sid, where,
                                                           fate >= 0.02)))
                if fate < 0.02:
                    continue
            if fall_at is not None:
                finish += 3000
            timed.append((finish, lane, partial(race.record_finish, sid, finish, "photo-finish")))
            finished.append(sid)
    for _, _, act in sorted(timed, key=lambda t: t[:2]):
        act()
    return finished


def void_manual(race: Race, sid: UUID, metres: int, ms: int) -> None:
    race.record_passing(sid, metres, ms + 20, "manual")
    manual = [f for f in race.sheet.passings(sid, 1) if f.source == "manual" and f.metres == metres]
    race.void_fact(manual[0].fact_id, "hand timing duplicated the transponder", REFEREE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.demo.generate", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--db", required=True, help="a SQLite path, memory or a postgresql:// URL")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--events", type=int, help="write at least this many events")
    size.add_argument("--races", type=int, help="write exactly this many races")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    app = build_app(args.db)
    step = max(1, (args.events or args.races * 130) // 10)
    mark = [step]

    def progress(done: Generated) -> None:
        if done.events >= mark[0]:
            mark[0] += step
            print(f"  {done.events:,} events, {done.races:,} races, "
                  f"{done.events_per_second:,.0f} events/s", file=sys.stderr)

    done = generate(app, events=args.events, races=args.races, seed=args.seed, on_race=progress)
    app.close()
    print(f"wrote {done.events:,} events: {done.races:,} races of {done.competitions:,} "
          f"competitions, {done.skaters:,} skaters, last position {done.last_position:,}, "
          f"in {done.seconds:.1f} s ({done.events_per_second:,.0f} events/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
