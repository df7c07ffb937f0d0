"""Issue 14, item 1, measured: one race's standings from the whole fold (``state_at``) and from
the race's own stream (``race_state_at``), in process, median of ``--reps`` runs, at three bases.

    python -m scripts.bench.race_reads --db season.db [--race KEY] [--reps 20]

Build the ledger first (scripts/demo/generate.py; 100k events take seconds). Each basis checks
that both paths give the same standings JSON (with marks) before timing them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from ledger.application import Ledger
from ledger.bootstrap import build_app
from projections.basis import Basis
from projections.leaderboard import leaderboard
from projections.reading import race_state_at, state_at
from projections.state import LedgerState
from scripts import output


def standings_json(read: Callable[[Basis], LedgerState], key: str, basis: Basis,
                   marks: bool = True) -> Any:
    """What ``standings KEY --format json`` prints, from the state ``read`` gives (with its marks
    unless ``marks`` is False)."""
    state = read(basis)
    board = leaderboard(state, key)
    data = output.board_json(board, basis, "iso")
    if marks:
        output.add_marks(state, board, data)
    return data


def median_ms(run: Callable[[], Any], reps: int) -> float:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def bases(app: Ledger, key: str) -> dict[str, Basis]:
    """Now, a position three quarters into the log, and that position's known-at moment."""
    at = app.last_position() * 3 // 4
    return {"now": Basis(), "position": Basis(position=at),
            "known_at": Basis(known_at=race_state_at(app, key, Basis(position=at)).recorded_at)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.race_reads")
    parser.add_argument("--db", required=True)
    parser.add_argument("--race", default=None, help="a race key (default: the middle one)")
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args(argv)
    app = build_app(args.db, read_only=True)
    keys = sorted(state_at(app).race_keys)
    key: str = args.race or keys[len(keys) // 2]
    print(f"{app.last_position():,} events, {len(keys)} races; {key}")
    for name, basis in bases(app, key).items():
        whole = partial(standings_json, partial(state_at, app), key, basis)
        own = partial(standings_json, partial(race_state_at, app, key, marks=True), key, basis)
        lean = partial(standings_json, partial(race_state_at, app, key), key, basis, marks=False)
        assert whole() == own(), name
        before, after, csv = (median_ms(f, args.reps) for f in (whole, own, lean))
        print(f"{name:9} whole fold {before:8.1f} ms | race reads {after:7.2f} ms ({before / after:5.0f}x)"
              f" | without marks (csv) {csv:6.2f} ms ({before / csv:5.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
