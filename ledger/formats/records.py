"""Record tables (design/interfaces.md, "Record tables"): a CSV of the records as they stood on a date.

Columns: ``scope`` (``track:<venue>``, ``national:<NAT>``, ``world``, ``championship:<name>``),
``distance``, ``category``, ``time``, ``skater``, ``nation``, ``date``, ``source``; all but
``skater`` and ``nation`` are required. Reading only checks and converts each row; recording is
:func:`ledger.importing.records.import_records`. Every problem names the file and the line; a
refused line appends nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Final

import attrs

from ledger.domain.errors import ImportFormatError, InvalidInputError
from ledger.domain.record import parse_scope
from ledger.domain.timing import parse_distance, parse_time
from ledger.domain.values import parse_category, parse_date
from ledger.formats import MAX_LIST_BYTES, check_columns, check_filled, converted, read_text
from ledger.formats.csv_results import MAX_FIELD

COLUMNS: Final = ("scope", "distance", "category", "time", "skater", "nation", "date", "source")
REQUIRED: Final = ("scope", "distance", "category", "time", "date", "source")


@attrs.frozen
class RecordRow:
    line: int
    scope: str
    distance_m: int
    category: str
    time_ms: int
    skater: str | None
    nation: str | None
    as_of: str
    source: str


def read_records(path: Path) -> list[RecordRow]:
    name = str(path)
    reader = csv.reader(read_text(path, MAX_LIST_BYTES, "utf-8-sig").splitlines(), strict=True)
    try:
        lines = list(reader)
    except csv.Error as e:
        raise ImportFormatError(name, reader.line_num, f"is not valid CSV ({e})") from None
    if not lines:
        raise ImportFormatError(name, 1, "is empty; a header row is required")
    header = [h.strip().lower() for h in lines[0]]
    check_header(name, header)
    rows = [row_from(name, number, header, cells)
            for number, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)]
    if not rows:
        raise ImportFormatError(name, None, "has a header but no records")
    return rows


def check_header(name: str, header: list[str]) -> None:
    check_columns(name, header, COLUMNS, REQUIRED)
    if len(set(header)) != len(header):
        raise ImportFormatError(name, 1, "a column appears twice")


def row_from(name: str, line: int, header: list[str], cells: list[str]) -> RecordRow:
    if len(cells) != len(header):
        raise ImportFormatError(name, line, f"has {len(cells)} fields; the header has {len(header)}")
    f = {k: v.strip() for k, v in zip(header, cells, strict=True)}
    return converted(name, line, convert, f)


def convert(line: int, f: dict[str, str]) -> RecordRow:
    check_filled(f, REQUIRED)
    for column, value in f.items():
        if len(value) > MAX_FIELD or any(ord(c) < 32 for c in value):
            raise InvalidInputError(f"{column} is longer than {MAX_FIELD} characters or holds a "
                                    "control character")
    time_ms = parse_time(f["time"])
    if time_ms <= 0:
        raise InvalidInputError(f"time {f['time']!r} is not a record time")
    return RecordRow(line, parse_scope(f["scope"]), parse_distance(f["distance"]),
                     parse_category(f["category"]), time_ms, f.get("skater") or None,
                     (f.get("nation") or "").upper() or None, parse_date(f["date"]).isoformat(),
                     f["source"])
