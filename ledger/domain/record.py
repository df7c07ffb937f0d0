"""The Record aggregate: one line of a record table, a record as it stood on a date, from a source.

A derived record mark (TR, NR, WR, CR) is claimed only against such a baseline for its scope
(design/interfaces.md, "Record tables"; docs/decisions/0015-marks-from-evidence.md). Scopes:
``track:<venue>``, ``national:<NAT>``, ``world``, ``championship:<name>``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.domain.aggregate import LedgerAggregate
from ledger.domain.errors import InvalidInputError
from ledger.domain.values import NAMESPACE

#: The mark each kind of scope gives a result that betters its record.
SCOPE_MARKS: Final = {"track": "TR", "national": "NR", "world": "WR", "championship": "CR"}


def season_of(day: date) -> str:
    """2017-12-26 → "2017/18"; a season runs July to June (rules.md §8)."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def parse_scope(text: str) -> str:
    """``track:Thialf``, ``national:ned``, ``world``, ``championship:…`` → the scope as stored
    (the kind in lower case, a nation in upper case, a name with single spaces)."""
    kind, _, rest = text.strip().partition(":")
    kind, rest = kind.strip().lower(), " ".join(rest.split())
    if kind not in SCOPE_MARKS:
        raise InvalidInputError(f"scope {text!r} is not track:<venue>, national:<NAT>, world or "
                                "championship:<name>")
    if (kind == "world") != (not rest):
        raise InvalidInputError(f"scope {text!r}: world takes no name; the others need one")
    if kind == "national":
        if not re.fullmatch(r"[A-Za-z]{3}", rest):
            raise InvalidInputError(f"scope {text!r}: a nation is a three-letter code like NED")
        rest = rest.upper()
    return f"{kind}:{rest}" if rest else kind


def record_id(scope: str, category: str, distance_m: int, as_of: str, source: str) -> UUID:
    return uuid5(NAMESPACE, f"record/{scope.casefold()}/{category}/{distance_m}/{as_of}/{source}")


class Record(LedgerAggregate):
    class Stood(Aggregate.Created):
        """The record of a scope, category and distance stood at ``time_ms`` on ``as_of`` (held by
        ``skater``, as ``source`` lists it)."""

        TOPIC = "skate-ledger:Record.Stood"
        scope: str
        category: str
        distance_m: int
        time_ms: int
        skater: str | None
        nation: str | None
        as_of: str
        source: str

    @staticmethod
    def create_id(scope: str, category: str, distance_m: int, as_of: str, source: str,
                  **_: object) -> UUID:
        return record_id(scope, category, distance_m, as_of, source)

    @event(Stood)
    def __init__(self, scope: str, category: str, distance_m: int, time_ms: int,
                 skater: str | None, nation: str | None, as_of: str, source: str) -> None:
        self.scope = scope
        self.category = category
        self.distance_m = distance_m
        self.time_ms = time_ms
        self.skater = skater
        self.nation = nation
        self.as_of = as_of
        self.source = source
