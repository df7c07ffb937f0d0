"""Readers and writers of the files the ledger imports and exports (design/interfaces.md)."""

from __future__ import annotations

from pathlib import Path

from ledger.errors import ImportFormatError

FORMATS = ("auto", "jsonl", "csv", "isu-text", "vantage")


def detect_format(path: Path) -> str:
    """Guess a file's format from its name and first line."""
    try:
        with path.open("rb") as handle:  # decode the first line only: a bad byte further on is
            first = handle.readline().decode("utf-8")  # the reader's to report, with its line
    except UnicodeDecodeError:
        raise ImportFormatError(str(path), 1, "is not UTF-8 text") from None
    except OSError as e:
        raise ImportFormatError(str(path), None, f"cannot be read ({e.strerror})") from None
    stripped = first.lstrip("\ufeff").strip()
    if stripped.startswith("{"):
        return "vantage" if '"typeName"' in first or '"_time"' in first else "jsonl"
    if path.suffix.lower() == ".csv" or ("," in stripped and "skater" in stripped.lower()):
        return "csv"
    if path.suffix.lower() == ".txt":
        return "isu-text"
    raise ImportFormatError(str(path), 1, "format not recognised; give --format csv or jsonl")
