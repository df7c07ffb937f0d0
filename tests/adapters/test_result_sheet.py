"""The official result sheet, printable, and the officials and conditions on the record
(docs/decisions/0030-the-result-sheet.md).

``record officials`` and ``record conditions`` append facts of a race (a correction is a new fact);
``sheet RACE --format html|pdf`` prints the ISU layout with the checkpoint as text and as a QR code;
``verify --sheet`` reads an HTML or PDF sheet back and names the first thing that does not hold.
The PDF's text is read with pdftotext (poppler-utils), as a reader of the printed page would.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.bootstrap import build_app
from scripts.demo import okt2017
from scripts.sheet import read_printed, render_html, render_pdf, time_cells
from tests.adapters.test_sheets import DAY, KEY
from tests.cli import Ran, ok, refused, run

DEMO_RACE = "okt-2017/women-1000m"
Cli = Callable[..., Ran]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's ledger (OKT 2017) on SQLite, built once: each test gets a copy."""
    path = tmp_path_factory.mktemp("demo") / "okt2017.db"
    app = build_app(str(path))
    okt2017.load(app)
    app.close()
    return path


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str], demo_file: Path, tmp_path: Path) -> Cli:
    """The command on a copy of the demo's SQLite ledger."""
    db = tmp_path / "okt2017.db"
    shutil.copyfile(demo_file, db)
    return lambda *args: run(capsys, "--db", str(db), *args)


@pytest.fixture
def demo_on_store(capsys: pytest.CaptureFixture[str], command_db: str, demo_file: Path) -> Cli:
    """The command on the demo's ledger on SQLite and on PostgreSQL (the storage tests)."""
    if command_db.startswith("postgresql"):
        app = build_app(command_db)
        okt2017.load(app)
        app.close()
    else:
        shutil.copyfile(demo_file, command_db)
    return lambda *args: run(capsys, "--db", command_db, *args)


@pytest.fixture
def key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "referee.key"
    ok(run(capsys, "keygen", "--output", str(path)))
    return path


