"""The founding race day as demo data: OKT 2017 (Thialf, Heerenveen, 26-30 December 2017).

Built only from ../shared/domain/okt-2017.md (news reports). What is not known stays unknown:
skaters whose place is known but whose name and time are not are entered as clearly labelled
placeholders ("Unknown skater …") with their published place and no time; pairs and lanes not
reported are not recorded; times are known to the hundredth only (source "list"). Jos de Vos fell
after 2.5 laps of the 5000 m: a fall and a DNF, where exactly is not known.
"""

from __future__ import annotations

from datetime import date

import attrs

from ledger.application import Ledger
from ledger.timing import parse_time

DAY = date(2017, 12, 26)
COMPETITION = "OKT 2017"
VENUE = "Thialf, Heerenveen"
SOURCE = "news reports of 26-30 December 2017 (see ../shared/domain/okt-2017.md)"

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


@attrs.frozen
class RaceData:
    name: str
    day: date
    distance_m: int
    category: str
    known: list[tuple[int, str, str | None, str | None]]
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

    Loading twice appends nothing the second time; loading day 1, then the rest, gives the same
    ledger as loading everything at once.
    """
    slug = app.schedule_competition(COMPETITION, VENUE, DAY, LAST_DAY)
    keys = {}
    for day in sorted({race.day for race in RACES if race.day <= through}):
        for race in (r for r in RACES if r.day == day):
            keys[race.name] = load_race(app, slug, race)
        if day == DAY:
            app.register_skater("Jos de Vos", "NED", hometown="Boskoop")
            app.enter_starter(keys["men-5000"], "Jos de Vos")
            app.record_fall(keys["men-5000"], "Jos de Vos", None, went_on=False, reason=DNF_REASON)
        if day == LAST_DAY:
            app.enter_starter(keys["women-5000"], "Ireen Wüst")
            app.record_withdrawal(keys["women-5000"], "Ireen Wüst", WUST_WDR_REASON)
    return keys


def load_race(app: Ledger, slug: str, race: RaceData) -> str:
    key = app.schedule_race(slug, race.distance_m, race.category, race.day)
    for _place, name, _time, hometown in race.known:
        nation = None if name.startswith("Unknown skater") else "NED"
        app.register_skater(name, nation, hometown=hometown)
        app.enter_starter(key, name)
    for pair, (first, second) in race.pairs.items():
        for name in (first, second):
            app.register_skater(name, "NED")
        app.draw_pair(key, pair, first, second, lanes_known=False)
    for _place, name, time, _hometown in race.known:
        if time is not None:
            app.record_finish(key, name, parse_time(time), source="list", precision_ms=10)
        else:
            app.report_place(key, name, _place, source="list")
    known_places = {place for place, *_ in race.known}
    for place in range(1, race.places + 1):
        if place not in known_places:
            name = placeholder(race.category, race.distance_m, place)
            app.register_skater(name)
            app.enter_starter(key, name)
            app.report_place(key, name, place, source="list")
    return key
