"""Restore grows linearly with the export (issue 14, item 6).

The old import compared every new event with every touched aggregate (quadratic) and read the file
whole. The measure here is the plan's own count of work (lines decided, stored events read back,
events folded, facts compared: ``JsonlPlan.work``), not time: it is the same on any machine and
under any load, so the test cannot be flaky, and it would grow as the square of the export if a
check scanned the events again per aggregate. The cache of folded aggregates is made small, so that
the file coming back to an evicted aggregate (a fold again from the store) is part of what is
counted.

A generated season writes each race's facts together, so the cache never evicts there; the
restore stays linear as long as the aggregates an export interleaves fit the cache (``LIVE``, 512
by default: a race day runs a handful of races at once). A ledger that interleaves races beyond a
tiny cache is restored here too: folded again from the store (the events this transaction wrote
included) after each eviction, it must give back the same ledger.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.importing import jsonl
from ledger.importing.jsonl import JsonlPlan, export_lines, write_jsonl
from ledger.store.restore import restoring
from scripts.demo.generate import generate
from tests.cli import ok, refused, run
from tests.helpers import race_day


def season_export(folder: Path, events: int) -> Path:
    app = build_app(str(folder / f"season-{events}.db"))
    try:
        generate(app, events=events, seed=7)
        path = folder / f"season-{events}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            write_jsonl(app, handle)
    finally:
        app.close()
    return path


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("linear")
    return season_export(folder, 1500), season_export(folder, 3000)


def restored(app: Ledger, path: Path) -> tuple[int, int]:
    """The restore's work and the events it appended."""
    with restoring(app.recorder) as sink:
        plan = JsonlPlan(app, sink)
        plan.add(path)
        plan.finish()
    return plan.work, len(sink.ids)


def interleaved_export(folder: Path) -> Path:
    """Four races of one day recorded pair by pair in turn: each race's facts are spread over
    the log among the others'."""
    app = build_app(str(folder / "interleaved.db"))
    try:
        names = [f"Skater {chr(ord('A') + i)}" for i in range(8)]
        keys = [race_day(app, distance, names, category=category)
                for distance in (500, 1000) for category in ("men", "women")]
        for number in range(1, 5):
            inner, outer = names[2 * number - 2], names[2 * number - 1]
            for key in keys:
                app.draw_pair(key, number, inner, outer)
            for key in keys:
                app.start(key, number)
                app.record_finish(key, inner, 70_000 + number)
                app.record_finish(key, outer, 71_000 + number)
        path = folder / "interleaved.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            write_jsonl(app, handle)
    finally:
        app.close()
    return path


def test_twice_the_events_is_at_most_two_and_a_half_times_the_work(
        exports: tuple[Path, Path], tmp_path: Path) -> None:
    small, large = exports
    work_small, events_small = restored(build_app(str(tmp_path / "a.db")), small)
    work_large, events_large = restored(build_app(str(tmp_path / "b.db")), large)
    assert events_large >= 1.9 * events_small, (events_small, events_large)
    assert work_small >= 2 * events_small  # each line decided and folded, at least
    # 2x the events, at most 2.5x the work (scaled to the events the two seasons really hold)
    assert work_large / work_small <= 1.25 * events_large / events_small, (
        work_small, events_small, work_large, events_large)


@pytest.mark.parametrize("target", ["file", "memory"])
def test_a_restore_through_a_small_cache_gives_back_the_same_ledger(
        target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = interleaved_export(tmp_path)
    monkeypatch.setattr(jsonl, "LIVE", 2)
    monkeypatch.setattr(jsonl, "BATCH", 7)  # many inserts in the one transaction
    app = build_app(str(tmp_path / "restored.db") if target == "file" else "memory")
    with restoring(app.recorder) as sink:
        plan = JsonlPlan(app, sink)
        plan.add(path)
        plan.finish()
    assert plan.reloads > 10  # the races were evicted and folded again, many times
    assert len(sink.ids) == len(path.read_text(encoding="utf-8").splitlines())
    assert [line + "\n" for line in export_lines(app)] == path.read_text(encoding="utf-8").splitlines(
        keepends=True)


GOOD_CSV = ("competition,venue,date,distance,category,pair,lane,skater,nation,time\n"
            "Other Cup,Other Rink,2025-12-01,500,women,1,inner,Skater Q,NED,38.42\n")


def test_an_export_extending_what_another_file_of_the_import_adds_is_refused_and_appends_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The other file's facts go into the transaction first; the export is still judged against
    the ledger as it was, and refused by name (not by the store's uniqueness)."""
    csv = tmp_path / "good.csv"
    csv.write_text(GOOD_CSV, encoding="utf-8")
    source, target = str(tmp_path / "source.db"), str(tmp_path / "target.db")
    ok(run(capsys, "--db", source, "import", str(csv)))
    export = tmp_path / "export.jsonl"
    ok(run(capsys, "--db", source, "export", "--output", str(export)))
    done = run(capsys, "--db", target, "import", str(csv), str(export))
    refused(done)
    assert f"{export}:1: adds to " in done.err
    assert "another file of this import records too; import these files one at a time" in done.err
    assert ok(run(capsys, "--db", target, "export")).out == ""
