"""Nothing false goes in (issue 11, items 4 and 6): the draw can be corrected, and names are
people's names (docs/decisions/0016-draw-corrections-and-names.md).

A mis-drawn pair is fixed by a referee's draw correction that names the draw it supersedes, with a
reason and an author; a re-skate takes the lane the referee gives, or none; a withdrawn skater's
lane can be given to another (World Cup 2 Calgary 2025/26, 1500 m Division B: Vosté skated Howe's
lane). Names are normalised (NFC, single spaces); invisible, direction-changing and control
characters are refused, and so is a new skater whose name differs from a registered one only by
case, accents or invisible characters, unless ``--new`` tells them apart.

Every refusal through the command is checked the way design/interfaces.md promises: exit 2, one
line on stderr, and the ledger unchanged (its export the same, and ``verify`` still passes), on
SQLite and PostgreSQL (``db``). Rules that need no store run on the in-process store.

Data: ISU World Cup 2 2025/26, Calgary (Olympic Oval), from ../shared/data/isu-lists (copied from
the public repository wvanderharst/matrixschaatsen, raw_data/, commit 3cea303); the Vantage stream
of the European Single Distances Championships 2020, Thialf, from ../shared/data/vantage (public
repository emando/vantage-events, folder examples/, commit 1eea67c).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import InvalidInputError, RefusedFactError
from ledger.domain.values import normal_name, skater_id
from ledger.formats.isu_text import read_isu_text
from projections.audit import audit
from tests.cli import Ran, ok, refused, run
from tests.helpers import board, race_day, row_of

SHARED = Path(__file__).resolve().parents[2].parent / "shared/data"
CALGARY = SHARED / "isu-lists/2-world-cup-20252026.txt"
VANTAGE = SHARED / "vantage/ec2020-ladies-1000m-pair4.jsonl"
COMP = "world-cup-2-calgary-2025"
KEY = f"{COMP}/men-1500m-b"
VOSTE, HOWE, DOMBEK = "Mathias Vosté", "Connor Howe", "Hendrik Dombek"


# -- the command on SQLite and PostgreSQL ------------------------------------------------------
@pytest.fixture
def db(command_db: str) -> str:
    """An empty ledger for the command: a SQLite file, or a PostgreSQL schema (conftest)."""
    return command_db


def cli(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Ran:
    return run(capsys, "--db", db, *args)


@contextmanager
def unchanged(capsys: pytest.CaptureFixture[str], db: str) -> Iterator[None]:
    """The commands inside change nothing: the export is the same and the ledger verifies."""
    before = ok(cli(capsys, db, "export")).out
    yield
    assert ok(cli(capsys, db, "export")).out == before
    ok(cli(capsys, db, "verify"))


def calgary(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """The 1500 m Division B with pair 3 drawn as Howe (inner) and Dombek (outer), Vosté entered
    but not drawn (the published list holds no pairs: these lanes are the test's). Set up in
    process, in one go: the commands under test run through the command."""
    app = build_app(db)
    try:
        comp = app.schedule_competition("World Cup 2 Calgary", "Olympic Oval", date(2025, 11, 21),
                                         date(2025, 11, 23))
        app.schedule_race(comp, 1500, "men", date(2025, 11, 22), "Division B")
        for name, nation in ((VOSTE, "BEL"), (HOWE, "CAN"), (DOMBEK, "GER")):
            app.register_skater(name, nation)
            app.enter_starter(KEY, name)
        app.draw_pair(KEY, 3, HOWE, DOMBEK)
    finally:
        app.close()


def redraw(capsys: pytest.CaptureFixture[str], db: str, pair: str, *lanes: str,
           reason: str = "Vosté skates Howe's lane", by: str = "Referee") -> Ran:
    return cli(capsys, db, "record", "redraw", KEY, pair, *lanes, "--reason", reason, "--by", by)


def rows(capsys: pytest.CaptureFixture[str], db: str) -> dict[str, dict[str, object]]:
    board_json = ok(cli(capsys, db, "standings", KEY, "--format", "json")).json()
    return {row["skater"]: row for row in board_json["rows"]}


# -- item 4: the draw can be corrected -------------------------------------------------------
def test_a_withdrawn_skaters_lane_is_given_to_another_and_the_withdrawal_stays(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    calgary(capsys, db)
    ok(cli(capsys, db, "record", "wdr", KEY, HOWE))
    assert "recorded at position" in ok(redraw(capsys, db, "3", "--inner", VOSTE, "--outer", DOMBEK)).out
    ok(cli(capsys, db, "record", "start", KEY, "3"))
    ok(cli(capsys, db, "record", "finish", KEY, VOSTE, "1:45.23"))  # his published time
    shown = rows(capsys, db)
    assert (shown[VOSTE]["pair"], shown[VOSTE]["lane"], shown[VOSTE]["time"]) == (3, "inner", "1:45.23")
    assert (shown[HOWE]["status"], shown[HOWE]["pair"], shown[HOWE]["rank"]) == ("WDR", None, None)
    trail = ok(cli(capsys, db, "audit", KEY, "--format", "json")).json()["entries"]
    assert [(e["act"], e["reason"], e["author"], e["before"], e["after"]) for e in trail] == [
        ("Withdrawn", None, None, None, "WDR"),
        ("DrawCorrected", "Vosté skates Howe's lane", "Referee",
         f"pair 3: inner {HOWE}, outer {DOMBEK}", f"pair 3: inner {VOSTE}, outer {DOMBEK}")]
    ok(cli(capsys, db, "verify"))


def test_a_retransmitted_draw_correction_appends_nothing(capsys: pytest.CaptureFixture[str], db: str) -> None:
    calgary(capsys, db)
    ok(redraw(capsys, db, "3", "--inner", DOMBEK, "--outer", HOWE, reason="lanes swapped"))
    with unchanged(capsys, db):
        again = ok(redraw(capsys, db, "3", "--inner", DOMBEK, "--outer", HOWE, reason="lanes swapped"))
    assert "already recorded; nothing appended" in again.out


@pytest.mark.parametrize(("lanes", "options", "words"), [
    pytest.param(("--inner", VOSTE, "--outer", DOMBEK), ("--reason", "x"),
                 ("record redraw: name the referee with --by NAME",), id="no author"),
    pytest.param(("--inner", VOSTE, "--outer", DOMBEK), ("--reason", " ", "--by", "Referee"),
                 ("a draw correction needs a reason",), id="blank reason"),
    pytest.param(("--inner", VOSTE, "--outer", DOMBEK), ("--by", "Referee"),
                 ("--reason",), id="no reason"),
])
def test_a_draw_correction_needs_a_reason_and_an_author(
        capsys: pytest.CaptureFixture[str], db: str, lanes: tuple[str, ...], options: tuple[str, ...],
        words: tuple[str, ...]) -> None:
    calgary(capsys, db)
    with unchanged(capsys, db):
        refused(cli(capsys, db, "record", "redraw", KEY, "3", *lanes, *options), *words)


def test_a_withdrawn_skater_is_not_drawn_into_a_lane(capsys: pytest.CaptureFixture[str], db: str) -> None:
    calgary(capsys, db)
    ok(cli(capsys, db, "record", "wdr", KEY, HOWE))
    ok(redraw(capsys, db, "3", "--inner", VOSTE, "--outer", DOMBEK))
    with unchanged(capsys, db):
        refused(redraw(capsys, db, "3", "--inner", HOWE, "--outer", DOMBEK, reason="back"),
                f"the skater is withdrawn in {KEY} and takes no lane")


def test_a_skater_who_raced_in_the_pair_is_not_drawn_out_of_it(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    calgary(capsys, db)
    ok(cli(capsys, db, "record", "start", KEY, "3"))
    ok(cli(capsys, db, "record", "finish", KEY, HOWE, "1:46.00"))
    with unchanged(capsys, db):
        refused(redraw(capsys, db, "3", "--inner", VOSTE, "--outer", DOMBEK),
                "a skater who raced in pair 3 (finish recorded) cannot be drawn out of it")


def test_an_undrawn_pair_has_no_draw_to_correct(capsys: pytest.CaptureFixture[str], db: str) -> None:
    calgary(capsys, db)
    with unchanged(capsys, db):
        refused(redraw(capsys, db, "7", "--inner", VOSTE), f"pair 7 has not been drawn in {KEY}")


def test_a_draw_correction_names_only_skaters_entered_in_the_race(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    calgary(capsys, db)
    ok(cli(capsys, db, "record", "skater", "Wenhao Li", "--nation", "CHN"))
    with unchanged(capsys, db):
        refused(redraw(capsys, db, "3", "--inner", "Wenhao Li", "--outer", DOMBEK),
                f"skater 'Wenhao Li' is not entered in {KEY}")


# The rules of a draw correction, on the in-process store.
def drawn(app: Ledger) -> str:
    """Pairs 1 (A, B) and 2 (C, D) drawn; Skater E entered, not drawn."""
    key = race_day(app, 1000, ["Skater A", "Skater B", "Skater C", "Skater D", "Skater E"])
    app.draw_pair(key, 1, "Skater A", "Skater B")
    app.draw_pair(key, 2, "Skater C", "Skater D")
    return key


def test_the_draw_correction_names_the_draw_it_supersedes(memory_app: Ledger) -> None:
    key = drawn(memory_app)
    sheet = memory_app.race(key).sheet
    first = next(f for f in sheet.facts.values() if f.kind == "pair" and f.pair == 1)
    memory_app.correct_draw(key, 1, "Skater B", "Skater A", "lanes swapped on the draw", "Referee")
    memory_app.correct_draw(key, 1, "Skater E", "Skater A", "E skates B's place", "Referee")
    events = [e for _, e in memory_app.read_log() if type(e).__name__ == "DrawCorrected"]
    assert events[0].supersedes == first.fact_id
    assert events[1].supersedes == events[0].fact_id
    sheet = memory_app.race(key).sheet
    assert sheet.pairs[1] == (skater_id("Skater E"), skater_id("Skater A"))
    lanes = {name: (sheet.entries[skater_id(name)].pair, sheet.entries[skater_id(name)].lane)
             for name in ("Skater A", "Skater B", "Skater E")}
    assert lanes == {"Skater A": (1, "outer"), "Skater B": (None, None), "Skater E": (1, "inner")}
    assert len([f for f in sheet.facts.values() if f.kind == "pair"]) == 2  # the draws stay


def test_the_lanes_of_a_pair_that_skated_can_be_corrected_even_after_the_results_are_official(
        memory_app: Ledger) -> None:
    key = drawn(memory_app)
    memory_app.start(key, 1)
    memory_app.record_finish(key, "Skater A", 68_000)
    memory_app.record_finish(key, "Skater B", 69_000)
    memory_app.declare_official(key, "Referee", forced_reason="pair 2 skates another day")
    memory_app.correct_draw(key, 1, "Skater B", "Skater A", "the lanes were swapped in the draw",
                            "Referee")
    got = {(row_of(memory_app, key, n).pair, row_of(memory_app, key, n).lane, row_of(memory_app, key, n).rank)
           for n in ("Skater A", "Skater B")}
    assert got == {(1, "outer", 1), (1, "inner", 2)}


def test_a_skater_drawn_in_another_pair_is_moved_only_by_correcting_that_pair_first(
        memory_app: Ledger) -> None:
    key = drawn(memory_app)
    with pytest.raises(RefusedFactError, match=f"the skater is drawn in pair 2 of {key}; correct"):
        memory_app.correct_draw(key, 1, "Skater C", "Skater B", "C for A", "Referee")
    memory_app.correct_draw(key, 2, None, "Skater D", "C moves to pair 1", "Referee")
    memory_app.correct_draw(key, 1, "Skater C", "Skater B", "C moves to pair 1", "Referee")
    assert memory_app.race(key).sheet.pairs == {1: (skater_id("Skater C"), skater_id("Skater B")),
                                                2: (None, skater_id("Skater D"))}


def test_the_same_draw_is_no_correction(memory_app: Ledger) -> None:
    key = drawn(memory_app)
    with pytest.raises(RefusedFactError, match=f"pair 1 of {key} is drawn so already"):
        memory_app.correct_draw(key, 1, "Skater A", "Skater B", "no change", "Referee")


def test_no_skater_joins_a_pair_while_it_races(memory_app: Ledger) -> None:
    key = drawn(memory_app)
    memory_app.start(key, 1)
    with pytest.raises(RefusedFactError, match="pair 1 is racing; no skater can join it now"):
        memory_app.correct_draw(key, 1, "Skater E", "Skater B", "E for A", "Referee")
    memory_app.correct_draw(key, 1, "Skater B", "Skater A", "lanes swapped", "Referee")  # allowed


def test_the_audit_lists_the_draw_correction_with_its_reason_and_author(memory_app: Ledger) -> None:
    key = drawn(memory_app)
    memory_app.correct_draw(key, 2, "Skater D", "Skater C", "lanes swapped on the draw", "Referee R")
    [entry] = audit(memory_app.read_log(), key)
    assert (entry.act, entry.reason, entry.author, entry.before, entry.after) == (
        "DrawCorrected", "lanes swapped on the draw", "Referee R",
        "pair 2: inner Skater C, outer Skater D", "pair 2: inner Skater D, outer Skater C")


# -- item 4: the lane of a re-skate ----------------------------------------------------------
def reskated(app: Ledger, **lane: str) -> str:
    """Skater A hindered in pair 1 and given a re-skate in pair 3 (not drawn yet)."""
    key = drawn(app)
    app.start(key, 1)
    app.grant_reskate(key, "Skater A", "hindered at the crossing", "Referee", pair=3, **lane)
    return key


def test_a_reskate_takes_the_lane_the_referee_gives(memory_app: Ledger) -> None:
    key = reskated(memory_app, lane="outer")
    entry = memory_app.race(key).sheet.entries[skater_id("Skater A")]
    assert (entry.pair, entry.lane, entry.attempt) == (3, "outer", 2)
    assert memory_app.race(key).sheet.pairs[3] == (None, skater_id("Skater A"))


def test_a_reskate_without_a_lane_leaves_the_lane_unknown(memory_app: Ledger) -> None:
    key = reskated(memory_app)
    memory_app.start(key, 3)
    memory_app.record_finish(key, "Skater A", 68_500)
    row = row_of(memory_app, key, "Skater A")
    assert (row.pair, row.lane, row.time_ms) == (3, None, 68_500)


def test_a_reskate_is_refused_a_lane_another_skater_holds(memory_app: Ledger) -> None:
    key = drawn(memory_app)
    memory_app.draw_pair(key, 3, "Skater E", None)
    before = memory_app.last_position()
    with pytest.raises(RefusedFactError, match="the inner lane of pair 3 is taken by another skater"):
        memory_app.grant_reskate(key, "Skater A", "hindered", "Referee", pair=3, lane="inner")
    assert memory_app.last_position() == before
    memory_app.grant_reskate(key, "Skater A", "hindered", "Referee", pair=3, lane="outer")


def test_a_reskate_in_the_skaters_own_pair_keeps_the_lane_drawn(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    calgary(capsys, db)
    ok(cli(capsys, db, "record", "start", KEY, "3"))
    with unchanged(capsys, db):
        refused(cli(capsys, db, "record", "reskate", KEY, HOWE, "--reason", "hindered", "--lane",
                    "outer", "--by", "Referee"),
                "--lane outer: the re-skate in the skater's own pair 3 keeps the lane drawn (inner)")
    ok(cli(capsys, db, "record", "reskate", KEY, HOWE, "--reason", "hindered", "--pair", "9",
           "--lane", "outer", "--by", "Referee"))
    ok(cli(capsys, db, "record", "start", KEY, "9"))
    ok(cli(capsys, db, "record", "finish", KEY, HOWE, "1:46.50"))
    assert (rows(capsys, db)[HOWE]["pair"], rows(capsys, db)[HOWE]["lane"]) == (9, "outer")


def test_reskates_stored_before_the_lane_was_stated_replay_into_the_free_lane(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An export from before this change (ReskateGranted without ``lane`` and ``lane_stated``,
    and no chain hashes yet) imports and replays as it always did: the free lane of the pair."""
    old = tmp_path / "old.db"
    ok(run(capsys, "--db", str(old), "record", "competition", "Test Cup", "--date", "2025-11-14"))
    ok(run(capsys, "--db", str(old), "record", "race", "test-cup-2025", "--distance", "1000",
           "--category", "men", "--date", "2025-11-14"))
    key = "test-cup-2025/men-1000m"
    for name in ("Skater A", "Skater B", "Skater E"):
        ok(run(capsys, "--db", str(old), "record", "skater", name))
    ok(run(capsys, "--db", str(old), "record", "pair", key, "1", "--inner", "Skater A",
           "--outer", "Skater B"))
    ok(run(capsys, "--db", str(old), "record", "pair", key, "3", "--inner", "Skater E"))
    ok(run(capsys, "--db", str(old), "record", "reskate", key, "Skater A", "--reason", "hindered",
           "--pair", "3", "--by", "Referee"))
    ok(run(capsys, "--db", str(old), "record", "start", key, "3"))
    ok(run(capsys, "--db", str(old), "record", "finish", key, "Skater A", "1:10.00"))
    lines = [json.loads(line) for line in ok(run(capsys, "--db", str(old), "export")).out.splitlines()]
    for line in lines:
        line.pop("hash")
        if line["topic"] == "skate-ledger:Race.ReskateGranted":
            assert line["state"].pop("lane") is None and line["state"].pop("lane_stated") is True
    exported = tmp_path / "old.jsonl"
    exported.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                        encoding="utf-8")
    new = tmp_path / "new.db"
    ok(run(capsys, "--db", str(new), "import", str(exported)))
    shown = {r["skater"]: r for r in ok(run(capsys, "--db", str(new), "standings", key, "--format",
                                              "json")).json()["rows"]}
    assert (shown["Skater A"]["pair"], shown["Skater A"]["lane"]) == (3, "outer")  # as before
    current = {r["skater"]: r for r in ok(run(capsys, "--db", str(old), "standings", key,
                                                "--format", "json")).json()["rows"]}
    assert (current["Skater A"]["pair"], current["Skater A"]["lane"]) == (3, None)  # stated: unknown


