"""A competition's cup, recorded after its races, is answered the same from checkpoints as from
zero at every position (projections/snapshots.py notes ``Competition.JoinedCup`` as a change of
the competitions; decision 0022)."""

from __future__ import annotations

from datetime import date

from ledger.bootstrap import build_app
from projections.basis import Basis, state_as_of
from projections.snapshots import SnapshotStore
from scripts.demo.generate import generate


def test_the_cup_as_of_every_position_from_checkpoints_equals_the_fold_from_zero() -> None:
    app = build_app("memory")
    generate(app, races=2, seed=7)
    slug = app.schedule_competition("Later Cup", "Rink", date(2031, 1, 1))
    generate(app, races=1, seed=8, first_cup=50)  # more facts between the schedule and the cup
    app.join_cup(slug, "world-cup-2030-31")
    generate(app, races=1, seed=9, first_cup=60)
    store = SnapshotStore.build(app, every=3)
    last = max(p for p, _ in app.read_log())
    cups = []
    for position in range(last + 1):
        basis = Basis(position=position)
        held = store.state_as_of(app, basis).competitions
        assert held == state_as_of(app, basis).competitions, position
        cups.append({c.slug: c.cup for c in held.values()}.get(slug))
    assert cups[-1] == "world-cup-2030-31" and None in cups  # the cup came after the schedule
