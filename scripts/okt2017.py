"""The founding race day as demo data: OKT 2017, day 1 (Thialf, Heerenveen, 26 December 2017).

Built only from ../shared/domain/okt-2017.md (news reports). What is not known stays unknown:
skaters whose place is known but whose name and time are not are entered as clearly labelled
placeholders ("Unknown skater …") with their published place and no time; pairs and lanes not
reported are not recorded; times are known to the hundredth only (source "list"). Jos de Vos fell
after 2.5 laps of the 5000 m: a fall and a DNF, where exactly is not known.
"""

from __future__ import annotations

from datetime import date

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


def placeholder(category: str, distance_m: int, place: int) -> str:
    return f"Unknown skater ({category} {distance_m} m, place {place})"


def load(app: Ledger) -> dict[str, str]:
    """Record the day; returns the race keys. Loading twice appends nothing the second time."""
    slug = app.schedule_competition(COMPETITION, VENUE, DAY, date(2017, 12, 30))
    women = load_race(app, slug, 1000, "women", WOMEN_1000, WOMEN_1000_STARTERS, WOMEN_1000_PAIRS)
    men = load_race(app, slug, 5000, "men", MEN_5000, MEN_5000_LAST_KNOWN_PLACE, MEN_5000_PAIRS)
    app.register_skater("Jos de Vos", "NED", hometown="Boskoop")
    app.enter_starter(men, "Jos de Vos")
    app.record_fall(men, "Jos de Vos", None, went_on=False, reason=DNF_REASON)
    return {"women-1000": women, "men-5000": men}


def load_race(app: Ledger, slug: str, distance_m: int, category: str,
              known: list[tuple[int, str, str, str | None]], places: int,
              pairs: dict[int, tuple[str, str]]) -> str:
    key = app.schedule_race(slug, distance_m, category, DAY)
    for _place, name, _time, hometown in known:
        app.register_skater(name, "NED", hometown=hometown)
        app.enter_starter(key, name)
    for pair, (first, second) in pairs.items():
        for name in (first, second):
            app.register_skater(name, "NED")
        app.draw_pair(key, pair, first, second, lanes_known=False)
    for _place, name, time, _hometown in known:
        app.record_finish(key, name, parse_time(time), source="list")
    known_places = {place for place, *_ in known}
    for place in range(1, places + 1):
        if place not in known_places:
            name = placeholder(category, distance_m, place)
            app.register_skater(name)
            app.enter_starter(key, name)
            app.report_place(key, name, place, source="list")
    return key
