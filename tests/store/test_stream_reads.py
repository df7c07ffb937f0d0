"""The recorders' reads of one stream up to a position, and of the log backwards (issue 14, item
1: the race questions read only their race), on every store: the same events as a scan of the
whole log would pick out."""

from __future__ import annotations

from ledger.application import Ledger
from ledger.domain.values import race_id
from tests.helpers import timed_race


def test_a_stream_read_up_to_a_position_is_the_log_filtered_to_that_aggregate(app: Ledger) -> None:
    first = timed_race(app, 500, [("Skater A", 38_000), ("Skater B", 37_500)])
    second = timed_race(app, 1000, [("Skater A", 76_000)], competition="Other Cup")
    log = list(app.read_log())
    for key in (first, second):
        rid = race_id(key)
        for stop in range(len(log) + 2):
            expected = [(p, e) for p, e in log if e.originator_id == rid and p <= stop]
            assert app.read_stream(rid, stop) == expected, (key, stop)
    assert [e.originator_version for _, e in app.read_stream(race_id(second))] == list(
        range(1, 1 + sum(e.originator_id == race_id(second) for _, e in log)))


def test_the_log_read_backwards_is_the_log_reversed(app: Ledger) -> None:
    timed_race(app, 500, [("Skater A", 38_000), ("Skater B", 37_500), ("Skater C", 39_000)])
    log = list(app.read_log())
    assert list(app.read_log_backwards()) == log[::-1]
    assert list(app.read_log_backwards(3)) == log[:3][::-1]
    assert list(app.read_log_backwards(0)) == []
