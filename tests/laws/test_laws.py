"""The laws of the results ledger, checked on generated race days (tests/strategies.py).

Each test states one law in its name: how a board is ordered and ranked (rules.md §1 and §4), that
ranks do not depend on the order facts arrive in, that a correction equals having recorded the right
value (and the last of several corrections decides, and none breaks the order of the passings), and
that every "as of" answer and every way of folding the log agree (architecture.md). All run on the
in-process store; the stores are compared with each other in tests/stateful.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import InvalidTimeError, RefusedFactError
from projections.basis import Basis, state_as_of
from projections.leaderboard import Leaderboard, Row, leaderboard, standings_at
from projections.runner import LiveView
from projections.state import LedgerState
from tests.helpers import all_known, known
from tests.strategies import (
    CORRECTION_REASON,
    REFEREE,
    Outcome,
    RaceDay,
    RacePlan,
    Starter,
    finishers,
    points_before_line,
    race_day_commands,
    race_days,
    record_race_day,
    with_finish,
)

#: Replaying a race aggregate for every command costs most of each example; these laws are about
#: what the log says, so the ledgers keep their aggregates cached (not copied: commands decide before
#: they change an aggregate, and every generated command is accepted).
CACHED = {"AGGREGATE_CACHE_MAXSIZE": "16", "DEEPCOPY_FROM_AGGREGATE_CACHE": "n"}


def new_ledger() -> Ledger:
    return build_app("memory", CACHED)


def recorded(day: RaceDay, shuffle: random.Random | None = None) -> Ledger:
    return record_race_day(new_ledger(), day, shuffle)


def boards(state: LedgerState, day: RaceDay) -> dict[str, Leaderboard]:
    return {key: leaderboard(state, key) for key, _ in day.keyed()}


def ranked_rows(board: Leaderboard) -> list[Row]:
    return [row for row in board.rows if row.rank is not None]


def timed_rows(board: Leaderboard) -> list[Row]:
    """The ranked rows that show a time (not a place a list reported without it)."""
    return [row for row in ranked_rows(board) if not row.place_reported]


def outline(board: Leaderboard) -> list[tuple[int | None, str, str, int | None]]:
    """What a reader of the board sees: rank, skater, status, time (full precision)."""
    return [(row.rank, row.skater, row.status, row.time_ms) for row in board.rows]


#: The test's own order of the unranked (rules.md §4, as Vantage lists them), not the code's.
UNRANKED = ("DNF", "DQ", "DNS", "WDR")


#: The test's own order of the lanes within a place: inner (white) before outer, unknown last.
LANES = {"inner": 0, "outer": 1}


def planned_draw(race: RacePlan, name: str) -> tuple[bool, int, int, str]:
    """Where the plan puts a skater among those sharing a place or a status (rules data, as the
    ISU lists print them): a known pair first, in order; inner before outer (a re-skater's lane is
    not given: unknown); then the order of entry, which the plan makes by name."""
    again = race.reskate_pairs().get(name)
    starter = race.starter(name)
    pair, lane = (again, None) if again is not None else (starter.pair, starter.lane)
    return (pair is None, pair or 0, LANES.get(lane or "", len(LANES)), name)


def planned_outline(race: RacePlan) -> list[tuple[int | None, str, str, int | None]]:
    """The board the plan calls for, worked out here without the ledger: finishers by time (equal
    times share the rank, the next is skipped; then in the order of the draw), then the unranked
    in rules order (then the draw)."""
    timed = sorted((s.outcome.order_ms, planned_draw(race, s.name), s.name, s.outcome.ranked_ms)
                   for s in race.starters
                   if s.outcome.order_ms is not None and s.outcome.code == "OK")
    rows: list[tuple[int | None, str, str, int | None]] = [
        (1 + sum(other < ms for other, *_ in timed), name, "OK", shown)
        for ms, _, name, shown in timed]
    unranked = sorted((UNRANKED.index(s.outcome.code), planned_draw(race, s.name), s.name,
                       s.outcome.code) for s in race.starters if s.outcome.code in UNRANKED)
    return rows + [(None, name, code, None) for _, _, name, code in unranked]


# -- ordering and ranking -------------------------------------------------------------------------
@given(race_days())
def test_the_board_is_sorted_by_full_precision_time(day: RaceDay) -> None:
    state = state_as_of(recorded(day))
    for board in boards(state, day).values():
        times = all_known(row.time_ms for row in timed_rows(board))
        assert times == sorted(times)


@given(race_days())
def test_equal_times_share_a_rank_and_the_next_rank_is_skipped(day: RaceDay) -> None:
    state = state_as_of(recorded(day))
    for key, race in day.keyed():
        board = leaderboard(state, key)
        # a place a list reported sits where its (unrecorded) time would: it counts as faster
        times = [s.outcome.order_ms for s in race.starters
                 if s.outcome.code == "OK" and s.outcome.order_ms is not None]
        for row in ranked_rows(board):
            mine = race.starter(row.skater).outcome.order_ms
            assert row.time_ms in (mine, None)
            assert mine is not None, "a ranked skater has a time or a place"
            faster = sum(1 for ms in times if ms < mine)
            assert row.rank == 1 + faster, outline(board)


@given(race_days())
def test_every_entered_starter_with_an_outcome_appears_exactly_once(day: RaceDay) -> None:
    state = state_as_of(recorded(day))
    for key, race in day.keyed():
        shown = Counter(row.skater for row in leaderboard(state, key).rows)
        expected = {s.name for s in race.starters if s.outcome.status is not None}
        assert set(shown) == expected
        assert all(count == 1 for count in shown.values()), shown


@given(race_days())
def test_each_row_shows_the_status_and_time_that_were_recorded(day: RaceDay) -> None:
    state = state_as_of(recorded(day))
    for key, race in day.keyed():
        for row in leaderboard(state, key).rows:
            outcome = race.starter(row.skater).outcome
            assert row.status == outcome.status
            assert row.time_ms == outcome.ranked_ms  # the unranked show no time, even a DQ's


@given(race_days())
def test_no_unranked_status_sits_above_a_ranked_time(day: RaceDay) -> None:
    state = state_as_of(recorded(day))
    for board in boards(state, day).values():
        ranked = [row.rank is not None for row in board.rows]
        assert ranked == sorted(ranked, reverse=True), outline(board)
        assert all((row.status == "OK") == (row.rank is not None) for row in board.rows)


@given(race_days(), st.randoms(use_true_random=False))
def test_ranks_do_not_depend_on_the_order_pairs_were_recorded_in(
    day: RaceDay, shuffle: random.Random
) -> None:
    in_order = state_as_of(recorded(day))
    shuffled = state_as_of(recorded(day, shuffle))
    assert boards(shuffled, day) == boards(in_order, day)


# -- corrections ----------------------------------------------------------------------------------
@given(race_days(), st.data())
def test_a_wrong_finish_then_its_correction_gives_the_board_of_the_right_time(
    day: RaceDay, data: st.DataObject
) -> None:
    assume(finishers(day))
    key, race, starter = data.draw(st.sampled_from(finishers(day)), label="corrected")
    right = starter.outcome.finish_ms
    assert right is not None  # finishers() gives the skaters with a measured finish
    after_passings = max([ms for _, ms in starter.outcome.passings], default=0) + 1
    plausible = st.integers(max(after_passings, race.distance_m * 50), race.distance_m * 150)
    wrong = data.draw(plausible.filter(lambda ms: ms != right), label="wrong")
    app = recorded(with_finish(day, key, starter.name, wrong))
    fact = app.find_fact(key, starter.name, "finish").fact_id
    before_correction = app.last_position()
    assert app.correct_time(key, fact, right, CORRECTION_REASON, REFEREE) == before_correction + 1

    corrected = state_as_of(app)
    assert [outline(b) for b in boards(corrected, day).values()] == [
        outline(b) for b in boards(state_as_of(recorded(day)), day).values()]
    for sheet in (app.race(key).sheet, corrected.sheet(key)):
        assert sheet is not None
        assert sheet.facts[fact].ms == right
        assert [(c["before"], c["after"], c["reason"], c["author"])
                for c in sheet.facts[fact].corrections] == [
            (wrong, right, CORRECTION_REASON, REFEREE)]
    as_it_was = state_as_of(app, Basis(position=before_correction)).sheet(key)
    assert as_it_was is not None
    assert as_it_was.facts[fact].ms == wrong
    assert as_it_was.facts[fact].corrections == ()


def without_repeats(values: list[int]) -> list[int]:
    """Drop each value equal to the one before it: every correction in the chain changes the time."""
    return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


#: One skater's 500 m finished in 30.000, nothing else.
LONE_500 = RaceDay("Test Cup", date(2017, 7, 1), (RacePlan(500, "men", (
    Starter("Skater 01", 1, "inner", Outcome("OK", (), 30_000)),)),))


# The stateful test's shrunk failure: 30.000 corrected to 30.000, to 35.000, then back to 30.000;
# the last correction was taken for a retransmission of the first and silently dropped.
@example(day=LONE_500, which=0, chain=[0, 5_000, 0])
@example(day=LONE_500, which=0, chain=[10, 20, 10])
@given(race_days(), st.integers(0, 11),
       st.lists(st.sampled_from((10, 20, 30)), min_size=1, max_size=5).map(without_repeats))
def test_the_last_of_a_chain_of_corrections_decides_the_time(
    day: RaceDay, which: int, chain: list[int]
) -> None:
    assume(finishers(day))
    key, _, starter = finishers(day)[which % len(finishers(day))]
    app = recorded(day)
    fact = app.find_fact(key, starter.name, "finish").fact_id
    recorded_ms = starter.outcome.finish_ms or 0
    for offset in chain:  # every value after the last passing: each correction is valid
        assert app.correct_time(key, fact, recorded_ms + offset, CORRECTION_REASON, REFEREE)
    held = app.race(key).sheet.facts[fact]
    assert held.ms == recorded_ms + chain[-1]
    assert [c["after"] - recorded_ms for c in held.corrections] == chain
    assert [known(c["before"]) - recorded_ms for c in held.corrections] == [0, *chain[:-1]]


# Shrunk failure: the 600 m passing corrected to the finish time (65.000) was accepted.
@example(day=RaceDay("Test Cup", date(2017, 7, 1), (RacePlan(1000, "men", (
    Starter("Skater 01", 1, "inner", Outcome("OK", ((200, 11_400), (600, 34_200)), 65_000)),)),)),
    which=0, corrections=[(1, 2, 0)])
@given(race_days(max_races=1), st.integers(0, 11),
       st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(-2, 2)),
                max_size=6))
def test_accepted_corrections_keep_passing_times_increasing_up_to_the_finish(
    day: RaceDay, which: int, corrections: list[tuple[int, int, int]]
) -> None:
    """Each correction aims at one of the skater's times, with a value next to another of them
    (where "increasing" is decided). The test knows which it must accept: those that keep the
    skater's times strictly increasing by metres and plausible (50 to 300 ms a metre); every other
    one is refused as out of order or implausible, and changes nothing."""
    key, race = next(day.keyed())
    timed = [s for s in race.starters if s.outcome.passings]
    assume(timed)
    starter = timed[which % len(timed)]
    app = record_race_day(build_app("memory"), day)
    facts = [app.find_fact(key, starter.name, "passing", m) for m, _ in starter.outcome.passings]
    if starter.outcome.finish_ms is not None:
        facts.append(app.find_fact(key, starter.name, "finish"))
    for target, reference, delta in corrections:
        sheet = app.race(key).sheet
        now = [sheet.facts[f.fact_id].ms or 0 for f in facts]
        which, ms = target % len(facts), now[reference % len(now)] + delta
        if ms == now[which]:
            continue  # no change: not a correction
        after = [*now[:which], ms, *now[which + 1:]]
        metres = facts[which].metres or 0
        valid = all(a < b for a, b in itertools.pairwise(after)) and (
            metres * 50 <= ms <= metres * 300)
        before = app.last_position()
        if valid:
            assert app.correct_time(key, facts[which].fact_id, ms, CORRECTION_REASON, REFEREE)
            assert app.race(key).sheet.facts[facts[which].fact_id].ms == ms
        else:
            with pytest.raises((RefusedFactError, InvalidTimeError),
                               match=r"must increase|before the finish|after the last passing|"
                                     r"impossibly fast|absurdly slow"):
                app.correct_time(key, facts[which].fact_id, ms, CORRECTION_REASON, REFEREE)
            assert app.last_position() == before
    sheet = app.race(key).sheet
    times = all_known(sheet.facts[f.fact_id].ms for f in facts)  # by metres: passings, then the finish
    assert times == sorted(times), times
    assert len(set(times)) == len(times), times


# -- as of, and the ways of folding the log -------------------------------------------------------
@given(race_days())
def test_standings_as_of_the_last_position_equal_the_current_ones(day: RaceDay) -> None:
    app = recorded(day)
    now = state_as_of(app)
    for basis in (Basis(position=app.last_position()), Basis(known_at=now.recorded_at)):
        then = state_as_of(app, basis)
        assert then.position == now.position == app.last_position()
        assert boards(then, day) == boards(now, day)
        for key, race in day.keyed():
            for metres in points_before_line(race.distance_m):
                assert standings_at(then, key, metres) == standings_at(now, key, metres)


@given(race_days())
def test_the_folded_log_equals_the_race_aggregates(day: RaceDay) -> None:
    app = recorded(day)
    state = state_as_of(app)
    for key, race in day.keyed():
        assert state.sheet(key) == app.race(key).sheet
        # one fold serves both sides (ledger/domain/race_state.py): so check it against the plan as well
        assert outline(leaderboard(state, key)) == planned_outline(race)


@given(race_days(), st.data())
def test_a_prefix_of_the_log_gives_the_board_of_that_moment(
    day: RaceDay, data: st.DataObject
) -> None:
    commands = race_day_commands(day)
    cut = data.draw(st.integers(0, len(commands)), label="commands issued")
    whole, partial = new_ledger(), new_ledger()
    positions = [0]
    for n, command in enumerate(commands):
        command.run(whole)
        if n < cut:
            command.run(partial)
        positions.append(whole.last_position())
    then = state_as_of(whole, Basis(position=positions[cut]))
    assert then.position == partial.last_position() == positions[cut]
    known = state_as_of(partial)
    assert then.race_keys == known.race_keys
    assert then.skaters == known.skaters
    for key in known.race_keys:
        assert leaderboard(then, key) == leaderboard(known, key)


@given(race_days())
def test_standings_at_the_finish_line_equal_the_leaderboard_of_finishers(day: RaceDay) -> None:
    state = state_as_of(recorded(day))
    for key, race in day.keyed():
        at_line = standings_at(state, key, race.distance_m)
        board = leaderboard(state, key)
        if any(row.place_reported for row in board.rows):  # at the line only times count
            assert [(r.skater, r.time_ms) for r in at_line.rows] == [
                (r.skater, r.time_ms) for r in timed_rows(board)]
        else:
            assert at_line.rows == tuple(row for row in board.rows if row.status == "OK")


@given(race_days())
def test_standings_at_a_passing_point_rank_everyone_who_passed_it_by_that_passing(
    day: RaceDay,
) -> None:
    state = state_as_of(recorded(day))
    for key, race in day.keyed():
        for metres in points_before_line(race.distance_m):
            passed = {s.name: dict(s.outcome.counted_passings)[metres] for s in race.starters
                      if metres in dict(s.outcome.counted_passings)}
            ranked = [ms for name, ms in passed.items() if race.starter(name).outcome.code != "DQ"]
            rows = standings_at(state, key, metres).rows
            assert {row.skater for row in rows} == set(passed)
            for row in rows:  # a DQ is unranked; a DNF, or one still skating, passed it all the same
                if race.starter(row.skater).outcome.code == "DQ":
                    assert (row.rank, row.time_ms) == (None, None)
                else:
                    faster = sum(1 for ms in ranked if ms < passed[row.skater])
                    assert (row.rank, row.time_ms) == (1 + faster, passed[row.skater])


@given(race_days())
def test_rebuild_equals_incremental(day: RaceDay) -> None:
    """A live view folds each command's new events as they come (projections.runner.LiveView);
    folding the whole log once at the end gives the same boards, and the same state."""
    app = new_ledger()
    live = LiveView()
    for command in race_day_commands(day):
        before = app.last_position()
        command.run(app)
        assert live.catch_up(app) == app.last_position() - before
    rebuilt = LedgerState().apply_all(app.read_log())
    assert boards(live.state, day) == boards(rebuilt, day)
    assert live.state == rebuilt
    # both sides fold with LedgerState.apply: the plan says what the boards must be
    assert {key: outline(board) for key, board in boards(live.state, day).items()} == {
        key: planned_outline(race) for key, race in day.keyed()}


@given(race_days(), st.integers(min_value=1, max_value=64))
def test_the_board_folds_what_a_rebuild_folds(day: RaceDay, room: int) -> None:
    """The web board's read side (scripts/board/live.py, ``Ledgers``) holds no fold of the log: each
    page reads its part (a race's streams, a competition's, the list of races) and keeps it in a
    cache with a size limit (``room`` facts here, so reads are dropped and read again), carried
    on over each command's new facts. Whatever it answers, now or at a past basis, read or
    carried, equals the whole log folded once: each race's sheet and the names it shows, its
    board and its page (marks, bests and qualification read from lean sheets of the other races),
    the list of races, the day, and one timeline step per race event."""
    from ledger.domain.race import Race
    from projections.reading import catalogue_at, competition_at, race_state_at
    from scripts import output
    from scripts.board import views
    from scripts.board.live import Ledgers, SheetCache

    def agrees(ledgers: Ledgers, basis: Basis) -> None:
        whole = state_as_of(app, basis)
        for key, _ in day.keyed():
            state = ledgers.race_state(key, basis, marks=True, bests=True, competition=True)
            assert state.position == whole.position
            assert state.sheet(key) == whole.sheet(key)
            sheet = whole.sheet(key)
            if sheet is not None:
                assert {s: state.name_of(s) for s in sheet.entries} == {
                    s: whole.name_of(s) for s in sheet.entries}
                assert leaderboard(state, key) == leaderboard(whole, key)
                assert views.race_view(state, key, basis) == views.race_view(whole, key, basis)
                assert views.day_view(ledgers.competition(sheet.competition, basis).state,
                                      sheet.competition) == views.day_view(whole, sheet.competition)
            if basis == Basis():  # what was carried equals a read of the same streams now
                assert state == race_state_at(app, key, Basis(position=whole.position), marks=True,
                                              bests=True, competition=True, sheets=SheetCache())
        assert output.races_json(ledgers.catalogue(basis)) == output.races_json(whole)
        assert views.index_view(ledgers.catalogue(basis)) == views.index_view(whole)

    app = new_ledger()
    ledgers = Ledgers(app, facts=room)
    for command in race_day_commands(day):
        before = app.last_position()
        command.run(app)
        assert ledgers.refresh() == app.last_position()
        agrees(ledgers, Basis())
        agrees(ledgers, Basis(position=before))  # what was kept of the races before, after a carry
    rebuilt = LedgerState().apply_all(app.read_log())
    assert {key: leaderboard(ledgers.race_state(key, Basis()), key)
            for key, _ in day.keyed()} == boards(rebuilt, day)
    slugs = {sheet.competition for sheet in rebuilt.races.values()}
    steps = sorted(s.position for slug in slugs for s in ledgers.steps(slug))
    assert steps == [p for p, e in app.read_log() if isinstance(e, Race.Event)]
    assert all(catalogue_at(app) == ledgers.catalogue(Basis()) for _ in (1, 2))
    assert all(competition_at(app, slug) == ledgers.competition(slug, Basis()).state for slug in slugs)
    for position in range(0, app.last_position() + 1, 5):
        agrees(ledgers, Basis(position=position))
