"""The replay ends where the standings are: corrections, voids, DQs after the last pair and the
official declaration are steps of the replay, and the last frame of every race is its board now."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.kinds import FactKind
from ledger.domain.rules import pairs_not_skated
from projections.basis import state_as_of
from projections.leaderboard import leaderboard
from projections.timeline import replay_frames
from tests.cli import ok, run
from tests.helpers import known
from tests.strategies import REFEREE, RaceDay, finishers, race_days, record_race_day


def last_frames(app: Ledger, target: str, step: str) -> dict[str, Any]:
    """Each race's board (rows, official or not) in the last replay frame that shows it."""
    boards = {}
    for frame in replay_frames(app.read_log(), target, step):
        sheet = known(frame.state.sheet(frame.race))
        boards[frame.race] = (leaderboard(frame.state, frame.race).rows, sheet.official is not None)
    return boards


def boards_now(app: Ledger, day: RaceDay) -> dict[str, Any]:
    state = state_as_of(app)
    return {key: (leaderboard(state, key).rows, known(state.sheet(key)).official is not None)
            for key, _race in day.keyed()}


@given(race_days(), st.data())
def test_the_last_frame_of_every_race_is_its_standings_now(day: RaceDay, data: st.DataObject) -> None:
    app = record_race_day(build_app("memory"), day)
    timed = finishers(day)
    if timed:  # after the last pair: a correction, a DQ and its void, or none of them
        key, _race, starter = data.draw(st.sampled_from(timed))
        target = app.find_fact(key, starter.name, "finish").fact_id
        act = data.draw(st.sampled_from(["correct", "dq", "dq-voided", "none"]))
        if act == "correct":
            app.correct_time(key, target, known(starter.outcome.finish_ms) + data.draw(
                st.integers(1, 900)), "photo finish read again", REFEREE)
        elif act.startswith("dq") and starter.outcome.code == "OK":
            app.disqualify(key, starter.name, "ISU 253: lane change", REFEREE)
            if act == "dq-voided":
                dq = known(app.race(key).sheet.first(app.skater(starter.name), FactKind.DQ))
                app.void_fact(key, dq.fact_id, "protest upheld", "Jury")
    for key, _race in day.keyed():
        if data.draw(st.booleans(), label=f"{key} declared official"):
            # a generated day may leave a drawn skater without an outcome: the referee forces it
            waiting = pairs_not_skated(app.race(key).sheet)
            app.declare_official(key, REFEREE, forced_reason="the day ends here" if waiting else None)
    for step in ("pair", "event"):
        assert last_frames(app, day.slug, step) == boards_now(app, day)


def a_day_with_a_late_correction(app: Ledger) -> tuple[str, int]:
    comp = app.schedule_competition("Replay Cup", "Rink", date(2025, 1, 1))
    key = app.schedule_race(comp, 500, "women", date(2025, 1, 1))
    for name in ("Skater A", "Skater B"):
        app.register_skater(name)
        app.enter_starter(key, name)
    app.draw_pair(key, 1, "Skater A", "Skater B")
    app.start(key, 1)
    app.record_finish(key, "Skater A", 38_100)
    app.record_finish(key, "Skater B", 38_200)
    target = app.find_fact(key, "Skater B", "finish").fact_id
    app.correct_time(key, target, 38_050, "photo finish", REFEREE)
    app.declare_official(key, REFEREE)
    return key, app.last_position()


def test_a_correction_and_the_declaration_after_the_last_pair_are_steps_by_pair(
        memory_app: Ledger) -> None:
    key, last = a_day_with_a_late_correction(memory_app)
    frames = [(f.position, type(f.event).__name__) for f in
              replay_frames(memory_app.read_log(), key, "pair")]
    assert [name for _, name in frames] == [
        "FinishRecorded", "TimeCorrected", "ResultsDeclaredOfficial"]
    assert frames[-1][0] == last


def test_the_replay_command_ends_with_the_corrected_board(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    _key, last = a_day_with_a_late_correction(build_app(db))
    shown = ok(run(capsys, "--db", db, "replay", "replay-cup-2025", "--step", "pair")).out
    final = shown.rsplit("position ", 1)[1]
    assert final.startswith(f"{last}\n"), shown
    assert final.index("Skater B") < final.index("Skater A") and "38.05" in final, final
