"""The board's words: one Dutch catalogue covering every word the board writes, the page's
language from ``?lang=`` (kept in its links) or ``Accept-Language``, Dutch times and status words,
race names instead of slugs, no ledger jargon on public pages, HTML error pages in the site's layout
(docs/decisions/0026-board-words.md). In-process (no browser): tests/adapters/test_board_axe.py
checks the same pages in Chromium.
"""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from starlette.testclient import TestClient

from ledger.application import Ledger
from scripts.board import i18n, views
from scripts.board.app import BoardApp
from tests.adapters.test_board import client_of
from tests.adapters.test_board import okt as okt  # the fixture: the demo day's board
from tests.helpers import draw, race_day

BOARD = Path(__file__).resolve().parents[2] / "scripts" / "board"
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                 "lstrip_blocks": "true"}}
#: Words a template may write outside gettext: names, not words of a language.
NAMES = {"skate", "ledger", "JSON", "English", "Nederlands"}  # skate-ledger: the site's name


def msgids() -> dict[str, str]:
    """Every string the board hands to gettext (templates and Python), with where it is."""
    found: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(str(BOARD), METHODS, OPTIONS):
        key = message[0] if isinstance(message, tuple) else message
        found.setdefault(key, f"scripts/board/{filename}:{line}")
    return found


def visible(html: str) -> str:
    """The text of a page a reader sees (tags, scripts and styles removed)."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- one catalogue ------------------------------------------------------------------------------
def test_every_word_the_board_writes_has_a_dutch_entry() -> None:
    found = msgids()
    assert len(found) > 100 and "Results" in found and "did not start" in found  # the extractor works
    dutch = i18n.words("nl")
    missing = [f"{where}: {text!r}" for text, where in found.items()
               if text not in dutch.messages and text not in dutch.plurals]
    assert not missing, "no Dutch entry in scripts/board/locale/nl/LC_MESSAGES/messages.po for:\n" + \
        "\n".join(missing)


def test_a_catalogue_without_an_entry_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: take one entry out and the word shows in English."""
    dutch = i18n.words("nl")
    monkeypatch.delitem(dutch.messages, "Results")
    assert dutch.gettext("Results") == "Results"
    assert "Results" not in dutch.messages and "Results" in msgids()


def test_no_template_writes_a_word_outside_gettext() -> None:
    for template in sorted((BOARD / "templates").glob("*.html")):
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"(?s)\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text)
        text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", text)
        attributes = re.findall(r'\b(?:title|aria-label|aria-valuetext|alt|placeholder)="([^"]*)"', text)
        words = re.findall(r"[^\W\d_]{2,}", " ".join([re.sub(r"<[^>]+>", " ", text), *attributes]))
        assert set(words) <= NAMES, (template.name, sorted(set(words) - NAMES))


