"""Olympic quota places by the SOQC for Milano Cortina 2026 (decision 0023), through the command.

The World Cups here are TEST FIXTURES, built by hand: "Cup One" and "Cup Two", women's 1500 m,
skaters named by nation (NED A…, USA B…), with a points table of the tests (not the ISU's: it is
not shipped, decision 0022). How many places go by points and by times, and the reserve list's
size, are not in the sources: the tests give them in a rule file of their own (``fixture_rule``)
that takes everything else — the caps per nation, the host — from the shipped rule, so that a
wrong number in the shipped rule (a cap of 4 for 3) fails a test here. (The shipped rule's split,
21 by points and 7 by times in the 1500 m, is a secondary source's: too many for a small fixture.)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from projections.qualification import load_rule
from tests.adapters.test_isu_text import FILES, printed_sections
from tests.cli import Ran, ok, refused, run

SHIPPED = "soqc-milano-cortina-2026-women"
CUP = "world-cup-2025-26"
#: The tests' points table (not the ISU's): 10, 8, 6 … for Division A, 3, 2, 1 for Division B.
TABLE: dict[str, Any] = {
    "series": "world-cup", "season": "2025/26",
    "source": "test fixture (tests/adapters/test_soqc.py), not the ISU's table",
    "places": {"A": {"individual": [10, 8, 6, 5, 4, 3, 2, 1]}, "B": {"individual": [3, 2, 1]}},
}
HEADER = "competition,venue,date,distance,category,label,pair,lane,skater,nation,time,status,cup"

#: Cup One, women's 1500 m: four Dutch skaters ahead of one American, Japanese, Canadian and
#: Italian each.
CUP_ONE = [("A1", "NED", "1:53.00"), ("A2", "NED", "1:53.50"), ("A3", "NED", "1:54.00"),
           ("A4", "NED", "1:54.50"), ("B1", "USA", "1:55.00"), ("C1", "JPN", "1:55.50"),
           ("D1", "CAN", "1:56.00"), ("I1", "ITA", "1:58.00")]


def csv(tmp_path: Path, name: str, competition: str, day: str,
        rows: list[tuple[str, str, str]], label: str = "") -> Path:
    lines = [HEADER]
    for n, (skater, nation, time) in enumerate(rows):
        lines.append(f"{competition},Rink,{day},1500,women,{label},{n // 2 + 1},"
                     f"{'inner' if n % 2 == 0 else 'outer'},Skater {skater},{nation},{time},,{CUP}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def json_file(tmp_path: Path, name: str, data: Any) -> Path:
    """``data`` written as JSON to the file ``name`` in ``tmp_path``."""
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def cup_one_ledger(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """A new ledger (its ``--db``) holding Cup One's 1500 m."""
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(csv(tmp_path, "one.csv", "Cup One", "2025-11-14",
                                                 CUP_ONE))))
    return db


def split_places(event: dict[str, Any], by_points: int, by_times: int, reserve: int) -> None:
    """Give a rule's event the split of its places that the sources do not (from the fixture):
    so many by points, so many by times, a reserve list of ``reserve``."""
    event.update(entry_places={"value": by_points + by_times},
                 by_points={"value": by_points, "from": "test fixture"},
                 by_times={"value": by_times, "from": "test fixture"},
                 reserve_places={"value": reserve, "from": "test fixture"})


def fixture_rule(tmp_path: Path, by_points: int | None, by_times: int = 0, reserve: int = 0,
                 competitions: tuple[str, ...] = ("cup-one-2025", "cup-two-2025")) -> Path:
    """The shipped rule with what the sources do not give filled in for the tests: the split of
    the places, the reserve list's size (left unknown when ``by_points`` is None), the
    competitions of the fixture."""
    rule = load_rule(SHIPPED)
    rule["rule"] = "soqc-test-fixture"
    rule["competitions"] = [{"world_cup": n, "competition": c}
                            for n, c in enumerate(competitions, 1)]
    for event in rule["events"]:
        if event["event"] == "1500" and by_points is None:
            event.update(by_points={"value": None, "from": "unknown: test fixture"},
                         by_times={"value": None, "from": "unknown: test fixture"})
        elif event["event"] == "1500" and by_points is not None:
            split_places(event, by_points, by_times, reserve)
    return json_file(tmp_path, "rule.json", rule)


@pytest.fixture
def table(tmp_path: Path) -> Path:
    return json_file(tmp_path, "table.json", TABLE)


def ask(capsys: pytest.CaptureFixture[str], db: str, rule: Path | str, *more: str) -> dict[str, Any]:
    ran: Ran = ok(run(capsys, "--db", db, "qualification", str(rule), "--distance", "1500",
                      "--format", "json", *more))
    event: dict[str, Any] = ran.json()["events"][0]
    return event


def entry(event: dict[str, Any]) -> list[tuple[str, str | None, str | None, str]]:
    return [(p["by"], p["nation"], p["skater"], p["status"]) for p in event["places"]
            if p["place"] is not None]


