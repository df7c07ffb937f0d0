"""CSV result files (design/interfaces.md, "CSV results"): one skater a row.

Reading only checks and converts each row into a :class:`ResultRow`; recording the rows is
:mod:`ledger.importing`'s job. Every problem names the file and the line.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs

from ledger.domain.competition import cup_name
from ledger.domain.errors import ImportFormatError, InvalidInputError
from ledger.domain.timing import MASS_START, parse_distance, parse_time, time_precision
from ledger.domain.values import ascii_digits, parse_category, parse_date, parse_lane, parse_status
from ledger.formats import MAX_LIST_BYTES, check_columns, check_filled, converted, read_text

COLUMNS = ("competition", "venue", "date", "distance", "category", "label", "pair", "lane",
           "skater", "nation", "club", "hometown", "time", "status", "splits", "cup",
           "birth_date", "contact",
           # a mass start's rows (docs/decisions/0025-world-cup-day-gaps.md): as the sheet prints
           "discipline", "place", "points", "sprint_points", "laps")
#: The disciplines a CSV row may name: a team race's rows need a team, which the CSV has no column for.
CSV_DISCIPLINES = ("individual", MASS_START)
REQUIRED = ("competition", "date", "distance", "category", "skater")
#: The lap of a CSV mass start: its distance is laps × 400 m (the only track a CSV row knows).
LAP_M = 400
#: The most a place, a pair, points or laps may be: no race has ten thousand skaters, pairs, laps
#: or points (a sanity bound, not a regulation's number); more is a damaged cell.
MAX_COUNT = 9999
MAX_FIELD = 200


@attrs.frozen
class ResultRow:
    """One skater's result as a list gives it."""

    line: int
    competition: str
    venue: str | None
    day: date
    distance_m: int
    category: str
    label: str | None
    pair: int | None
    lane: str | None
    skater: str
    nation: str | None
    club: str | None
    hometown: str | None
    time_ms: int | None
    status: str
    splits: tuple[tuple[int, int], ...]
    precision_ms: int = 1
    #: personal fields besides club and hometown (recorded sealed: docs/decisions/0029)
    birth_date: str | None = None
    contact: str | None = None
    #: how many ms the true time may lie above ``time_ms`` (an ISU list whose winner's thousandth
    #: is not printed: docs/decisions/0013-thousandths-from-lists.md)
    uncertain_ms: int = 0
    place: int | None = None  # the published place, when a list gives one (ISU text lists)
    marks: tuple[str, ...] = ()  # record marks printed beside the result
    #: the race's kind (ledger.domain.timing.DISCIPLINES); a team race's rows are its members', an
    #: ISU list's mass start section's rows its skaters'
    discipline: str = "individual"
    #: the team (its name) this member's row belongs to: the team is the competitor, ranked and
    #: timed as one, and each member is listed with its result (docs/decisions/0021-teams.md)
    team: str | None = None
    #: the cup the competition counts for (the optional ``cup`` column; decision 0022)
    cup: str | None = None
    #: a mass start row's published points (the total), the points of each sprint the skater
    #: scored in (lap → points, the final at the race's last lap; None: not given) and the laps
    #: completed, as the sheet prints them (decision 0025)
    points: int | None = None
    sprint_points: tuple[tuple[int, int], ...] | None = None
    laps: int | None = None


def read_csv(path: Path) -> list[ResultRow]:
    """Every row of a CSV results file, checked; the first problem raises ImportFormatError."""
    name = str(path)
    text = read_text(path, MAX_LIST_BYTES, "utf-8-sig")
    reader = csv.DictReader(text.splitlines(), strict=True)
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as e:
        raise ImportFormatError(name, 1, f"is not valid CSV ({e})") from None
    header = [h.strip().lower() for h in fieldnames]
    check_header(name, header)
    reader.fieldnames = header
    rows: list[ResultRow] = []
    try:
        for record in reader:
            rows.append(row_from(name, reader.line_num, record))
    except csv.Error as e:
        raise ImportFormatError(name, reader.line_num, f"is not valid CSV ({e})") from None
    if not rows:
        raise ImportFormatError(name, None, "has a header but no rows")
    return rows


def check_header(name: str, header: list[str]) -> None:
    if not header:
        raise ImportFormatError(name, 1, "is empty; a header row is required")
    check_columns(name, header, COLUMNS, REQUIRED)
    if "time" not in header and "status" not in header:
        raise ImportFormatError(name, 1, "needs a 'time' or a 'status' column")
    if len(set(header)) != len(header):
        raise ImportFormatError(name, 1, "a column appears twice")


def row_from(name: str, line: int, record: dict[str | None, str | list[str] | None]) -> ResultRow:
    if None in record:
        raise ImportFormatError(name, line, "has more fields than the header")
    fields = {k: (v if isinstance(v, str) else "").strip() for k, v in record.items()
              if isinstance(k, str)}
    if any(v is None for v in record.values()):
        raise ImportFormatError(name, line, "has fewer fields than the header")
    return converted(name, line, convert, fields)


