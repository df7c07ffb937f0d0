"""The parsers: readers of the files the ledger imports (design/interfaces.md), which turn bytes
into rows and import only :mod:`ledger.domain`; loading rows into aggregates and saving them, and
writing an export, are :mod:`ledger.importing`'s."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from ledger.domain.errors import ImportFormatError, InvalidInputError, LedgerError

R = TypeVar("R")

FORMATS = ("auto", "jsonl", "csv", "isu-text", "vantage", "records")

#: Size limits of the readers, so that a hostile or broken file is refused quickly and cannot
#: exhaust memory: no line of any format is longer than 1 MiB (a Vantage event is a few KiB); a
#: result list (CSV, ISU text) is at most 16 MiB (a championship's list is about 100 KiB), a
#: Vantage stream of a day at most 256 MiB; a JSONL export is not limited as a whole (a season's
#: log can be large), only per line.
MAX_LINE_BYTES = 1 << 20
MAX_LIST_BYTES = 16 << 20
MAX_STREAM_BYTES = 256 << 20


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file; a FIFO, device, socket or directory is
    refused at once (opened without blocking, then looked at): reading one could wait forever."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise ImportFormatError(str(path), None, "is a directory, not a regular file") from None
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode):
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    os.close(fd)
    raise ImportFormatError(str(path), None, f"is {not_a_file(mode)}, not a regular file")


def not_a_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def check_files(paths: Iterable[Path]) -> None:
    """Refuse, before anything is read or appended, any path that is not a readable regular file."""
    for path in paths:
        try:
            open_regular(path).close()
        except OSError as e:
            raise ImportFormatError(str(path), None, f"cannot be read ({e.strerror})") from None


def read_text(path: Path, max_bytes: int | None, encoding: str = "utf-8") -> str:
    """A file's text within the size limits; invalid UTF-8 is refused naming its line."""
    data = read_limited(path, max_bytes)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise ImportFormatError(str(path), line, "is not UTF-8 text") from None


def read_limited(path: Path, max_bytes: int | None, max_line: int = MAX_LINE_BYTES) -> bytes:
    """The bytes of a file, refused (ImportFormatError naming the file, and the line where one is
    too long) when the file is larger than ``max_bytes`` or a line longer than ``max_line``; a
    long line is found without reading past it."""
    name = str(path)
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if max_bytes is not None and size > max_bytes:
                raise ImportFormatError(name, None, f"is {size} bytes, more than this format's "
                                                    f"limit of {max_bytes} bytes")
            chunks: list[bytes] = []
            total = 0
            while True:
                line = handle.readline(max_line + 1)
                if not line:
                    break
                if len(line) > max_line and not (len(line) == max_line + 1 and line.endswith(b"\n")):
                    raise ImportFormatError(name, len(chunks) + 1,
                                            f"has a line longer than {max_line} bytes")
                chunks.append(line)
                total += len(line)
                if max_bytes is not None and total > max_bytes:  # it grew while being read
                    raise ImportFormatError(name, None, f"is more than this format's limit of "
                                                        f"{max_bytes} bytes")
    except OSError as e:
        raise ImportFormatError(name, None, f"cannot be read ({e.strerror})") from None
    return b"".join(chunks)


def physical_lines(path: Path, max_line: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes]]:
    """A file's lines as bytes, numbered from 1, one at a time (bounded memory), refused as
    :func:`read_limited` refuses them: a line longer than ``max_line`` (found without reading past
    it), a file that cannot be read."""
    name = str(path)
    try:
        with open_regular(path) as handle:
            number = 0
            while True:
                line = handle.readline(max_line + 1)
                if not line:
                    return
                number += 1
                if len(line) > max_line and not (len(line) == max_line + 1 and line.endswith(b"\n")):
                    raise ImportFormatError(name, number, f"has a line longer than {max_line} bytes")
                yield number, line
    except OSError as e:
        raise ImportFormatError(name, None, f"cannot be read ({e.strerror})") from None


def detect_format(path: Path) -> str:
    """Guess a file's format from its name and first line."""
    try:
        with open_regular(path) as handle:  # decode the first line only: a bad byte further on is
            raw = handle.readline(MAX_LINE_BYTES)  # the reader's to report, with its line
            first = raw.decode("utf-8", "strict" if len(raw) < MAX_LINE_BYTES else "ignore")
    except UnicodeDecodeError:
        raise ImportFormatError(str(path), 1, "is not UTF-8 text") from None
    except OSError as e:
        raise ImportFormatError(str(path), None, f"cannot be read ({e.strerror})") from None
    stripped = first.lstrip("\ufeff").strip()
    if stripped.startswith("{"):
        return "vantage" if '"typeName"' in first or '"_time"' in first else "jsonl"
    if "scope" in {c.strip().strip('"').lower() for c in stripped.split(",")}:
        return "records"  # a record table (design/interfaces.md, "Record tables")
    if path.suffix.lower() == ".csv" or ("," in stripped and "skater" in stripped.lower()):
        return "csv"
    if path.suffix.lower() == ".txt":
        return "isu-text"
    raise ImportFormatError(str(path), 1, "format not recognised; give --format csv or jsonl")


def json_line(name: str, number: int, raw: str) -> Any:
    """The JSON value of line ``number`` of file ``name``; a line that is not JSON, or not JSON
    this reader can take, is refused naming the line."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise ImportFormatError(name, number, f"is not JSON ({e.msg})") from None
    except (ValueError, RecursionError):  # a number too long to convert, nesting too deep
        raise ImportFormatError(name, number, "is not JSON this reader can take") from None


def check_filled(fields: Mapping[str, str], required: Iterable[str]) -> None:
    """Each required column of a row holds something."""
    for column in required:
        if not fields.get(column):
            raise InvalidInputError(f"{column} is empty")


def converted(name: str, line: int, convert: Callable[[int, dict[str, str]], R],
              fields: dict[str, str]) -> R:
    """A row of a list (``convert(line, fields)``); a field it refuses is refused as line ``line``
    of file ``name``."""
    try:
        return convert(line, fields)
    except LedgerError as e:
        raise ImportFormatError(name, line, str(e)) from None


def check_columns(name: str, header: list[str], known: Sequence[str], required: Iterable[str]) -> None:
    """Every column of a list's header row is a known one, and the required ones are there."""
    unknown = [h for h in header if h not in known]
    if unknown:
        raise ImportFormatError(name, 1, f"unknown column {unknown[0]!r} (known: {', '.join(known)})")
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFormatError(name, 1, f"required column {missing[0]!r} is missing")
