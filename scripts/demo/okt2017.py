"""The founding race day as demo data: OKT 2017 (Thialf, Heerenveen, 26-30 December 2017).

Built only from ../shared/domain/okt-2017.md (news reports). What is not known stays unknown:
skaters whose place is known but whose name and time are not are entered as clearly labelled
placeholders ("Unknown skater …") with their published place and no time; pairs and lanes not
reported are not recorded; times are known to the hundredth only (source "list"). Jos de Vos fell
after 2.5 laps of the 5000 m: a fall and a DNF, where exactly is not known.

The moments of the day are RECONSTRUCTED, not measured: the reports give no time of day. Each fact
is recorded as known at a moment of its day in Thialf (Europe/Amsterdam, UTC+01:00 in December;
decision 0014), from a stated schedule (:data:`SCHEDULES`): the start list at the first pair's
start; a finish of a skater whose pair is reported at that pair's start plus the skater's time; a
result of a skater whose pair is not reported (Jos de Vos's fall too) at the end of the last pair
the skater may have skated in (known by then at the latest); what only the final list gives (the
placeholders and their places) at the end of the race; the later days' results at the end of
their race. The demo's notice and README.md say so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, timezone

import attrs

from ledger.application import Ledger
from ledger.domain.timing import parse_time
from ledger.domain.values import race_key

DAY = date(2017, 12, 26)
COMPETITION = "OKT 2017"
VENUE = "Thialf, Heerenveen"
# The source of the results below: news reports of 26-30 December 2017 (../shared/domain/okt-2017.md).

# (place, name, time, home town) — None: not reported.
WOMEN_1000 = [
    (1, "Jorien ter Mors", "1:15.38", None),
    (2, "Marrit Leenstra", "1:16.03", None),
    (3, "Ireen Wüst", "1:16.29", None),
    (4, "Letitia de Jong", "1:16.39", None),
    (5, "Lotte van Beek", "1:16.51", None),
    (6, "Anice Das", "1:16.60", None),
    (9, "Jutta Leerdam", "1:17.08", "'s-Gravenzande"),
    (11, "Roxanne van Hemert", "1:17.29", "Wassenaar"),
    (12, "Suzanne Schulting", "1:17.78", None),
    (14, "Manouk van Tol", "1:18.47", "Ter Aar"),
    (17, "Leeyen Harteveld", "1:18.83", "Zoetermeer"),
    (18, "Tessa Boogaard", "1:19.65", "Hoogmade"),
]
WOMEN_1000_STARTERS = 19
WOMEN_1000_PAIRS = {8: ("Jorien ter Mors", "Roxanne van Hemert"),
                    10: ("Marrit Leenstra", "Ireen Wüst")}

MEN_5000 = [
    (1, "Bob de Vries", "6:15.06", None),
    (2, "Sven Kramer", "6:15.79", None),
    (3, "Jan Blokhuijsen", "6:18.01", None),
    (4, "Jorrit Bergsma", "6:20.04", None),
    (5, "Patrick Roest", "6:20.36", None),
    (11, "Koen Verweij", "6:26.00", None),
    (13, "Erik Jan Kooiman", "6:27.57", "Lekkerkerk"),
]
#: Places reported below 13 are unknown, and so is the number of starters: placeholders fill 6–12.
MEN_5000_LAST_KNOWN_PLACE = 13
MEN_5000_PAIRS = {8: ("Sven Kramer", "Erik Jan Kooiman"), 9: ("Jorrit Bergsma", "Marcel Bosker")}
DNF_REASON = "fell after 2.5 laps; first full lap 30.2 s (news report); left skate caught"
WUST_WDR_REASON = "withdrew on the evening before: the 5000 m did not fit her Olympic schedule"

# Later days. The days come from the reports okt-2017.md cites (omroepwest: the 3000 m on
# Wednesday evening; nieuws.nl: the 10000 m and the women's 500 m on Thursday; omroepbrabant: the
# women's 1500 m on Friday evening; nrc.nl: the 5000 m and the men's 1500 m on Saturday, the last
# day). Full first names are those the same reports give.
WOMEN_3000 = [(1, "Antoinette de Jong", "4:02.07", None), (2, "Ireen Wüst", "4:03.39", None),
              (3, "Carlijn Achtereekte", "4:03.99", None),
              (4, "Annouk van der Weijden", "4:05.76", None)]
WOMEN_500 = [(1, "Anice Das", "38.42", None), (2, "Marrit Leenstra", "38.52", None),
             (3, "Letitia de Jong", "38.58", None), (7, "Jutta Leerdam", "38.70", "'s-Gravenzande")]
MEN_10000 = [(1, "Sven Kramer", "12:54.04", None), (2, "Jorrit Bergsma", "12:58.78", None),
             (4, "Erik Jan Kooiman", "13:01.53", "Lekkerkerk"),
             (10, "Jos de Vos", "13:16.49", "Boskoop")]
#: okt-2017.md: "Annouk de Jong? 1:56.32 (to verify)" — the time is reported, the name is not
#: certain, so place 4 is a placeholder; ter Mors's place is not reported (her time places her).
WOMEN_1500 = [(1, "Ireen Wüst", "1:54.78", None), (2, "Lotte van Beek", "1:55.51", None),
              (3, "Marrit Leenstra", "1:56.16", None),
              (4, "Unknown skater (women 1500 m, place 4, 1:56.32 reported)", "1:56.32", None),
              (5, "Jorien ter Mors", "1:56.91", None)]
WOMEN_5000 = [(1, "Annouk van der Weijden", "6:56.41", None), (2, "Esmee Visser", "6:56.60", None),
              (3, "Carien Kleibeuker", "6:57.23", None)]
MEN_1500 = [(1, "Kjeld Nuis", "1:43.48", None), (2, "Koen Verweij", "1:43.54", None)]


#: Thialf in December: Central European Time.
CET = timezone(timedelta(hours=1), "CET")
#: What the demo's notice prints about the moments (the README says the same).
MOMENTS_NOTICE = ("Moments of the day are reconstructed, not measured (the reports give no times of "
                  "day): the women's 1000 m from 14:26, a pair every 4 minutes, the men's 5000 m "
                  "from 15:30, a pair every 8 minutes, later days' results at the end of their race "
                  "(scripts/demo/okt2017.py).")


@attrs.frozen
class Schedule:
    """A race's RECONSTRUCTED timetable (the reports give none): when its pairs start (a pair
    every ``every``), how long a pair takes to clear the ice, and in how many pairs it ran."""

    first_pair: datetime
    every: timedelta
    pairs: int
    pair_takes: timedelta

    def pair_start(self, pair: int) -> datetime:
        return self.first_pair + (pair - 1) * self.every

    def pair_end(self, pair: int) -> datetime:
        return self.pair_start(pair) + self.pair_takes

    @property
    def end(self) -> datetime:
        return self.pair_end(self.pairs)


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), CET)


SCHEDULES = {
    "women-1000": Schedule(at(DAY, 14, 26), timedelta(minutes=4), 10, timedelta(minutes=2)),
    "men-5000": Schedule(at(DAY, 15, 30), timedelta(minutes=8), 9, timedelta(minutes=7)),
}
#: Races of the later days: every fact known at the end of the race, an evening programme from 19:00.
LATER_RESULTS = {"women-3000": at(date(2017, 12, 27), 19, 30), "men-10000": at(date(2017, 12, 28), 20, 0),
                 "women-500": at(date(2017, 12, 28), 19, 0), "women-1500": at(date(2017, 12, 29), 19, 30),
                 "women-5000": at(date(2017, 12, 30), 15, 30),
                 "men-1500": at(date(2017, 12, 30), 16, 0)}
#: The competition was on the calendar before the day; its set-up is known at noon of the first day.
SET_UP = at(DAY, 12, 0)


@attrs.frozen
class RaceData:
    name: str
    day: date
    distance_m: int
    category: str
    known: Sequence[tuple[int, str, str | None, str | None]]
    places: int  # places 1..N: the unknown ones among them become placeholders
    pairs: dict[int, tuple[str, str]] = attrs.Factory(dict)


LAST_DAY = date(2017, 12, 30)
RACES = [
    RaceData("women-1000", DAY, 1000, "women", WOMEN_1000, WOMEN_1000_STARTERS, WOMEN_1000_PAIRS),
    RaceData("men-5000", DAY, 5000, "men", MEN_5000, MEN_5000_LAST_KNOWN_PLACE, MEN_5000_PAIRS),
    RaceData("women-3000", date(2017, 12, 27), 3000, "women", WOMEN_3000, 4),
    RaceData("men-10000", date(2017, 12, 28), 10000, "men", MEN_10000, 10),
    RaceData("women-500", date(2017, 12, 28), 500, "women", WOMEN_500, 7),
    RaceData("women-1500", date(2017, 12, 29), 1500, "women", WOMEN_1500, 5),
    RaceData("women-5000", LAST_DAY, 5000, "women", WOMEN_5000, 3),
    RaceData("men-1500", LAST_DAY, 1500, "men", MEN_1500, 2),
]


def placeholder(category: str, distance_m: int, place: int) -> str:
    return f"Unknown skater ({category} {distance_m} m, place {place})"


def load(app: Ledger, through: date = LAST_DAY) -> dict[str, str]:
    """Record the tournament up to and including ``through``; returns the race keys by name.

    Each day's facts are recorded in the order of their (reconstructed) moments, so the log's
    known-at moments rise with its positions. Loading twice appends nothing the second time;
    loading day 1, then the rest, gives the same ledger as loading everything at once.
    """
    with app.known_at(SET_UP):
        slug = app.schedule_competition(COMPETITION, VENUE, DAY, LAST_DAY)
    keys = {}
    for day in sorted({race.day for race in RACES if race.day <= through}):
        steps: list[Step] = []
        for race in (r for r in RACES if r.day == day):
            keys[race.name] = race_key(slug, race.category, race.distance_m, None)
            steps += race_steps(app, slug, race)
        steps += other_steps(app, day, keys)
        for step in sorted(steps, key=lambda s: s.moment):  # stable: a moment's steps keep order
            with app.known_at(step.moment):
                step.run()
    return keys


def other_steps(app: Ledger, day: date, keys: dict[str, str]) -> list[Step]:
    """The facts the tables do not hold: Jos de Vos's fall (day 1), Wüst's withdrawal (last day)."""
    if day == DAY:
        men = keys["men-5000"]
        return [Step(SCHEDULES["men-5000"].first_pair, lambda: (
                    app.register_skater("Jos de Vos", "NED", hometown="Boskoop"),
                    app.enter_starter(men, "Jos de Vos"))),
                Step(unpaired_known_at("men-5000"), lambda: app.record_fall(
                    men, "Jos de Vos", None, went_on=False, reason=DNF_REASON))]
    if day == LAST_DAY:
        # she withdrew on the evening before; known, at the latest, with the start list
        women = keys["women-5000"]
        return [Step(LATER_RESULTS["women-5000"], lambda: (
            app.enter_starter(women, "Ireen Wüst"),
            app.record_withdrawal(women, "Ireen Wüst", WUST_WDR_REASON)))]
    return []


@attrs.frozen
class Step:
    """Commands of the demo known at one (reconstructed) moment."""

    moment: datetime
    run: Callable[[], object]


def unpaired_known_at(race: str) -> datetime:
    """When a result of a skater whose pair is not reported was known at the latest: at the end of
    the last pair the reports do not give in full (RECONSTRUCTED)."""
    data = next(r for r in RACES if r.name == race)
    schedule = SCHEDULES[race]
    return schedule.pair_end(max(p for p in range(1, schedule.pairs + 1) if p not in data.pairs))


def moments_of(race: RaceData) -> tuple[datetime, Callable[[str, int], datetime], datetime]:
    """The RECONSTRUCTED moments of a race: its start list, a skater's finish, its published list."""
    schedule = SCHEDULES.get(race.name)
    if schedule is None:
        done = LATER_RESULTS[race.name]
        return done, lambda _name, _ms: done, done
    paired = {name: pair for pair, names in race.pairs.items() for name in names}
    unpaired = unpaired_known_at(race.name)

    def finish(name: str, ms: int) -> datetime:
        pair = paired.get(name)
        return unpaired if pair is None else schedule.pair_start(pair) + timedelta(milliseconds=ms)

    return schedule.first_pair, finish, schedule.end