def convert(line: int, f: dict[str, str]) -> ResultRow:
    check_filled(f, REQUIRED)
    for column, value in f.items():
        if len(value) > MAX_FIELD:
            raise InvalidInputError(f"{column} is longer than {MAX_FIELD} characters")
        bad = next((c for c in value if c != "\t" and unicodedata.category(c) == "Cc"), None)
        if bad is not None:
            raise InvalidInputError(f"{column} holds a control character (U+{ord(bad):04X})")
    status = parse_status(f.get("status", ""))
    time_ms = parse_time(f["time"]) if f.get("time") else None
    if status == "OK" and time_ms is None:
        raise InvalidInputError("a row with status OK needs a time")
    if status in {"DNS", "WDR", "DNF"} and time_ms is not None:
        raise InvalidInputError(f"a {status} row cannot have a time")
    row = ResultRow(
        line=line, competition=f["competition"], venue=f.get("venue") or None,
        day=parse_date(f["date"]), distance_m=parse_distance(f["distance"]),
        category=parse_category(f["category"]), label=f.get("label") or None,
        pair=parse_pair(f.get("pair", "")), lane=parse_lane(f["lane"]) if f.get("lane") else None,
        skater=f["skater"], nation=f.get("nation") or None, club=f.get("club") or None,
        hometown=f.get("hometown") or None, time_ms=time_ms, status=status,
        splits=tuple(parse_splits(f.get("splits", ""))),
        precision_ms=time_precision(f["time"]) if f.get("time") else 1,
        cup=cup_name(f["cup"]) if f.get("cup") else None,
        birth_date=parse_date(f["birth_date"]).isoformat() if f.get("birth_date") else None,
        contact=f.get("contact") or None,
        place=parse_count("place", f.get("place", ""), 1),
        discipline=parse_discipline(f.get("discipline", "")),
        points=parse_count("points", f.get("points", ""), 0),
        sprint_points=parse_sprint_points(f["sprint_points"]) if f.get("sprint_points") else None,
        laps=parse_count("laps", f.get("laps", ""), 0),
    )
    return checked_mass_start(row) if row.discipline == MASS_START else checked_individual(row)


def parse_discipline(text: str) -> str:
    """``individual`` (blank) or ``mass-start``; a team race needs a team per row (not a column)."""
    discipline = text.lower() or "individual"
    if discipline not in CSV_DISCIPLINES:
        raise InvalidInputError(f"discipline {text!r} is not one of {', '.join(CSV_DISCIPLINES)} "
                                "(team races import from ISU lists and Vantage streams)")
    return discipline


def parse_count(column: str, text: str, least: int) -> int | None:
    if not text:
        return None
    if not is_count(text) or int(text) < least:
        raise InvalidInputError(f"{column} {text[:40]!r} is not a whole number of {least} to "
                                f"{MAX_COUNT}")
    return int(text)


def is_count(text: str) -> bool:
    """Digits 0-9 only (``str.isdigit`` also takes ``²`` and other scripts' digits), few enough."""
    return ascii_digits(text) and int(text) <= MAX_COUNT


def parse_sprint_points(text: str) -> tuple[tuple[int, int], ...]:
    """``4=3;8=2;16=60`` → ((4, 3), (8, 2), (16, 60)): the lap of each sprint scored, its points."""
    found: dict[int, int] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = re.fullmatch(r"([0-9]{1,4})\s*=\s*([0-9]{1,4})", part)
        if match is None or int(match[1]) < 1:
            raise InvalidInputError(f"sprint points {part[:40]!r} are not like 4=3 (lap=points)")
        if int(match[1]) in found:
            raise InvalidInputError(f"sprint points name lap {match[1]} twice")
        found[int(match[1])] = int(match[2])
    return tuple(sorted(found.items()))


MASS_START_ONLY = ("points", "sprint_points", "laps")


def checked_individual(row: ResultRow) -> ResultRow:
    given = [c for c in MASS_START_ONLY if getattr(row, c) is not None]
    if given:
        raise InvalidInputError(f"{given[0]} is a mass start's column; this row is individual "
                                "(discipline mass-start)")
    return row


def checked_mass_start(row: ResultRow) -> ResultRow:
    """A mass start row as the sheet prints it: no pair or lane; a placed row for each skater
    with a time (the places are the sheet's, not solved from times that may be a lapped
    skater's); the laps within the race's; the total the sum of the sprints for a placed row."""
    if row.pair is not None or row.lane is not None:
        raise InvalidInputError("a mass start has no pairs or lanes (everyone starts at once)")
    if row.status == "OK" and row.place is None:
        raise InvalidInputError("a mass start row with status OK needs its published place")
    race_laps, rest = divmod(row.distance_m, LAP_M)
    if rest or race_laps < 1:
        raise InvalidInputError(f"a mass start's distance {row.distance_m} m is not whole laps of "
                                f"{LAP_M} m (16 laps: 6400)")
    if row.laps is not None and row.laps > race_laps:
        raise InvalidInputError(f"laps {row.laps} is more than the race's {race_laps}")
    late = next((lap for lap, _ in row.sprint_points or () if lap > race_laps), None)
    if late is not None:
        raise InvalidInputError(f"sprint points at lap {late}: the race has {race_laps} laps")
    if row.points is not None and row.sprint_points is not None:
        total = sum(points for _, points in row.sprint_points)
        if row.points != total and (row.status == "OK" or row.points != 0):
            raise InvalidInputError(f"points {row.points} is not the sum of the sprint points "
                                    f"({total})" + ("" if row.status == "OK" else " nor 0"))
    return row


def parse_pair(text: str) -> int | None:
    if not text:
        return None
    if not is_count(text) or int(text) < 1:
        raise InvalidInputError(f"pair {text[:40]!r} is not a pair number")
    return int(text)


def parse_splits(text: str) -> Iterator[tuple[int, int]]:
    """``200=17.85;600=46.12`` → (200, 17850), (600, 46120)."""
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = re.fullmatch(r"([0-9]{1,6})\s*m?\s*=\s*(.+)", part)
        if match is None:
            raise InvalidInputError(f"split {part!r} is not like 200=17.85")
        yield int(match[1]), parse_time(match[2])
