"""Qualification, classification and the regional report answer from the races they name what
they answer from the whole fold (issue 14, items 2 and 3), on generated ledgers: at random log
positions and random known-at moments, a qualification rule of each kind, a classification over
races of both days (one of them perhaps not scheduled yet at the basis) and reports chosen by
hometown, club and nation, with and without a rule, a competition and a day.

Two race days, with some skaters registered first with a hometown and a club; the second day
sometimes known at moments before the first (facts that arrive late: as known at some moments the
facts known are not a prefix of the log). The index view is built by ``projections.views.rebuild``
(the library's ProjectionRunner over a SQLite file); the partial answers are
``projections.scoped``'s, the fold's the same pure functions over
``projections.basis.state_as_of``. The index must answer every basis (it never declines while the
views hold the log), and the partial state of a qualification holds only its competition's races.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.clocks import known_at_of
from projections.basis import Basis, state_as_of
from projections.classification import Standing, classification_of
from projections.qualification import Outcome, evaluate
from projections.report import Choice, Report, report
from projections.scoped import (
    classification_at,
    competitions_state,
    index_at,
    qualification_at,
    report_at,
    rule_state,
    soqc_at,
)
from projections.soqc import evaluate_soqc
from projections.views import rebuild
from tests.strategies import SKATERS, RaceDay, race_days, record_race_day

HOMETOWNS = ("Boskoop", "Lekkerkerk")
CLUBS = ("IJsclub Noord",)


def rules_of(day: RaceDay) -> list[dict[str, Any]]:
    """A selection-order rule over the day's first race's category (two slots of its first race,
    one of a distance the day may not have, one unknown; a designated skater) and a top-n rule."""
    race = day.races[0]
    other = 5000 if race.distance_m != 5000 else 500
    selection = {"rule": "law-selection", "version": 1, "kind": "selection-order",
                 "competition": day.slug, "category": race.category, "cap": 2,
                 "slots": [{"slot": 1, "distance_m": race.distance_m, "place": 1},
                           {"slot": 2, "distance_m": other, "place": 1},
                           {"slot": 3, "distance_m": None, "place": None},
                           {"slot": 4, "distance_m": race.distance_m, "place": 2}],
                 "designated": {"effective": "after-tournament",
                                "skaters": [{"skater": SKATERS[0], "for": "mass start"}]}}
    top = {"rule": "law-top", "version": 1, "kind": "top-n", "competition": day.slug, "direct": 2}
    # an SOQC rule (decision 0023) over the day and a competition not held: its category's races
    soqc = {"rule": "law-soqc", "version": 1, "kind": "soqc", "competition": None,
            "category": race.category, "host": {"nation": "NOR"},
            "competitions": [{"competition": day.slug}, {"competition": "not-held-2025"}],
            "events": [{"event": str(race.distance_m), "entry_places": 2, "cap_per_noc": 1,
                        "by_points": 0, "by_times": 2, "reserve_places": 1}]}
    return [selection, top, soqc]


def classified_keys(first: RaceDay, second: RaceDay) -> list[str]:
    """Races of both days, each distance once (a classification takes each distance once)."""
    keys: dict[int, str] = {}
    for day in (first, second):
        for key, race in day.keyed():
            keys.setdefault(race.distance_m, key)
    return list(keys.values())


def fold_classification(app: Ledger, keys: Sequence[str], basis: Basis) -> list[Standing]:
    """What the command answered before: the whole fold, a race not held by then as it is now."""
    state = state_as_of(app, basis)
    return classification_of(state, [state.sheet(key) or app.race(key).sheet for key in keys])


def fold_qualification(app: Ledger, rule: dict[str, Any], basis: Basis) -> tuple[Outcome, int]:
    state = state_as_of(app, basis)
    return evaluate(state, rule), state.position


CHOICES = (Choice(hometown=HOMETOWNS), Choice(club=CLUBS), Choice(nation=("NED",)),
           Choice(hometown=(HOMETOWNS[0],), nation=("NOR",)))


def choices_of(first: RaceDay) -> list[Choice]:
    return [*CHOICES, Choice(nation=("NED",), competition=first.slug),
            Choice(hometown=HOMETOWNS, day=first.day.isoformat())]


def agree(app: Ledger, basis: Basis, first: RaceDay, second: RaceDay, rule_files: list[str]) -> None:
    """Every question's partial answer equals the fold's at ``basis``."""
    index = index_at(app, basis)
    assert index is not None, f"the index declined {basis}"
    for rule in rules_of(first):
        assert qualification_at(app, rule, basis) == fold_qualification(app, rule, basis), (basis, rule)
        if rule["kind"] == "soqc":
            answer = soqc_at(app, rule, basis, {})
            assert answer == (evaluate_soqc(state_as_of(app, basis), rule, {}),
                              state_as_of(app, basis).position), (basis, rule)
            assert {(s.competition, s.category) for s in rule_state(app, rule, basis).races.values()
                    } <= {(first.slug, rule["category"])}
            continue
        scoped = competitions_state(app, basis, index, [rule["competition"]])
        assert {s.competition for s in scoped.races.values()} <= {rule["competition"]}
    keys = classified_keys(first, second)
    assert classification_at(app, keys, basis) == fold_classification(app, keys, basis), basis
    for choice in choices_of(first):
        for rules in ((), tuple(rule_files)):
            found: Report = report_at(app, choice, rules, basis)
            assert found == report(state_as_of(app, basis), choice, rules), (basis, choice, rules)


registrations = st.lists(st.tuples(st.sampled_from(SKATERS), st.sampled_from((None, *HOMETOWNS)),
                                   st.sampled_from((None, *CLUBS)), st.sampled_from(("NED", "NOR"))),
                         max_size=6, unique_by=lambda r: r[0])


@settings(max_examples=10, deadline=None)
@given(race_days(max_races=3), race_days(max_races=2), registrations, st.booleans(), st.data())
def test_the_questions_answer_from_their_races_what_the_fold_answers(
        first: RaceDay, second: RaceDay, registered: list[tuple[str, str | None, str | None, str]],
        late: bool, data: st.DataObject) -> None:
    second = attrs.evolve(second, competition="Other Cup")
    with tempfile.TemporaryDirectory() as where:
        app = build_app(str(Path(where) / "views.db"))
        try:
            for name, hometown, club, nation in registered:
                app.register_skater(name, nation, club, hometown)
            record_race_day(app, first)
            if late:
                earliest = min(known_at_of(e) for _, e in app.read_log())
                with app.known_at(earliest - timedelta(hours=1)):
                    record_race_day(app, second)
            else:
                record_race_day(app, second)
            rule_files = []
            for rule in rules_of(first):
                path = Path(where) / f"{rule['rule']}.json"
                path.write_text(json.dumps(rule), encoding="utf-8")
                rule_files.append(str(path))
            last = app.last_position()
            assert rebuild(app) == last

            positions = data.draw(st.lists(st.integers(0, last), min_size=1, max_size=3),
                                  label="positions")
            for position in [*positions, last]:
                agree(app, Basis(position=position), first, second, rule_files)

            moments = sorted({known_at_of(e) for _, e in app.read_log()})
            picked: list[datetime] = data.draw(st.lists(st.sampled_from(moments), min_size=1,
                                                        max_size=2), label="moments")
            for moment in [*picked, moments[0] - timedelta(seconds=1)]:
                for shifted in (moment, moment + timedelta(microseconds=1)):
                    agree(app, Basis(known_at=shifted), first, second, rule_files)
        finally:
            app.close()