def test_the_calgary_list_shows_vosté_in_the_division_b_1500m_but_no_pairs_and_no_howe() -> None:
    """Why the Calgary case is told live above: the published list gives places and times, not
    the draw, and Howe, who withdrew, has no row in it."""
    listed, _notices = read_isu_text(CALGARY)
    division_b = [r for r in listed if r.distance_m == 1500 and r.category == "men"
                  and r.label is not None]
    vosté = [(r.place, r.time_ms) for r in division_b if r.skater == VOSTE]
    assert vosté == [(16, 105_230)]
    assert all(r.pair is None and r.lane is None for r in division_b)
    assert not [r for r in listed if "Howe" in r.skater and r.distance_m == 1500]


# -- item 6: names are people's names --------------------------------------------------------
NOT_NAMES = [
    pytest.param("Jan\u200bde Vries", "holds an invisible or direction-changing character (U+200B)",
                 id="zero-width space"),
    pytest.param("Jan de\u200d Vries", "holds an invisible or direction-changing character (U+200D)",
                 id="zero-width joiner"),
    pytest.param("\u202eseirV ed naJ", "holds an invisible or direction-changing character (U+202E)",
                 id="right-to-left override"),
    pytest.param("Jan \u2066de\u2069 Vries", "holds an invisible or direction-changing character "
                 "(U+2066)", id="left-to-right isolate"),
    pytest.param("Jan\x07de Vries", "holds a control character (U+0007)", id="bell"),
    pytest.param("\u3000 \u00a0", "has no visible character", id="only white space"),
    pytest.param("\u200b", "holds an invisible or direction-changing character (U+200B)",
                 id="only a zero-width space"),
]


