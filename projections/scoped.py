"""Cross-race questions without the whole fold: qualification, classification and the regional
report answered from a partial :class:`~projections.state.LedgerState` that holds only the races
the question reads and the names they show (issue 14, item 2;
docs/decisions/0018-bitemporal-views.md, "Cross-race questions read only the races they name").

The races come from the index view (:mod:`projections.index_view`: a competition's races, a
skater's races, the skaters of a hometown, club or nation) or from the question itself (the
races a classification names); each is folded from its own stream up to the basis by the rule of
the whole fold (:func:`projections.reading.take`: a race's fact names only facts of its race), in
the order the races were scheduled (the order of ``LedgerState.races``, which
:func:`projections.qualification.race_of` and stable sorts see). The answer is then the same pure
function's (``evaluate``, ``classification_of``, ``report``) over that state, equal to its answer
over the whole fold (tests/laws/test_scoped_questions.py).

When the index cannot say (no views; the views lag the basis, or, as known at a moment, the log;
an index kept only since a later fact) the question folds the whole log as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

import attrs

from ledger.application import Ledger
from ledger.domain.race_state import RaceState
from ledger.domain.skater import Skater
from ledger.domain.values import race_id
from ledger.store.personal import needed_master_key
from ledger.store.views import ViewsRecorder
from projections import index_view as iv
from projections.basis import Basis
from projections.classification import Standing, classification_of
from projections.cup import PointsTable
from projections.qualification import Outcome, evaluate, load_rule
from projections.reading import last_taken, skaters_named, state_at, stop_of, take
from projections.report import Choice, Report, report
from projections.soqc import KIND as SOQC
from projections.soqc import SoqcAnswer, competitions_of, evaluate_soqc
from projections.state import LedgerState, collector_paused
from projections.views import UPSTREAM, views_of

#: A skater's events that a partial state takes: her registration and her personal fields'.
NAMING = (Skater.Registered, Skater.PersonalDataSealed, Skater.Erased)


@attrs.frozen
class Index:
    """The index view as of a basis: rows opened up to ``position`` (the basis's last position;
    the log's last for a known-at moment, a superset of what any moment knows)."""

    views: ViewsRecorder
    position: int

    def races_of(self, competition: str) -> list[iv.RaceAt]:
        return iv.races_from(self.views.held_at(iv.VIEW, iv.competition_key(competition),
                                                self.position))

    def races_entered(self, skater: UUID) -> list[iv.RaceAt]:
        return iv.races_from(self.views.held_at(iv.VIEW, iv.skater_key(skater), self.position))

    def chosen(self, choice: Choice) -> set[UUID]:
        """Every skater registered by then with one of the choice's hometowns, clubs, nations."""
        found: set[UUID] = set()
        for field in iv.CHOSEN_BY:
            for value in getattr(choice, field):
                found |= iv.skaters_from(self.views.held_at(iv.VIEW, iv.chosen_key(field, value),
                                                            self.position))
        return found

    def sealed(self) -> set[UUID]:
        """Every skater registered by then whose personal fields are sealed (not in the index)."""
        return iv.skaters_from(self.views.held_at(iv.VIEW, iv.SEALED_KEY, self.position))


def chosen_sealed(app: Ledger, index: Index, choice: Choice) -> set[UUID]:
    """The skaters with sealed fields whose hometown or club (as the reader reveals them with the
    master key) the choice names: the index cannot hold those fields (docs/decisions/0029)."""
    if not (choice.hometown or choice.club):
        return set()
    found = set()
    for sid in index.sealed():
        skater: Skater = app.repository.get(sid)
        if skater.hometown in choice.hometown or skater.club in choice.club:
            found.add(sid)
    return found


def index_at(app: Ledger, basis: Basis) -> Index | None:
    """The index as of ``basis``; None when it cannot say which races the fold holds: no views,
    views that have not taken in the basis (as known at a moment: the whole log), or an index
    kept only since a fact after the log's first."""
    views = views_of(app)
    if views is None:
        return None
    last = app.last_position()
    needed = last if basis.known_at is not None else stop_of(app, basis)
    if (views.max_tracking_id(UPSTREAM) or 0) < needed or not kept_from_start(app, views):
        return None
    return Index(views, needed)


def kept_from_start(app: Ledger, views: ViewsRecorder) -> bool:
    since = iv.since_of(views.held_at(iv.VIEW, iv.KEPT, app.last_position()))
    if since is None:
        return app.last_position() == 0
    return since == 1 or next(iter(app.read_log(stop=since - 1)), None) is None


# -- the partial state ---------------------------------------------------------------------------
def scoped_state_at(app: Ledger, basis: Basis, races: Iterable[UUID],
                    skaters: Iterable[UUID] = (), *, positioned: bool = True) -> LedgerState:
    """The ledger as of ``basis`` restricted to ``races`` (those scheduled by then), their
    competitions, and the registrations of the skaters they name and of ``skaters``: for those,
    equal to :func:`projections.reading.state_at`, position and known-at moment included.

    ``positioned`` False leaves the state at the last fact folded into it instead of the basis's
    position: for an answer that does not say its position (a classification, a report), which
    then skips the read back from the log's end that a known-at moment needs to find it."""
    stop = stop_of(app, basis)
    state = LedgerState()
    with collector_paused():
        streams = [s for s in (app.read_stream(rid, stop) for rid in dict.fromkeys(races)) if s]
        # a race's stream opens with its Race.Scheduled: by their first positions, the races come
        # in the order they were scheduled, as the whole fold adds them
        for stream in sorted(streams, key=lambda s: s[0][0]):
            take(state, stream, basis.known_at)
        for competition in dict.fromkeys(s.competition_id for s in state.races.values()):
            take(state, app.read_stream(competition, stop), basis.known_at)
        named = set(skaters).union(*(skaters_named(s) for s in state.races.values()))
        take_names(app, state, named, stop, basis)
    if positioned:
        state.position, state.recorded_at = last_taken(app, stop, basis.known_at)
    return state


def take_names(app: Ledger, state: LedgerState, skaters: Iterable[UUID], stop: int,
               basis: Basis) -> None:
    """Fold the registrations of ``skaters`` not in ``state`` yet, up to ``stop``, with what
    became of their personal fields (sealed, erased: docs/decisions/0029)."""
    for skater in sorted(set(skaters) - state.skaters.keys()):
        take(state, (e for e in app.read_stream(skater, stop) if isinstance(e[1], NAMING)),
             basis.known_at)


# -- the questions -------------------------------------------------------------------------------
def competitions_state(app: Ledger, basis: Basis, index: Index, competitions: Iterable[str],
                       races: Iterable[UUID] = (), skaters: Iterable[UUID] = (), *,
                       positioned: bool = True) -> LedgerState:
    """The partial state of these competitions' races, and ``races`` and ``skaters`` besides."""
    found = [race_id(r.key) for slug in dict.fromkeys(competitions) for r in index.races_of(slug)]
    return scoped_state_at(app, basis, [*found, *races], skaters, positioned=positioned)


def rule_competitions(rule: dict[str, Any]) -> list[str]:
    """The competitions a rule reads: its ``competition``, or an SOQC rule's qualifying ones."""
    return competitions_of(rule) if rule["kind"] == SOQC else [rule["competition"]]


def rule_state(app: Ledger, rule: dict[str, Any], basis: Basis) -> LedgerState:
    """The races the rule reads as of ``basis`` (only its category's, for an SOQC rule), when
    the index can say which they are; else the whole fold."""
    index = index_at(app, basis)
    if index is None:
        return state_at(app, basis)
    if rule["kind"] != SOQC:
        return competitions_state(app, basis, index, rule_competitions(rule))
    prefix = f"{rule['category']}-"
    found = [race_id(r.key) for slug in rule_competitions(rule) for r in index.races_of(slug)
             if r.key.split("/", 1)[-1].startswith(prefix)]
    return scoped_state_at(app, basis, found)


def qualification_at(app: Ledger, rule: dict[str, Any], basis: Basis) -> tuple[Outcome, int]:
    """The rule's outcome as of ``basis`` and the position it answers for: from the rule's
    competition's races when the index can say which they are, else by the whole fold."""
    state = rule_state(app, rule, basis)
    return evaluate(state, rule), state.position


def soqc_at(app: Ledger, rule: dict[str, Any], basis: Basis,
            tables: Mapping[tuple[str, str], PointsTable],
            event: str | None = None) -> tuple[SoqcAnswer, int]:
    """An SOQC rule's answer as of ``basis``, from the qualifying competitions' races of its
    category (when indexed), and the position it answers for."""
    state = rule_state(app, rule, basis)
    return evaluate_soqc(state, rule, tables, event), state.position


def classification_at(app: Ledger, keys: Sequence[str], basis: Basis) -> list[Standing]:
    """The classification over the races ``keys`` as of ``basis``: only those races' streams (no
    index needed). A race not scheduled by then is read as it stands now (``app.race``), as the
    command always did; the names its skaters show are still those known by the basis."""
    state = scoped_state_at(app, basis, [race_id(key) for key in keys], positioned=False)
    sheets: list[RaceState] = [state.sheet(key) or app.race(key).sheet for key in keys]
    take_names(app, state, set().union(*(skaters_named(s) for s in sheets)), stop_of(app, basis),
               basis)
    return classification_of(state, sheets)


def report_at(app: Ledger, choice: Choice, rules: tuple[str, ...], basis: Basis) -> Report:
    """The regional report as of ``basis``: the chosen skaters' races (of the competition and day
    chosen) and the rules' competitions' races, when the index can say which; else by the fold."""
    loaded = [load_rule(rule) for rule in rules]  # a bad rule is refused before anything is read
    if (choice.hometown or choice.club) and app.vault.holds_personal_data():
        needed_master_key("a report by --hometown or --club")  # the fields it reads are sealed
    app.reveal_personal()  # its lines show the hometowns
    index = index_at(app, basis)
    if index is None:
        return report(state_at(app, basis), choice, rules)
    who = index.chosen(choice) | chosen_sealed(app, index, choice)
    races = [race_id(r.key) for sid in sorted(who) for r in index.races_entered(sid)
             if choice.competition in (None, r.competition) and choice.day in (None, r.day)]
    state = competitions_state(app, basis, index,
                               [c for rule in loaded for c in rule_competitions(rule)], races,
                               who, positioned=False)
    return report(state, choice, rules)
