"""Recording a record table (design/interfaces.md, "Record tables"): each line read by
:func:`ledger.formats.records.read_records` becomes one Record, saved with the rest of the import;
a refused line appends nothing.
"""

from __future__ import annotations

from pathlib import Path

from ledger.application import Ledger
from ledger.domain.errors import ImportFormatError
from ledger.domain.record import Record, record_id
from ledger.formats.records import read_records
from ledger.importing.batch import Batch


def import_records(app: Ledger, path: Path, batch: Batch | None = None) -> int | None:
    """Record each line of a record table once; the same line again appends nothing, another
    time for a record the same source already gave on that date is refused (naming the line).

    With a ``batch``, the records join it and nothing is saved: the caller saves several files
    at once."""
    name = str(path)
    shared = batch is not None
    batch = batch or Batch(app)
    for row in read_records(path):
        rid = record_id(row.scope, row.category, row.distance_m, row.as_of, row.source)
        held: Record | None = batch.find(rid)
        if held is None:
            batch.loaded[rid] = Record(scope=row.scope, category=row.category, distance_m=row.distance_m,
                              time_ms=row.time_ms, skater=row.skater, nation=row.nation,
                              as_of=row.as_of, source=row.source)
        elif (held.time_ms, held.skater) != (row.time_ms, row.skater):
            raise ImportFormatError(name, row.line, f"{row.source} already gave another "
                                    f"{row.scope} record ({row.category} {row.distance_m} m) "
                                    f"on {row.as_of}")
    return None if shared else batch.save()