def test_the_shipped_rule_holds_the_caps_and_places_of_its_sources_and_names_the_gaps() -> None:
    for category, long_events in (("women", ("3000", "5000")), ("men", ("5000", "10000"))):
        rule = load_rule(f"soqc-milano-cortina-2026-{category}")
        events = {e["event"]: e for e in rule["events"]}
        numbers = {e: (events[e]["entry_places"]["value"], events[e]["cap_per_noc"]["value"],
                       events[e]["by_points"]["value"], events[e]["by_times"]["value"])
                   for e in events}
        # entry places and caps: oasport 2025-11; by points: sportnieuws 2025-11 ("top-21" …);
        # by times: the rest (derived)
        assert numbers == {"500": (28, 3, 21, 7), "1000": (28, 3, 21, 7), "1500": (28, 3, 21, 7),
                           long_events[0]: (20, 3, 15, 5), long_events[1]: (12, 2, 9, 3),
                           "mass-start": (24, 2, 24, 0), "team-pursuit": (8, 1, 6, 2)}
        cited = {s["id"] for s in rule["source"]}
        for e in events.values():
            assert set(e["cap_per_noc"]["from"]) <= cited
            assert set(e["by_points"]["from"]) <= cited and set(e["by_times"]["from"]) <= cited
            assert set(e["host_rule"]["from"]) <= cited
        # the reserve lists' sizes: the team pursuit's 4 (oasport 2025-11-25), no other found
        assert {e: events[e]["reserve_places"]["value"] for e in events} == {
            e: (4 if e == "team-pursuit" else None) for e in events}
        assert {e: events[e]["host_rule"]["value"] for e in events} == {
            e: ("reserve" if e == "team-pursuit" else "always") for e in events}
        assert events["team-pursuit"]["competitor"] == "team"
        assert {s["kind"] for s in rule["source"] if s["found"]} == {"secondary"}
        assert not any(s["found"] for s in rule["source"] if s["kind"] == "primary")
        assert rule["host"]["nation"] == "ITA"
        assert rule["reduction"]["value"]["per_gender"] == 82


