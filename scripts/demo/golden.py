"""The golden log of the replay-time decisions (docs/decisions/0017-replay-decisions.md).

Three decisions are not stored in the events; they are taken again each time a race's facts are
folded (``ledger.domain.race_state.RaceState``): which facts a cleared clock voids, which lane a
re-skater takes, and which pair a fact belongs to. This program records one small race day through
the ledger's commands that exercises all three, on SQLite in a temporary folder, and writes

- ``tests/golden/replay-decisions.jsonl``: its export (the ``skate-ledger export`` format), and
- ``tests/golden/replay-decisions.expected.json``: how that log folds today (every fact's kind,
  skater, pair, attempt and whether it is void; every entry's pair, lane and attempt; the draw;
  the standings),

which ``tests/laws/test_golden_replay.py`` checks. It refuses to overwrite them unless ``--rewrite`` is
given: a golden file that no longer matches means stored ledgers would replay differently, and
the fix is an upcaster (a ``class_version``), not a new golden file.

The store's clock (the library's ``timestamp`` of each event) is replaced, while the day is
recorded, by one that starts at :data:`FIRST_MOMENT` and ticks one second per event: the
commands then write the same bytes on every run. Skater, race and fact ids come from natural
keys, so they are the same on every run too.

    python -m scripts.demo.golden [--rewrite] [--to FOLDER]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import eventsourcing.domain

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.race_state import RaceState
from ledger.importing.jsonl import export_lines
from projections.basis import state_as_of
from projections.leaderboard import Row, leaderboard

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "tests" / "golden"
LOG_NAME = "replay-decisions.jsonl"
EXPECTED_NAME = "replay-decisions.expected.json"
#: The race day, and the store's first moment on it (UTC, as the library stamps events).
DAY = date(2025, 11, 14)
FIRST_MOMENT = datetime(2025, 11, 14, 13, 0, tzinfo=UTC)
SKATERS = tuple(f"Skater {letter}" for letter in "ABCDEFGH")
REFEREE = "Referee R"


@contextmanager
def store_clock(start: datetime = FIRST_MOMENT, step: timedelta = timedelta(seconds=1)
                ) -> Iterator[None]:
    """The library's clock of new events, ticking ``step`` per event from ``start``, in the block."""
    ticks = itertools.count()
    library = eventsourcing.domain
    before = library.datetime_now_with_tzinfo

    def now() -> datetime:
        return start + step * next(ticks)

    library.datetime_now_with_tzinfo = now
    try:
        yield
    finally:
        library.datetime_now_with_tzinfo = before


def record_race_day(app: Ledger) -> str:
    """One 1000 m through the commands that exercises the three decisions; the race's key.

    - pair 1: the clock is cleared after passings and a finish (they are voided; the fall, which
      is not timed, is not), then restarted; Skater A is hindered and granted a re-skate in
      pair 4 with the lane given (outer) while the clock runs, and the clock is then cleared again
      (Skater B's facts are voided, Skater A's first race is not: it is no longer her current one);
    - pair 2: a false start clears the clock; Skater D is granted a re-skate in pair 5, not drawn
      yet, without a lane (the lane stays unknown);
    - pair 3: Skater F withdraws, the draw is corrected to free the lane, and Skater C (pair 2)
      re-skates in it, after the withdrawal;
    - Skater H is entered but never drawn (her DNS belongs to no pair).
    """
    comp = app.schedule_competition("Golden Cup", "Test Rink", DAY)
    key = app.schedule_race(comp, 1000, "men", DAY)
    for name in SKATERS:
        app.register_skater(name)
        app.enter_starter(key, name)
    app.draw_pair(key, 1, "Skater A", "Skater B")
    app.draw_pair(key, 2, "Skater C", "Skater D")
    app.draw_pair(key, 3, "Skater E", "Skater F")
    app.draw_pair(key, 4, "Skater G", None)
    # pair 1: cleared after passings and a finish, restarted
    app.start(key, 1)
    app.record_passing(key, "Skater A", 200, 16_400, "transponder")
    app.record_passing(key, "Skater B", 200, 16_620, "transponder")
    app.record_passing(key, "Skater A", 600, 43_100, "transponder")
    app.record_fall(key, "Skater B", 650, went_on=True)
    app.record_finish(key, "Skater A", 69_050, "photocell")
    app.clear_clock(key, 1, "the photocell did not fire for the outer lane")
    app.start(key, 1)
    app.record_passing(key, "Skater A", 200, 16_300, "transponder")
    app.record_passing(key, "Skater B", 200, 16_510, "transponder")
    app.record_passing(key, "Skater A", 600, 43_020, "transponder")
    app.grant_reskate(key, "Skater A", "hindered at the crossing", REFEREE, pair=4, lane="outer")
    app.record_passing(key, "Skater B", 600, 43_400, "transponder")
    app.clear_clock(key, 1, "the clock was stopped for the hindrance")
    app.start(key, 1)
    app.record_passing(key, "Skater B", 200, 16_580, "transponder")
    app.record_passing(key, "Skater B", 600, 43_350, "transponder")
    app.record_finish(key, "Skater B", 69_480, "photocell")
    # pair 2: a false start, then a race; a re-skate without a lane in pair 5
    app.start(key, 2)
    app.false_start(key, "Skater C")
    app.start(key, 2)
    app.record_passing(key, "Skater C", 200, 16_700, "transponder")
    app.record_passing(key, "Skater D", 200, 16_450, "transponder")
    app.record_passing(key, "Skater C", 600, 43_600, "transponder")
    app.record_passing(key, "Skater D", 600, 43_200, "transponder")
    app.record_finish(key, "Skater C", 70_010, "photocell")
    app.record_finish(key, "Skater D", 69_700, "photocell")
    app.grant_reskate(key, "Skater D", "a broken blade", REFEREE, pair=5)
    # pair 3: Skater F withdraws; Skater C re-skates in the lane that frees
    app.record_withdrawal(key, "Skater F", "ill")
    app.correct_draw(key, 3, "Skater E", None, "Skater F withdrew", REFEREE)
    app.grant_reskate(key, "Skater C", "the false start was the starter's", REFEREE, pair=3)
    app.start(key, 3)
    app.record_passing(key, "Skater E", 200, 16_900, "transponder")
    app.record_passing(key, "Skater C", 200, 16_550, "transponder")
    app.record_finish(key, "Skater E", 70_400, "photocell")
    app.record_finish(key, "Skater C", 69_650, "photocell")
    # pair 4: Skater G and the re-skating Skater A (outer, as the referee gave)
    app.start(key, 4)
    app.record_passing(key, "Skater G", 200, 17_000, "transponder")
    app.record_passing(key, "Skater A", 200, 16_350, "transponder")
    app.record_finish(key, "Skater G", 71_200, "photocell")
    app.record_finish(key, "Skater A", 68_990, "photocell")
    # pair 5: Skater D alone, lane unknown
    app.start(key, 5)
    app.record_passing(key, "Skater D", 600, 43_150, "transponder")
    app.record_finish(key, "Skater D", 69_600, "photocell")
    app.record_dns(key, "Skater H", "not at the start")
    app.declare_official(key, REFEREE, datetime(2025, 11, 14, 14, 30, tzinfo=UTC))
    return key


