"""Real Vantage timing streams import into the ledger: results, passings per source, corrections.

Data: ../shared/data/vantage, recorded by Emando Vantage's event recorder at the ISU European Single
Distances Championships, Thialf, Heerenveen, 12 January 2020 (public repository
emando/vantage-events, folder examples/, commit 1eea67c): the ladies' 1000 m pair 4 (Ellia Smeding,
GBR, inner; Andzelika Wójcik, POL, outer) and the men's team pursuit pair 3 (Italy inner, Russia
outer). Times are ticks of 100 ns since the start: 785080000 is 78.508 s, published as 1:18.50.
Where a test needs what the real streams do not hold (a re-commit, a cleared heat, a DQ, team
members), it changes a copy of a real stream and says how; invented people are "Skater A" ….
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.domain.race import Race
from ledger.domain.race_state import RaceState
from ledger.domain.timing import passing_points
from ledger.importing.vantage import import_vantage
from projections.basis import state_as_of
from tests.cli import Ran, digest, run

DATA = Path(__file__).resolve().parents[2].parent / "shared/data/vantage"
LADIES = DATA / "ec2020-ladies-1000m-pair4.jsonl"
MEN = DATA / "ec2020-men-team-pursuit-pair3.jsonl"
COMPETITION = "isu-european-single-distances-speed-skating-championships-2020"
WOMEN_1000 = f"{COMPETITION}/women-1000m"
MEN_TEAM_PURSUIT = f"{COMPETITION}/men-3200m-team-pursuit"
SMEDING, WOJCIK = "Ellia Smeding", "Andzelika Wójcik"


# -- helpers ------------------------------------------------------------------------------------
def stream(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_stream(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    return path


def imported(capsys: pytest.CaptureFixture[str], db: Path, *files: Path) -> Ran:
    done = run(capsys, "--db", str(db), "import", *map(str, files))
    assert done.code == 0, done.err
    return done


def board(capsys: pytest.CaptureFixture[str], db: Path, key: str, *options: str) -> dict[str, Any]:
    done = run(capsys, "--db", str(db), "standings", key, "--format", "json", *options)
    assert done.code == 0, done.err
    return {row["skater"]: row for row in done.json()["rows"]}


def log(db: Path) -> list[Any]:
    app = build_app(str(db))
    try:
        return [event for _, event in app.read_log()]
    finally:
        app.close()


def sheet_of(db: Path, key: str) -> RaceState:
    app = build_app(str(db))
    try:
        state = state_as_of(app)
    finally:
        app.close()
    sheet = state.sheet(key)
    assert sheet is not None
    return sheet




def skater(db: Path, name: str) -> Any:
    app = build_app(str(db))
    try:
        return app.skater(name)
    finally:
        app.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


# -- the real streams ---------------------------------------------------------------------------
def test_the_ladies_1000m_pair_gives_smeding_1_18_50_and_wojcik_1_19_24(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    imported(capsys, db, LADIES)
    rows = board(capsys, db, WOMEN_1000)
    assert list(rows) == [SMEDING, WOJCIK]
    assert rows[SMEDING].items() >= {"rank": 1, "nation": "GBR", "time": "1:18.50", "time_ms": 78508,
                                  "status": "OK", "pair": 4, "lane": "inner"}.items()
    assert rows[WOJCIK].items() >= {"rank": 2, "nation": "POL", "time": "1:19.24", "time_ms": 79248,
                                 "status": "OK", "behind": "+0.740", "pair": 4, "lane": "outer"}.items()


def test_the_standings_at_200_and_600_m_give_the_passings_of_the_presented_source(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    imported(capsys, db, LADIES)
    at_200 = board(capsys, db, WOMEN_1000, "--at", "200")
    at_600 = board(capsys, db, WOMEN_1000, "--at", "600")
    # optical beam: 182839000 ticks → 18.283 s (the transponder gave 18.279 s)
    assert list(at_200) == [WOJCIK, SMEDING]
    assert (at_200[WOJCIK]["time_ms"], at_200[SMEDING]["time_ms"]) == (18283, 19254)
    assert (at_200[WOJCIK]["lane"], at_200[SMEDING]["lane"]) == ("outer", "inner")
    assert (at_600[WOJCIK]["time_ms"], at_600[SMEDING]["time_ms"]) == (47064, 47878)
    sheet = sheet_of(db, WOMEN_1000)
    for name, metres, ms in ((WOJCIK, 200, 18283), (SMEDING, 200, 19254), (WOJCIK, 600, 47064),
                             (SMEDING, 600, 47878)):
        shown = sheet.presented_passing(skater(db, name), 1, metres)
        assert shown is not None and (shown.source, shown.ms) == ("optical", ms)


def test_every_passing_from_every_source_is_kept_with_its_device_time_truncated_to_ms(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    imported(capsys, db, LADIES)
    sheet = sheet_of(db, WOMEN_1000)
    passings = {(f.metres, f.source): f.ms for f in sheet.passings(skater(db, SMEDING), 1)}
    assert passings == {
        (200, "transponder"): 19243, (200, "optical"): 19254,
        (600, "transponder"): 47872, (600, "optical"): 47878,
        (1000, "transponder"): 78504, (1000, "optical"): 78507, (1000, "photo-finish"): 78508,
    }
    finish = sheet.finish(skater(db, SMEDING), 1)
    assert finish is not None and (finish.ms, finish.source) == (78508, "photo-finish")
    assert sheet.clocks[4].starts == 1


def test_the_mens_team_pursuit_pair_gives_russia_and_italy_with_their_times(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    imported(capsys, db, MEN)
    races = {r["key"]: r for r in run(capsys, "--db", str(db), "races", "--format", "json").json()}
    assert races[MEN_TEAM_PURSUIT].items() >= {"distance_m": 3200, "category": "men",
                                           "label": "Team pursuit", "date": "2020-01-12"}.items()
    rows = board(capsys, db, MEN_TEAM_PURSUIT)
    assert list(rows) == ["Russia", "Italy"]
    assert rows["Russia"].items() >= {"rank": 1, "nation": "RUS", "time": "3:42.48", "time_ms": 222482,
                                   "lane": "outer", "pair": 3}.items()
    assert rows["Italy"].items() >= {"rank": 2, "nation": "ITA", "time": "3:46.77", "time_ms": 226777,
                                  "lane": "inner", "pair": 3}.items()


def test_a_team_pursuit_has_its_passing_points_every_half_lap(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    assert passing_points(3200, 400, "team-pursuit") == tuple(range(200, 3201, 200))
    assert passing_points(2400, 400, "team-pursuit")[:2] == (200, 400)
    assert passing_points(3000) == tuple(range(200, 3001, 400))  # individual: unchanged
    imported(capsys, db, MEN)
    sheet = sheet_of(db, MEN_TEAM_PURSUIT)
    assert sheet.discipline == "team-pursuit" and len(sheet.points) == 16
    at_200 = board(capsys, db, MEN_TEAM_PURSUIT, "--at", "200")
    assert (at_200["Russia"]["time_ms"], at_200["Italy"]["time_ms"]) == (18113, 18569)
    at_1400 = board(capsys, db, MEN_TEAM_PURSUIT, "--at", "1400")
    assert (at_1400["Russia"]["time_ms"], at_1400["Italy"]["time_ms"]) == (99033, 100208)
    italy = skater(db, "Italy")
    assert len(sheet.passings(italy, 1)) == 17  # 16 half laps by transponder, the line by photo finish


def test_importing_the_same_streams_again_appends_nothing(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    imported(capsys, db, LADIES, MEN)
    before = run(capsys, "--db", str(db), "export").out
    again = imported(capsys, db, MEN, LADIES)
    assert "0 new event(s)" in again.out
    assert run(capsys, "--db", str(db), "export").out == before


def test_the_switch_to_the_photo_finish_at_the_line_is_a_correction_by_vantage(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    imported(capsys, db, LADIES)
    events = log(db)
    presented = {e.fact_id: e for e in events if isinstance(e, Race.SourcePresented)}
    corrections = [e for e in events if isinstance(e, Race.TimeCorrected)]
    assert len(corrections) == 2
    for correction in corrections:
        superseded = presented[correction.target]
        assert (superseded.metres, superseded.source) == (1000, "optical")
        assert correction.author == "Vantage" and "photo-finish" in correction.reason
    assert sorted(c.at_ms for c in corrections) == [78508, 79248]
    sheet = sheet_of(db, WOMEN_1000)
    shown = sheet.presented_passing(skater(db, SMEDING), 1, 1000)
    assert shown is not None and (shown.source, shown.ms) == ("photo-finish", 78508)


def test_a_recommit_of_another_time_is_a_correction_of_the_finish(
        capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    events = stream(LADIES)
    commit = next(e for e in events if e["typeName"] == "HeatCommittedEvent")
    again = copy.deepcopy(commit)
    smeding = next(r for r in again["races"] if r["race"]["lane"] == 0)
    smeding["race"]["time"]["time"] = 785170000  # the copy: 78.517 s instead of 78.508 s
    path = write_stream(tmp_path / "recommitted.jsonl", [*events, again])
    imported(capsys, db, path)
    assert board(capsys, db, WOMEN_1000)[SMEDING]["time_ms"] == 78517
    events_logged = log(db)
    finishes = {e.fact_id: e for e in events_logged if isinstance(e, Race.FinishRecorded)}
    corrections = [e for e in events_logged if isinstance(e, Race.TimeCorrected)
                   and e.target in finishes]
    assert [(c.at_ms, c.author) for c in corrections] == [(78517, "Vantage")]
    assert finishes[corrections[0].target].at_ms == 78508  # the first commit stays in the log
    assert "0 new event(s)" in imported(capsys, db, path).out


def test_a_cleared_and_restarted_heat_voids_the_first_run_and_keeps_the_second(
        capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    events = stream(LADIES)
    start = next(n for n, e in enumerate(events) if e["typeName"] == "HeatStartedEvent")
    first_600 = next(n for n, e in enumerate(events) if e["typeName"] == "HeatNextLapIndexChangedEvent")
    heat = {k: events[start][k] for k in ("competitionId", "distanceId", "heat")}
    cleared = {**heat, "typeName": "HeatClearedEvent"}
    restarted = {**events[start], "started": "2020-01-12T14:25:54.9041819Z"}
    # the copy: the heat runs to 200 m, is cleared, restarted and then runs as it really did
    path = write_stream(tmp_path / "cleared.jsonl",
                        [*events[:first_600], cleared, restarted, *events[start + 1:]])
    imported(capsys, db, path)
    assert [type(e).__name__ for e in log(db)].count("ClockCleared") == 1
    rows = board(capsys, db, WOMEN_1000)
    assert (rows[SMEDING]["time_ms"], rows[WOJCIK]["time_ms"]) == (78508, 79248)
    assert board(capsys, db, WOMEN_1000, "--at", "200")[SMEDING]["time_ms"] == 19254
    sheet = sheet_of(db, WOMEN_1000)
    at_200 = [f for f in sheet.facts.values() if f.kind == "passing" and f.metres == 200
              and f.skater == skater(db, SMEDING)]
    assert sorted(f.voided for f in at_200) == [False, False, True, True]
    assert "0 new event(s)" in imported(capsys, db, path).out


def test_a_disqualification_committed_by_vantage_keeps_the_measured_time_out_of_the_ranking(
        capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    events = stream(LADIES)
    commit = next(e for e in events if e["typeName"] == "HeatCommittedEvent")
    wojcik = next(r for r in commit["races"] if r["race"]["lane"] == 1)
    wojcik["race"]["result"]["timeInvalidReason"] = 3  # the copy: Vantage's TimeInvalidReason.Disqualified
    imported(capsys, db, write_stream(tmp_path / "dq.jsonl", events))
    rows = board(capsys, db, WOMEN_1000)
    assert rows[WOJCIK]["status"] == "DQ" and rows[WOJCIK]["rank"] is None
    assert rows[SMEDING]["rank"] == 1


def test_team_members_named_by_the_stream_are_registered_with_the_team(
        capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    events = stream(MEN)
    activated = next(e for e in events if e["typeName"] == "HeatActivatedEvent")
    italy = next(r for r in activated["races"] if r["race"]["lane"] == 0)
    italy["race"]["competitor"]["members"] = [  # the copy: members, as Vantage's TeamCompetitorMember
        {"order": n, "member": {"typeName": "PersonCompetitor", "fullName": name,
                                "nationalityCode": "ITA"}}
        for n, name in ((2, "Skater B"), (1, "Skater A"), (3, "Skater C"))]
    path = write_stream(tmp_path / "members.jsonl", events)
    imported(capsys, db, path)
    sheet = sheet_of(db, MEN_TEAM_PURSUIT)
    members = sheet.team_members[skater(db, "Italy")]
    assert members == [skater(db, f"Skater {c}") for c in "ABC"]
    assert board(capsys, db, MEN_TEAM_PURSUIT)["Italy"]["time_ms"] == 226777
    assert "0 new event(s)" in imported(capsys, db, path).out


def test_an_event_type_the_reader_does_not_know_is_refused_naming_its_line(
        capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    events = stream(LADIES)
    lap = next(n for n, e in enumerate(events) if e["typeName"] == "RaceLapAddedEvent")
    events[lap] = {**events[lap], "typeName": "RaceLapUpdatedEvent"}
    path = write_stream(tmp_path / "updated.jsonl", events)
    done = run(capsys, "--db", str(db), "import", str(path))
    assert done.code == 2
    assert done.err.strip() == (f"skate-ledger: error: {path}:{lap + 1}: event type "
                                "'RaceLapUpdatedEvent' is not supported (yet)")
    assert not db.exists() or run(capsys, "--db", str(db), "export").out == ""


def test_a_race_stored_before_disciplines_existed_loads_as_an_individual_race() -> None:
    app = build_app("memory")
    try:
        race = Race(key="test-cup-2025/men-3000m", competition_id=uuid4(), competition="test-cup-2025",
                    day="2025-01-05", distance_m=3000, category="men", label=None, track_m=400)
        app.save(race)
        stored = app.recorder.select_events(race.id)[0]
        state = json.loads(stored.state)
        del state["discipline"]
        old = type(stored)(originator_id=stored.originator_id,
                           originator_version=stored.originator_version, topic=stored.topic,
                           state=json.dumps(state).encode())
        event = app.mapper.to_domain_event(old)
        assert isinstance(event, Race.Scheduled)
        assert event.discipline == "individual"
        assert event.new_sheet().points == (200, 600, 1000, 1400, 1800, 2200, 2600, 3000)
    finally:
        app.close()


# -- damaged streams ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """For each stream, a ledger that already holds the other one (closed, so one file)."""
    seeds = {}
    for damaged, other in ((LADIES, MEN), (MEN, LADIES)):
        path = tmp_path_factory.mktemp("seed") / "ledger.db"
        app = build_app(str(path))
        try:
            import_vantage(app, other)
        finally:
            app.close()
        seeds[damaged] = path
    return seeds


@st.composite
def damaged_stream(draw: st.DrawFn) -> tuple[Path, bytes]:
    path = draw(st.sampled_from([LADIES, MEN]))
    data = path.read_bytes()
    lines = data.split(b"\n")
    how = draw(st.sampled_from(["truncate", "corrupt a line", "drop a line"]))
    if how == "truncate":
        return path, data[:draw(st.integers(1, len(data) - 1))]
    at = draw(st.integers(0, len(lines) - 2))
    if how == "drop a line":
        return path, b"\n".join(lines[:at] + lines[at + 1:])
    line = lines[at]
    start = draw(st.integers(0, len(line)))
    end = draw(st.integers(start, min(len(line), start + 8)))
    junk = draw(st.one_of(st.binary(max_size=4),
                          st.text('0123456789{}[]",:. -abcnultre', max_size=6).map(str.encode)))
    lines[at] = line[:start] + junk + line[end:]
    return path, b"\n".join(lines)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=damaged_stream())
def test_a_damaged_stream_is_imported_or_refused_in_one_line_and_a_refusal_changes_nothing(
        capsys: pytest.CaptureFixture[str], seeded: dict[Path, Path], case: tuple[Path, bytes]) -> None:
    original, data = case
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ledger.db"
        shutil.copy(seeded[original], db)
        path = Path(tmp) / original.name
        path.write_bytes(data)
        before = digest(db)
        done = run(capsys, "--db", str(db), "import", "--format", "vantage", str(path))
        assert done.code in (0, 2), done
        if done.code == 2:
            err = done.err.splitlines()
            assert len(err) == 1, done.err
            where = re.match(rf"skate-ledger: error: {re.escape(str(path))}:(\d+): \S", err[0])
            assert where, err[0]
            assert 1 <= int(where[1]) <= data.count(b"\n") + 1
            assert digest(db) == before
        else:
            assert "imported 1 file(s)" in done.out and not done.err
