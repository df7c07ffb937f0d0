"""A member's history lists the team races they skated, with the team's rank and time (issue 15,
the remainder; docs/decisions/0025-world-cup-day-gaps.md), and the kept histories stay the
histories drawn afresh after every fact of a team race (projections/history_kept.py).

The team's time is not the member's own: a team row gives no PB, SB or record mark, no best time
in the ledger and no point of a progression. The rulebook cases are the ISU lists in
../shared/data/isu-lists (copied from the public repository wvanderharst/matrixschaatsen,
raw_data/, commit 3cea303); the generated team races name invented skaters ("Skater A" …).
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from uuid import UUID

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import RefusedFactError
from ledger.domain.kinds import FactKind
from ledger.formats.isu_text import read_isu_text
from ledger.importing.results import record_rows
from projections.basis import state_as_of
from projections.history import history, progression
from projections.history_view import history_items
from projections.views import Views

LISTS = Path(__file__).resolve().parents[2].parent / "shared/data/isu-lists"
WC2 = LISTS / "2-world-cup-20252026.txt"
DAY = date(2025, 11, 23)


@attrs.frozen
class TeamRace:
    discipline: str
    #: per team: the finish time in ms, or None (no finish), and whether it is disqualified
    teams: tuple[tuple[int | None, bool], ...]
    also_individual: bool  # a member skates an individual race that day too
    void_one: bool  # a finish voided at the end


@st.composite
def team_races(draw: st.DrawFn) -> TeamRace:
    discipline = draw(st.sampled_from(["team-pursuit", "team-sprint"]))
    base = {"team-pursuit": 215_000, "team-sprint": 78_000}[discipline]  # ties in ms happen
    teams = draw(st.lists(st.tuples(st.one_of(st.none(), st.integers(base, base + 2_000)),
                                    st.booleans()), min_size=1, max_size=4))
    return TeamRace(discipline, tuple(teams), draw(st.booleans()), draw(st.booleans()))


def recorded(race: TeamRace) -> Ledger:
    app = build_app("memory")
    comp = app.schedule_competition("Team Cup", "Team Rink", DAY)
    key = app.schedule_race(comp, None, "men", DAY, discipline=race.discipline)
    solo = app.schedule_race(comp, 1500, "men", DAY) if race.also_individual else None
    names = [f"Skater {chr(ord('A') + n)}" for n in range(3 * len(race.teams))]
    for name in names:
        app.register_skater(name, "NED")
    teams = [f"Team {n + 1}" for n in range(len(race.teams))]
    for n, team in enumerate(teams):
        app.name_team(key, team, names[3 * n:3 * n + 3], nation="NED")
    for pair in range(0, len(teams), 2):
        outer = teams[pair + 1] if pair + 1 < len(teams) else None
        app.draw_pair(key, pair // 2 + 1, teams[pair], outer)
    for pair in range(1, (len(teams) + 1) // 2 + 1):
        app.start(key, pair)
    for team, (ms, dq) in zip(teams, race.teams, strict=True):
        if ms is not None:
            app.record_finish(key, team, ms)
        if dq:
            app.disqualify(key, team, "ISU 257: a change of lane", "Referee R")
    if solo is not None:
        app.draw_pair(solo, 1, names[0], None, enter=True)
        app.start(solo, 1)
        app.record_finish(solo, names[0], 106_000)
    if race.void_one:
        finishes = [f for f in app.race(key).sheet.facts.values()
                    if f.kind == FactKind.FINISH and f.live]
        if finishes:
            with contextlib.suppress(RefusedFactError):
                app.void_fact(key, finishes[0].fact_id, "timed for the wrong team", "Referee R")
    return app


@settings(max_examples=20, deadline=None)
@given(team_races())
def test_the_kept_histories_of_a_team_race_are_drawn_afresh_after_every_fact(race: TeamRace) -> None:
    app = recorded(race)
    views = Views(None)
    held = views.keepers[0].held  # type: ignore[attr-defined]  # the histories keeper's open rows
    for position, event in app.read_log():
        views.step(position, event)
        for sid in set(views.state.skaters) | {UUID(hex=key) for key in held}:
            assert held.get(sid.hex, {}) == history_items(views.state, sid), (
                position, type(event).__name__, views.state.name_of(sid))


@settings(max_examples=20, deadline=None)
@given(team_races())
def test_every_member_has_the_teams_rank_status_and_time_and_no_mark_from_it(
        race: TeamRace) -> None:
    app = recorded(race)
    state = state_as_of(app)
    for n in range(len(race.teams)):
        own = history(state, f"Team {n + 1}").rows  # the team's own history: its one race
        for member in range(3 * n, 3 * n + 3):
            found = history(state, f"Skater {chr(ord('A') + member)}")
            rows = [r for r in found.rows if r.team is not None]
            assert [(r.race, r.rank, r.status, r.time_ms) for r in rows] == [
                (r.race, r.rank, r.status, r.time_ms) for r in own], "no result: no row"
            assert all(r.team == f"Team {n + 1}" and r.marks == () and r.passings == ()
                       for r in rows)
            assert all(p.distance_m != r.distance_m for p in progression(found) for r in rows)
            assert all(r.distance_m not in found.ledger_bests for r in rows)


# -- the rulebook: the ISU lists ----------------------------------------------------------------
@pytest.fixture(scope="module")
def lists() -> Ledger:
    app = build_app("memory")
    record_rows(app, str(WC2), read_isu_text(WC2)[0])
    return app


def test_each_team_pursuit_member_has_the_published_place_and_time_of_the_team(
        lists: Ledger) -> None:
    """World Cup 2 2025/26, women's team pursuit: NED (Groenewoud, Rijpma-de Jong, Beune) 1st in
    2:52.52, SB printed beside each; Beune's history holds it beside her own races."""
    state = state_as_of(lists)
    for name in ("Marijke Groenewoud", "Antoinette Rijpma-de Jong", "Joy Beune"):
        found = history(state, name)
        [row] = [r for r in found.rows if r.race == "2-world-cup-2025-2026/women-team-pursuit"]
        assert (row.team, row.rank, row.status, row.time_ms, row.published_marks, row.marks) == (
            "NED", 1, "OK", 172_520, ("SB",), ())
    beune = history(state, "Joy Beune")
    assert [r.team for r in beune.rows].count(None) >= 2  # her 3000 m and 1500 m are her own
    assert 2400 not in beune.ledger_bests  # 2:52.52 is the team's, not a best of hers


def test_a_mixed_relay_pair_each_have_the_relays_place_and_time(lists: Ledger) -> None:
    """Mixed relay, WC 2 2025/26: Dijs and Hoogendoorn (NED) 1st in 2:54.05, WR printed."""
    state = state_as_of(lists)
    for name in ("Wesly Dijs", "Chloé Hoogendoorn"):
        [row] = [r for r in history(state, name).rows if r.team is not None]
        assert (row.race, row.rank, row.time_ms, row.published_marks) == (
            "2-world-cup-2025-2026/mixed-relay", 1, 174_050, ("WR",))


def test_the_kept_histories_of_the_lists_team_races_are_drawn_afresh(lists: Ledger) -> None:
    """An ISU list's import saves each race before the team it registers (the team's name, its
    nation, comes after the team's result): the members' rows must take the name then."""
    views = Views(None)
    held = views.keepers[0].held  # type: ignore[attr-defined]  # the histories keeper's open rows
    for position, event in lists.read_log():
        views.step(position, event)
    members = {m for sheet in views.state.races.values()
               for ms in sheet.team_members.values() for m in ms}
    assert len(members) > 50
    for sid in members:
        assert held.get(sid.hex, {}) == history_items(views.state, sid), views.state.name_of(sid)
