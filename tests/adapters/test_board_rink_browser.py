"""What the rink needs, in a real browser (issue 16, item 2; decision 0027): the start list and the
next pair update in place when a pair is drawn, the pair panel comes to the top when the pair
starts, a start list opened on the day page stays open over a live update, and the passing columns
and the progression chart leave a 390 px phone without horizontal scroll.

Marked ``browser``, as tests/adapters/test_board_browser.py (whose fixtures these use).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.importing.vantage import import_vantage
from tests.adapters.test_board import LADIES, WOMEN_1000
from tests.adapters.test_board_browser import browser as browser  # the fixtures
from tests.adapters.test_board_browser import demo as demo
from tests.adapters.test_board_browser import ledger_file as ledger_file
from tests.adapters.test_board_browser import page as page
from tests.adapters.test_board_browser import wait_live, wait_position
from tests.adapters.test_board_live import Server
from tests.helpers import draw, race_day

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    yield context
    context.close()


def a_race_of_three_pairs(recorder: Ledger) -> str:
    key = race_day(recorder, 1000, ["Skater A", "Skater B", "Skater C", "Skater D",
                                    "Skater E", "Skater F"])
    draw(recorder, key, ("Skater A", "Skater B"))
    return key


def test_drawing_a_pair_updates_the_start_list_and_the_next_pair_in_place(
        page: Page, ledger_file: tuple[str, Ledger]) -> None:
    path, recorder = ledger_file
    key = a_race_of_three_pairs(recorder)
    server_side = build_app(path)
    try:
        with Server(server_side) as url:
            page.goto(f"{url}/races/{key}")
            wait_live(page)
            page.evaluate("window.notReloaded = true")
            assert page.locator("#next-pair").get_attribute("data-pair") == "1"
            assert page.locator("#board").evaluate("el => el.previousElementSibling.id") == "next-pair"

            started = recorder.start(key, 1)
            assert started is not None
            wait_position(page, started)
            # the pair on the ice: its panel at the top, its rows marked, no next pair drawn yet
            assert page.locator("#live > section").first.get_attribute("id") == "pair"
            assert page.locator('#start-list tbody[data-pair="1"]').get_attribute("class") == "pair on-ice"
            assert page.locator("#next-pair").count() == 0

            drawn = recorder.draw_pair(key, 2, "Skater C", "Skater D")
            assert drawn is not None
            wait_position(page, drawn)
            assert page.locator("#next-pair").get_attribute("data-pair") == "2"
            assert "Skater C" in page.locator("#next-pair").inner_text()
            assert page.locator('#start-list tbody[data-pair="2"]').get_attribute("class") == "pair next"
            assert page.locator("#start-list tbody[data-pair='2'] .tag.next").is_visible()
            assert page.evaluate("window.notReloaded") is True  # in place, no reload
    finally:
        server_side.close()


def test_a_start_list_opened_on_the_day_page_stays_open_over_a_live_update(
        page: Page, ledger_file: tuple[str, Ledger]) -> None:
    path, recorder = ledger_file
    key = a_race_of_three_pairs(recorder)
    slug = key.split("/")[0]
    server_side = build_app(path)
    try:
        with Server(server_side) as url:
            page.goto(f"{url}/competitions/{slug}")
            wait_live(page)
            details = page.locator("details.start-list")
            assert details.evaluate("el => el.open") is False  # on demand
            assert not page.locator('details.start-list tr[data-skater="Skater A"]').is_visible()
            page.locator("details.start-list summary").click()
            assert page.locator('details.start-list tr[data-skater="Skater A"]').is_visible()
            started = recorder.start(key, 1)
            assert started is not None
            wait_position(page, started, "#live")
            assert page.locator(".race-status").inner_text() == "running"
            assert page.locator("details.start-list").evaluate("el => el.open") is True
    finally:
        server_side.close()


def test_passing_columns_and_the_chart_leave_a_phone_without_horizontal_scroll(
        phone: BrowserContext, tmp_path: Path) -> None:
    path = str(tmp_path / "ladies.db")
    loader = build_app(path)
    import_vantage(loader, LADIES)
    loader.close()
    app = build_app(path)
    try:
        with Server(app) as url:
            tab = phone.new_page()
            for where in (f"/races/{WOMEN_1000}", "/skaters/Ellia Smeding",
                          f"/competitions/{WOMEN_1000.split('/')[0]}"):
                tab.goto(url + where)
                width = tab.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, (where, width)
            tab.goto(f"{url}/races/{WOMEN_1000}")
            split = tab.locator('#board td.split[data-at="200"]').first
            assert split.count() == 1 and not split.is_visible()  # the extra columns give way
            chromium = tab.context.browser
            assert chromium is not None
            wide = chromium.new_page(viewport={"width": 1280, "height": 900})
            try:
                wide.goto(f"{url}/races/{WOMEN_1000}")
                assert wide.locator('#board td.split[data-at="200"]').first.is_visible()
            finally:
                wide.close()
    finally:
        app.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_demo_day_fits_its_podiums_in_a_few_screens_not_4000_px_of_start_lists(
        browser: Browser, demo: tuple[str, Ledger], width: int) -> None:
    url, _ = demo
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        tab = context.new_page()
        tab.goto(f"{url}/competitions/okt-2017")
        assert tab.locator("ol.podium").count() == 8  # each of the eight races
        height = tab.evaluate("document.documentElement.scrollHeight")
        assert height < 2_500, height  # the start lists open on demand (it was 4,000 px)
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        wdr = tab.locator('#race-okt-2017--women-5000m tr[data-skater="Ireen Wüst"]')
        assert not wdr.is_visible()
        tab.locator("#race-okt-2017--women-5000m details summary").click()
        assert wdr.is_visible() and "WDR" in wdr.inner_text()
    finally:
        context.close()
