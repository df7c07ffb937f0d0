"""The seed report's questions, asked through the command on the OKT 2017 demo day."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.bootstrap import build_app
from scripts.demo import okt2017
from tests.cli import Ran, run

WOMEN = "okt-2017/women-1000m"
MEN = "okt-2017/men-5000m"


@pytest.fixture
def okt(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    db = str(tmp_path / "okt.db")
    assert run(capsys, "--db", db, "demo").code == 0
    return db


def ask(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Ran:
    done = run(capsys, "--db", db, *args)
    assert done.code == 0, done
    return done


def test_what_if_places_leerdams_earlier_time_third(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    answer = ask(capsys, okt, "what-if", WOMEN, "1.16,05", "--skater", "Jutta Leerdam",
                 "--format", "json").json()
    assert answer["rank"] == 3
    assert answer["behind"] == ["Jorien ter Mors", "Marrit Leenstra"]
    assert answer["ahead_of"][0] == "Ireen Wüst"


def test_history_gives_results_and_personal_bests(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    found = ask(capsys, okt, "history", "Jutta Leerdam", "--format", "json").json()
    assert found["skater"] == "Jutta Leerdam"
    assert [(r["race"], r["rank"], r["time"]) for r in found["results"]] == [
        (WOMEN, 9, "1:17.08"), ("okt-2017/women-500m", 7, "38.70")]
    # the demo holds no baseline (Leerdam skated 1:16.05 ten days earlier): no PB or SB is claimed
    assert found["personal_bests"] == {} and found["season_bests"] == {}
    assert found["ledger_bests"] == {"500": "38.70", "1000": "1:17.08"}
    assert all(r["marks"] == [] for r in found["results"])


def test_the_regional_report_tells_the_seed_article(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    towns = ["'s-Gravenzande", "Wassenaar", "Ter Aar", "Zoetermeer", "Hoogmade", "Boskoop",
             "Lekkerkerk"]
    args = [arg for town in towns for arg in ("--hometown", town)]
    args += ["--date", "2017-12-26"]  # the founding report is about day 1
    lines = ask(capsys, okt, "report", *args, "--format", "json").json()["skaters"]
    got = {line["skater"]: (line["rank"], line["time"], line["status"]) for line in lines}
    assert got == {
        "Jutta Leerdam": (9, "1:17.08", "OK"), "Roxanne van Hemert": (11, "1:17.29", "OK"),
        "Manouk van Tol": (14, "1:18.47", "OK"), "Leeyen Harteveld": (17, "1:18.83", "OK"),
        "Tessa Boogaard": (18, "1:19.65", "OK"), "Erik Jan Kooiman": (13, "6:27.57", "OK"),
        "Jos de Vos": (None, None, "DNF")}
    de_vos = next(line for line in lines if line["skater"] == "Jos de Vos")
    assert "fell after 2.5 laps" in de_vos["reason"]
    rules = ["--rule", "knsb-olympic-2018-women", "--rule", "knsb-olympic-2018-men"]
    judged = ask(capsys, okt, "report", *args, *rules, "--format", "json").json()
    assert judged["qualified"] == []  # "no skater from the region qualified" (nor later)
    assert {line["qualification"] for line in judged["skaters"]} == {"out"}
    told = ask(capsys, okt, "report", *args, *rules).out
    assert "Qualified: none of them" in told


def test_the_qualification_table_has_a_category_column_where_both_categories_appear(
        capsys: pytest.CaptureFixture[str], okt: str) -> None:
    both = ask(capsys, okt, "qualification", "okt-2017-top-2").out
    assert "Category" in both and "women" in both and " men " in both
    assert "Category" not in ask(capsys, okt, "qualification", "knsb-olympic-2018-women").out


def test_qualification_after_day_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "day1.db")
    with build_app(db) as app:
        okt2017.load(app, through=okt2017.DAY)
    outcome = ask(capsys, db, "qualification", "knsb-olympic-2018-women", "--format", "json").json()
    assert outcome["rule"] == "knsb-olympic-2018-women"
    assert set(outcome["basis"]) == {"position", "known_at", "at_m", "after_pair"}
    by_slot = {s["slot"]: (s["skater"], s["status"]) for s in outcome["slots"]}
    assert by_slot[4] == ("Jorien ter Mors", "certain")
    assert by_slot[12] == ("Ireen Wüst", "dependent")
    assert outcome["selected"] == ["Jorien ter Mors", "Marrit Leenstra"]


def test_audit_shows_a_correction_with_the_places_it_moved(
        capsys: pytest.CaptureFixture[str], okt: str) -> None:
    ask(capsys, okt, "record", "correct", WOMEN, "Ireen Wüst", "--time", "1:16.02",
        "--reason", "timing fault found", "--by", "Referee R")
    entries = ask(capsys, okt, "audit", WOMEN, "--format", "json").json()["entries"]
    assert [(e["act"], e["skater"], e["author"]) for e in entries] == [
        ("TimeCorrected", "Ireen Wüst", "Referee R")]
    assert entries[0]["changes"] == ["Ireen Wüst 3rd → 2nd", "Marrit Leenstra 2nd → 3rd"]
    assert "1:16.02" in ask(capsys, okt, "audit", WOMEN).out.replace("16.020", "16.02")


def test_classification_sums_truncated_points(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    rows = ask(capsys, okt, "classification", WOMEN, "--format", "json").json()["rows"]
    assert rows[0] == {"rank": 1, "skater": "Jorien ter Mors", "points": "37.690", "distances": 1}


def test_replay_shows_the_board_after_each_pair(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    every_event = ask(capsys, okt, "replay", MEN, "--step", "event").out
    assert every_event.count("Men's 5000 m") == 32  # every fact of the race, one board each
    by_pair = ask(capsys, okt, "replay", MEN).out
    # 7 finishes + 6 places from the list + 1 DNF, less Kramer's (pair 8 ends with Kooiman) and
    # Bergsma's (pair 9 never ends: Marcel Bosker's result is not known)
    assert by_pair.count("Men's 5000 m") == 12
    assert by_pair.index("Bob de Vries") < by_pair.index("Jos de Vos")


def test_questions_about_unknown_things_are_refused(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    for args, says in ((["history", "Nobody"], "not registered"),
                       (["what-if", "nowhere/men-500m", "38.00"], "not in the ledger"),
                       (["qualification", "no-rule"], "no qualification rule"),
                       (["report"], "choose skaters"),
                       (["replay", "nowhere"], "not in the ledger")):
        refused = run(capsys, "--db", okt, *args)
        assert refused.code == 2, (args, refused)
        assert says in refused.err


def test_without_a_record_table_the_demo_holds_no_record(
        capsys: pytest.CaptureFixture[str], okt: str) -> None:
    """The first times at Thialf in the ledger are not track records: no table, no record."""
    assert ask(capsys, okt, "records", "--format", "json").json()["records"] == []


def test_the_questions_work_on_the_imported_real_lists(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The published ISU lists of ../shared/data/isu-lists (see tests/test_isu_text.py for their
    attribution): Femke Kok's 1000 m of World Cup 2 2025/26, 1:12.36, placed back into its race."""
    db = str(tmp_path / "isu.db")
    lists = sorted((Path(__file__).resolve().parents[2].parent / "shared/data/isu-lists").glob("*.txt"))
    assert run(capsys, "--db", db, "import", *map(str, lists)).code == 0
    races = ask(capsys, db, "races", "--format", "json").json()
    key = next(r["key"] for r in races if r["competition"].startswith("2. World Cup")
               and r["distance_m"] == 1000 and r["category"] == "women" and not r["label"])
    kok = ask(capsys, db, "history", "Femke Kok", "--format", "json").json()
    thousand = [r for r in kok["results"] if r["distance_m"] == 1000 and r["status"] == "OK"]
    assert kok["ledger_bests"]["1000"] == min((r["time"] for r in thousand), key=len_then_text)
    assert kok["personal_bests"] == {}  # the lists print PBs, they give no baseline
    placed = ask(capsys, db, "what-if", key, "1:12.36", "--skater", "Femke Kok", "--format", "json")
    assert placed.json()["rank"] == 1
    assert ask(capsys, db, "records", "--format", "json").json()["records"] == []  # no table
    audit = ask(capsys, db, "audit", "--format", "json").json()["entries"]
    # the 11 DQ rows of the lists' individual races, 3 of their mass starts, and their 7 DNF, DNS
    # and WDR rows, and the 8 DQ teams and 2 DNF teams of the team races (one fact a team, not a
    # member); a list holds no corrections
    assert len([e for e in audit if e["act"] == "Disqualified"]) == 11 + 3 + 8
    assert len(audit) == 21 + 10
    assert {e["act"] for e in audit} <= {"Disqualified", "DidNotFinish", "DidNotStart", "Withdrawn"}


def len_then_text(time: str) -> tuple[int, str]:
    return (len(time), time)
