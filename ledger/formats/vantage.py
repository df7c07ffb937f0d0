"""Vantage timing event streams (design/interfaces.md, "Vantage streams"): one JSON event a line.

Emando Vantage publishes a race day as a stream of change events, each a JSON object naming its
``typeName``. Reading turns the file into its events, each with its line number (a line that is
not a JSON object with a ``typeName`` is refused, naming it), and gives the typed look-ups an
importer reads an event's fields with (each refuses a missing or mistyped field with
InvalidInputError), and Vantage's vocabulary (timing sources, disciplines, outcomes). Times are
ticks of 100 ns since the heat's start; they become integer milliseconds by truncation. What each
event becomes in the ledger is :mod:`ledger.importing.vantage`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from ledger.domain.errors import ImportFormatError, InvalidInputError
from ledger.formats import MAX_STREAM_BYTES, json_line, read_text

TICKS_PER_MS: Final = 10_000
#: The timing source of a Vantage ``presentationSource.how`` (or a committed time's ``how``).
SOURCES: Final = {"Transponder": "transponder", "Optical": "optical", "Photofinish": "photo-finish",
                  "Manual": "manual"}
#: Vantage distance disciplines that this ledger can hold.
DISCIPLINES: Final = {"SpeedSkating.LongTrack.PairsDistance.Individual": "individual",
                      "SpeedSkating.LongTrack.PairsDistance.TeamPursuit": "team-pursuit"}
#: Vantage disciplines the streams we hold name but never record a race of: what a heat of one
#: sends (its sprints, its points) is not known, so it is refused, not guessed (decision 0025).
NOT_EVIDENCED: Final = {
    "SpeedSkating.LongTrack.MassStartDistance": (
        "a mass start is not supported from Vantage: the streams we hold (Thialf 2020) name mass "
        "start distances in the programme but hold no heat of one, so how its sprints and points "
        "arrive is not known; import the mass start's sheet as CSV (discipline mass-start)")}
#: ``distance.valueQuantity``: the value is a length in metres, or a count of laps.
LENGTH, LAPS = 0, 1
LONGEST_M: Final = 100_000
#: Vantage's ``TimeInvalidReason`` (Unknown, NotStarted, NotFinished, Disqualified, Withdrawn),
#: by number or by name.
OUTCOMES: Final[dict[object, str]] = {1: "DNS", 2: "DNF", 3: "DQ", 4: "WDR", "NotStarted": "DNS",
                                      "NotFinished": "DNF", "Disqualified": "DQ", "Withdrawn": "WDR"}
IGNORED: Final = frozenset({"RacePassingAddedEvent", "LastRaceSpeedChangedEvent",
                            "RaceNextLapIndexChangedEvent", "HeatNextLapIndexChangedEvent",
                            "HeatDeactivatedEvent", "DistanceDeactivatedEvent"})

Event = dict[str, Any]


def recorded_moment(event: Event) -> datetime | None:
    """The moment the stream's recorder noted the event (``_time``, ISO 8601 with a zone)."""
    value = opt_text(event, "_time")
    return moment(value, "_time") if value is not None else None


def read_events(path: Path) -> list[tuple[int, Event]]:
    """Every event of the file with its line number; the first unreadable line raises."""
    name = str(path)
    text = read_text(path, MAX_STREAM_BYTES, "utf-8-sig")
    events = []
    for number, raw in enumerate(text.split("\n"), start=1):  # not splitlines: JSON may hold U+2028
        if raw.strip():
            events.append((number, parse_line(name, number, raw)))
    if not events:
        raise ImportFormatError(name, None, "holds no Vantage events")
    return events


def parse_line(name: str, number: int, raw: str) -> Event:
    event = json_line(name, number, raw)
    if not isinstance(event, dict) or not isinstance(event.get("typeName"), str):
        raise ImportFormatError(name, number, "is not a Vantage event (a JSON object with a typeName)")
    return event


def obj(parent: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise InvalidInputError(f"{key!r} is missing or not an object")
    return value


def opt_obj(parent: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    return obj(parent, key) if parent.get(key) is not None else None


def items(parent: Mapping[str, Any], key: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInputError(f"{key!r} is not a list")
    return value


def text(parent: Mapping[str, Any], key: str) -> str:
    value = opt_text(parent, key)
    if value is None:
        raise InvalidInputError(f"{key!r} is missing or empty")
    return value


def opt_text(parent: Mapping[str, Any], key: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"{key!r} is not text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{key!r} holds characters that are not Unicode text") from None
    return value.strip() or None


def whole(parent: Mapping[str, Any], key: str, minimum: int = 0) -> int:
    value = parent.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidInputError(f"{key!r} is missing or not a whole number of at least {minimum}")
    return value


def opt_whole(parent: Mapping[str, Any], key: str, minimum: int = 0) -> int | None:
    return whole(parent, key, minimum) if parent.get(key) is not None else None


def moment(value: str, key: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{key!r} {value!r} is not an ISO 8601 moment") from None
    if when.tzinfo is None:
        raise InvalidInputError(f"{key!r} {value!r} has no time zone")
    return when


def day(value: str, key: str) -> date:
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise InvalidInputError(f"{key!r} {value!r} is not an ISO 8601 date") from None


def ms_of(ticks: int) -> int:
    """Ticks of 100 ns → whole milliseconds, truncated (785080000 → 78508)."""
    return ticks // TICKS_PER_MS


def source_of(parent: Mapping[str, Any]) -> str:
    how = text(parent, "how")
    if how not in SOURCES:
        raise InvalidInputError(f"timing source {how!r} is not one of {', '.join(SOURCES)}")
    return SOURCES[how]


def order(member: object) -> int:
    """A team member's order in the stream (members without one keep theirs)."""
    value = member.get("order") if isinstance(member, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
