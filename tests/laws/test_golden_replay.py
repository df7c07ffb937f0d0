"""The golden log: today's replay of the decisions the events do not store, pinned.

Three decisions are taken again on every replay, when a race's facts are folded
(``ledger.domain.race_state.RaceState``), instead of being stored in the events: which facts a cleared
clock voids (``clear_clock``), which lane a re-skater takes (``reskate``), and which pair a fact
belongs to (``add`` and ``pair_of``). ``tests/golden/replay-decisions.jsonl`` is the export of a
race day recorded through the commands that exercises all three (``scripts/demo/golden.py``), and
``tests/golden/replay-decisions.expected.json`` is how it folded when it was written.

A FAILING GOLDEN TEST MEANS STORED LEDGERS WOULD REPLAY DIFFERENTLY: every ledger on disk holds
events like these, and would now show other voids, lanes, pairs or standings than it did. Do not
rewrite the golden files to make it pass. Keep the old decision for the events stored so far and
give the changed event a ``class_version`` and an upcaster (or store the decision in a new event
field, as ``ReskateGranted.lane_stated`` did); see docs/decisions/0017-replay-decisions.md.

When only the second test fails, the commands now store other events while the old ones still
replay as they did. Keep the old log as the witness of the ledgers stored so far: copy it and its
expected fold beside it under a dated name (``replay-decisions-2026-01.jsonl`` and
``replay-decisions-2026-01.expected.json``; the first test replays every log of tests/golden),
then write the new one with ``python -m scripts.demo.golden --rewrite``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.bootstrap import build_app
from ledger.importing.jsonl import export_lines, import_jsonl
from scripts.demo import golden

LOG = golden.GOLDEN_DIR / golden.LOG_NAME
EXPECTED = golden.GOLDEN_DIR / golden.EXPECTED_NAME
KEY = "golden-cup-2025/men-1000m"
#: Every golden log, the current one and any kept as the witness of older stored events.
LOGS = sorted(golden.GOLDEN_DIR.glob("*.jsonl"))


def test_the_golden_folder_holds_the_current_log() -> None:
    assert LOG in LOGS and EXPECTED.exists()


@pytest.mark.parametrize("log", LOGS, ids=lambda path: path.name)
def test_the_golden_log_replays_as_it_did_when_it_was_written(log: Path, tmp_path: Path) -> None:
    """Imported into a fresh ledger and folded by the write side (the aggregate) and the read
    side (the projections), a golden log gives the outcome checked in beside it."""
    expected = json.loads((log.parent / f"{log.stem}.expected.json").read_text(encoding="utf-8"))
    app = build_app(str(tmp_path / "replayed.db"))
    try:
        assert import_jsonl(app, log) == len(log.read_text(encoding="utf-8").splitlines())
        write, read = golden.folded(app, expected["race"])
        exported = "".join(line + "\n" for line in export_lines(app))
    finally:
        app.close()
    assert write == expected
    assert read == expected
    assert exported == log.read_text(encoding="utf-8")  # imported byte for byte


def test_the_commands_write_the_golden_log_byte_for_byte(tmp_path: Path) -> None:
    """The race day recorded today writes exactly the events of the golden log: a change in
    what the commands store (a field, a topic, an id, an order) is noticed here."""
    key, lines = golden.golden_lines(str(tmp_path / "recorded.db"))
    assert key == KEY
    assert "".join(line + "\n" for line in lines) == LOG.read_text(encoding="utf-8")


def test_the_golden_log_holds_the_three_decisions() -> None:
    """The golden log is worth its name only while it exercises each decision."""
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    facts = expected["facts"]
    cleared = [f for f in facts if f["kind"] == "clock-cleared"]
    voided = {f["kind"] for f in facts if f["voided"]}
    assert len(cleared) == 2 and voided == {"passing", "finish"}
    assert any(f["kind"] == "fall" and not f["voided"] and f["pair"] == 1 for f in facts)
    assert any(f["kind"] == "passing" and not f["voided"] and f["seq"] < cleared[1]["seq"]
               and f["pair"] == 1 and f["skater"] == "Skater A" for f in facts)  # not current
    entries = expected["entries"]
    assert entries["Skater A"] == {"pair": 4, "lane": "outer", "attempt": 2}  # lane given
    assert entries["Skater D"] == {"pair": 5, "lane": None, "attempt": 2}  # no lane given
    assert entries["Skater C"] == {"pair": 3, "lane": None, "attempt": 2}  # after a withdrawal
    assert {f["pair"] for f in facts if f["skater"] == "Skater A" and f["kind"] == "passing"} == {
        1, 4}
    assert [f["pair"] for f in facts if f["kind"] in ("wdr", "dns")] == [3, None]


def test_the_generator_does_not_overwrite_a_golden_log_unless_told(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert golden.main(["--to", str(tmp_path)]) == 0
    log = tmp_path / golden.LOG_NAME
    assert log.read_text(encoding="utf-8") == LOG.read_text(encoding="utf-8")
    assert (tmp_path / golden.EXPECTED_NAME).read_text(encoding="utf-8") == EXPECTED.read_text(
        encoding="utf-8")
    log.write_text("kept\n", encoding="utf-8")
    assert golden.main(["--to", str(tmp_path)]) == 2
    assert "unless --rewrite is given" in capsys.readouterr().err
    assert log.read_text(encoding="utf-8") == "kept\n"
    assert golden.main(["--to", str(tmp_path), "--rewrite"]) == 0
    assert log.read_text(encoding="utf-8") == LOG.read_text(encoding="utf-8")
