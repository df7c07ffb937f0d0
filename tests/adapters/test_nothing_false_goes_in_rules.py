"""Nothing false goes in (issue 11, items 3 and 5): facts that contradict the race are refused, and
nothing is invented at the door.

Every refusal below is run through the command, as an official types it: exit code 2, one line on
stderr that names the rule, no traceback, and the ledger unchanged (the SQLite file byte for byte,
its export, and ``verify``). The whole table runs once more on PostgreSQL. A retransmitted valid
fact is still accepted once.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest
from starlette.testclient import TestClient

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.importing.vantage import import_vantage
from scripts.board.app import create_app
from tests.cli import Ran, digest, ok, refused, run

RACE = "rules-cup-2025/men-1000m"
FIRST_DAY, LAST_DAY = date(2025, 11, 14), date(2025, 11, 15)
SIGNAL = datetime(2025, 11, 14, 14, 0, tzinfo=UTC)
VANTAGE_LADIES = (Path(__file__).resolve().parents[2].parent
                  / "shared/data/vantage/ec2020-ladies-1000m-pair4.jsonl")
EC2020 = "isu-european-single-distances-speed-skating-championships-2020"
CSV_HEADER = "competition,venue,date,distance,category,label,pair,lane,skater,nation,time,status,splits"


def seed_ledger(app: Ledger) -> None:
    """The men's 1000 m of the Rules Cup (14–15 November 2025), on its first day:

    - pair 1: Skater A passed 200 and 600 m and finished in 1:08.000; Skater B passed 200 m and did
      not finish;
    - pair 2: Skater C was disqualified; Skater D withdrew before the start;
    - pair 3: Skater E did not start; Skater F has passed 200 m and is still racing;
    - pair 4 (Skater G, Skater H) has not started.
    """
    comp = app.schedule_competition("Rules Cup", "Rules Rink", FIRST_DAY, LAST_DAY)
    key = app.schedule_race(comp, 1000, "men", FIRST_DAY)
    assert key == RACE
    names = [f"Skater {c}" for c in "ABCDEFGH"]
    for name in names:
        app.register_skater(name, "NED")
        app.enter_starter(key, name)
    for pair in range(1, 5):
        app.draw_pair(key, pair, names[2 * pair - 2], names[2 * pair - 1])
    app.start(key, 1, SIGNAL)
    app.record_passing(key, "Skater A", 200, 17_500, "transponder")
    app.record_passing(key, "Skater B", 200, 18_000, "transponder")
    app.record_passing(key, "Skater A", 600, 45_000, "transponder")
    app.record_dnf(key, "Skater B", 200, "fell")
    app.record_finish(key, "Skater A", 68_000, "photo-finish")
    app.record_withdrawal(key, "Skater D", "ill")
    app.start(key, 2, SIGNAL.replace(minute=5))
    app.disqualify(key, "Skater C", "ISU 253: lane change", "Referee R")
    app.record_dns(key, "Skater E", "not at the start")
    app.start(key, 3, SIGNAL.replace(minute=10))
    app.record_passing(key, "Skater F", 200, 17_800, "transponder")


@attrs.frozen
class Case:
    """One fact that contradicts the race: the command line, and the words its refusal must say.
    ``{race}`` is the race's key; ``{file}`` a result list holding ``rows`` (CSV)."""

    name: str
    argv: tuple[str, ...]
    words: tuple[str, ...]
    rows: tuple[str, ...] = ()


def csv_row(**changes: str) -> str:
    """A valid row of another competition's result list, with some columns changed."""
    cells = dict(zip(CSV_HEADER.split(","), [
        "List Cup", "List Rink", "2025-12-06", "1000", "women", "", "1", "inner", "Skater L", "NOR",
        "1:16.20", "", "200=18.10;600=47.00"], strict=True))
    cells.update(changes)
    return ",".join(cells.values())