def golden_lines(db: str) -> tuple[str, list[str]]:
    """Record the race day into a new ledger at ``db``; its key and export lines."""
    app = build_app(db)
    try:
        with store_clock():
            key = record_race_day(app)
        return key, list(export_lines(app))
    finally:
        app.close()


def outcome(key: str, sheet: RaceState, rows: Sequence[Row],
            names: Mapping[UUID, str]) -> dict[str, Any]:
    """What a fold of the race decided, in JSON terms (skaters by name)."""
    def name(sid: UUID | None) -> str | None:
        return None if sid is None else names.get(sid, str(sid))

    facts = sorted(sheet.facts.values(), key=lambda f: f.seq)
    return {
        "race": key,
        "facts": [{"seq": f.seq, "kind": f.kind, "skater": name(f.skater), "pair": f.pair,
                   "attempt": f.attempt, "metres": f.metres, "ms": f.ms, "voided": f.voided}
                  for f in facts],
        "entries": {name(e.skater): {"pair": e.pair, "lane": e.lane, "attempt": e.attempt}
                    for e in sorted(sheet.entries.values(), key=lambda e: names.get(e.skater, ""))},
        "pairs": {str(p): [name(inner), name(outer)]
                  for p, (inner, outer) in sorted(sheet.pairs.items())},
        "standings": [{"rank": r.rank, "skater": r.skater, "status": r.status,
                       "time_ms": r.time_ms, "pair": r.pair, "lane": r.lane} for r in rows],
    }


def folded(app: Ledger, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The race's outcome folded by the write side (the aggregate) and by the read side (the
    projections' fold of the log): the same fold, so they must agree."""
    state = state_as_of(app)
    names = {sid: info.name for sid, info in state.skaters.items()}
    rows = leaderboard(state, key).rows
    write = outcome(key, app.race(key).sheet, rows, names)
    read = outcome(key, state.races[state.race_keys[key]], rows, names)
    return write, read


def dumps_expected(expected: Mapping[str, Any]) -> str:
    return json.dumps(expected, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.demo.golden", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rewrite", action="store_true",
                        help="overwrite golden files that exist (stored ledgers would then "
                             "replay differently: write an upcaster instead)")
    parser.add_argument("--to", type=Path, default=GOLDEN_DIR, help="the folder of the files")
    args = parser.parse_args(argv)
    log, expected = args.to / LOG_NAME, args.to / EXPECTED_NAME
    held = [p for p in (log, expected) if p.exists()]
    if held and not args.rewrite:
        print(f"golden: {held[0]} exists; a golden log is not rewritten (add an upcaster, "
              "docs/decisions/0017-replay-decisions.md), unless --rewrite is given",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        key, lines = golden_lines(str(Path(folder) / "golden.db"))
        app = build_app(str(Path(folder) / "golden.db"), read_only=True)
        try:
            write, read = folded(app, key)
        finally:
            app.close()
    if write != read:
        print("golden: the write side and the read side fold the race differently", file=sys.stderr)
        return 1
    args.to.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    expected.write_text(dumps_expected(write), encoding="utf-8")
    print(f"golden: wrote {len(lines)} events to {log} and the fold to {expected}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
