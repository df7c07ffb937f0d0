"""Laws of the mass start on generated races (issue 15, item 6; docs/decisions/0020-mass-start.md):

- points never increase when a sprint is voided (a correction voiding it);
- the ranking is a total preorder: every two finishers compare, more points first, equal points
  by finishing order, a shared rank only for an equal key; every finisher ahead of every other row;
- the standings after the last sprint (the finish) equal the final standings.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.kinds import FactKind
from projections.basis import state_as_of
from projections.leaderboard import Row, leaderboard, standings_at
from tests.helpers import known

DAYS = (date(2018, 2, 24), date(2025, 11, 23))  # a 2017/18 and a 2025/26 table
LAPS = 16
SPRINTS = (4, 8, 12)


@attrs.frozen
class MassStart:
    day: date
    skaters: tuple[str, ...]
    #: per skater: ("finish", ms) | ("dnf", laps) | ("dq", ms) | ("dns", 0)
    outcomes: tuple[tuple[str, int], ...]
    #: lap → the order of crossing (skaters who started)
    sprints: tuple[tuple[int, tuple[str, ...]], ...]


@st.composite
def mass_starts(draw: st.DrawFn) -> MassStart:
    count = draw(st.integers(2, 9))
    skaters = tuple(f"Skater {chr(ord('A') + n)}" for n in range(count))
    outcomes = tuple(draw(st.one_of(
        st.tuples(st.just("finish"), st.integers(450_000, 470_000)),  # ties in ms happen
        st.tuples(st.just("dnf"), st.integers(0, LAPS - 1)),
        st.tuples(st.just("dq"), st.integers(450_000, 470_000)),
        st.tuples(st.just("dns"), st.just(0)))) for _ in skaters)
    started = [s for s, (kind, _) in zip(skaters, outcomes, strict=True) if kind != "dns"]
    sprints = []
    for lap in draw(st.lists(st.sampled_from(SPRINTS), unique=True, max_size=3)):
        if started:
            order = draw(st.permutations(started))
            sprints.append((lap, tuple(order[:draw(st.integers(1, len(order)))])))
    return MassStart(draw(st.sampled_from(DAYS)), skaters, outcomes, tuple(sorted(sprints)))


def recorded(race: MassStart) -> tuple[Ledger, str]:
    app = build_app("memory")
    comp = app.schedule_competition("Law Cup", "Law Rink", race.day)
    key = app.schedule_mass_start(comp, LAPS, "men", race.day)
    for name in race.skaters:
        app.register_skater(name)
    app.enter_starters(key, race.skaters)
    for name, (kind, _) in zip(race.skaters, race.outcomes, strict=True):
        if kind == "dns":
            app.record_dns(key, name)
    app.start(key, 1)
    for lap, order in race.sprints:
        app.record_sprint(key, lap, order)
    for name, (kind, value) in zip(race.skaters, race.outcomes, strict=True):
        if kind in ("finish", "dq"):
            app.record_finish(key, name, value)
        if kind == "dq":
            app.disqualify(key, name, "ISU 253: impeding", "Referee R")
        if kind == "dnf":
            app.record_dnf(key, name, value * 400, "pulled")
    return app, key


def final_rows(app: Ledger, key: str) -> tuple[Row, ...]:
    return leaderboard(state_as_of(app), key).rows


@given(mass_starts(), st.data())
def test_points_never_increase_when_a_sprint_is_voided(race: MassStart, data: st.DataObject) -> None:
    app, key = recorded(race)
    sprints = [f for f in app.race(key).sheet.facts.values() if f.kind == FactKind.SPRINT]
    if not sprints:
        return
    rows = final_rows(app, key)
    before = {row.skater: known(row.points) for row in rows}
    voided = data.draw(st.sampled_from(sprints))
    app.void_fact(key, voided.fact_id, "the order was entered for the wrong lap", "Referee R")
    after = {row.skater: known(row.points) for row in final_rows(app, key)}
    assert after.keys() == before.keys()
    assert all(after[name] <= before[name] for name in before), (before, after)
    lost = SPRINTS.index(known(voided.detail.get("lap")))  # and exactly that sprint's points go
    assert all(after[row.skater] == before[row.skater] - known(row.sprint_points)[lost]
               for row in rows if row.status == "OK")


@given(mass_starts())
def test_the_ranking_is_a_total_preorder(race: MassStart) -> None:
    app, key = recorded(race)
    rows = final_rows(app, key)
    # the finishing order: by time, equal times in the order the finishes were recorded
    finish_ms = {name: (v, n) for n, (name, (_, v)) in enumerate(
        zip(race.skaters, race.outcomes, strict=True))}
    ranked = [row for row in rows if row.rank is not None]
    assert all(row.status == "OK" for row in ranked)
    assert rows[:len(ranked)] == tuple(ranked), "every ranked row comes before every other"
    for n, row in enumerate(ranked):
        ahead = sum(1 for other in ranked if (-known(other.points), finish_ms[other.skater])
                    < (-known(row.points), finish_ms[row.skater]))
        assert row.rank == 1 + ahead or (n and row.rank == ranked[n - 1].rank)
    for a, b in pairwise(ranked):
        assert (-known(a.points), finish_ms[a.skater]) <= (-known(b.points), finish_ms[b.skater])
        assert known(a.rank) <= known(b.rank)
    statuses = [row.status for row in rows[len(ranked):]]
    assert statuses == sorted(statuses, key=("DNF", "DQ", "DNS", "WDR").index)
    pulled = [known(row.laps) for row in rows if row.status == "DNF"]
    assert pulled == sorted(pulled, reverse=True), "non-finishers by laps completed"
    assert all(row.points == 0 for row in rows if row.status != "OK")


@given(mass_starts())
def test_the_standings_after_the_last_sprint_equal_the_final_standings(race: MassStart) -> None:
    app, key = recorded(race)
    state = state_as_of(app)
    assert standings_at(state, key, LAPS * 400).rows == leaderboard(state, key).rows
