"""The audit trail shows every correction with who, why, before and after, and the places it moved."""

from __future__ import annotations

from datetime import date

from ledger.application import Ledger
from ledger.domain.kinds import FactKind
from projections.audit import audit, ordinal
from tests.helpers import finished, known


def race_of_three(app: Ledger) -> str:
    comp = app.schedule_competition("Audit Cup", "Rink", date(2025, 1, 1))
    key = app.schedule_race(comp, 500, "women", date(2025, 1, 1))
    finished(app, key, (("Skater A", 38_000), ("Skater B", 38_100), ("Skater C", 38_200)))
    return key


def test_a_time_correction_shows_before_after_author_reason_and_the_places_it_changed(app: Ledger) -> None:
    key = race_of_three(app)
    target = app.find_fact(key, "Skater C", "finish").fact_id
    app.correct_time(key, target, 38_050, "photo finish", "Referee R")
    [entry] = audit(app.read_log(), key)
    assert (entry.act, entry.skater, entry.author, entry.reason) == (
        "TimeCorrected", "Skater C", "Referee R", "photo finish")
    assert (entry.before, entry.after) == ("finish 38.200", "finish 38.050")
    assert [str(c) for c in entry.changes] == ["Skater C 3rd → 2nd", "Skater B 2nd → 3rd"]
    assert entry.position == app.last_position()


def test_a_dq_and_its_void_are_both_in_the_audit_and_the_place_comes_back(memory_app: Ledger) -> None:
    app = memory_app
    key = race_of_three(app)
    app.disqualify(key, "Skater A", "ISU 253: lane change", "Referee R")
    dq = known(app.race(key).sheet.first(app.skater("Skater A"), FactKind.DQ))
    app.void_fact(key, dq.fact_id, "protest upheld", "Jury")
    entries = audit(app.read_log(), key)
    assert [e.act for e in entries] == ["Disqualified", "FactVoided"]
    assert [str(c) for c in entries[0].changes] == [
        "Skater B 2nd → 1st", "Skater C 3rd → 2nd", "Skater A 1st → unranked"]
    assert [str(c) for c in entries[1].changes] == [
        "Skater A unranked → 1st", "Skater B 1st → 2nd", "Skater C 2nd → 3rd"]
    assert entries[1].reason == "protest upheld" and entries[1].author == "Jury"


def test_an_audit_of_one_race_leaves_out_the_others(memory_app: Ledger) -> None:
    app = memory_app
    key = race_of_three(app)
    other = app.schedule_race("audit-cup-2025", 1000, "women", date(2025, 1, 1))
    app.enter_starter(other, "Skater A")
    app.record_finish(other, "Skater A", 76_000)
    app.disqualify(other, "Skater A", "ISU 253", "Referee R")
    assert audit(app.read_log(), key) == []
    assert [e.race for e in audit(app.read_log())] == [other]


def test_ordinals_read_as_places() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, None)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "unranked"]