def race_steps(app: Ledger, slug: str, race: RaceData) -> list[Step]:
    """The steps that record one race, each at its reconstructed moment."""
    start_list, finish_at, published = moments_of(race)
    key = race_key(slug, race.category, race.distance_m, None)

    def enter() -> None:
        app.schedule_race(slug, race.distance_m, race.category, race.day)
        for _place, name, _time, hometown in race.known:
            nation = None if name.startswith("Unknown skater") else "NED"
            app.register_skater(name, nation, hometown=hometown)
            app.enter_starter(key, name)
        for pair, (first, second) in race.pairs.items():
            for name in (first, second):
                app.register_skater(name, "NED")
            app.draw_pair(key, pair, first, second, lanes_known=False)

    steps = [Step(start_list, enter)]
    for place, name, time_text, _hometown in race.known:
        if time_text is not None:
            ms = parse_time(time_text)
            steps.append(Step(finish_at(name, ms), functools.partial(
                app.record_finish, key, name, ms, source="list", precision_ms=10)))
        else:
            steps.append(Step(published, functools.partial(app.report_place, key, name, place,
                                                           source="list")))
    known_places = {place for place, *_ in race.known}
    unknown = [(place, placeholder(race.category, race.distance_m, place))
               for place in range(1, race.places + 1) if place not in known_places]

    # Who they are is unknown and so is their time: all we have is the place the final list gives
    # them, which counts the skaters of every pair; it is known when that list is, after the race.
    def placeholders() -> None:
        for place, name in unknown:
            app.register_skater(name)
            app.enter_starter(key, name)
            app.report_place(key, name, place, source="list")

    steps.append(Step(published, placeholders))
    return steps