OFFICIAL = ("record", "official", RACE, "--by", "Referee R")
CASES = [
    # a passing at or beyond the finish distance, or at a point that is not a passing point
    Case("a passing at the finish distance is refused: the finish line is a finish",
         ("record", "pass", "{race}", "Skater F", "1000", "1:10.00", "--source", "transponder"),
         ("1000 m", "at the finish of the 1000 m", "record the finish")),
    Case("a passing beyond the finish distance is refused",
         ("record", "pass", "{race}", "Skater F", "1400", "1:40.00"),
         ("1400 m", "beyond the finish of the 1000 m")),
    Case("a passing at a point that is not a passing point of the race is refused",
         ("record", "pass", "{race}", "Skater F", "400", "31.00"),
         ("400 m is not a passing point of the 1000 m", "200, 600, 1000")),
    Case("a result list with a split at the finish distance is refused at its line",
         ("import", "--format", "csv", "{file}"),
         (":2:", "1000 m", "at the finish"), (csv_row(splits="200=18.10;600=47.00;1000=1:16.20"),)),
    # a passing or finish after the skater's finish, DNF, DQ or WDR in the same attempt
    Case("a passing after the skater's finish is refused",
         ("record", "pass", "{race}", "Skater A", "600", "45.10", "--source", "optical"),
         ("cannot record a passing", "already has a finish")),
    Case("a second finish after the skater's finish is refused",
         ("record", "finish", "{race}", "Skater A", "1:09.00", "--device", "pf-1", "--seq", "7"),
         ("cannot record a finish", "already has a finish")),
    Case("another time for the skater's finish is refused without a correction",
         ("record", "finish", "{race}", "Skater A", "1:09.00"),
         ("the finish is already recorded as 1:08.000", "correction")),
    Case("a passing after the skater's DNF is refused",
         ("record", "pass", "{race}", "Skater B", "600", "46.00"),
         ("cannot record a passing", "already has a DNF")),
    Case("a finish after the skater's DNF is refused",
         ("record", "finish", "{race}", "Skater B", "1:20.00"),
         ("cannot record a finish", "already has a DNF")),
    Case("a passing after the skater's DQ is refused",
         ("record", "pass", "{race}", "Skater C", "200", "17.90"),
         ("cannot record a passing", "already has a DQ")),
    Case("a finish after the skater's withdrawal is refused",
         ("record", "finish", "{race}", "Skater D", "1:10.00"),
         ("cannot record a finish", "already has a withdrawal")),
    # dnf --reached beyond the distance
    Case("a DNF that reached beyond the distance is refused",
         ("record", "dnf", "{race}", "Skater F", "--reached", "1200"),
         ("a DNF that reached 1200 m is not on the 1000 m",)),
    Case("a DNF that reached the finish line is refused: that skater finished",
         ("record", "dnf", "{race}", "Skater F", "--reached", "1000"),
         ("a DNF that reached 1000 m is not on the 1000 m", "finished")),
    # a DQ or re-skate for a skater who did not start
    Case("a DQ for a skater who did not start is refused",
         ("record", "dq", "{race}", "Skater E", "--rule", "ISU 253", "--by", "Referee R"),
         ("cannot disqualify", "did not start", "DNS")),
    Case("a DQ for a withdrawn skater is refused",
         ("record", "dq", "{race}", "Skater D", "--rule", "ISU 253", "--by", "Referee R"),
         ("cannot disqualify", "did not start", "WDR")),
    Case("a re-skate for a skater who did not start is refused",
         ("record", "reskate", "{race}", "Skater E", "--reason", "hindered", "--by", "Referee R"),
         ("cannot grant a re-skate", "did not start")),
    Case("a false start by a skater who did not start is refused",
         ("record", "false-start", "{race}", "Skater E"),
         ("cannot record a false start", "did not start")),
    # a race dated outside its competition's days
    Case("a race dated after its competition's days is refused",
         ("record", "race", "rules-cup-2025", "--distance", "1500", "--category", "men",
          "--date", "2025-11-16"),
         ("a race on 2025-11-16 is outside the days of rules-cup-2025", "2025-11-14 to 2025-11-15")),
    Case("a race dated before its competition's days is refused",
         ("record", "race", "rules-cup-2025", "--distance", "1500", "--category", "men",
          "--date", "2025-11-13"),
         ("a race on 2025-11-13 is outside the days of rules-cup-2025",)),
    Case("a result list with a race outside its competition's days is refused at its line",
         ("import", "--format", "csv", "{file}"),
         (":2:", "outside the days of rules-cup-2025"),
         (csv_row(competition="Rules Cup", date="2025-11-17"),)),
    # a start signal or an official announcement not plausible for the race's day
    Case("a start signal before the race's day is refused",
         ("record", "start", "{race}", "4", "--at", "2025-11-13T15:00:00+01:00"),
         ("the start signal at 2025-11-13T15:00:00+01:00 is not on the day of", "(2025-11-14)")),
    Case("a start signal after the race's day is refused",
         ("record", "start", "{race}", "4", "--at", "2025-11-16T15:00:00+01:00"),
         ("is not on the day of rules-cup-2025/men-1000m (2025-11-14)",)),
    Case("an official announcement before the race's day is refused, even by force",
         (*OFFICIAL, "--announced-at", "2025-11-13T20:00:00+01:00", "--force", "--reason", "x"),
         ("cannot be official at 2025-11-13T20:00:00+01:00", "before the race's day")),
    Case("an official declaration while drawn pairs have not skated is refused",
         OFFICIAL, ("pairs 3, 4 of rules-cup-2025/men-1000m have not skated", "--force",
                    "--reason")),
    Case("an official declaration by force without a reason is refused",
         (*OFFICIAL, "--force"), ("--force needs a --reason",)),
    Case("an official declaration with a reason but without force is refused",
         (*OFFICIAL, "--reason", "the last pairs are postponed"), ("--reason goes with --force",)),
    # negative sequence numbers
    Case("a negative sequence number is refused",
         ("record", "pass", "{race}", "Skater F", "600", "46.00", "--device", "t-1", "--seq", "-1"),
         ("--seq -1 is negative",)),
    # a nation that is not a three-letter code
    Case("a nation that is a name, not a three-letter code, is refused",
         ("record", "skater", "Skater Z", "--nation", "Netherlands"),
         ("nation 'Netherlands' is not a three-letter code like NED",)),
    Case("a nation in lower case is refused",
         ("record", "skater", "Skater Z", "--nation", "ned"), ("nation 'ned'", "three-letter")),
    Case("a nation of two letters is refused",
         ("record", "skater", "Skater Z", "--nation", "NL"), ("nation 'NL'", "three-letter")),
    Case("a result list with a nation that is not a three-letter code is refused at its line",
         ("import", "--format", "csv", "{file}"),
         (":2:", "nation 'Norway'", "three-letter"), (csv_row(nation="Norway"),)),
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed SQLite ledger holding the seed race."""
    db = tmp_path_factory.mktemp("rules-seed") / "ledger.db"
    app = build_app(str(db))
    try:
        seed_ledger(app)
    finally:
        app.close()
    return db


@pytest.fixture
def db(seeded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ledger.db"
    shutil.copy(seeded, copy)
    return copy


def argv_of(case: Case, folder: Path) -> list[str]:
    listed = folder / "list.csv"
    if case.rows:
        listed.write_text("\n".join((CSV_HEADER, *case.rows)) + "\n", encoding="utf-8")
    return [a.replace("{race}", RACE).replace("{file}", str(listed)) for a in case.argv]


def exported(capsys: pytest.CaptureFixture[str], url: str) -> str:
    return ok(run(capsys, "--db", url, "export")).out


def verified(capsys: pytest.CaptureFixture[str], url: str) -> Ran:
    return ok(run(capsys, "--db", url, "verify"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_fact_that_contradicts_the_race_is_refused_in_one_line_naming_the_rule(
        capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, case: Case) -> None:
    before, export = digest(db), exported(capsys, str(db))
    done = run(capsys, "--db", str(db), *argv_of(case, tmp_path))
    refused(done, *case.words)
    assert digest(db) == before
    assert exported(capsys, str(db)) == export
    verified(capsys, str(db))


@pytest.mark.postgres
def test_every_fact_that_contradicts_the_race_is_refused_on_postgresql_and_appends_nothing(
        capsys: pytest.CaptureFixture[str], postgres_url: str, tmp_path: Path) -> None:
    app = build_app(postgres_url)
    try:
        seed_ledger(app)
    finally:
        app.close()
    export = exported(capsys, postgres_url)
    for case in CASES:
        done = run(capsys, "--db", postgres_url, *argv_of(case, tmp_path))
        refused(done, *case.words)
    assert exported(capsys, postgres_url) == export
    verified(capsys, postgres_url)


# -- what is still accepted --------------------------------------------------------------------


def test_a_retransmitted_valid_fact_is_still_accepted_once(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    before = digest(db)
    for argv in (("record", "pass", RACE, "Skater F", "200", "17.80", "--source", "transponder"),
                 ("record", "finish", RACE, "Skater A", "1:08.000", "--source", "photo-finish"),
                 ("record", "dnf", RACE, "Skater B", "--reached", "200"),
                 ("record", "dq", RACE, "Skater C", "--rule", "ISU 253: lane change",
                  "--by", "Referee R"),
                 ("record", "start", RACE, "3", "--at", "2025-11-14T14:10:00+00:00"),
                 ("record", "dns", RACE, "Skater E")):
        done = ok(run(capsys, "--db", str(db), *argv))
        assert "already recorded; nothing appended" in done.out, argv
    assert digest(db) == before


def test_a_start_signal_given_in_utc_for_a_race_far_east_is_on_the_race_s_day(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    # 08:30 in Obihiro (UTC+9) on the race's day is 23:30 UTC the evening before
    ok(run(capsys, "--db", str(db), "record", "start", RACE, "4", "--at", "2025-11-13T23:30:00Z"))


def test_an_official_declaration_by_force_with_a_reason_is_recorded_with_its_reason(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    ok(run(capsys, "--db", str(db), *OFFICIAL, "--announced-at", "2025-11-14T18:00:00+01:00",
           "--force", "--reason", "pairs 3 and 4 skate tomorrow"))
    official = [json.loads(line) for line in exported(capsys, str(db)).splitlines()][-1]
    assert official["topic"] == "skate-ledger:Race.ResultsDeclaredOfficial"
    assert official["state"]["forced_reason"] == "pairs 3 and 4 skate tomorrow"
    again = ok(run(capsys, "--db", str(db), *OFFICIAL))
    assert "already recorded" in again.out
    trail = ok(run(capsys, "--db", str(db), "audit", RACE, "--format", "json")).out
    assert "pairs 3 and 4 skate tomorrow" in trail
    races = ok(run(capsys, "--db", str(db), "races", "--format", "json")).json()
    assert races[0]["official"] is True


def test_results_are_declared_official_once_every_drawn_pair_has_skated(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    url = str(db)
    ok(run(capsys, "--db", url, "record", "finish", RACE, "Skater F", "1:09.50"))
    ok(run(capsys, "--db", url, "record", "dns", RACE, "Skater G"))
    ok(run(capsys, "--db", url, "record", "wdr", RACE, "Skater H"))
    done = ok(run(capsys, "--db", url, *OFFICIAL, "--announced-at", "2025-11-14T18:00:00+01:00"))
    assert "recorded at position" in done.out


def test_an_official_declaration_stored_before_forced_reasons_existed_still_loads(
        capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    url = str(db)
    ok(run(capsys, "--db", url, *OFFICIAL, "--force", "--reason", "postponed"))
    lines = [json.loads(line) for line in exported(capsys, url).splitlines()]
    del lines[-1]["state"]["forced_reason"]  # as the event was stored before the field existed
    for line in lines:
        line["hash"] = None  # an export without a chain: its states are checked and loaded
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    fresh = str(tmp_path / "fresh.db")
    ok(run(capsys, "--db", fresh, "import", "--format", "jsonl", str(old)))
    races = ok(run(capsys, "--db", fresh, "races", "--format", "json")).json()
    assert races[0]["official"] is True
    refused(run(capsys, "--db", fresh, "record", "finish", RACE, "Skater F", "1:09.50"),
            "official")


# -- nothing is invented at the door ------------------------------------------------------------


def rows_of(capsys: pytest.CaptureFixture[str], url: str, *basis: str) -> dict[str, dict[str, object]]:
    board = ok(run(capsys, "--db", url, "standings", RACE, *basis, "--format", "json")).json()
    return {row["skater"]: row for row in board["rows"]}


def test_a_finish_and_a_passing_recorded_without_a_source_have_an_unknown_source(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    url = str(db)
    ok(run(capsys, "--db", url, "record", "pass", RACE, "Skater F", "600", "46.00"))
    ok(run(capsys, "--db", url, "record", "finish", RACE, "Skater F", "1:09.50"))
    stored = [json.loads(line)["state"] for line in exported(capsys, url).splitlines()][-2:]
    assert [s["source"] for s in stored] == [None, None]
    assert rows_of(capsys, url)["Skater F"]["source"] is None
    assert rows_of(capsys, url, "--at", "600")["Skater F"]["source"] is None
    # what was recorded with a source keeps it
    assert rows_of(capsys, url)["Skater A"]["source"] == "photo-finish"
    assert rows_of(capsys, url, "--at", "600")["Skater A"]["source"] == "transponder"


def test_a_refused_retransmission_of_a_passing_without_a_source_names_the_source_as_unknown(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    ok(run(capsys, "--db", str(db), "record", "pass", RACE, "Skater F", "600", "46.00"))
    refused(run(capsys, "--db", str(db), "record", "pass", RACE, "Skater F", "600", "46.10"),
            "the passing at 600 m (an unknown source) is already recorded as 46.000")


def sprint(capsys: pytest.CaptureFixture[str], db: Path,
           times: list[tuple[str, str, str]]) -> dict[str, dict[str, object]]:
    """A women's 500 m on the second day; ``times`` (skater, time, source), each in a pair alone."""
    url = str(db)
    key = ok(run(capsys, "--db", url, "record", "race", "rules-cup-2025", "--distance", "500",
                 "--category", "women", "--date", "2025-11-15")).out.strip()
    for pair, (name, time, source) in enumerate(times, start=1):
        ok(run(capsys, "--db", url, "record", "skater", name, "--nation", "NED"))
        ok(run(capsys, "--db", url, "record", "pair", key, str(pair), "--inner", name))
        ok(run(capsys, "--db", url, "record", "start", key, str(pair)))
        ok(run(capsys, "--db", url, "record", "finish", key, name, time, "--source", source))
    board = ok(run(capsys, "--db", url, "standings", key, "--format", "json")).json()
    return {row["skater"]: row for row in board["rows"]}


def test_a_manual_time_shares_the_place_with_an_electronic_time_equal_to_the_hundredth(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    rows = sprint(capsys, db, [("Skater M", "35.12", "manual"),
                               ("Skater P", "35.129", "photo-finish"),
                               ("Skater Q", "35.131", "photo-finish")])
    assert [(n, rows[n]["rank"]) for n in rows] == [("Skater M", 1), ("Skater P", 1),
                                                    ("Skater Q", 3)]
    assert rows["Skater M"]["source"] == "manual" and rows["Skater M"]["time"] == "35.12"
    # the gap to a hand time is known to the hundredth only: no thousandth is invented
    assert [rows[n]["behind"] for n in rows] == [None, None, "+0.010"]


def test_electronic_times_equal_to_the_hundredth_are_still_split_by_thousandths(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    rows = sprint(capsys, db, [("Skater P", "35.129", "photo-finish"),
                               ("Skater Q", "35.121", "photo-finish")])
    assert [(n, rows[n]["rank"]) for n in rows] == [("Skater Q", 1), ("Skater P", 2)]


def test_a_manual_time_with_thousandths_is_refused(
        capsys: pytest.CaptureFixture[str], db: Path) -> None:
    before = digest(db)
    refused(run(capsys, "--db", str(db), "record", "finish", RACE, "Skater F", "1:09.503",
                "--source", "manual"), "more digits than its precision (10 ms)")
    assert digest(db) == before


def test_the_board_shows_a_time_without_a_source_as_of_an_unknown_source(db: Path) -> None:
    app = build_app(str(db))
    try:
        app.record_finish(RACE, "Skater F", 69_500)
        with TestClient(create_app(app), raise_server_exceptions=True) as client:
            page = client.get(f"/races/{RACE}").text
            rows = {row["skater"]: row for row in client.get(f"/api/races/{RACE}").json()["rows"]}
    finally:
        app.close()
    assert rows["Skater F"]["source"] is None and rows["Skater A"]["source"] == "photo-finish"
    cells = [part.split("</td>")[0] for part in page.split('<td class="wide source">')[1:]]
    assert '<span class="unknown">unknown</span>' in cells
    assert "photo-finish" in cells


def test_a_timing_system_s_own_detection_at_the_finish_line_is_still_kept(memory_app: Ledger) -> None:
    """Vantage gives a lap at the line from each source beside the committed finish: those are
    measurements of the line, kept as such (only a passing typed or listed at the line is refused)."""
    import_vantage(memory_app, VANTAGE_LADIES)
    sheet = memory_app.race(f"{EC2020}/women-1000m").sheet
    at_line = [f for f in sheet.facts.values() if f.kind == "passing" and f.metres == 1000]
    assert at_line and all(f.source is not None for f in at_line)
