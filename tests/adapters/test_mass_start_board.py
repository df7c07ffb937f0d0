"""The board shows a mass start live: the lap counter, the leader on points and each sprint's
order with its points; the results carry points, sprints and laps (decision 0020)."""

from __future__ import annotations

from datetime import date

from starlette.testclient import TestClient

from ledger.application import Ledger
from scripts.board.app import create_app

DAY = date(2025, 11, 23)
KEY = "test-cup-2025/men-mass-start"


def test_the_board_follows_a_mass_start_lap_by_lap(memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("Test Cup", "Thialf", DAY)
    assert app.schedule_mass_start(comp, 16, "men", DAY) == KEY
    names = ["Skater A", "Skater B", "Skater C"]
    for name in names:
        app.register_skater(name)
    app.enter_starters(KEY, names)
    app.start(KEY, 1)
    app.record_sprint(KEY, 4, ["Skater C", "Skater A"])
    at_4 = app.record_sprint(KEY, 8, ["Skater C", "Skater B"])
    app.record_passing(KEY, "Skater A", 4000, 290_000)
    for name, ms in (("Skater A", 462_000), ("Skater B", 462_500), ("Skater C", 470_000)):
        app.record_finish(KEY, name, ms)
    client = TestClient(create_app(app), raise_server_exceptions=True)
    early = client.get(f"/races/{KEY}", params={"position": at_4}).text
    assert 'data-lap="8" data-laps="16"' in early and "Lap 8 of 16" in early
    assert "leader on points: <strong>Skater C</strong> (6)" in early
    assert "Sprint after lap 8: Skater C 3, Skater B 2" in early
    final = client.get(f"/races/{KEY}").text
    # A: 2 (lap 4) + 60; B: 2 (lap 8) + 40; C: 3 + 3 + 20 (third across the line)
    assert "Lap 16 of 16" in final and "leader on points: <strong>Skater A</strong> (62)" in final
    assert [f'<td class="points">{p}</td>' in final for p in (62, 42, 26)] == [True] * 3
