"""The board's looks and accessibility in Chromium: axe-core (as bundled by the PyPI package
axe-playwright-python, MPL-2.0) finds 0 violations on every page kind at 390 px and 1280 px, in
English and in Dutch; the language switch (``?lang=nl``, ``Accept-Language: nl``) and its links;
headings in size order and the time-travel control out of the phone's first screen.

One browser and one demo server for the module, one page load per page kind and width and language.
Marked ``browser`` (tests/adapters/test_board_browser.py says when they run).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from ledger.application import Ledger
from tests.adapters.test_board_browser import WAIT_MS, browser, demo, wait_live

__all__ = ["browser", "demo"]  # the fixtures, shared with the other browser tests
pytestmark = pytest.mark.browser

AXE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
#: Every kind of page the board serves (the records and qualification are panels of the race page).
PAGES = {
    "index": "/",
    "day": "/competitions/okt-2017",
    "race": "/races/okt-2017/women-1000m",
    "race with a fall": "/races/okt-2017/men-5000m",
    "race at a passing point": "/races/okt-2017/women-1000m?at=600",
    "race in the past": "/races/okt-2017/women-1000m?position=120",
    "skater": "/skaters/Ireen%20W%C3%BCst",
    "replay": "/competitions/okt-2017/replay",
    "error": "/races/okt-2017/women-999m",
}
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


def context_of(browser: Browser, width: str, lang: str) -> BrowserContext:
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale=lang,
                                  is_mobile=width == "phone", has_touch=width == "phone")
    context.set_default_timeout(WAIT_MS)
    return context


def violations(page: Page) -> list[dict[str, Any]]:
    page.evaluate(AXE)
    found: list[dict[str, Any]] = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ("
        "{id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")
    return found


def opened(page: Page, url: str) -> None:
    answer = page.goto(url)
    assert answer is not None
    if page.locator("#live[data-events]").count():
        wait_live(page)  # what the stream re-renders is what a reader sees


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_axe_finds_no_violation_on_any_page_kind(browser: Browser, demo: tuple[str, Ledger],
                                                 width: str, lang: str) -> None:
    url, _ = demo
    context = context_of(browser, width, lang)
    try:
        page = context.new_page()
        found = {}
        for kind, path in PAGES.items():
            opened(page, url + path)
            assert page.evaluate("document.documentElement.lang") == lang, kind
            shown = violations(page)
            if shown:
                found[kind] = shown
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0], kind
        assert found == {}, found
    finally:
        context.close()


def test_the_language_switch_and_its_links(browser: Browser, demo: tuple[str, Ledger]) -> None:
    url, _ = demo
    context = context_of(browser, "desktop", "nl-NL")  # the browser asks for Dutch
    try:
        page = context.new_page()
        opened(page, url + "/races/okt-2017/women-1000m")
        assert page.evaluate("document.documentElement.lang") == "nl"
        assert "1.15,38" in page.locator("#board").inner_text()
        page.get_by_role("link", name="English").click()
        page.wait_for_url("**lang=en")
        wait_live(page)
        assert page.evaluate("document.documentElement.lang") == "en"
        assert "1:15.38" in page.locator("#board").inner_text()
        links: list[str] = page.eval_on_selector_all(
            "a[href]", "as => as.map(a => a.getAttribute('href'))")
        board = [h for h in links if h.startswith(("/", "?")) and not h.startswith("/static/")]
        assert board and all("lang=" in h for h in board), [h for h in board if "lang=" not in h]
        page.locator("#board a[href^='/skaters/']").first.click()  # a link of the live fragment
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.lang") == "en" and "lang=en" in page.url
    finally:
        context.close()


def test_on_a_phone_the_content_comes_first_and_headings_shrink_in_order(
        browser: Browser, demo: tuple[str, Ledger]) -> None:
    url, _ = demo
    context = context_of(browser, "phone", "en")
    try:
        page = context.new_page()
        opened(page, url + "/races/okt-2017/women-1000m")
        h1 = page.locator("h1")
        travel = page.locator("details.travel")
        box = h1.bounding_box()
        assert box is not None and box["y"] < 110  # the race's name, not a form, at the top
        assert travel.get_attribute("open") is None and not page.locator("input[name=position]").is_visible()
        opened(page, url + "/competitions/okt-2017")  # h1, h2 and h3
        sizes = page.evaluate("['h1', 'h2', 'h3'].map(h => parseFloat(getComputedStyle("
                              "document.querySelector(h)).fontSize))")
        assert sizes[0] > sizes[1] > sizes[2], sizes
        page.keyboard.press("Tab")  # the skip link is the first thing a keyboard reaches
        assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
        breaks = page.evaluate("[...document.querySelectorAll('*')].filter(e => "
                               "getComputedStyle(e).wordBreak === 'break-all').length")
        assert breaks == 0
    finally:
        context.close()



def test_axe_would_see_a_violation(browser: Browser) -> None:
    """The check above can fail: a page without a language and an image without a text is caught."""
    context = context_of(browser, "desktop", "en")
    try:
        page = context.new_page()
        page.set_content('<!doctype html><html><head><title>x</title></head><body><main>'
                         '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>')
        assert {"html-has-lang", "image-alt"} <= {v["id"] for v in violations(page)}
    finally:
        context.close()
