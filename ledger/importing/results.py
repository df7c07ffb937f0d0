"""Recording a whole file of results at once: one transaction, or nothing.

The rows (:class:`ledger.formats.csv_results.ResultRow`, from a CSV or an ISU text list) are
applied to aggregates in memory, through the same commands a live official uses (so the same rules
decide), and saved together at the end. A refused row raises an error naming its file and line
before anything is saved. Re-importing a file finds every fact already there (deterministic ids)
and saves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar
from uuid import UUID

from ledger.application import Ledger
from ledger.domain.errors import LedgerError
from ledger.domain.race import Race
from ledger.formats.csv_results import ResultRow
from ledger.importing.batch import Batch, at_line


def record_rows(app: Ledger, path: str, rows: Sequence[ResultRow],
                batch: Batch | None = None) -> int | None:
    """Record the rows of one result file; the last position appended, or None if nothing new.

    With a ``batch``, the rows join it and nothing is saved: the caller saves several files at once.
    """
    shared = batch is not None
    batch = batch or Batch(app)
    for comp_name, comp_rows in group(rows, lambda r: r.competition).items():
        days = [r.day for r in comp_rows]
        with at_line(path, comp_rows[0].line):
            comp = batch.competition(comp_name, comp_rows[0].venue, min(days), max(days))
        for (distance, category, label, day, discipline), race_rows in group(
                comp_rows, lambda r: (r.distance_m, r.category, r.label, r.day,
                                      r.discipline)).items():
            with at_line(path, race_rows[0].line):
                race = batch.race(comp, distance, category, day, label, discipline)
            for row in race_rows:
                with at_line(path, row.line):
                    race.enter_starter(batch.skater(row.skater, row.nation, row.club,
                                                    row.hometown))
            draw_pairs(path, race, race_rows, batch)
            for row in race_rows:
                with at_line(path, row.line, app):
                    record_row(race, row, batch.id_of(row.skater))
    return None if shared else batch.save()


K = TypeVar("K")


def group(rows: Iterable[ResultRow], key: Callable[[ResultRow], K]) -> dict[K, list[ResultRow]]:
    groups: dict[K, list[ResultRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def draw_pairs(path: str, race: Race, rows: list[ResultRow], batch: Batch) -> None:
    for pair, pair_rows in group([r for r in rows if r.pair is not None], lambda r: r.pair).items():
        lanes: dict[str, UUID] = {}
        known = all(row.lane for row in pair_rows)
        for n, row in enumerate(pair_rows):
            with at_line(path, row.line):
                if not known and any(r.lane for r in pair_rows):
                    raise LedgerError(f"give the lane of every skater of pair {pair}, or of none")
                lane = row.lane or ("inner", "outer", "")[min(n, 2)]
                if lane in lanes or not lane:
                    raise LedgerError(f"pair {pair} has two skaters in one lane (or more than two)")
                lanes[lane] = batch.id_of(row.skater)
        with at_line(path, pair_rows[0].line):
            race.draw_pair(pair or 0, lanes.get("inner"), lanes.get("outer"), known)


def record_row(race: Race, row: ResultRow, sid: UUID) -> None:
    for metres, ms in row.splits:
        race.record_passing(sid, metres, ms, "list")
    if row.time_ms is not None:
        race.record_finish(sid, row.time_ms, "list", precision_ms=row.precision_ms,
                           uncertain_ms=row.uncertain_ms)
    if row.place is not None:
        race.report_place(sid, row.place, "list")
    if row.marks:
        race.publish_marks(sid, list(row.marks), "list")
    if row.status == "DNF":
        race.record_dnf(sid, None, None)
    elif row.status == "DNS":
        race.record_dns(sid, None)
    elif row.status == "WDR":
        race.record_withdrawal(sid, None)
    elif row.status == "DQ":
        race.disqualify(sid, "disqualified (as published)", None)
