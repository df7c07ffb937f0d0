"""Quartet starts (issue 15, item 3; docs/decisions/0021-teams.md): up to four skaters in one
start, two per lane (Division B since 2023/24). The draw records the lane of each; shared ice
changes nothing in the ranking; five in a start, or three in a lane, are refused with one line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.bootstrap import build_app
from tests.cli import Ran, digest, ok, refused, run

HEADER = "competition,venue,date,distance,category,label,pair,lane,skater,nation,time,status"
DIVISION_B = "Test Cup,Test Rink,2025-01-05,1000,men,Division B"
TIMES = {"Skater A": "1:08.100", "Skater B": "1:07.900", "Skater C": "1:08.100",
         "Skater D": "1:09.000", "Skater E": "1:08.500", "Skater F": "1:09.100",
         "Skater G": "1:09.200"}
KEY = "test-cup-2025/men-1000m-b"


def csv_file(tmp_path: Path, *draw: tuple[int, str, str], name: str = "results.csv") -> Path:
    """One Division B 1000 m: (pair, lane, skater) a row, each with the skater's time of TIMES."""
    lines = [HEADER, *(f"{DIVISION_B},{pair},{lane},{skater},NED,{TIMES[skater]},"
                       for pair, lane, skater in draw)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


QUARTET = ((1, "inner", "Skater A"), (1, "inner", "Skater B"), (1, "outer", "Skater C"),
           (1, "outer", "Skater D"), (2, "inner", "Skater E"))


def standings(capsys: pytest.CaptureFixture[str], db: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = run(capsys, "--db", db, "standings", KEY,
                                        "--format", "json").json()["rows"]
    return rows


def test_a_csv_pair_of_four_two_per_lane_imports_with_the_lane_of_each(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "q.db")
    ok(run(capsys, "--db", db, "import", str(csv_file(tmp_path, *QUARTET))))
    drawn = {r["skater"]: (r["pair"], r["lane"]) for r in standings(capsys, db)}
    assert drawn == {"Skater A": (1, "inner"), "Skater B": (1, "inner"),
                     "Skater C": (1, "outer"), "Skater D": (1, "outer"), "Skater E": (2, "inner")}


def test_shared_ice_changes_nothing_in_the_ranking(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The same times skated as a quartet and as three ordinary pairs give the same ranks,
    times and gaps (A and C share 2nd at 1:08.100 and the next place, 4th, is E's)."""
    quartet, pairs = str(tmp_path / "q.db"), str(tmp_path / "p.db")
    ok(run(capsys, "--db", quartet, "import", str(csv_file(tmp_path, *QUARTET))))
    ok(run(capsys, "--db", pairs, "import", str(csv_file(
        tmp_path, (1, "inner", "Skater A"), (1, "outer", "Skater B"), (2, "inner", "Skater C"),
        (2, "outer", "Skater D"), (3, "inner", "Skater E"), name="pairs.csv"))))

    def ranked(db: str) -> list[tuple[object, ...]]:
        return [(r["rank"], r["skater"], r["time_ms"], r["behind"]) for r in standings(capsys, db)]

    assert sorted(ranked(quartet)) == sorted(ranked(pairs))
    assert [r[0] for r in ranked(quartet)] == [1, 2, 2, 4, 5]


@pytest.mark.parametrize(("draw", "line", "says"), [
    ((*QUARTET[:4], (1, "outer", "Skater E")), 6,
     "pair 1 has 5 skaters; a start holds at most four, two per lane"),
    ((*QUARTET[:3], (1, "inner", "Skater D")), 5,
     "pair 1 has three skaters in the inner lane; a lane holds at most 2"),
], ids=["five in a pair", "three in a lane"])
def test_five_in_a_start_or_three_in_a_lane_are_refused_in_one_line_and_nothing_is_appended(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, draw: tuple[tuple[int, str, str], ...],
        line: int, says: str) -> None:
    db = tmp_path / "q.db"
    ok(run(capsys, "--db", str(db), "import", str(csv_file(tmp_path, (3, "inner", "Skater E"),
                                                           name="first.csv"))))
    before = digest(db)
    path = csv_file(tmp_path, *draw)
    refused(run(capsys, "--db", str(db), "import", str(path)), says, f"{path}:{line}:")
    assert digest(db) == before


def test_a_quartet_without_lanes_fills_inner_outer_inner_outer_with_the_lanes_unknown(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "q.db")
    ok(run(capsys, "--db", db, "import", str(csv_file(
        tmp_path, *((pair, "", skater) for pair, _, skater in QUARTET[:4])))))
    assert {(r["pair"], r["lane"]) for r in standings(capsys, db)} == {(1, None)}


LIVE = "live-cup-2025/men-1000m-b"


@pytest.fixture
def live(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    db = str(tmp_path / "live.db")
    ok(run(capsys, "--db", db, "record", "competition", "Live Cup", "--date", "2025-01-05"))
    ok(run(capsys, "--db", db, "record", "race", "live-cup-2025", "--distance", "1000",
           "--category", "men", "--date", "2025-01-05", "--label", "Division B"))
    for name in ("Skater A", "Skater B", "Skater C", "Skater D", "Skater E"):
        ok(run(capsys, "--db", db, "record", "skater", name))
    return db


def test_record_pair_draws_a_quartet_when_a_lane_is_given_twice_and_the_referee_waits_for_all_four(
        capsys: pytest.CaptureFixture[str], live: str) -> None:
    ok(run(capsys, "--db", live, "record", "pair", LIVE, "1", "--inner", "Skater A", "--inner",
           "Skater B", "--outer", "Skater C", "--outer", "Skater D"))
    ok(run(capsys, "--db", live, "record", "start", LIVE, "1"))
    for skater in ("Skater A", "Skater B", "Skater C"):
        ok(run(capsys, "--db", live, "record", "finish", LIVE, skater, TIMES[skater]))
    # pair 1 is not skated while Skater D, the second of the outer lane, has no result
    refused(run(capsys, "--db", live, "record", "official", LIVE, "--by", "Referee R"), "pair 1")
    ok(run(capsys, "--db", live, "record", "finish", LIVE, "Skater D", TIMES["Skater D"]))
    ok(run(capsys, "--db", live, "record", "official", LIVE, "--by", "Referee R"))
    rows = run(capsys, "--db", live, "standings", LIVE, "--format", "json").json()["rows"]
    assert [(r["rank"], r["skater"], r["lane"]) for r in rows] == [
        (1, "Skater B", "inner"), (2, "Skater A", "inner"), (2, "Skater C", "outer"),
        (4, "Skater D", "outer")]


@pytest.mark.parametrize(("lanes", "says"), [
    (("--inner", "Skater A", "--inner", "Skater B", "--inner", "Skater C"),
     "pair 1 has 3 skaters in the inner lane; a lane holds at most 2"),
    (("--inner", "Skater A", "--inner", "Skater A", "--outer", "Skater C"),
     "pair 1 names the same skater twice"),
], ids=["three in a lane", "one skater twice"])
def test_record_pair_refuses_a_quartet_that_is_not_one_in_one_line(
        capsys: pytest.CaptureFixture[str], live: str, lanes: tuple[str, ...], says: str) -> None:
    refused(run(capsys, "--db", live, "record", "pair", LIVE, "1", *lanes), says)
    refused(run(capsys, "--db", live, "record", "start", LIVE, "1"), "pair 1 has not been drawn")


# -- correcting a quartet's draw (docs/decisions/0025-world-cup-day-gaps.md) ----------------------
def redraw(capsys: pytest.CaptureFixture[str], db: str, *lanes: str,
           reason: str = "lanes swapped on the draw") -> Ran:
    return run(capsys, "--db", db, "record", "redraw", LIVE, "1", *lanes, "--reason", reason,
               "--by", "Referee R")


def lanes(db: str) -> dict[str, tuple[int | None, str | None]]:
    """Every entered skater's pair and lane as the race sheet holds them (no one has skated)."""
    app = build_app(db, read_only=True)
    try:
        sheet = app.race(LIVE).sheet
        return {app.repository.get(s).name: (e.pair, e.lane) for s, e in sheet.entries.items()}
    finally:
        app.close()


@pytest.fixture
def quartet(capsys: pytest.CaptureFixture[str], live: str) -> str:
    """Pair 1 drawn as A, B inner and C, D outer."""
    ok(run(capsys, "--db", live, "record", "pair", LIVE, "1", "--inner", "Skater A", "--inner",
           "Skater B", "--outer", "Skater C", "--outer", "Skater D"))
    return live


def test_a_quartets_draw_is_corrected_with_two_skaters_a_lane(
        capsys: pytest.CaptureFixture[str], quartet: str) -> None:
    ok(redraw(capsys, quartet, "--inner", "Skater A", "--inner", "Skater C", "--outer",
              "Skater B", "--outer", "Skater D"))
    assert lanes(quartet) == {"Skater A": (1, "inner"), "Skater C": (1, "inner"),
                                      "Skater B": (1, "outer"), "Skater D": (1, "outer")}


def test_a_withdrawn_skaters_place_in_a_quartet_is_given_to_another_who_is_entered(
        capsys: pytest.CaptureFixture[str], quartet: str) -> None:
    """Skater D withdraws; Skater E (entered, drawn nowhere) skates D's place in the outer lane."""
    ok(run(capsys, "--db", quartet, "record", "enter", LIVE, "Skater E"))
    ok(run(capsys, "--db", quartet, "record", "wdr", LIVE, "Skater D"))
    ok(redraw(capsys, quartet, "--inner", "Skater A", "--inner", "Skater B", "--outer",
              "Skater C", "--outer", "Skater E", reason="E skates D's lane"))
    drawn = lanes(quartet)
    assert drawn["Skater E"] == (1, "outer")
    assert drawn["Skater D"] == (None, None)  # D stays WDR, drawn in no pair
    audit = run(capsys, "--db", quartet, "audit", LIVE, "--format", "json").json()["entries"]
    [entry] = [e for e in audit if e["act"] == "QuartetDrawCorrected"]
    assert (entry["before"], entry["after"], entry["reason"], entry["author"]) == (
        "pair 1: inner Skater A, Skater B; outer Skater C, Skater D",
        "pair 1: inner Skater A, Skater B; outer Skater C, Skater E", "E skates D's lane",
        "Referee R")


def test_the_same_quartet_correction_again_appends_nothing(
        capsys: pytest.CaptureFixture[str], quartet: str) -> None:
    swapped = ("--inner", "Skater C", "--inner", "Skater D", "--outer", "Skater A", "--outer",
               "Skater B")
    ok(redraw(capsys, quartet, *swapped))
    before = digest(Path(quartet))
    ok(redraw(capsys, quartet, *swapped))
    assert digest(Path(quartet)) == before
    ok(redraw(capsys, quartet, "--inner", "Skater A", "--inner", "Skater B", "--outer",
              "Skater C", "--outer", "Skater D", reason="back as drawn"))
    assert digest(Path(quartet)) != before


def test_a_quartet_correction_to_the_draw_as_it_stands_is_refused(
        capsys: pytest.CaptureFixture[str], quartet: str) -> None:
    refused(redraw(capsys, quartet, "--inner", "Skater A", "--inner", "Skater B", "--outer",
                   "Skater C", "--outer", "Skater D"), "is drawn so already")


@pytest.mark.parametrize(("lanes_given", "says"), [
    (("--inner", "Skater A", "--inner", "Skater B", "--inner", "Skater C", "--outer", "Skater D"),
     "pair 1 has 3 skaters in the inner lane; a lane holds at most 2"),
    (("--inner", "Skater A", "--inner", "Skater B", "--outer", "Skater A", "--outer", "Skater D"),
     "pair 1 names the same skater twice"),
    (("--inner", "Skater A", "--inner", "Skater B", "--outer", "Skater C", "--outer", "Skater X"),
     "Skater X"),
], ids=["three in a lane", "one skater twice", "a skater not entered"])
def test_a_quartet_correction_that_is_no_draw_is_refused_in_one_line_and_appends_nothing(
        capsys: pytest.CaptureFixture[str], quartet: str, lanes_given: tuple[str, ...],
        says: str) -> None:
    before = digest(Path(quartet))
    refused(redraw(capsys, quartet, *lanes_given), says)
    assert digest(Path(quartet)) == before


def test_a_skater_who_raced_in_the_quartet_is_not_drawn_out_of_it_but_lanes_may_be_swapped(
        capsys: pytest.CaptureFixture[str], quartet: str) -> None:
    ok(run(capsys, "--db", quartet, "record", "enter", LIVE, "Skater E"))
    ok(run(capsys, "--db", quartet, "record", "start", LIVE, "1"))
    for skater in ("Skater A", "Skater B", "Skater C", "Skater D"):
        ok(run(capsys, "--db", quartet, "record", "finish", LIVE, skater, TIMES[skater]))
    refused(redraw(capsys, quartet, "--inner", "Skater A", "--inner", "Skater B", "--outer",
                   "Skater C", "--outer", "Skater E"), "cannot be drawn out of it")
    ok(redraw(capsys, quartet, "--inner", "Skater C", "--inner", "Skater D", "--outer",
              "Skater A", "--outer", "Skater B"))
    rows = run(capsys, "--db", quartet, "standings", LIVE, "--format", "json").json()["rows"]
    assert sorted((r["rank"], r["skater"], r["lane"]) for r in rows) == [
        (1, "Skater B", "outer"), (2, "Skater A", "outer"), (2, "Skater C", "inner"),
        (4, "Skater D", "inner")]


def test_a_pair_is_corrected_into_a_quartet_when_a_lane_is_given_twice(
        capsys: pytest.CaptureFixture[str], live: str) -> None:
    ok(run(capsys, "--db", live, "record", "pair", LIVE, "1", "--inner", "Skater A", "--outer",
           "Skater C"))
    ok(run(capsys, "--db", live, "record", "enter", LIVE, "Skater B"))
    ok(redraw(capsys, live, "--inner", "Skater A", "--inner", "Skater B", "--outer", "Skater C",
              reason="Division B starts quartets"))
    assert lanes(live) == {"Skater A": (1, "inner"), "Skater B": (1, "inner"),
                                   "Skater C": (1, "outer")}


def test_a_quartet_counts_as_one_pair_when_the_board_after_the_last_pair_takes_the_unpaired(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Seven starters: a quartet (pair 1), a pair (2) and Skater E, pair not given. The race has
    three pairs, not four: after pair 3 Skater E has raced; after pair 2 not yet."""
    db = str(tmp_path / "q.db")
    path = csv_file(tmp_path, *QUARTET[:4], (2, "inner", "Skater F"), (2, "outer", "Skater G"))
    with path.open("a", encoding="utf-8") as more:
        more.write(f"{DIVISION_B},,,Skater E,NED,{TIMES['Skater E']},\n")
    ok(run(capsys, "--db", db, "import", str(path)))

    def after(pair: int) -> list[object]:
        board = run(capsys, "--db", db, "standings", KEY, "--after-pair", str(pair),
                    "--format", "json").json()
        return [r["skater"] for r in board["rows"]]

    assert "Skater E" not in after(2)
    assert after(3) == ["Skater B", "Skater A", "Skater C", "Skater E", "Skater D", "Skater F",
                        "Skater G"]


def test_a_quartets_corrected_draw_is_stored_on_either_store_and_survives_an_export(
        capsys: pytest.CaptureFixture[str], command_db: str, tmp_path: Path) -> None:
    db = command_db
    ok(run(capsys, "--db", db, "record", "competition", "Live Cup", "--date", "2025-01-05"))
    ok(run(capsys, "--db", db, "record", "race", "live-cup-2025", "--distance", "1000",
           "--category", "men", "--date", "2025-01-05", "--label", "Division B"))
    for name in ("Skater A", "Skater B", "Skater C", "Skater D"):
        ok(run(capsys, "--db", db, "record", "skater", name))
    ok(run(capsys, "--db", db, "record", "pair", LIVE, "1", "--inner", "Skater A", "--inner",
           "Skater B", "--outer", "Skater C", "--outer", "Skater D"))
    ok(redraw(capsys, db, "--inner", "Skater D", "--inner", "Skater B", "--outer", "Skater C",
              "--outer", "Skater A"))
    exported = tmp_path / "day.jsonl"
    ok(run(capsys, "--db", db, "export", "--output", str(exported)))
    again = str(tmp_path / "again.db")
    ok(run(capsys, "--db", again, "import", str(exported)))
    for where in (db, again):
        ok(run(capsys, "--db", where, "record", "start", LIVE, "1"))
        for skater in ("Skater A", "Skater B", "Skater C", "Skater D"):
            ok(run(capsys, "--db", where, "record", "finish", LIVE, skater, TIMES[skater]))
    assert (sorted((r["skater"], r["lane"]) for r in standings_of(capsys, db))
            == sorted((r["skater"], r["lane"]) for r in standings_of(capsys, again))
            == [("Skater A", "outer"), ("Skater B", "inner"), ("Skater C", "outer"),
                ("Skater D", "inner")])


def standings_of(capsys: pytest.CaptureFixture[str], db: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = run(capsys, "--db", db, "standings", LIVE,
                                         "--format", "json").json()["rows"]
    return found