@pytest.mark.parametrize(("name", "words"), NOT_NAMES)
def test_a_name_that_is_not_a_persons_name_is_refused(memory_app: Ledger, name: str,
                                                      words: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        memory_app.register_skater(name)
    assert words in str(raised.value) and "\n" not in str(raised.value)
    assert memory_app.last_position() == 0


def test_the_command_refuses_names_that_are_not_names_and_appends_nothing(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    ok(cli(capsys, db, "record", "skater", "Skater A"))
    with unchanged(capsys, db):
        for case in NOT_NAMES:
            name, words = case.values
            refused(cli(capsys, db, "record", "skater", str(name)), str(words))


def test_competitions_venues_and_authors_are_names_too(capsys: pytest.CaptureFixture[str], db: str) -> None:
    ok(cli(capsys, db, "record", "competition", "Test Cup", "--date", "2025-01-05"))
    ok(cli(capsys, db, "record", "race", "test-cup-2025", "--distance", "1000", "--category",
           "men", "--date", "2025-01-05"))
    ok(cli(capsys, db, "record", "skater", "Skater A"))
    ok(cli(capsys, db, "record", "pair", "test-cup-2025/men-1000m", "1", "--inner", "Skater A"))
    with unchanged(capsys, db):
        refused(cli(capsys, db, "record", "competition", "Test\u202e Cup", "--date", "2025-01-05"),
                "the competition's name 'Test\\u202e Cup' holds an invisible or direction-changing "
                "character (U+202E)")
        refused(cli(capsys, db, "record", "competition", "Test Cup", "--venue", "\u200b", "--date",
                    "2025-01-05"), "the venue '\\u200b' holds an invisible")
        refused(cli(capsys, db, "record", "dq", "test-cup-2025/men-1000m", "Skater A", "--rule",
                    "ISU 253", "--by", "Refe\u200bree"), "--by 'Refe\\u200bree' holds an invisible")


def test_names_are_stored_in_nfc_with_single_spaces_and_keep_their_id(memory_app: Ledger) -> None:
    decomposed = "Mathias  Voste\u0301\u00a0"
    sid = memory_app.register_skater(decomposed, "BEL")
    assert sid == skater_id(VOSTE)
    assert memory_app.repository.get(sid).name == VOSTE
    assert memory_app.register_skater(VOSTE, "BEL") == sid  # the same skater: nothing new
    memory_app.schedule_competition("World  Cup 2\u00a0Calgary", "Olympic   Oval",
                                    date(2025, 11, 21))
    [competition] = [e for _, e in memory_app.read_log() if type(e).__name__ == "Scheduled"]
    assert (competition.name, competition.venue) == ("World Cup 2 Calgary", "Olympic Oval")
    memory_app.register_skater("Skater B")
    memory_app.register_skater("Skater C")
    assert memory_app.last_position() == 4


def test_every_name_in_the_real_data_is_nfc_already_so_its_id_is_unchanged() -> None:
    names = {row.skater for path in sorted((SHARED / "isu-lists").glob("*.txt"))
             for row in read_isu_text(path)[0]}
    assert len(names) > 300
    for name in names:
        assert normal_name("name", name) == " ".join(name.split())
        assert skater_id(normal_name("name", name)) == skater_id(name)


@pytest.mark.parametrize("twin", [
    pytest.param("Jan de Vries", id="case"),
    pytest.param("Ján De Vries", id="accents"),
    pytest.param("JAN  DE VRIES", id="case and spaces"),
])
def test_a_new_skater_differing_only_by_case_or_accents_is_refused_naming_the_other(
        capsys: pytest.CaptureFixture[str], db: str, twin: str) -> None:
    ok(cli(capsys, db, "record", "skater", "Jan De Vries", "--nation", "NED"))
    with unchanged(capsys, db):
        refused(cli(capsys, db, "record", "skater", twin, "--nation", "NED"),
                "differs from the registered skater 'Jan De Vries' only by case, accents or "
                "invisible characters", "--new")


def test_new_with_a_distinguishing_field_registers_another_skater(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    ok(cli(capsys, db, "record", "skater", "Jan De Vries", "--nation", "NED", "--club", "Y"))
    with unchanged(capsys, db):
        refused(cli(capsys, db, "record", "skater", "Jan de Vries", "--nation", "NED", "--new"),
                "--new: give a --nation, --club or --hometown that differs from the registered "
                "skater 'Jan De Vries' (nation NED, club Y)")
        refused(cli(capsys, db, "record", "skater", "Jan de Vries", "--club", "Y", "--new"),
                "--new: give a --nation, --club or --hometown that differs")
        refused(cli(capsys, db, "record", "skater", "Jan De Vries", "--club", "X", "--new"),
                "--new: skater 'Jan De Vries' is registered with exactly this name")
    ok(cli(capsys, db, "record", "skater", "Jan de Vries", "--nation", "NED", "--new", "--club", "X"))
    with unchanged(capsys, db):  # retransmitted: accepted once
        ok(cli(capsys, db, "record", "skater", "Jan de Vries", "--nation", "NED", "--new", "--club", "X"))
    ok(cli(capsys, db, "record", "competition", "Test Cup", "--date", "2025-01-05"))
    ok(cli(capsys, db, "record", "race", "test-cup-2025", "--distance", "500", "--category", "men",
           "--date", "2025-01-05"))
    ok(cli(capsys, db, "record", "pair", "test-cup-2025/men-500m", "1", "--inner", "Jan De Vries",
           "--outer", "Jan de Vries"))
    ok(cli(capsys, db, "record", "finish", "test-cup-2025/men-500m", "Jan de Vries", "35.10"))
    ok(cli(capsys, db, "record", "finish", "test-cup-2025/men-500m", "Jan De Vries", "35.20"))
    board_json = ok(cli(capsys, db, "standings", "test-cup-2025/men-500m", "--format", "json")).json()
    assert [(r["skater"], r["lane"], r["time"]) for r in board_json["rows"]] == [
        ("Jan de Vries", "outer", "35.10"), ("Jan De Vries", "inner", "35.20")]
    for name, time in (("Jan de Vries", "35.10"), ("Jan De Vries", "35.20")):
        found = ok(cli(capsys, db, "history", name, "--format", "json")).json()
        assert [r["time"] for r in found["results"]] == [time]


def test_an_import_with_a_skater_like_a_registered_one_is_refused_naming_the_file_and_line(
        capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    listed = tmp_path / "day.csv"
    listed.write_text("competition,date,distance,category,skater,nation,time\n"
                      "Test Cup,2025-01-05,500,men,Skater A,NED,35.10\n"
                      "Test Cup,2025-01-05,500,men,Jan de Vries,NED,35.20\n", encoding="utf-8")
    ok(cli(capsys, db, "record", "skater", "Jan De Vries", "--nation", "NED"))
    with unchanged(capsys, db):
        refused(cli(capsys, db, "import", str(listed)),
                f"{listed}:3: skater 'Jan de Vries' differs from the registered skater "
                "'Jan De Vries' only by case")


def test_an_import_with_an_invisible_character_in_a_name_is_refused_naming_the_file_and_line(
        capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    listed = tmp_path / "day.csv"
    listed.write_text("competition,date,distance,category,skater,nation,time\n"
                      "Test Cup,2025-01-05,500,men,Skater\u2067 A,NED,35.10\n", encoding="utf-8")
    build_app(db).close()  # an empty ledger to compare with (a read command creates nothing)
    with unchanged(capsys, db):
        refused(cli(capsys, db, "import", str(listed)), f"{listed}:2: the skater's name", "(U+2067)")


def test_the_vantage_stream_spells_wójcik_without_the_accent_the_isu_lists_give(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    """Real data: the ISU lists print "Andżelika Wójcik", the Vantage stream of Thialf 2020
    "Andzelika Wójcik". In one ledger the second is refused, naming the first, rather than
    becoming a second skater."""
    ok(cli(capsys, db, "record", "skater", "Andżelika Wójcik", "--nation", "POL"))
    with unchanged(capsys, db):
        refused(cli(capsys, db, "import", str(VANTAGE)), f"{VANTAGE}:",
                "skater 'Andzelika Wójcik' differs from the registered skater 'Andżelika Wójcik'")


def test_a_spelling_noted_with_same_as_lets_the_stream_name_the_registered_skater(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    """The official notes the stream's spelling as hers (``record skater … --same-as``): the
    stream then imports, and her result is the registered skater's, under the name she is
    registered with; no second skater is made. Noting it again appends nothing."""
    ok(cli(capsys, db, "record", "skater", "Andżelika Wójcik", "--nation", "POL"))
    ok(cli(capsys, db, "record", "skater", "Andzelika Wójcik", "--same-as", "Andżelika Wójcik"))
    with unchanged(capsys, db):
        assert "nothing appended" in ok(cli(capsys, db, "record", "skater", "Andzelika Wójcik",
                                            "--same-as", "Andżelika Wójcik")).out
    ok(cli(capsys, db, "import", str(VANTAGE)))
    race = ok(cli(capsys, db, "races", "--format", "json")).json()[0]["key"]
    board = ok(cli(capsys, db, "standings", race, "--format", "json")).json()
    shown = {r["skater"]: r for r in board["rows"]}
    assert set(shown) == {"Andżelika Wójcik", "Ellia Smeding"}
    assert shown["Andżelika Wójcik"]["time"] == "1:19.24"
    registered = [line for line in ok(cli(capsys, db, "export")).out.splitlines()
                  if '"skate-ledger:Skater.Registered"' in line and "Wójcik" in line]
    assert len(registered) == 1  # her, and no second skater of the stream's spelling


def test_a_spelling_is_noted_only_for_a_registered_skater_and_names_no_one_else(
        capsys: pytest.CaptureFixture[str], db: str) -> None:
    ok(cli(capsys, db, "record", "skater", "Andżelika Wójcik", "--nation", "POL"))
    ok(cli(capsys, db, "record", "skater", "Ellia Smeding", "--nation", "GBR"))
    with unchanged(capsys, db):
        refused(cli(capsys, db, "record", "skater", "A. Wójcik", "--same-as", "Nobody"),
                "skater 'Nobody' is not registered")
        refused(cli(capsys, db, "record", "skater", "Ellia Smeding", "--same-as", "Andżelika Wójcik"),
                "'Ellia Smeding' is the name of another registered skater")
        refused(cli(capsys, db, "record", "skater", "A. Wójcik", "--same-as", "Andżelika Wójcik",
                    "--nation", "POL"), "--same-as notes another spelling")


def test_a_case_twin_in_one_import_is_refused_too(memory_app: Ledger, tmp_path: Path) -> None:
    from ledger.formats.csv_results import read_csv
    from ledger.importing import record_rows

    listed = tmp_path / "day.csv"
    listed.write_text("competition,date,distance,category,skater,time\n"
                      "Test Cup,2025-01-05,500,men,Jan de Vries,35.10\n"
                      "Test Cup,2025-01-05,1000,men,JAN DE VRIES,1:10.20\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=":3: skater 'JAN DE VRIES' differs from the "
                                                 "registered skater 'Jan de Vries'"):
        record_rows(memory_app, str(listed), read_csv(listed))
    assert memory_app.last_position() == 0


def test_a_skater_registered_with_new_is_found_by_a_later_import(tmp_path: Path) -> None:
    app = build_app("memory")
    from ledger.formats.csv_results import read_csv
    from ledger.importing import record_rows

    app.register_skater("Jan De Vries", "NED")
    app.register_skater("Jan de Vries", "NED", club="X", new=True)
    listed = tmp_path / "day.csv"
    listed.write_text("competition,date,distance,category,skater,time\n"
                      "Test Cup,2025-01-05,500,men,Jan de Vries,35.10\n"
                      "Test Cup,2025-01-05,500,men,Jan De Vries,35.20\n", encoding="utf-8")
    record_rows(app, str(listed), read_csv(listed))
    got = [(r.skater, r.time_ms) for r in board(app, "test-cup-2025/men-500m")]
    assert got == [("Jan de Vries", 35_100), ("Jan De Vries", 35_200)]


def test_an_imported_competition_or_venue_that_is_not_a_name_is_refused_naming_the_file_and_line(
        memory_app: Ledger, tmp_path: Path) -> None:
    from ledger.formats.csv_results import read_csv
    from ledger.importing import record_rows

    listed = tmp_path / "day.csv"
    listed.write_text("competition,venue,date,distance,category,skater,time\n"
                      "Test Cup,Test Rink,2025-01-05,500,men,Skater A,35.10\n"
                      "Other\u202e Cup,Test Rink,2025-01-05,500,men,Skater B,35.20\n",
                      encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r":3: the competition's name .* \(U\+202E\)"):
        record_rows(memory_app, str(listed), read_csv(listed))
    assert memory_app.last_position() == 0


def test_a_new_skater_differing_only_by_invisible_characters_from_one_stored_before_is_refused(
        memory_app: Ledger) -> None:
    from ledger.domain.skater import Skater

    memory_app.save(Skater(name="Jan \u200bde Vries", nation="NED", club=None, hometown=None))
    with pytest.raises(RefusedFactError, match=r"registered skater 'Jan \\u200bde Vries' only by"):
        memory_app.register_skater("Jan de Vries", "NED")
    assert memory_app.last_position() == 1
