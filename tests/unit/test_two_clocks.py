"""Both clocks survive import (docs/decisions/0014-two-clocks-at-the-door.md): a fact from a timing
system is known at that system's moment, the store keeps its own time beside it, and "as known at
T" takes every fact known by T, wherever it stands in the log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger, stamp_pending
from ledger.bootstrap import build_app
from ledger.domain.clocks import known_at_of
from ledger.domain.errors import ImportFormatError, InvalidInputError
from ledger.importing.jsonl import import_jsonl, write_jsonl
from ledger.importing.vantage import import_vantage
from projections.basis import Basis, state_as_of
from projections.leaderboard import leaderboard
from projections.snapshots import SnapshotStore
from scripts.demo import okt2017
from tests.adapters.test_vantage import LADIES, SMEDING, WOJCIK, WOMEN_1000, stream, write_stream
from tests.cli import digest, ok, refused, run
from tests.helpers import known

CET = timezone(timedelta(hours=1))
#: The stream's HeatCommittedEvent of pair 4 (its ``_time``): Smeding's finish becomes known.
SMEDING_COMMITTED = datetime(2020, 1, 12, 15, 24, 33, 636450, tzinfo=CET)
SECOND = timedelta(seconds=1)


def finish_times(app: Ledger, moment: datetime, checkpoints: SnapshotStore | None = None
                 ) -> dict[str, int | None]:
    state = state_as_of(app, Basis(known_at=moment), checkpoints)
    return {row.skater: row.time_ms for row in leaderboard(state, WOMEN_1000).rows}


def test_a_finish_from_the_stream_is_known_at_the_moment_vantage_committed_it(app: Ledger) -> None:
    import_vantage(app, LADIES)
    assert finish_times(app, SMEDING_COMMITTED - SECOND) == {}
    assert finish_times(app, SMEDING_COMMITTED + SECOND) == {SMEDING: 78_508, WOJCIK: 79_248}


def test_the_standings_command_as_known_one_second_around_smedings_finish(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "ec.db")
    ok(run(capsys, "--db", db, "import", str(LADIES)))
    before = ok(run(capsys, "--db", db, "standings", WOMEN_1000, "--format", "json", "--known-at",
                    (SMEDING_COMMITTED - SECOND).isoformat())).json()
    after = ok(run(capsys, "--db", db, "standings", WOMEN_1000, "--format", "json", "--known-at",
                   (SMEDING_COMMITTED + SECOND).isoformat())).json()
    assert [r["time"] for r in before["rows"]] == []
    assert (after["rows"][0]["skater"], after["rows"][0]["time"]) == (SMEDING, "1:18.50")


def test_every_fact_of_the_stream_keeps_the_recorders_moment_and_the_store_its_own(
        memory_app: Ledger) -> None:
    started = datetime.now(UTC)
    import_vantage(memory_app, LADIES)
    moments = {datetime.fromisoformat(e["_time"]) for e in stream(LADIES)}
    for _, event in memory_app.read_log():
        assert known_at_of(event) in moments
        assert event.timestamp >= started  # the store's own time: when this ledger appended it



def test_a_stream_imported_after_later_facts_is_still_known_at_its_own_moments(app: Ledger) -> None:
    comp = app.schedule_competition("Later Cup", "Rink", date(2026, 1, 1))
    key = app.schedule_race(comp, 500, "men", date(2026, 1, 1))
    app.register_skater("Skater A")
    app.enter_starter(key, "Skater A")
    app.record_finish(key, "Skater A", 36_000)  # known now, positioned before the 2020 stream
    import_vantage(app, LADIES)
    checkpoints = SnapshotStore.build(app, every=7)
    for store in (None, checkpoints):
        assert finish_times(app, SMEDING_COMMITTED + SECOND, store)[SMEDING] == 78_508
        assert state_as_of(app, Basis(known_at=SMEDING_COMMITTED + SECOND), store).sheet(key) is None


def test_a_correction_entered_now_is_not_known_at_the_rinks_moment(memory_app: Ledger) -> None:
    app = memory_app
    import_vantage(app, LADIES)
    target = app.find_fact(WOMEN_1000, SMEDING, "finish").fact_id
    app.correct_time(WOMEN_1000, target, 78_600, "video review", "Referee R")
    checkpoints = SnapshotStore.build(app, every=5)
    for store in (None, checkpoints):
        assert finish_times(app, SMEDING_COMMITTED + SECOND, store)[SMEDING] == 78_508
        assert finish_times(app, datetime.now(UTC) + SECOND, store)[SMEDING] == 78_600


def test_every_known_at_moment_gives_the_same_state_from_checkpoints_and_from_zero(
        memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("Later Cup", "Rink", date(2026, 1, 1))
    app.schedule_race(comp, 500, "men", date(2026, 1, 1))
    import_vantage(app, LADIES)
    target = app.find_fact(WOMEN_1000, WOJCIK, "finish").fact_id
    app.correct_time(WOMEN_1000, target, 79_300, "video review", "Referee R")
    checkpoints = SnapshotStore.build(app, every=4)
    moments = sorted({known_at_of(e) for _, e in app.read_log()})
    for moment in [*moments[::3], moments[-1]]:
        for probe in (moment - timedelta(microseconds=1), moment):
            basis = Basis(known_at=probe)
            assert state_as_of(app, basis, checkpoints) == state_as_of(app, basis)


def test_an_export_and_its_import_keep_both_clocks(memory_app: Ledger, tmp_path: Path) -> None:
    import_vantage(memory_app, LADIES)
    path = tmp_path / "day.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(memory_app, out)
    restored = build_app("memory")
    import_jsonl(restored, path)
    assert finish_times(restored, SMEDING_COMMITTED - SECOND) == {}
    assert finish_times(restored, SMEDING_COMMITTED + SECOND)[SMEDING] == 78_508
    assert [(known_at_of(a), a.timestamp) for _, a in restored.read_log()] == [
        (known_at_of(b), b.timestamp) for _, b in memory_app.read_log()]


def test_a_fact_recorded_without_a_timing_systems_moment_is_known_at_the_stores_time(
        memory_app: Ledger) -> None:
    comp = memory_app.schedule_competition("Plain Cup", "Rink", date(2025, 1, 1))
    memory_app.schedule_race(comp, 500, "men", date(2025, 1, 1))
    for note in memory_app.notifications():
        assert "known_at" not in json.loads(note.state)  # stored as before decision 0014
    for _, event in memory_app.read_log():
        assert known_at_of(event) == event.timestamp


def test_a_stream_event_whose_moment_has_no_zone_is_refused_with_its_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    events: list[dict[str, Any]] = stream(LADIES)
    events[5]["_time"] = "2020-01-12T15:23:20.820145"
    bad = write_stream(tmp_path / "bad.jsonl", events)
    db = tmp_path / "x.db"
    build_app(str(db)).close()  # an empty ledger (a read command creates nothing)
    before = digest(db)
    refused(run(capsys, "--db", str(db), "import", str(bad)), "bad.jsonl:6", "_time",
            "no time zone")
    assert digest(db) == before
    with pytest.raises(ImportFormatError):
        import_vantage(build_app("memory"), bad)


# -- the demo day: reconstructed moments, and said so -----------------------------------------
def test_the_demo_days_facts_are_known_at_reconstructed_moments_in_log_order(
        memory_app: Ledger) -> None:
    okt2017.load(memory_app)
    moments = [known_at_of(event) for _, event in memory_app.read_log()]
    assert moments == sorted(moments)
    assert moments[0].date() == okt2017.DAY and moments[-1].date() == okt2017.LAST_DAY
    assert {m.utcoffset() for m in moments} == {timedelta(hours=1)}  # Thialf in December


def test_as_known_at_1502_on_the_demo_day_the_womens_1000m_is_before_its_last_pair(
        memory_app: Ledger) -> None:
    keys = okt2017.load(memory_app)
    key = keys["women-1000"]
    then = state_as_of(memory_app, Basis(known_at=datetime(2017, 12, 26, 15, 2, tzinfo=CET)))
    shown = [(row.rank, row.skater) for row in leaderboard(then, key).rows]
    assert shown[0] == (1, "Jorien ter Mors")
    assert not {"Marrit Leenstra", "Ireen Wüst"} & {name for _, name in shown}  # pair 10: on the ice
    later = state_as_of(memory_app, Basis(known_at=okt2017.SCHEDULES["women-1000"].end))
    assert leaderboard(later, key).rows == leaderboard(state_as_of(memory_app), key).rows


def test_the_demo_says_its_moments_are_reconstructed(capsys: pytest.CaptureFixture[str]) -> None:
    shown = ok(run(capsys, "--db", ":memory:", "demo")).out
    assert "reconstructed, not measured" in " ".join(shown.split())


def test_a_race_stamped_before_it_is_saved_holds_the_moment_a_fold_of_its_events_gives(
        memory_app: Ledger) -> None:
    app = memory_app
    comp = app.schedule_competition("Stamp Cup", "Rink", date(2025, 1, 1))
    key = app.schedule_race(comp, 500, "men", date(2025, 1, 1))
    app.register_skater("Skater A")
    app.enter_starter(key, "Skater A")
    race = app.race(key)
    race.record_finish(app.skater("Skater A"), 36_000, "photo-finish")
    stamp_pending(race, SMEDING_COMMITTED)
    app.save(race)
    [finish] = [f for f in race.sheet.facts.values() if f.kind == "finish"]
    folded = known(state_as_of(app).sheet(key)).facts[finish.fact_id]
    assert finish.recorded_at == folded.recorded_at == SMEDING_COMMITTED


def test_a_known_at_moment_without_a_zone_is_refused(memory_app: Ledger) -> None:
    with pytest.raises(InvalidInputError, match="has no time zone"), \
            memory_app.known_at(datetime(2017, 12, 26, 15, 2)):
        pass


def test_a_fact_known_before_the_skaters_entry_is_not_yet_a_fact_of_the_race(
        memory_app: Ledger) -> None:
    """A timing system may know a re-skate or a DNS before the list that enters the skater is
    imported: as known at a moment between the two, the fact is left out (it names a starter the
    race did not yet have), not folded into a crash or a row of a skater who is not entered."""
    app = memory_app
    scheduled, early, late = (datetime(2025, 1, 1, hour, tzinfo=CET) for hour in (12, 13, 15))
    with app.known_at(scheduled):
        comp = app.schedule_competition("Order Cup", "Rink", date(2025, 1, 1))
        key = app.schedule_race(comp, 500, "men", date(2025, 1, 1))
        for name in ("Skater A", "Skater B"):
            app.register_skater(name)
    with app.known_at(late):
        app.enter_starters(key, ["Skater A", "Skater B"])
    with app.known_at(early):
        app.record_fall(key, "Skater A", 200, went_on=False)
        app.grant_reskate(key, "Skater A", "fell after a collision", "Referee")
        app.record_dns(key, "Skater B")
    between = state_as_of(app, Basis(known_at=datetime(2025, 1, 1, 14, tzinfo=CET)))
    assert not [f for f in known(between.sheet(key)).facts.values() if f.skater is not None]
    assert not leaderboard(between, key).rows
    after = state_as_of(app, Basis(known_at=late))
    assert [row.skater for row in leaderboard(after, key).rows] == ["Skater A", "Skater B"]
