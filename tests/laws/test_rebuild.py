"""A rebuild in bounded memory gives every race the board a fold of the whole log gives it
(projections/rebuild.py), however few race sheets it may keep."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from projections.basis import state_as_of
from projections.leaderboard import leaderboard
from projections.rebuild import rebuild_boards
from scripts.demo.generate import generate


def season(events: int, seed: int) -> Ledger:
    app = build_app("memory")
    generate(app, events=events, seed=seed)
    return app


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), keep=st.sampled_from([1, 2, 3, 7, 1000]))
def test_every_board_is_the_board_of_the_whole_fold(seed: int, keep: int) -> None:
    app = season(1500, seed)
    whole = state_as_of(app)
    rebuilt = rebuild_boards(app, keep=keep)
    assert list(rebuilt.boards) == list(whole.race_keys)
    assert rebuilt.boards == {key: leaderboard(whole, key) for key in whole.race_keys}
    assert rebuilt.events == whole.position
    assert len(rebuilt.state.races) == min(keep, len(whole.races))


def test_a_late_correction_for_a_dropped_race_loads_it_again() -> None:
    app = season(3000, 11)
    early = list(state_as_of(app).race_keys)[:3]
    for key in early:  # weeks later, the referee corrects a finish of each of the first races
        sheet = app.race(key).sheet
        finish = next(f for f in sheet.facts.values() if f.kind == "finish" and f.live and f.ms)
        assert finish.ms is not None
        app.correct_time(key, finish.fact_id, finish.ms + 10, "photo-finish re-read", "Referee")
    whole = state_as_of(app)
    for keep in (1, 2):
        rebuilt = rebuild_boards(app, keep=keep)
        assert rebuilt.reloads == 3
        assert rebuilt.boards == {key: leaderboard(whole, key) for key in whole.race_keys}
