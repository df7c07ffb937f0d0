"""The importers: they load aggregates, apply the rows the parsers (:mod:`ledger.formats`) made,
and save one batch (docs/decisions/0011-layers.md).

- :mod:`.batch`: the aggregates of one import, saved in one transaction, and :class:`at_line`;
- :mod:`.results`: the rows of a result list (CSV, ISU text);
- :mod:`.records`: a record table; :mod:`.vantage`: a Vantage stream;
- :mod:`.jsonl`: the native export, written and taken back.

The names of the batch and the results importer are here too, as they were before the split.
"""

from __future__ import annotations

from ledger.importing.batch import Batch, at_line, save_rank
from ledger.importing.results import draw_pairs, group, record_row, record_rows

__all__ = ["Batch", "at_line", "draw_pairs", "group", "record_row", "record_rows", "save_rank"]
