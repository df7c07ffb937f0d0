"""Every store keeps what it is given, in order, and a second connection sees it."""

from collections.abc import Callable
from datetime import date

from ledger.application import Ledger
from tests.helpers import known


def test_a_recorded_finish_is_read_back_by_a_second_connection(store: Callable[[], Ledger]) -> None:
    app: Ledger = store()
    comp = app.schedule_competition("Test Cup", "Test Rink", date(2025, 1, 5))
    key = app.schedule_race(comp, 500, "women", date(2025, 1, 5))
    app.register_skater("Skater K", "NED")
    app.enter_starter(key, "Skater K")
    position = app.record_finish(key, "Skater K", 38_429)
    again = store()
    assert again.last_position() == position
    assert known(again.race(key).sheet.finish(again.skater("Skater K"), 1)).ms == 38_429
