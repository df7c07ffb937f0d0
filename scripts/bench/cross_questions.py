"""Issue 14, item 2, measured for the cross-race questions: qualification, classification and the
regional report from the whole fold (``state_at`` and the pure function) and from the races they
name (``projections.scoped``), in process, median CPU and wall time of ``--reps`` runs, at three
bases (now, a position three quarters into the log, that position's known-at moment).

    python -m scripts.bench.cross_questions --db season.db --rule RULE [--reps 5]

Build the ledger (scripts/demo/generate.py) and its views (``skate-ledger views rebuild``) first;
without views the scoped path folds too, and the figures say so (``index`` no). The classification
takes the first two races of the rule's competition, the report its skaters of ``--nation`` (NED)
in that competition. Each basis checks that both paths give the same answer before timing them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from ledger.bootstrap import build_app
from projections.basis import Basis
from projections.classification import classification_of
from projections.qualification import evaluate, load_rule
from projections.reading import state_at
from projections.report import Choice, report
from projections.scoped import classification_at, index_at, qualification_at, report_at


def median_ms(run: Callable[[], Any], reps: int) -> tuple[float, float]:
    """Median CPU and wall milliseconds of ``reps`` runs (the CPU is the figure on a shared
    machine: the wall time is the load's)."""
    cpu, wall = [], []
    for _ in range(reps):
        c, w = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.cross_questions")
    parser.add_argument("--db", required=True)
    parser.add_argument("--rule", required=True, help="a qualification rule's name or path")
    parser.add_argument("--nation", default="NED")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    app = build_app(args.db, read_only=True)
    rule = load_rule(args.rule)
    now = state_at(app)
    keys = sorted(s.key for s in now.races.values() if s.competition == rule["competition"])[:2]
    choice = Choice(nation=(args.nation,), competition=rule["competition"])
    at = app.last_position() * 3 // 4
    bases = {"now": Basis(), "position": Basis(position=at),
             "known_at": Basis(known_at=state_at(app, Basis(position=at)).recorded_at)}
    print(f"{app.last_position():,} events, {len(now.races)} races; rule {rule['rule']}, "
          f"classification {' '.join(keys)}")
    del now
    for name, basis in bases.items():
        def fold_qualification(b: Basis = basis) -> Any:
            state = state_at(app, b)
            return evaluate(state, rule), state.position

        def fold_classification(b: Basis = basis) -> Any:
            state = state_at(app, b)
            return classification_of(state, [state.sheet(k) or app.race(k).sheet for k in keys])

        def fold_report(b: Basis) -> Any:
            return report(state_at(app, b), choice, ())

        questions: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
            "qualification": (fold_qualification, partial(qualification_at, app, rule, basis)),
            "classification": (fold_classification, partial(classification_at, app, keys, basis)),
            "report": (partial(fold_report, basis), partial(report_at, app, choice, (), basis)),
        }
        indexed = "yes" if index_at(app, basis) is not None else "no"
        for question, (whole, scoped) in questions.items():
            assert whole() == scoped(), (name, question)
            (before, before_wall), (after, after_wall) = (median_ms(f, args.reps)
                                                          for f in (whole, scoped))
            print(f"{name:9} {question:14} index {indexed:3} | whole fold {before:8.1f} ms CPU "
                  f"({before_wall:8.1f} wall) | its races {after:7.1f} ms CPU ({after_wall:7.1f} "
                  f"wall) | {before / max(after, 0.001):5.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