def printed(cli: Cli, tmp_path: Path, fmt: str, *options: str, race: str = DEMO_RACE) -> Path:
    path = tmp_path / f"sheet.{fmt}"
    ok(cli("sheet", race, "--format", fmt, "--output", str(path), *options))
    return path


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:  # .ci/run installs poppler-utils
        pytest.fail("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True)
    return done.stdout


def head_position(cli: Cli) -> int:
    return int(ok(cli("verify")).out.split("head at position ")[1].split(",")[0])


# -- the officials and conditions are facts --------------------------------------------------------
def test_officials_are_recorded_once_and_a_correction_is_a_new_fact(demo_on_store: Cli,
                                                                   tmp_path: Path) -> None:
    demo = demo_on_store
    assert "recorded at position" in ok(demo("record", "officials", DEMO_RACE, "--referee", "Ref A",
                                             "--starter", "Starter S", "--by", "Admin A")).out
    assert "nothing appended" in ok(demo("record", "officials", DEMO_RACE, "--referee", "Ref A")).out
    corrected = ok(demo("record", "officials", DEMO_RACE, "--starter", "Starter T")).out
    assert "recorded at position" in corrected
    page = printed(demo, tmp_path, "html").read_text()
    assert '<td id="referee">Ref A</td>' in page  # a name left out stays as recorded
    assert '<td id="starter">Starter T</td>' in page  # the correction, not the first
    assert "Starter S" not in page


def test_conditions_at_start_and_end_print_beside_what_is_unknown(demo: Cli, tmp_path: Path) -> None:
    ok(demo("record", "conditions", DEMO_RACE, "--at", "start", "--ice-temp", "-6.5",
            "--air-temp", "14,2", "--humidity", "41"))
    assert "nothing appended" in ok(demo("record", "conditions", DEMO_RACE, "--at", "start",
                                         "--ice-temp", "-6.5")).out
    ok(demo("record", "conditions", DEMO_RACE, "--at", "start", "--ice-temp", "-7.1"))
    page = printed(demo, tmp_path, "html").read_text()
    assert "ice -7.1 °C · air 14.2 °C · humidity 41 %" in page
    assert "<th>End</th><td colspan=\"3\">ice unknown · air unknown · humidity unknown" in page


BAD = [
    (["officials", DEMO_RACE], "name the --referee, the --starter or both"),
    (["officials", DEMO_RACE, "--referee", "  "], "the referee's name is blank"),
    (["officials", DEMO_RACE, "--referee", "A\x07B"], "control character"),
    (["conditions", DEMO_RACE, "--at", "start"], "give --ice-temp, --air-temp or --humidity"),
    (["conditions", DEMO_RACE, "--at", "noon", "--ice-temp", "-6"], "'noon' is not one of"),
    (["conditions", DEMO_RACE, "--at", "end", "--ice-temp", "2.5"], "--ice-temp 2.5 °C is not between"),
    (["conditions", DEMO_RACE, "--at", "end", "--ice-temp", "-6.55"], "at most one decimal"),
    (["conditions", DEMO_RACE, "--at", "end", "--humidity", "101"], "--humidity 101 % is not between"),
    (["conditions", DEMO_RACE, "--at", "end", "--air-temp", "warm"], "--air-temp 'warm'"),
    (["officials", "okt-2017/men-1m", "--referee", "R"], "okt-2017/men-1m"),
]


def test_bad_officials_or_conditions_are_refused_and_nothing_is_appended(demo_on_store: Cli) -> None:
    before = head_position(demo_on_store)
    for args, message in BAD:
        refused(demo_on_store("record", *args), message)
    assert head_position(demo_on_store) == before


# -- the sheet of the demo's women's 1000 m (issue 17's "done when") -------------------------------
def test_the_demo_women_1000m_prints_as_pdf_and_html_and_verify_accepts_both(
        demo: Cli, tmp_path: Path, key: Path) -> None:
    pdf = printed(demo, tmp_path, "pdf", "--sign", "--key", str(key))
    html = printed(demo, tmp_path, "html")  # carries the checkpoint just signed at that position
    board = ok(demo("standings", DEMO_RACE, "--format", "json")).json()
    text = " ".join(pdf_text(pdf).split())
    for row in board["rows"]:  # every row is on the page, with its place and its time
        time = row["time"] or "unknown"
        assert f"{row['rank']} {row['skater']}" in text
        assert time in text
    data = json.loads(html.read_text().split('id="sheet-data">')[1].split("</script>")[0])
    assert data["checkpoint"]["signature"], "the sheet carries the signed checkpoint"
    assert data["checkpoint"]["hash"] in text and data["checkpoint"]["signature"][:40] in text
    assert "Provisional" in text and "Referee unknown" in text  # the demo names no officials
    export = tmp_path / "day.jsonl"
    ok(demo("export", "--output", str(export)))
    for sheet in (pdf, html):
        held = ok(demo("verify", "--sheet", str(sheet), "--public-key", f"{key}.pub")).out
        assert "holds" in held and "signed" in held
        assert "holds" in ok(demo("verify", "--sheet", str(sheet), "--export", str(export))).out


def test_the_qr_code_decodes_to_the_checkpoint_the_sheet_prints(demo: Cli, tmp_path: Path) -> None:
    pdf = printed(demo, tmp_path, "pdf")
    found = read_printed(pdf, pdf.read_bytes())
    assert found is not None
    [code] = found.qr
    checkpoint = json.loads(code)
    assert checkpoint == {k: found.data["checkpoint"][k]
                          for k in ("position", "hash", "signed_at", "public_key", "signature")}
    assert checkpoint["hash"] in pdf_text(pdf).replace("\n", "")


# -- tampering ----------------------------------------------------------------------------------------
def test_an_html_sheet_whose_page_or_data_was_altered_fails_verify(demo: Cli, tmp_path: Path) -> None:
    page = printed(demo, tmp_path, "html").read_text()
    visible, data = page.split('id="sheet-data">')
    forged = tmp_path / "forged.html"
    forged.write_text(visible.replace(">1:15.38<", ">1:15.28<") + 'id="sheet-data">' + data)
    refused(demo("verify", "--sheet", str(forged)), "of the HTML page is not what its sheet data prints")
    forged.write_text(visible + 'id="sheet-data">' + data.replace('"time": "1:15.38"',
                                                                  '"time": "1:15.28"'))
    refused(demo("verify", "--sheet", str(forged)),
            'row 1 of the sheet ("Jorien ter Mors"): time is "1:15.28" on the sheet')
    forged.write_text(page.replace("unknown", "Ref X").replace('"referee": null',
                                                               '"referee": "Ref X"'))
    refused(demo("verify", "--sheet", str(forged)), 'the sheet\'s referee is "Ref X", the ledger\'s null')


def test_a_pdf_sheet_whose_rows_or_page_were_altered_fails_verify(demo: Cli, tmp_path: Path) -> None:
    pdf = printed(demo, tmp_path, "pdf")
    found = read_printed(pdf, pdf.read_bytes())
    assert found is not None
    data = found.data
    forged = tmp_path / "forged.pdf"
    rows = json.loads(json.dumps(data))
    rows["rows"][1]["time"] = "1:15.99"  # a re-rendered sheet with another time
    forged.write_bytes(render_pdf(rows))
    refused(demo("verify", "--sheet", str(forged)),
            'row 2 of the sheet ("Marrit Leenstra"): time is "1:15.99"')
    import weasyprint  # the true data attached, another time printed
    page = render_html(data).replace(">1:16.03<", ">1:15.99<")
    attachment = weasyprint.Attachment(string=json.dumps(data), name="sheet.json")
    forged.write_bytes(weasyprint.HTML(string=page).write_pdf(attachments=[attachment]))
    refused(demo("verify", "--sheet", str(forged)),
            'row 2 of the PDF ("Marrit Leenstra") does not print "1:16.03"')


# -- what the sheet prints -----------------------------------------------------------------------------
def test_thousandths_show_only_where_they_decide_between_equal_hundredths() -> None:
    nuis = {"status": "OK", "time_ms": 67_540}  # OKT 2025: Nuis 3rd, Prins 4th, both 1:07.54
    prins = {"status": "OK", "time_ms": 67_545}
    other = {"status": "OK", "time_ms": 67_610}
    rows = [nuis, prins, other]
    assert time_cells(nuis, rows, "iso") == ("1:07.54", ".540")
    assert time_cells(prins, rows, "nl") == ("1.07,54", ",545")
    # a list that fixes the thousandths only within the winner's unknown digit: the range, no guess
    known_within = {"status": "OK", "time_ms": 67_542, "time_range_ms": [67_542, 67_546]}
    assert time_cells(known_within, [known_within, nuis], "iso") == ("1:07.54", ".542-.546")
    assert time_cells(other, rows, "nl") == ("1.07,61", "")
    assert time_cells({"status": "DQ", "time_ms": None}, rows, "iso") == ("DQ", "")
    assert time_cells({"status": "OK", "time_ms": None}, rows, "iso") == ("unknown", "")


def test_equal_hundredths_decided_by_thousandths_print_both(demo: Cli, tmp_path: Path) -> None:
    slug = ok(demo("record", "competition", "Tie Cup", "--date", "2025-01-05")).out.strip()
    ok(demo("record", "race", slug, "--distance", "1000", "--category", "men",
            "--date", "2025-01-05"))
    race = f"{slug}/men-1000m"
    for name in ("Nuis", "Prins"):
        ok(demo("record", "skater", name))
    ok(demo("record", "pair", race, "1", "--inner", "Nuis", "--outer", "Prins"))
    ok(demo("record", "start", race, "1"))
    ok(demo("record", "finish", race, "Nuis", "1:07.540"))
    ok(demo("record", "finish", race, "Prins", "1:07.545"))
    page = printed(demo, tmp_path, "html", race=race).read_text()
    assert '1:07.54 <span class="thousandths">(.540)</span>' in page
    assert '1:07.54 <span class="thousandths">(.545)</span>' in page


def test_the_sheet_notes_the_dq_rule_falls_and_the_official_announcement(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def cli(*args: str) -> Ran:
        return run(capsys, "--db", str(tmp_path / "day.db"), *args)
    for argv in DAY[:-1]:
        ok(cli(*argv))
    ok(cli("record", "fall", KEY, "Skater D", "--at", "300"))
    ok(cli("record", "dnf", KEY, "Skater D", "--reason", "hurt in the fall"))
    ok(cli("record", "dq", KEY, "Skater B", "--rule", "ISU 253: lane change", "--by", "Ref R"))
    ok(cli("record", "official", KEY, "--by", "Ref R", "--force", "--reason", "all skated"))
    ok(cli("record", "officials", KEY, "--referee", "Ref R", "--starter", "Starter S"))
    page = printed(cli, tmp_path, "html", race=KEY).read_text()
    assert "DQ: ISU 253: lane change" in page
    assert "fell at 300 m; DNF: hurt in the fall" in page
    assert "DQ: disqualified; the rule broken is noted beside the skater." in page
    assert "DNF: did not finish" in page
    assert '<span class="status" id="status">Official, announced 2' in page
    assert "by Ref R" in page
    assert "holds" in ok(cli("verify", "--sheet", str(tmp_path / "sheet.html"))).out


def test_a_vantage_stream_gives_the_referee_and_starter_and_no_conditions(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tests.adapters.test_board import LADIES, WOMEN_1000

    db = str(tmp_path / "ec2020.db")
    ok(run(capsys, "--db", db, "import", str(LADIES)))
    again = ok(run(capsys, "--db", db, "import", str(LADIES))).out
    assert "0 new event(s)" in again
    page = printed(lambda *a: run(capsys, "--db", db, *a), tmp_path, "html", race=WOMEN_1000)
    text = page.read_text()
    assert '<td id="referee">Bert Timmerman (NED)</td>' in text
    assert '<td id="starter">Evgeny Boyarskiy (RUS)</td>' in text
    assert "ice unknown · air unknown · humidity unknown" in text  # the stream's weather is null


# -- the board links each race to its sheet ------------------------------------------------------------
def test_the_board_serves_the_sheet_of_a_race_as_html_and_pdf(memory_app: Ledger) -> None:
    from starlette.testclient import TestClient

    from scripts.board.app import create_app

    okt2017.load(memory_app)
    client = TestClient(create_app(memory_app), raise_server_exceptions=True)
    race_page = client.get(f"/races/{DEMO_RACE}").text
    assert f'<a href="/races/{DEMO_RACE}/sheet">Result sheet</a>' in race_page
    html = client.get(f"/races/{DEMO_RACE}/sheet")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Jorien ter Mors" in html.text and 'id="sheet-data"' in html.text
    pdf = client.get(f"/races/{DEMO_RACE}/sheet?format=pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(f"/races/{DEMO_RACE}/sheet?format=doc").status_code == 400
    assert client.get("/races/okt-2017/men-1m/sheet").status_code == 404


def test_a_vantage_stream_with_weather_gives_the_conditions_in_tenths(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The streams we hold carry null weather: one with values (set here, in a copy) imports them."""
    from tests.adapters.test_board import LADIES, WOMEN_1000

    lines = []
    for line in LADIES.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["typeName"] == "DistanceActivatedEvent":
            event["distance"]["startWeather"].update(trackTemperature=-6.3, airTemperature=13.94,
                                                     humidity=38)
            event["distance"]["endWeather"].update(humidity=41.6)
        lines.append(json.dumps(event))
    stream = tmp_path / "with-weather.jsonl"
    stream.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = str(tmp_path / "ec2020.db")
    ok(run(capsys, "--db", db, "import", str(stream)))
    page = printed(lambda *a: run(capsys, "--db", db, *a), tmp_path, "html", race=WOMEN_1000)
    text = page.read_text()
    assert "ice -6.3 °C · air 13.9 °C · humidity 38 %" in text
    assert "ice unknown · air unknown · humidity 42 %" in text


def test_a_reskate_and_reasons_are_noted_as_the_referee_gave_them() -> None:
    from ledger.domain.kinds import FactKind
    from projections.sheet import note_of

    assert note_of(FactKind.RESKATE, None, {"reason": "collision at the crossing"}) == \
        "re-skate: collision at the crossing"
    assert note_of(FactKind.FALL, 850, {"went_on": False}) == "fell at 850 m, stopped"
    assert note_of(FactKind.DNS, None, {"reason": None}) is None
    assert note_of(FactKind.WDR, None, {"reason": "ill"}) == "WDR: ill"
