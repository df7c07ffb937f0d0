"""The officials of a race as facts: a correction equals having recorded the right names.

The law (docs/decisions/0030-the-result-sheet.md): after any run of ``record officials``, the
referee and starter in force are the last ones given, and a call that changes nothing records
nothing.
"""

from __future__ import annotations

from uuid import uuid4

from hypothesis import given

from ledger.domain.kinds import FactKind
from ledger.domain.race import Race
from tests.strategies import officials_records


def new_race() -> Race:
    return Race(key="officials-cup-2025/men-500m", competition_id=uuid4(),
                competition="officials-cup-2025", day="2025-01-05", distance_m=500,
                category="men", label=None, track_m=400)


@given(officials_records())
def test_the_officials_in_force_are_the_last_named_and_a_restatement_records_nothing(
        records: list[tuple[str | None, str | None]]) -> None:
    race = new_race()
    referee = starter = None
    for given_referee, given_starter in records:
        changes = ((given_referee is not None and given_referee != referee)
                   or (given_starter is not None and given_starter != starter))
        before = len(race.pending_events)
        race.record_officials(given_referee, given_starter, author=None)
        assert (len(race.pending_events) == before + 1) == changes
        referee, starter = given_referee or referee, given_starter or starter
    assert race.sheet.stated(FactKind.OFFICIALS, "referee") == referee
    assert race.sheet.stated(FactKind.OFFICIALS, "starter") == starter
