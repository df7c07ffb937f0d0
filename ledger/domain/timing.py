"""Times, notations and passing points.

Times are integer milliseconds, never floats. Results are *published* in hundredths by truncation
(Bloemen 6:11.616 and Pedersen 6:11.618 both read 6:11.61) but *ranked* at full precision.
"""

from __future__ import annotations

import re
from typing import Literal

from ledger.domain.errors import InvalidInputError, InvalidTimeError
from ledger.domain.values import ascii_digits

Notation = Literal["iso", "nl"]

TRACK_LENGTH_M = 400

# Plausibility bounds, in milliseconds per metre: faster than 72 km/h is a timing fault, slower than
# 12 km/h is not a race time any more (a skater who fell and got up is still well inside it).
FASTEST_MS_PER_M = 50
SLOWEST_MS_PER_M = 300

_TIME = re.compile(
    r"""^\s*
    (?:(?P<min>\d{1,3})[:.])??          # minutes, separated by ':' (ISU) or '.' (Dutch)
    (?P<sec>\d{1,2})                    # seconds
    (?:[.,](?P<frac>\d{1,3}))?          # fraction, '.' (ISU) or ',' (Dutch)
    \s*$""",
    re.VERBOSE | re.ASCII,  # the digits 0-9: not ٧:٤٢.٥١ (another script's digits)
)


def parse_time(text: str) -> int:
    """Read a time in any accepted notation and return milliseconds.

    Accepts ``1:17.08`` (ISU), ``1.17,08`` (Dutch press), ``1:07.538`` (thousandths), ``38.42``,
    ``38,42`` and ``30.2`` (a lap time as spoken).
    """
    raw = text.strip()
    if raw.startswith("-"):
        raise InvalidTimeError(f"time {text!r} is negative")
    match = _TIME.match(raw)
    if match is None:
        raise InvalidTimeError(f"time {text!r} is not a time like 1:17.08, 1.17,08 or 38.42")
    minutes = int(match["min"] or 0)
    seconds = int(match["sec"])
    if match["min"] is not None and seconds >= 60:
        raise InvalidTimeError(f"time {text!r} has {seconds} seconds in a minute")
    if match["min"] is not None and len(match["sec"]) != 2:
        raise InvalidTimeError(f"time {text!r} needs two-digit seconds after the minutes (1:07.08)")
    frac = (match["frac"] or "").ljust(3, "0")
    ms = (minutes * 60 + seconds) * 1000 + int(frac or 0)
    if ms <= 0:
        raise InvalidTimeError(f"time {text!r} is zero")
    return ms


def time_precision(text: str) -> int:
    """The precision of a written time in ms: ``1:07.538`` → 1, ``1:07.54`` → 10, ``30.2`` → 100."""
    match = _TIME.match(text.strip())
    digits = len(match["frac"] or "") if match else 3
    return int(10 ** (3 - digits))


def truncate_to_hundredths(ms: int) -> int:
    """The published precision: hundredths by truncation, never rounding."""
    return ms - ms % 10


def format_time(ms: int, notation: Notation = "iso", *, thousandths: bool = False) -> str:
    """Write a time as published: ``1:07.54`` (ISU) or ``1.07,54`` (Dutch); under a minute ``38.42``."""
    shown = ms if thousandths else truncate_to_hundredths(ms)
    minutes, rest = divmod(shown, 60_000)
    seconds, millis = divmod(rest, 1000)
    frac = f"{millis:03d}" if thousandths else f"{millis // 10:02d}"
    minute_sep, frac_sep = (":", ".") if notation == "iso" else (".", ",")
    if minutes:
        return f"{minutes}{minute_sep}{seconds:02d}{frac_sep}{frac}"
    return f"{seconds}{frac_sep}{frac}"


def format_gap(ms: int, notation: Notation = "iso") -> str:
    """The gap to the leader in thousandths, as result lists print it: ``+0.703``."""
    seconds, millis = divmod(ms, 1000)
    sep = "." if notation == "iso" else ","
    return f"+{seconds}{sep}{millis:03d}"


