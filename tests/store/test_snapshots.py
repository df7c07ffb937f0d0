"""Checkpointed "as of" answers equal the fold from position 1 (docs/decisions/0004-as-of.md).

Generated ledgers (scripts/demo/generate.py, small sizes) are asked for the state, every race's
leaderboard and the standings at every passing point, at random positions and known-at moments,
once from checkpoints (projections/snapshots.py) and once from zero; the answers must be equal.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from projections.basis import Basis, state_as_of
from projections.leaderboard import Leaderboard, leaderboard, standings_at
from projections.snapshots import SnapshotStore
from projections.state import LedgerState, copy_race_state
from scripts.demo.generate import generate


def season(seed: int, races: int) -> Ledger:
    app = build_app("memory")
    generate(app, races=races, seed=seed)
    return app


def answers(state: LedgerState) -> list[Leaderboard]:
    """Every race's leaderboard, and its standings at each passing point before the line."""
    found = []
    for key, rid in state.race_keys.items():
        found.append(leaderboard(state, key))
        sheet = state.races[rid]
        found += [standings_at(state, key, m) for m in sheet.points if m < sheet.distance_m]
    return found


def bases(app: Ledger) -> st.SearchStrategy[Basis]:
    """A position anywhere in (or past) the log, or a moment around one event's recorded time."""
    events = list(app.read_log())
    last = events[-1][0]
    moments = st.builds(lambda i, us: events[i][1].timestamp + timedelta(microseconds=us),
                        st.integers(0, len(events) - 1), st.sampled_from((-1, 0, 0, 1)))
    return st.one_of(st.builds(Basis, position=st.integers(0, last + 3)),
                     st.builds(Basis, known_at=moments), st.just(Basis()))


@given(st.integers(0, 2**16), st.integers(1, 3), st.integers(1, 60), st.data())
def test_checkpointed_answers_equal_the_fold_from_zero(
    seed: int, races: int, every: int, data: st.DataObject
) -> None:
    app = season(seed, races)
    store = SnapshotStore.build(app, every=every)
    assert store.head == state_as_of(app)
    for basis in data.draw(st.lists(bases(app), min_size=1, max_size=6), label="bases"):
        from_zero = state_as_of(app, basis)
        checkpointed = state_as_of(app, basis, snapshots=store)
        assert checkpointed == from_zero, basis
        assert checkpointed.position == from_zero.position
        assert answers(checkpointed) == answers(from_zero), basis
    # answering changed no checkpoint: the first checkpoints still give the same answers
    for cp in store.snapshots[:3]:
        assert store.restore(store.snapshots.index(cp)) == state_as_of(
            app, Basis(position=cp.position))


@given(st.integers(0, 2**16), st.integers(1, 40))
def test_checkpoints_catch_up_with_a_growing_log(seed: int, every: int) -> None:
    app = season(seed, 1)
    store = SnapshotStore.build(app, every=every)
    middle = app.last_position()
    generate(app, races=2, seed=seed + 1, first_cup=50)  # a new competition, new skaters
    now = state_as_of(app, snapshots=store)
    assert store.position == app.last_position() == now.position
    assert now == state_as_of(app)
    assert state_as_of(app, Basis(position=middle), snapshots=store) == state_as_of(
        app, Basis(position=middle))


def test_a_restored_state_copies_a_sheet_before_it_changes_it() -> None:
    app = season(7, 2)
    store = SnapshotStore.build(app, every=50)
    restored = store.restore(2)
    first_race = next(e.originator_id for _, e in app.read_log(start=restored.position + 1))
    shared = restored.races[first_race]
    for position, event in app.read_log(start=restored.position + 1):
        restored.apply(position, event)
    assert restored == state_as_of(app)
    assert restored.races[first_race] is not shared  # copied on the first change
    assert store.restore(2) == state_as_of(app, Basis(position=store.snapshots[2].position))


def test_the_shared_empty_detail_of_facts_cannot_be_changed_in_place() -> None:
    fact = next(f for f in next(iter(state_as_of(season(3, 1)).races.values())).facts.values()
                if not f.detail)
    with pytest.raises(TypeError, match="replaced, never changed in place"):
        fact.detail["voided_by"] = "test"  # type: ignore[typeddict-readonly-mutated]  # read-only detail: the test proves a change is refused


def test_a_copied_sheet_is_equal_and_independent() -> None:
    app = season(3, 1)
    sheet = next(iter(state_as_of(app).races.values()))
    copy = copy_race_state(sheet)
    assert copy == sheet
    fact = next(iter(copy.facts.values()))
    fact.detail = {**fact.detail, "voided_by": "test"}  # detail and corrections are replaced, as
    fact.corrections = (*fact.corrections,  # the events' record_on do, never changed in place
                        {"before": 1, "after": 2, "reason": "test", "author": "test", "by_fact": uuid4()})
    fact.voided = True
    next(iter(copy.entries.values())).attempt = 2
    next(iter(copy.clocks.values())).false_starts.append(fact.fact_id)
    assert copy != sheet
    assert sheet == next(iter(state_as_of(app).races.values()))
    if sheet.official is not None:
        assert copy.official is copy.facts[sheet.official.fact_id]


def gaps(store: SnapshotStore) -> list[int]:
    counts = [cp.count for cp in store.snapshots]
    return [b - a for a, b in pairwise(counts)]


@given(st.integers(0, 2**16), st.integers(1, 3), st.integers(1, 4), st.integers(2, 4),
       st.integers(1, 4), st.data())
def test_a_thinned_store_answers_as_the_fold_from_zero(
    seed: int, races: int, every: int, limit: int, full_every: int, data: st.DataObject
) -> None:
    app = season(seed, races)
    store = SnapshotStore(every, full_every=full_every, limit=limit)
    store.catch_up(app)
    assert store.spacing >= every * 4  # 60 events or more, 16 at most a spacing: thinned twice
    assert len(store.snapshots) <= limit
    assert store.snapshots[0].count == 0
    assert all(0 < gap <= store.spacing for gap in gaps(store))
    assert store.count - store.snapshots[-1].count < store.spacing
    assert store.head == state_as_of(app)
    for basis in data.draw(st.lists(bases(app), min_size=1, max_size=6), label="bases"):
        from_zero = state_as_of(app, basis)
        checkpointed = state_as_of(app, basis, snapshots=store)
        assert checkpointed == from_zero, basis
        assert answers(checkpointed) == answers(from_zero), basis
    for index, cp in enumerate(store.snapshots):  # every kept snapshot restores its own state
        assert store.restore(index) == state_as_of(app, Basis(position=cp.position))


@given(st.integers(0, 2**16), st.integers(1, 8), st.integers(2, 5))
def test_the_snapshots_never_exceed_the_limit(seed: int, every: int, limit: int) -> None:
    app = season(seed, 2)
    store = SnapshotStore(every, full_every=2, limit=limit)
    most = 0
    for position, event in app.read_log():
        store.fold(position, event)
        most = max(most, len(store.snapshots))
        assert store.count - store.snapshots[-1].count < store.spacing
    assert most == limit  # reached, and thinned past it, never beyond
    assert store.spacing > every
    generate(app, races=1, seed=seed + 1, first_cup=50)  # catching up with a longer log thins more
    assert state_as_of(app, snapshots=store) == state_as_of(app)
    assert len(store.snapshots) <= limit


def test_an_unlimited_spacing_is_refused_below_two() -> None:
    with pytest.raises(ValueError, match="2 snapshots or more"):
        SnapshotStore(10, limit=1)
