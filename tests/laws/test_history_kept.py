"""The skater histories kept fact by fact are the histories drawn afresh, after every fact
(projections/history_kept.py; issue 14, item 2).

The keeper works out again only what a fact can reach: a passing one row, a result the race's
ranks and its skaters' summaries, evidence the marks of its distance and category. If it misses a
row a fact changed, this law finds it at that fact: on generated race days (false starts, falls,
DNF, DQ voided on protest, places reported without time, re-skates), two competitions, sometimes
the same races skated by others days before (their results change the marks of the first day's
skaters), sometimes a record table line, bests known before a race recorded at random moments
(the baseline of PB and SB), places a list gave recorded before the skater's passings (a row that
gains a passing), and a finish corrected at the end; and mass starts (ranked by points, sprints voided).
After each fact, every skater's
rows held by the keeper equal ``history_items`` (``projections.history.history_of``, encoded)
for the fold so far; the rows written to the store are those (tests/laws/test_history_view.py).
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from uuid import UUID

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import RefusedFactError
from ledger.domain.kinds import FactKind
from ledger.importing.records import import_records
from projections.basis import Basis, state_as_of
from projections.history_view import history_items
from projections.leaderboard import leaderboard, ranks_of
from projections.results import results
from projections.views import Views
from tests.laws.test_history_view import HEADER, record_line, rerun
from tests.laws.test_mass_start_laws import MassStart, mass_starts, recorded
from tests.strategies import Command, RaceDay, race_day_commands, race_days


def with_bests(commands: list[Command], data: st.DataObject) -> list[Command]:
    """The commands with some entrants' bests known (``know_bests``) inserted after their entry,
    at a moment drawn anywhere from then to the end."""
    out = list(commands)
    entries = [(n, c.args[0], c.args[1]) for n, c in enumerate(commands) if c.name == "enter_starter"]
    for n, key, name in data.draw(st.lists(st.sampled_from(entries), max_size=4, unique=True)
                                  if entries else st.just([]), label="bests"):
        pb = data.draw(st.one_of(st.none(), st.integers(20_000, 900_000)), label="pb")
        slower = st.integers(pb or 20_000, 900_000)  # a season best is never faster than the PB
        sb = data.draw(slower if pb is None else st.one_of(st.none(), slower), label="sb")
        at = data.draw(st.integers(out.index(commands[n]) + 1, len(out)), label="at")
        out.insert(at, Command("know_bests", (key, name, pb, sb, "entry list")))
    return out


def with_places_first(commands: list[Command], data: st.DataObject) -> list[Command]:
    """The commands with, for some skaters who pass a point, the place a list gave them recorded
    before their first passing (the list imported before the stream): a row exists from then on,
    and each passing after it changes that row alone."""
    out = list(commands)
    placed = {c.args[:2] for c in commands if c.name == "report_place"}  # a list's place already
    passed = {c.args[:2]: c for c in reversed(commands)
              if c.name == "record_passing" and c.args[:2] not in placed}
    for (key, name), first in data.draw(st.lists(st.sampled_from(sorted(passed.items())),
                                                 max_size=3, unique=True)
                                        if passed else st.just([]), label="places first"):
        place = data.draw(st.integers(1, 4), label="place")
        out.insert(out.index(first), Command("report_place", (key, name, place)))
    return out


def corrected(app: Ledger, day: RaceDay, data: st.DataObject) -> None:
    """Correct one measured finish of the day, by a few milliseconds either way."""
    finishes = [(key, fact) for key, _ in day.keyed() for fact in app.race(key).sheet.facts.values()
                if fact.kind == FactKind.FINISH and fact.live and fact.ms is not None]
    if finishes:
        key, fact = data.draw(st.sampled_from(finishes), label="corrected")
        shift = data.draw(st.sampled_from([-400, -3, 5, 900]), label="shift")
        with contextlib.suppress(RefusedFactError):  # not after the last passing: refused
            app.correct_time(key, fact.fact_id, (fact.ms or 0) + shift, "photo finish", "Referee R")


@settings(max_examples=15, deadline=None)
@given(race_days(max_races=2, max_skaters=6), race_days(max_races=2, max_skaters=6), st.booleans(),
       st.sampled_from([None, False, True]), st.booleans(), st.data())
def test_the_kept_histories_are_the_histories_drawn_afresh_after_every_fact(
        first: RaceDay, second: RaceDay, again: bool, table: bool | None, correct: bool,
        data: st.DataObject) -> None:
    app = build_app("memory")
    with tempfile.TemporaryDirectory() as where:
        if table is not None:
            path = Path(where) / "records.csv"
            path.write_text(HEADER + record_line(first, fast=table), encoding="utf-8")
            import_records(app, path)
    other = rerun(first) if again else attrs.evolve(second, competition="Other Cup")
    commands = race_day_commands(first) + race_day_commands(other)
    for command in with_places_first(with_bests(commands, data), data):
        command.run(app)
    if correct:
        corrected(app, first, data)

    views = Views(None)
    keeper = views.keepers[0]
    held = keeper.held  # type: ignore[attr-defined]  # the histories keeper's open rows
    for position, event in app.read_log():
        views.step(position, event)
        for sid in set(views.state.skaters) | {UUID(hex=key) for key in held}:
            assert held.get(sid.hex, {}) == history_items(views.state, sid), (
                position, type(event).__name__, views.state.name_of(sid))


@settings(max_examples=25, deadline=None)
@given(race_days(max_races=3), st.data())
def test_the_ranks_kept_are_the_leaderboards_ranks(day: RaceDay, data: st.DataObject) -> None:
    """``ranks_of`` (the ranks from the results alone) gives every skater the rank the race's
    leaderboard gives, with places reported and shared times among them."""
    app = build_app("memory")
    for command in with_places_first(race_day_commands(day), data):
        command.run(app)
    state = state_as_of(app, Basis())
    for key, _ in day.keyed():
        sheet = state.sheet(key)
        assert sheet is not None
        board = {row.skater_id: row.rank for row in leaderboard(state, key).rows}
        assert ranks_of(sheet, results(sheet)) == board, key


@settings(max_examples=25, deadline=None)
@given(mass_starts(), st.booleans(), st.data())
def test_the_kept_histories_of_a_mass_start_are_drawn_afresh_after_every_fact(
        race: MassStart, void: bool, data: st.DataObject) -> None:
    """A mass start ranks by points (decision 0020): a sprint, a finish, a DNF's laps move others'
    ranks, and a sprint voided takes its points back; its time is no best at a distance."""
    app, key = recorded(race)
    sprints = [f for f in app.race(key).sheet.facts.values() if f.kind == FactKind.SPRINT]
    if void and sprints:
        voided = data.draw(st.sampled_from(sprints), label="voided")
        app.void_fact(key, voided.fact_id, "the order was entered for the wrong lap", "Referee R")
    views = Views(None)
    held = views.keepers[0].held  # type: ignore[attr-defined]  # the histories keeper's open rows
    for position, event in app.read_log():
        views.step(position, event)
        for sid in views.state.skaters:
            assert held.get(sid.hex, {}) == history_items(views.state, sid), (
                position, type(event).__name__, views.state.name_of(sid))