#: The longest distance a race may have (a marathon on natural ice is 200 km; ours are shorter).
LONGEST_DISTANCE_M = 100_000


def parse_distance(text: str | int) -> int:
    """Read a distance such as ``1000`` or ``1000m`` and return metres."""
    raw = str(text).strip().lower().removesuffix("m").removesuffix(" ")
    if not ascii_digits(raw) or len(raw) > 7 or int(raw) <= 0:
        raise InvalidInputError(f"distance {text!r} is not a distance in metres like 1000 or 1000m")
    if int(raw) > LONGEST_DISTANCE_M:
        raise InvalidInputError(f"distance {text!r} is longer than {LONGEST_DISTANCE_M} m")
    return int(raw)


#: The kinds of race a Race can be (``Race.Scheduled.discipline``): skaters in pairs, teams in
#: pairs (team pursuit: passings every half lap, rules.md §2; team sprint, three laps, a lap each;
#: mixed relay, six laps, a woman and a man: docs/decisions/0021-teams.md), or everyone at once
#: (mass start: one start, no lanes, ranked by sprint points; docs/decisions/0020-mass-start.md).
MASS_START = "mass-start"
DISCIPLINES = ("individual", "team-pursuit", "team-sprint", "mixed-relay", MASS_START)
#: The team disciplines: the competitor is a team whose members are named (Race.TeamMembersNamed).
TEAM_DISCIPLINES = ("team-pursuit", "team-sprint", "mixed-relay")
#: The distance of a team race (m) by discipline and category: team pursuit 8 laps (men) or 6
#: (women), team sprint 3 laps (a lap each of three), mixed relay 6 laps (a woman and a man).
TEAM_DISTANCES = {("team-pursuit", "men"): 3200, ("team-pursuit", "women"): 2400,
                  ("team-sprint", "men"): 1200, ("team-sprint", "women"): 1200,
                  ("mixed-relay", "mixed"): 2400}
#: How many members a team of the discipline names (a team pursuit: any, as before: Vantage may
#: name three or four, or none).
TEAM_SIZES = {"team-sprint": 3, "mixed-relay": 2}
#: The one start of a mass start: every starter is entered in it (a mass start has no pairs drawn;
#: its clock is this start's).
MASS_START_PAIR = 1


def passing_interval(track_m: int = TRACK_LENGTH_M, discipline: str = "individual") -> int:
    """Metres between passing points: a lap, or half a lap in a team pursuit."""
    return track_m // 2 if discipline == "team-pursuit" else track_m


def passing_points(distance_m: int, track_m: int = TRACK_LENGTH_M,
                   discipline: str = "individual") -> tuple[int, ...]:
    """The passing points of a distance: first at distance mod track (0 means a full lap), then every lap
    (every half lap in a team pursuit)."""
    step = passing_interval(track_m, discipline)
    first = distance_m % step or step
    return tuple(range(first, distance_m + 1, step))


def lap_to_metres(distance_m: int, lap: int, track_m: int = TRACK_LENGTH_M) -> int:
    """The passing point at the end of full lap ``lap`` (lap 0 is the opening stretch, when there is one).

    For the 1000 m (points 200, 600, 1000) lap 1 ends at 600 m; for the 10000 m lap 1 ends at 400 m.
    """
    metres = distance_m % track_m + lap * track_m
    if metres not in passing_points(distance_m, track_m):
        laps = distance_m // track_m
        first = 0 if distance_m % track_m else 1
        raise InvalidInputError(f"lap {lap} is not a lap of the {distance_m} m (laps {first}..{laps})")
    return metres


def check_time_is_plausible(ms: int, metres: int) -> None:
    """Refuse zero, negative and absurd times for ``metres`` skated."""
    if ms <= 0:
        raise InvalidTimeError(f"time {ms} ms is not positive")
    if ms < metres * FASTEST_MS_PER_M:
        raise InvalidTimeError(
            f"time {format_time(ms, thousandths=True)} is impossibly fast for {metres} m"
        )
    if ms > metres * SLOWEST_MS_PER_M:
        raise InvalidTimeError(
            f"time {format_time(ms, thousandths=True)} is absurdly slow for {metres} m"
        )
