"""A race day recorded fact by fact through the command, for the crash tests (tests/store/test_crash.py).

``python -m tests.record_loop DB PAIRS`` records a competition, a 500 m race and ``PAIRS`` pairs
(two skaters registered, the pair drawn and started, a passing and a finish each): every command
its own transaction, each with its author (``--by``), as timing consoles and a desk would.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from scripts.cli.main import main

KEY = "crash-cup-2025/men-500m"


def commands(pairs: int) -> Iterator[list[str]]:
    yield ["record", "competition", "Crash Cup", "--date", "2025-01-05", "--by", "Admin A"]
    yield ["record", "race", "crash-cup-2025", "--distance", "500", "--category", "men",
           "--date", "2025-01-05", "--by", "Admin A"]
    for pair in range(1, pairs + 1):
        inner, outer = f"Skater {2 * pair - 1}", f"Skater {2 * pair}"
        for name in (inner, outer):
            yield ["record", "skater", name, "--by", "Admin A"]
        yield ["record", "pair", KEY, str(pair), "--inner", inner, "--outer", outer, "--by", "Admin A"]
        yield ["record", "start", KEY, str(pair), "--by", "Operator O"]
        for lane, name in enumerate((inner, outer)):
            yield ["record", "pass", KEY, name, "100", f"10.{5 + lane}", "--by", "Operator O"]
            yield ["record", "finish", KEY, name, f"38.{40 + lane}", "--by", "Operator P"]


def run(db: str, pairs: int, progress: str | None = None) -> int:
    """Record the day; the number of commands run. ``progress``: a file that grows by one line
    after each command, for a test to kill the run after a chosen number of them."""
    count = 0
    for argv in commands(pairs):
        main(["--db", db, *argv])
        count += 1
        if progress is not None:
            with open(progress, "a", encoding="utf-8") as out:
                out.write(f"{count}\n")
    return count


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
