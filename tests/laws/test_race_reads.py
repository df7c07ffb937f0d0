"""Law of the race reads (issue 14, item 1): a question about one race, answered from that race's
own stream (and its competition's and skaters'), equals the same question answered from the fold
of the whole log, at every position and every known-at moment.

The ledgers are generated race days (tests/strategies.py), two competitions that may share
distances, recorded with some of the timing system's facts (passings, finishes, DNFs: what a
Vantage stream brings) stamped with its known-at moment, earlier or later than the store's time,
so a known-at basis takes facts out of log order and leaves out facts that name facts not known
yet. (Any command stamped so, a re-skate known before the skater's entry, breaks the whole fold
itself: ``RaceState.reskate`` finds no entry; such a ledger is not generated here.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.clocks import known_at_of
from ledger.domain.errors import UnknownRaceError
from ledger.domain.record import Record
from projections.audit import audit
from projections.basis import Basis, state_as_of
from projections.leaderboard import leaderboard, standings_at
from projections.marks import derive
from projections.pair import pair_panel
from projections.qualification import evaluate
from projections.reading import race_log, race_state_at
from projections.state import LedgerState
from projections.whatif import what_if
from tests.laws.test_question_laws import rules_for
from tests.strategies import RaceDay, race_day_commands, race_days

STORES = ("memory", ":memory:")
#: How far a stamped fact's known-at moment lies from now (None: the store's time).
SHIFTS = st.sampled_from((None, None, None, -3600, -5, 5, 3600))
#: The commands of a timing system's facts, stamped with its moment.
TIMED = frozenset({"record_passing", "record_finish", "record_dnf"})


def record_stamped(app: Ledger, day: RaceDay, shifts: list[int | None], base: datetime) -> None:
    """Record ``day``, the n-th timed command known at ``base`` shifted by ``shifts[n]`` seconds."""
    for n, command in enumerate(race_day_commands(day)):
        shift = shifts[n % len(shifts)]
        if shift is None or command.name not in TIMED:
            command.run(app)
        else:
            with app.known_at(base + timedelta(seconds=shift)):
                command.run(app)


def baselines(app: Ledger, day: RaceDay, paces: list[int]) -> None:
    """Record lines (world, and national for NED) at the day's distances, and bests known for
    some of its skaters: the evidence derived marks and the pair panel's references need."""
    for n, (key, race) in enumerate(day.keyed()):
        pace = paces[n % len(paces)]
        for scope, extra in (("world", 0), ("national:NED", 2)):
            app.save(Record(scope=scope, category=race.category, distance_m=race.distance_m,
                            time_ms=race.distance_m * (pace + extra), skater=None, nation=None,
                            as_of="2017-01-01", source="generated"))
        for m, starter in enumerate(race.starters[:2]):
            ms = race.distance_m * (pace + m)
            app.know_bests(key, starter.name, ms, ms + 500, "entry list")


def answers(state: LedgerState, key: str, after_pair: int | None,
            rules: list[dict[str, Any]]) -> dict[str, Any]:
    """Every race question's answer in ``state`` (an unknown race: the error's message)."""
    try:
        board = leaderboard(state, key, after_pair)
    except UnknownRaceError as e:
        return {"unknown": str(e)}
    sheet = state.sheet(key)
    assert sheet is not None
    names = {row.skater_id: state.name_of(row.skater_id) for row in board.rows}
    return {"board": board, "names": names, "position": state.position,
            "recorded_at": state.recorded_at,
            "competition": state.competitions.get(sheet.competition_id),
            "at": [standings_at(state, key, m, after_pair) for m in sheet.points],
            "what_if": [what_if(state, key, ms, after_pair=after_pair)
                        for ms in (30_000, 75_000, 400_000)],
            "pair": [pair_panel(state, sheet, after_pair, ref) for ref in ("sb", "pb", "leader")],
            "marks": {k: v for k, v in derive(state, sheet).derived.items() if k[0] == key},
            "qualification": [evaluate(state, {**rule, "category": sheet.category},
                                       {} if after_pair is None else {key: after_pair})
                              for rule in rules if rule["competition"] == sheet.competition]}


@given(race_days(max_races=2, max_skaters=6), race_days(max_races=2, max_skaters=6),
       st.lists(SHIFTS, min_size=1, max_size=7), st.lists(st.integers(66, 85), min_size=1,
                                                            max_size=3),
       st.sampled_from(STORES), st.data())
def test_a_race_read_from_its_own_stream_equals_the_whole_fold(
        first: RaceDay, second: RaceDay, shifts: list[int | None], paces: list[int], store: str,
        data: st.DataObject) -> None:
    app = build_app(store)
    base = datetime.now(UTC)
    other = attrs.evolve(second, competition="Other Cup")
    record_stamped(app, first, shifts, base)
    baselines(app, first, paces)
    record_stamped(app, other, shifts[::-1], base)
    last = app.last_position()
    moments = sorted({known_at_of(e) for _, e in app.read_log()})
    keys = [k for k, _ in first.keyed()] + [k for k, _ in other.keyed()]
    for _ in range(3):
        moment = data.draw(st.sampled_from(moments))
        basis = data.draw(st.sampled_from((
            Basis(), Basis(position=data.draw(st.integers(0, last + 2))),
            Basis(known_at=moment), Basis(known_at=moment - timedelta(microseconds=1)))))
        whole = state_as_of(app, basis)
        key = data.draw(st.sampled_from(keys))
        after_pair = data.draw(st.sampled_from((None, 0, 1, 2)))
        own = race_state_at(app, key, basis, bests=True, competition=True)
        rules = rules_for(first) + rules_for(other)
        marks = answers(race_state_at(app, key, basis, marks=True), key, after_pair, rules)
        expected = answers(whole, key, after_pair, rules)
        assert answers(own, key, after_pair, rules) == expected, (basis, key)
        marked = answers(race_state_at(app, key, basis, bests=True), key, after_pair, rules)
        assert (marked.get("marks"), marked.get("pair")) == (expected.get("marks"),
                                                            expected.get("pair"))
        assert (marks.get("board"), marks.get("marks")) == (expected.get("board"),
                                                           expected.get("marks"))
        lean = race_state_at(app, key, basis)
        assert (lean.position, lean.recorded_at) == (whole.position, whole.recorded_at)
        assert leaderboard_or_none(lean, key) == leaderboard_or_none(whole, key)
        stop = whole.position
        assert audit(race_log(app, key, stop), key) == audit(app.read_log(stop=stop), key)


def leaderboard_or_none(state: LedgerState, key: str) -> Any:
    return leaderboard(state, key) if state.sheet(key) is not None else None
