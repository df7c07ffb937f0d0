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
from ledger.domain.timing import parse_distance, parse_time, time_precision
from ledger.domain.values import parse_category, parse_date, parse_lane, parse_status
from ledger.formats import MAX_LIST_BYTES, check_columns, check_filled, converted, read_text

COLUMNS = ("competition", "venue", "date", "distance", "category", "label", "pair", "lane",
           "skater", "nation", "club", "hometown", "time", "status", "splits", "cup",
           "birth_date", "contact")
REQUIRED = ("competition", "date", "distance", "category", "skater")
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
    return ResultRow(
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
    )


def parse_pair(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidInputError(f"pair {text!r} is not a pair number")
    return int(text)


def parse_splits(text: str) -> Iterator[tuple[int, int]]:
    """``200=17.85;600=46.12`` → (200, 17850), (600, 46120)."""
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = re.fullmatch(r"(\d+)\s*m?\s*=\s*(.+)", part)
        if match is None:
            raise InvalidInputError(f"split {part!r} is not like 200=17.85")
        yield int(match[1]), parse_time(match[2])
