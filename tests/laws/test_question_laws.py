"""Laws of the seed report's questions, on generated race days (issue 4's "done when"):

- a personal best is never slower than any valid result of the skater;
- what-if of a skater's own time gives their own place;
- qualification statuses move only by the rule's logic as pairs are added: a certain slot stays
  certain, with the same skater, unless a correction, void or DQ changes its race;
- samalog totals equal the sum of their truncated parts.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.race import Race
from projections.basis import Basis, state_as_of
from projections.classification import classify, samalog_points
from projections.history import history
from projections.leaderboard import leaderboard
from projections.qualification import evaluate
from projections.state import LedgerState
from projections.whatif import what_if
from tests.helpers import known, timed_race
from tests.strategies import RaceDay, race_days, record_race_day

#: A referee's decisions that change a race that looked final: a correction, a void, a DQ, a re-skate.
CORRECTING = (Race.TimeCorrected, Race.FactVoided, Race.Disqualified, Race.ReskateGranted)


@given(race_days(), race_days())
def test_a_personal_best_is_never_slower_than_any_valid_result(first: RaceDay, second: RaceDay) -> None:
    app = build_app("memory")
    record_race_day(app, first)
    record_race_day(app, attrs.evolve(second, competition="Other Cup"))
    state = state_as_of(app)
    for name in sorted({*first.skaters(), *second.skaters()}):
        found = history(state, name)
        for row in found.rows:
            if row.status == "OK" and row.time_ms is not None:
                assert found.ledger_bests[row.distance_m] <= row.time_ms
                assert found.personal_bests.get(row.distance_m, 0) <= row.time_ms


@given(race_days())
def test_what_if_of_a_skaters_own_time_gives_their_own_place(day: RaceDay) -> None:
    app = record_race_day(build_app("memory"), day)
    state = state_as_of(app)
    for key, _race in day.keyed():
        for row in leaderboard(state, key).rows:
            if row.rank is not None and row.time_ms is not None:
                assert what_if(state, key, row.time_ms, skater=row.skater).rank == row.rank


def rules_for(day: RaceDay) -> list[dict[str, Any]]:
    """A top-2 rule, and a selection order over places 1-3 of every race of one category, capped
    at 3 skaters (so the cap bites)."""
    category = day.races[0].category
    slots = [{"slot": n, "distance_m": d, "place": p} for n, (d, p) in enumerate(
        ((r.distance_m, p) for r in day.races if r.category == category for p in (1, 2, 3)),
        start=1)]
    order = {"rule": "generated-order", "version": 1, "kind": "selection-order",
             "competition": day.slug, "category": category, "cap": 3, "slots": slots}
    top = {"rule": "generated-top-2", "version": 1, "kind": "top-n", "competition": day.slug,
           "category": None, "direct": 2}
    return [top, order]


@given(race_days(max_races=2, max_skaters=4))
def test_a_certain_slot_stays_certain_unless_a_correction_changes_its_race(day: RaceDay) -> None:
    app = record_race_day(build_app("memory"), day)
    state = LedgerState()
    certain: dict[tuple[str, str, int | None, int | None], str | None] = {}
    touched: set[Any] = set()
    for position, event in app.read_log():
        state.apply(position, event)
        if isinstance(event, CORRECTING):
            touched.add(event.originator_id)
        for rule in rules_for(day):
            for slot in evaluate(state, rule).slots:
                where = (rule["rule"], slot.category, slot.distance_m, slot.place)
                sheet = next((s for s in state.races.values() if
                              (s.category, s.distance_m) == (slot.category, slot.distance_m)), None)
                if where in certain and sheet is not None and sheet.race_id not in touched:
                    assert (slot.skater, slot.status) == (certain[where], "certain"), (where, position)
                elif slot.status == "certain":
                    certain[where] = slot.skater


def samalog_by_hand(ms: int, distance_m: int) -> Fraction:
    """rules.md §6 written out independently: seconds / (distance / 500), truncated to 3 decimals."""
    exact = Fraction(ms, 1000) / Fraction(distance_m, 500)
    return Fraction(math.floor(exact * 1000), 1000)


def test_samalog_by_hand_gives_the_adelskalender_totals_of_roest_and_klassen() -> None:
    """The regression cases of rules.md §6, to show the independent formula is the rule."""
    roest = [(35_740, 500), (102_560, 1500), (363_700, 5000), (767_890, 10000)]
    klassen = [(37_510, 500), (111_790, 1500), (233_340, 3000), (408_970, 5000)]
    assert sum(samalog_by_hand(ms, d) for ms, d in roest) == Decimal("144.690")
    assert sum(samalog_by_hand(ms, d) for ms, d in klassen) == Decimal("154.560")
    assert [samalog_points(ms, d) for ms, d in roest] == [35_740, 34_186, 36_370, 38_394]


@given(st.lists(st.tuples(st.sampled_from((500, 1000, 1500, 3000, 5000, 10000)),
                          st.integers(30_000, 900_000)), min_size=1, max_size=4, unique_by=lambda t: t[0]))
def test_samalog_totals_equal_the_sum_of_their_truncated_parts(times: list[tuple[int, int]]) -> None:
    parts = [samalog_points(ms, d) for d, ms in times]
    assert [Fraction(part, 1000) for part in parts] == [samalog_by_hand(ms, d) for d, ms in times]
    [standing] = classify([("Skater", d, ms) for d, ms in times], [d for d, _ in times])
    assert Fraction(standing.points or 0, 1000) == sum(samalog_by_hand(ms, d) for d, ms in times)
    assert standing.rank == 1


def test_the_basis_reaches_every_question(memory_app: Ledger) -> None:
    """A question asked as of position 0 knows nothing; as of a position between two finishes, only
    the first; as of the last position, everything (board, what-if, history, qualification)."""
    key = timed_race(memory_app, 500, [("Skater A", 38_000), ("Skater B", 37_500)])
    last = memory_app.last_position()
    nothing, between, now = (state_as_of(memory_app, Basis(position=p)) for p in (0, last - 1, last))
    assert nothing.races == {} and nothing.skaters == {}
    assert [(r.rank, r.skater) for r in leaderboard(between, key).rows] == [(1, "Skater A")]
    assert [(r.rank, r.skater) for r in leaderboard(now, key).rows] == [(1, "Skater B"),
                                                                         (2, "Skater A")]
    assert what_if(between, key, 37_900).rank == 1 and what_if(now, key, 37_900).rank == 2
    assert [r.time_ms for r in history(between, "Skater B").rows] == []  # no result yet
    assert [r.time_ms for r in history(now, "Skater B").rows] == [37_500]
    rule = {"rule": "basis", "version": 1, "kind": "top-n", "direct": 1, "category": None,
            "competition": known(between.sheet(key)).competition}
    assert [s.skater for s in evaluate(between, rule).slots][:1] == ["Skater A"]
    assert [s.skater for s in evaluate(now, rule).slots][:1] == ["Skater B"]