# -- the language of a page ---------------------------------------------------------------------
def test_the_language_comes_from_the_url_then_the_browser_then_english(okt: TestClient) -> None:
    race = "/races/okt-2017/women-1000m"
    assert '<html lang="en">' in okt.get(race).text
    dutch = okt.get(race, params={"lang": "nl"}).text
    assert '<html lang="nl">' in dutch and "Uitslag" in dutch and ">Results<" not in dutch
    assert '<html lang="nl">' in okt.get(race, headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"}).text
    assert '<html lang="nl">' in okt.get(race, headers={"Accept-Language": "fr, nl;q=0.5, en;q=0.4"}).text
    assert '<html lang="en">' in okt.get(race, headers={"Accept-Language": "de-DE"}).text
    assert '<html lang="en">' in okt.get(race, params={"lang": "en"},
                                         headers={"Accept-Language": "nl"}).text  # the URL wins
    assert "Accept-Language" in okt.get(race).headers["vary"].split(", ")
    bad = okt.get(race, params={"lang": "fr"})
    assert bad.status_code == 400 and "lang='fr' is not one of en, nl" in html.unescape(bad.text)


def test_a_language_chosen_in_the_url_is_kept_in_every_link(okt: TestClient) -> None:
    for url in ("/", "/competitions/okt-2017", "/races/okt-2017/women-1000m", "/skaters/Ireen Wüst",
                "/competitions/okt-2017/replay"):
        page = okt.get(url, params={"lang": "nl"}).text
        links = re.findall(r'href="([^"#]*)', page)
        board = [h for h in links if h.startswith(("/", "?")) and not h.startswith("/static/")]
        assert board and all("lang=" in h for h in board), (url, [h for h in board if "lang=" not in h])
        # the way back to English is a link too
        assert any(h.endswith("lang=en") for h in board), url
    by_header = okt.get("/competitions/okt-2017", headers={"Accept-Language": "nl"}).text
    assert "lang=nl" not in by_header.replace('hreflang="nl"', "")  # the browser asks again anyway


# -- Dutch words and notation -------------------------------------------------------------------
def test_dutch_pages_write_times_and_statuses_the_dutch_way(okt: TestClient) -> None:
    women = okt.get("/races/okt-2017/women-1000m", params={"lang": "nl"}).text
    assert "1.15,38" in women and "+0,650" in women and "1:15.38" not in women  # ter Mors, as the seed
    assert "1000 m dames" in women
    men = visible(okt.get("/races/okt-2017/men-5000m", params={"lang": "nl"}).text)
    assert "6.15,06" in men and "5000 m heren" in men
    assert "DNF gevallen" in men or "DNF niet gefinisht" in men  # the legend of the statuses
    english = okt.get("/races/okt-2017/women-1000m").text
    assert "1:15.38" in english and "1000 m women" in english and "December 26, 2017" in english
    assert "26 december 2017" in women


def test_every_qualification_rules_title_is_in_the_catalogue_and_a_dutch_page_shows_it_in_dutch(
        okt: TestClient) -> None:
    """A rule's title is data (projections/qualification_rules): listed in i18n.RULE_TITLES it is
    extracted and needs a Dutch entry like every word; a new rule not listed fails here."""
    rules = Path(views.__file__).resolve().parents[2] / "projections" / "qualification_rules"
    titles = {json.loads(f.read_text(encoding="utf-8"))["title"] for f in rules.glob("*.json")}
    assert titles and titles <= set(i18n.RULE_TITLES)
    dutch = visible(okt.get("/races/okt-2017/women-1000m", params={"lang": "nl"}).text)
    assert "Kwalificatie: KNSB-selectievolgorde voor de Olympische Spelen 2018, dames" in dutch
    assert "KNSB selection order" not in dutch
    english = visible(okt.get("/races/okt-2017/women-1000m").text)
    assert "Qualification: KNSB selection order for the 2018 Olympic Games, women" in english


def test_the_status_words_are_the_knsb_words() -> None:
    dutch = i18n.words("nl")
    assert [dutch.status(s) for s in ("DNF", "DNS", "DQ", "WDR")] == [
        "niet gefinisht", "niet gestart", "gediskwalificeerd", "teruggetrokken"]
    assert dutch.gettext("fell") == "gevallen"


def test_live_updates_come_in_the_language_of_the_topic(okt: TestClient) -> None:
    board: BoardApp = okt.app.state.board  # type: ignore[attr-defined]
    english = board.render_topic("en|race:sb:okt-2017/women-1000m")
    dutch = board.render_topic("nl+|race:sb:okt-2017/women-1000m")
    assert "1:15.38" in english.data and "1.15,38" in dutch.data
    assert "Uitslag" in dutch.data and "lang=nl" in dutch.data and "lang=nl" not in english.data
    assert "leidt in 1.15,38" in dutch.data  # the announcement too
    day = board.render_topic("nl|day:okt-2017")
    assert "Op het ijs" in day.data
    events = okt.get("/races/okt-2017/women-1000m", params={"lang": "nl"}).text
    assert re.search(r'data-events="/races/okt-2017/women-1000m/events'
                     r'\?ref=sb&amp;after=\d+&amp;lang=nl"', events)


# -- words of a results board -------------------------------------------------------------------
def test_public_pages_speak_no_ledger_jargon(okt: TestClient) -> None:
    for url in ("/", "/competitions/okt-2017", "/races/okt-2017/women-1000m", "/races/okt-2017/men-5000m",
                "/skaters/Ireen Wüst"):
        page = okt.get(url).text
        main, _, travel = page.partition('<details class="travel"')
        shown = visible(main)
        for jargon in ("as of the past", "prov.", "Source", "Ledger position", "okt-2017/"):
            assert jargon not in shown, (url, jargon)
        assert "Time travel" in travel and "Position in the ledger" in travel  # the basis, folded away
        assert '<td class="wide source">list</td>' not in page  # a time from a list: "result list"
    board = visible(okt.get("/races/okt-2017/women-1000m").text.split('id="board"')[1].split("</section>")[0])
    assert board.count("provisional") == 1  # once per race, not after every time


def test_times_of_day_are_the_venues_to_the_second_with_the_zone_named(okt: TestClient) -> None:
    page = okt.get("/competitions/okt-2017/replay").text
    shown = re.search(r'<time id="replay-time"[^>]*>([^<]*)</time>', page)
    assert shown is not None and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (CET|CEST)", shown.group(1))


def test_a_correction_within_the_hundredth_shows_thousandths(memory_app: Ledger) -> None:
    assert views.change_text(68_452, 68_455) == ("1:08.452", "1:08.455")
    assert views.change_text(38_300, 38_520) == ("38.30", "38.52")
    key = race_day(memory_app, 1000, ["Skater A", "Skater B"])
    draw(memory_app, key, ("Skater A", "Skater B"))
    memory_app.start(key, 1)
    memory_app.record_finish(key, "Skater A", 68_452)
    time.sleep(0.002)
    target = memory_app.find_fact(key, "Skater A", "finish").fact_id
    memory_app.correct_time(key, target, 68_455, "thousandths from the photo", "Referee R")
    page = client_of(memory_app).get(f"/races/{key}").text
    assert "corrected 1:08.452 → 1:08.455" in page and "1:08.45 → 1:08.45" not in page
    dutch = client_of(memory_app).get(f"/races/{key}", params={"lang": "nl"}).text
    assert "gecorrigeerd 1.08,452 → 1.08,455" in dutch


# -- error pages --------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "status"), [("/races/okt-2017/women-999m", 404), ("/nowhere", 404),
                                             ("/races/okt-2017/women-1000m?position=abc", 400)])
def test_an_error_page_is_html_in_the_sites_layout(okt: TestClient, url: str, status: int) -> None:
    english = okt.get(url)
    assert english.status_code == status and english.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in english.text and "<title>" in english.text
    assert '<a href="/">Back to the competitions</a>' in english.text
    reason = re.search(r'<p class="reason-line">([^<]+)</p>', english.text)
    assert reason is not None and reason.group(1).strip()
    dutch = okt.get(url, headers={"Accept-Language": "nl"})
    assert '<html lang="nl">' in dutch.text and "Terug naar de wedstrijden" in dutch.text


def test_machine_endpoints_keep_their_plain_errors(okt: TestClient) -> None:
    api = okt.get("/api/races/okt-2017/women-999m")
    assert api.status_code == 404 and "error" in api.json()
    stream = okt.get("/races/okt-2017/women-1000m/events", headers={"Last-Event-ID": "x"})
    assert stream.status_code == 400 and stream.headers["content-type"].startswith("text/plain")