def test_without_the_split_the_places_are_unknown_but_the_times_classification_is_given(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = cup_one_ledger(capsys, tmp_path)
    event = ask(capsys, db, fixture_rule(tmp_path, None))
    assert event["places"] == [] and "not in the sources" in event["unknown"]
    assert [t["skater"] for t in event["times"][:2]] == ["Skater A1", "Skater A2"]
    assert "the competition is in no cup" not in (event["points"]["unscored"] or "")
    assert "no points table of world-cup 2025/26" in event["points"]["unscored"]


def test_a_nation_gets_no_more_places_than_its_cap_and_the_next_of_it_is_passed_over(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = cup_one_ledger(capsys, tmp_path)
    event = ask(capsys, db, fixture_rule(tmp_path, 3, 2, 1), "--cup-table", str(table))
    # points: A1 10, A2 8, A3 6 give NED its 3 places (its cap); by times A1-A3 are passed over
    # (placed by points), A4 is passed over (NED at its cap), B1 and C1 take the 2 places
    assert entry(event)[:5] == [
        ("points", "NED", "Skater A1", "provisional"), ("points", "NED", "Skater A2", "provisional"),
        ("points", "NED", "Skater A3", "provisional"), ("times", "USA", "Skater B1", "provisional"),
        ("times", "JPN", "Skater C1", "provisional")]
    out = [p for p in event["places"] if p["status"] == "out"]
    assert [(p["skater"], p["by"]) for p in out] == [("Skater A4", "times")]
    assert "NED holds its cap of 3" in out[0]["reason"]
    assert event["nations"] == {"ITA": 1, "JPN": 1, "NED": 3, "USA": 1}
    # the reserve list comes from the times classification: D1 (CAN)
    assert [(p["by"], p["skater"], p["status"]) for p in event["places"] if p["by"] == "reserve"
            ] == [("reserve", "Skater D1", "dependent")]
    # still to come: Cup Two has no race yet, so nothing is certain
    assert "no race yet of cup-two-2025" in event["remaining"]


def test_the_host_with_no_place_gets_one_and_on_the_reserve_list_it_replaces_the_last_place(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = cup_one_ledger(capsys, tmp_path)
    # reserve of 1: ITA (I1) is not on it; its host place is added, the last place stays
    event = ask(capsys, db, fixture_rule(tmp_path, 3, 2, 1), "--cup-table", str(table))
    host = [p for p in event["places"] if p["by"] == "host"]
    assert [(h["place"], h["nation"], h["status"]) for h in host] == [(6, "ITA", "dependent")]
    assert entry(event)[4] == ("times", "JPN", "Skater C1", "provisional")
    # reserve of 2: D1 (CAN), then I1 (ITA): the host's place takes the last of the entry list
    event = ask(capsys, db, fixture_rule(tmp_path, 3, 2, 2), "--cup-table", str(table))
    last = [p for p in event["places"] if p["place"] == 5]
    assert [(p["by"], p["nation"], p["status"]) for p in last] == [
        ("times", "JPN", "dependent"), ("host", "ITA", "dependent")]
    assert "replaced by the host's place" in last[0]["reason"]
    assert event["nations"] == {"ITA": 1, "NED": 3, "USA": 1}  # JPN's place is the host's now


def test_by_times_a_fast_skater_low_on_points_takes_a_place_and_once_all_is_skated_it_is_certain(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = cup_one_ledger(capsys, tmp_path)
    rule = fixture_rule(tmp_path, 3, 2, 1)
    between = datetime.now(UTC)
    before = ask(capsys, db, rule, "--cup-table", str(table))
    # Cup Two: G1 (GER) skates the fastest time of all in Division B: 3 points only
    ok(run(capsys, "--db", db, "import", str(csv(
        tmp_path, "two.csv", "Cup Two", "2025-11-21",
        [("G1", "GER", "1:52.00"), ("D1", "CAN", "1:56.50")], label="Division B"))))
    event = ask(capsys, db, rule, "--cup-table", str(table))
    assert event["times"][0]["skater"] == "Skater G1" and event["times"][0]["time"] == "1:52.00"
    points = {r["skater"]: r["points"] for r in event["points"]["rows"]}
    assert points["Skater G1"] == 3 and points["Skater D1"] == 2 + 2
    assert entry(event)[:5] == [
        ("points", "NED", "Skater A1", "certain"), ("points", "NED", "Skater A2", "certain"),
        ("points", "NED", "Skater A3", "certain"), ("times", "GER", "Skater G1", "certain"),
        ("times", "USA", "Skater B1", "certain")]
    assert event["remaining"] == "every qualifying race is skated"
    # as of the earlier basis, the answer is the one given then
    then = ask(capsys, db, rule, "--cup-table", str(table), "--known-at", between.isoformat())
    assert then["places"] == before["places"] and then["times"] == before["times"]


def test_equal_points_at_the_cut_are_unresolved_the_tie_break_not_being_held(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: Path) -> None:
    db = cup_one_ledger(capsys, tmp_path)
    # B1 (USA): 4 points, then 2 in Cup Two's Division B: 6, level with A3, the last by points
    ok(run(capsys, "--db", db, "import", str(csv(
        tmp_path, "two.csv", "Cup Two", "2025-11-21",
        [("G1", "GER", "1:52.00"), ("B1", "USA", "1:56.50")], label="Division B"))))
    event = ask(capsys, db, fixture_rule(tmp_path, 3, 2, 1), "--cup-table", str(table))
    third = entry(event)[2]
    assert third == ("points", "NED", "Skater A3", "unresolved")
    assert "equal with Skater B1" in event["places"][2]["reason"]


def test_a_bad_rule_or_distance_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = cup_one_ledger(capsys, tmp_path)
    refused(run(capsys, "--db", db, "qualification", SHIPPED, "--distance", "10000"),
            "has no event '10000'")
    refused(run(capsys, "--db", db, "qualification", SHIPPED, "--distance", "far"), "--distance")
    refused(run(capsys, "--db", db, "qualification", "soqc-milano-cortina-2030-women"),
            "no qualification rule")
    refused(run(capsys, "--db", db, "qualification", "okt-2017-top-2", "--distance", "500"),
            "are for an SOQC rule")
    bad = load_rule(SHIPPED)
    bad["events"][2].update(entry_places={"value": 28}, by_points={"value": 20},
                            by_times={"value": 7})
    path = json_file(tmp_path, "bad.json", bad)
    refused(run(capsys, "--db", db, "qualification", str(path)), "are not the 28 entry places")


# -- the real list ------------------------------------------------------------------------------
WORLD_CUP_2 = next(p for p in FILES if p.name == "2-world-cup-20252026.txt")


def printed_best_times(category: str, metres: int) -> dict[str, str]:
    """Each skater's best printed time over the list's races of the distance (both divisions,
    both 500 m), read from the text independently of the importer."""
    _, sections = printed_sections(WORLD_CUP_2)
    best: dict[str, str] = {}

    def key(t: str) -> tuple[int, float]:
        minutes, _, seconds = t.rpartition(":")
        return (int(minutes or 0), float(seconds))

    for section in sections:
        if not section.individual or section.category != category or section.distance_m != metres:
            continue
        for row in section.rows:
            if row.status == "OK" and row.time and (row.name not in best
                                                     or key(row.time) < key(best[row.name])):
                best[row.name] = row.time
    return best


@pytest.mark.parametrize(("category", "metres"), [("women", 500), ("men", 1500)])
def test_the_times_classification_of_the_real_list_is_each_skaters_best_printed_time(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, category: str, metres: int) -> None:
    db = str(tmp_path / "l.db")
    ok(run(capsys, "--db", db, "import", str(WORLD_CUP_2)))
    got = ok(run(capsys, "--db", db, "qualification", f"soqc-milano-cortina-2026-{category}",
                 "--distance", str(metres), "--format", "json")).json()
    event = got["events"][0]
    expected = printed_best_times(category, metres)
    assert len(expected) > 40  # both divisions (and for the 500 m both races) count
    assert {t["skater"]: t["time"] for t in event["times"]} == expected
    ranks = [t["time_ms"] for t in event["times"]]
    assert ranks == sorted(ranks)
    assert event["places"] == [] and "unknown" in got["slots"][0]["status"]
