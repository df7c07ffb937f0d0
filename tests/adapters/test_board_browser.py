"""The web board in a real browser: Playwright for Python driving Debian's Chromium (no download).

A board updates in place when a fact is recorded from elsewhere (no navigation, the scroll position
kept); the page resumes after its stream drops (the server stopped and started again on the same
port) at the new position without duplicate rows; the replay slider and its deep links; a
``?known_at=`` URL before and after a correction; the 390 px phone layout.

Every test here is marked ``browser``. Under ``CI=true`` they must run (a missing /usr/bin/chromium
fails them: ``.ci/run`` installs Debian's ``chromium``); locally they are skipped only when it is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

from ledger.application import Ledger
from ledger.bootstrap import build_app
from scripts.demo import okt2017
from tests.adapters.test_board import correction_day, recorded_at
from tests.adapters.test_board_live import Server, a_pair_on_ice, served
from tests.conftest import IN_CI

CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 10_000  # the longest any page may take to show what it must (it takes ~100 ms)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); under CI=true this fails")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f"the page's script failed: {errors}"


@pytest.fixture
def ledger_file(tmp_path: Path) -> Iterator[tuple[str, Ledger]]:
    """A SQLite ledger file and a recorder on it (as another terminal would be)."""
    path = str(tmp_path / "board.db")
    recorder = build_app(path)
    yield path, recorder
    recorder.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Ledger]]:
    """The OKT 2017 demo day on a SQLite file, served for the whole module; the tests only read it."""
    path = str(tmp_path_factory.mktemp("demo") / "okt-2017.db")
    loader = build_app(path)
    okt2017.load(loader)
    loader.close()
    app = build_app(path)
    with Server(app) as url:
        yield url, app
    app.close()


def navigations(page: Page) -> list[str]:
    """The main frame's navigations from now on (a reload would add one)."""
    seen: list[str] = []
    page.on("framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None)
    return seen


def wait_position(page: Page, position: int, selector: str = "#board") -> None:
    page.wait_for_function("([s, p]) => { const el = document.querySelector(s);"
                           " return el !== null && el.dataset.position === String(p); }",
                           arg=[selector, position])


def wait_live(page: Page) -> None:
    """Until the page's event stream is open and its snapshot applied."""
    page.wait_for_function("() => window.skateLedgerSource && window.skateLedgerSource.readyState === 1"
                           " && document.getElementById('live').dataset.lastEventId")


def rows(page: Page, within: str = "#board") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.eval_on_selector_all(
        f"{within} tbody tr[id^=row-]", """rs => rs.map(r => ({
        id: r.id, skater: r.dataset.skater, rank: r.dataset.rank, status: r.dataset.status,
        time: r.querySelector('td.time').firstChild.textContent.trim()}))""")
    return found


# -- live ---------------------------------------------------------------------------------------
def test_the_board_updates_in_place_when_a_fact_is_recorded(page: Page, ledger_file: tuple[str, Ledger]
                                                            ) -> None:
    path, recorder = ledger_file
    key = a_pair_on_ice(recorder)
    with served(path) as url:
        page.set_viewport_size({"width": 1000, "height": 300})  # short: the page scrolls
        page.goto(f"{url}/races/{key}")
        wait_live(page)
        assert rows(page) == [] and "No results yet" in page.locator("#board").inner_text()
        page.evaluate("window.notReloaded = true")
        listen(page, "patch")
        moved = navigations(page)

        at_200 = recorder.record_passing(key, "Skater A", 200, 16_800)
        assert at_200 is not None
        wait_position(page, at_200)
        passing = page.locator('#pair [data-skater="Skater A"] tr[data-at="200"]')
        assert passing.get_attribute("data-place") == "1" and "16.80" in passing.inner_text()

        page.evaluate("window.scrollTo(0, 120)")
        assert page.evaluate("document.documentElement.scrollHeight") > 300 + 120
        finish = recorder.record_finish(key, "Skater A", 67_541)
        assert finish is not None
        wait_position(page, finish)
        a = page.locator('#board tr[data-skater="Skater A"]')
        assert a.get_attribute("data-rank") == "1"
        assert "1:07.54" in a.locator("td.time").first.inner_text()
        assert page.evaluate("window.scrollY") == 120  # the reader's place kept

        # from another terminal: the command appends to the same file
        cli = subprocess.run([sys.executable, "-m", "scripts.cli.main", "--db", path, "record",
                              "finish", key, "Skater B", "1:07.546"],
                             capture_output=True, text=True, timeout=60, check=False)
        assert cli.returncode == 0, cli.stderr
        wait_position(page, recorder.last_position())
        assert [(r["skater"], r["rank"]) for r in rows(page)] == [("Skater A", "1"), ("Skater B", "2")]
        assert "+0.005" in page.locator('#board tr[data-skater="Skater B"]').inner_text()
        assert page.locator("#announce").inner_text().endswith("Skater A leads in 1:07.54 (provisional)")
        assert page.evaluate("window.notReloaded") is True and moved == []
        patched = [p["position"] for p in heard(page, "patch")]
        assert patched[0] == at_200 and patched[-1] == recorder.last_position()  # patches, not boards
        assert same_as_served(page, f"{url}/races/{key}/fragment")  # they made the served board


class Outage:
    """The board of the ledger file ``path`` served, stopped and served again on the same port, on
    two ledgers of its own (a restart: nothing is carried over but the file)."""

    def __init__(self, path: str) -> None:
        self.first, self.second = build_app(path), build_app(path)
        self.server: Server | None = None
        self.url = ""

    def __enter__(self) -> Outage:
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.stop()
        finally:
            self.first.close()
            self.second.close()

    def open(self, page: Page, where: str) -> None:
        """Serve the first ledger, and open ``where`` on the page, live."""
        self.server = Server(self.first)
        self.url = self.server.__enter__()
        page.goto(f"{self.url}{where}")
        wait_live(page)

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.__exit__()

    def drop(self, page: Page) -> None:
        """Stop the board, and wait until the page sees its stream drop."""
        self.stop()
        page.wait_for_function("() => window.skateLedgerSource.readyState !== 1")

    def again(self) -> Server:
        """The board to serve again, from the second ledger, on the port of the first."""
        return Server(self.second, port=int(self.url.rsplit(":", 1)[1]))


def test_the_page_resumes_after_the_stream_drops_without_duplicate_rows(
        page: Page, ledger_file: tuple[str, Ledger]) -> None:
    path, recorder = ledger_file
    key = a_pair_on_ice(recorder)
    streams: list[Request] = []
    page.on("request", lambda r: streams.append(r) if "/events?ref=sb" in r.url else None)
    with Outage(path) as board:
        board.open(page, f"/races/{key}")
        page.evaluate("window.notReloaded = true")
        moved = navigations(page)
        dropped_at = recorder.last_position()
        board.drop(page)  # the drop is seen
        assert page.locator("#live-tag").inner_text() == "offline"
        recorder.record_passing(key, "Skater A", 200, 16_800)  # recorded while the board is down
        recorder.record_finish(key, "Skater A", 67_541)
        finish = recorder.record_finish(key, "Skater B", 67_600)
        assert finish is not None
        with board.again():
            wait_position(page, finish)
            wait_live(page)
            assert page.locator("#live-tag").inner_text() == "live"
            shown = rows(page)
            assert [(r["skater"], r["rank"]) for r in shown] == [("Skater A", "1"), ("Skater B", "2")]
            assert len({r["id"] for r in shown}) == len(shown) == 2
            assert page.locator("#board").count() == page.locator("#pair").count() == 1
            assert page.locator("#live").get_attribute("data-last-event-id") == str(finish)
            assert page.evaluate("window.notReloaded") is True and moved == []
        asked = [r.all_headers().get("last-event-id") for r in streams]
        assert asked[0] is None and str(dropped_at) in asked[1:], asked  # it resumed from where it was
        assert streams[0].url.endswith(f"&after={dropped_at}")  # and began where its page was


def test_the_badge_shows_offline_while_the_stream_is_down_and_live_once_it_is_open_again(
        page: Page, ledger_file: tuple[str, Ledger]) -> None:
    """Nothing is recorded while the board is down: the reconnection's snapshot is the position
    alone (the page holds the newest board), and the badge still says "live" as soon as the
    stream is open (``onopen``), to the eye and to screen readers."""
    path, recorder = ledger_file
    key = a_pair_on_ice(recorder)
    with Outage(path) as board:
        board.open(page, f"/races/{key}")
        tag = page.locator("#live-tag")
        assert tag.inner_text() == "live" and tag.get_attribute("data-state") == "live"
        live_look = tag.evaluate("e => getComputedStyle(e).backgroundColor")
        board.drop(page)
        assert tag.inner_text() == "offline" and tag.get_attribute("data-state") == "offline"
        assert tag.evaluate("e => getComputedStyle(e).backgroundColor") != live_look  # visibly
        assert page.locator("#announce").inner_text().startswith("Offline")  # and said
        listen(page, "snapshot")
        with board.again():
            page.wait_for_function("() => document.getElementById('live-tag').dataset.state === 'live'")
            assert tag.inner_text() == "live"
            assert page.locator("#announce").inner_text().startswith("Live again")
            page.wait_for_function("() => window.seen.snapshot.length > 0")
            assert heard(page, "snapshot") == [{"position": recorder.last_position(), "current": True}]
            assert page.locator("#board").count() == 1


def test_the_bytes_on_the_wire_per_fact_are_a_patch_gzipped_not_the_board(
        page: Page, ledger_file: tuple[str, Ledger]) -> None:
    """What Chromium's network layer received on the page's event stream (DevTools' counts of
    bytes on the wire): gzipped, and per fact under a tenth of what the whole board weighs (the
    whole board at each fact, gzipped, is more)."""
    path, recorder = ledger_file
    key = a_pair_on_ice(recorder)
    server_side = build_app(path)
    try:
        with Server(server_side) as url:
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            streams: dict[str, str] = {}
            wire: dict[str, int] = {}

            def response(event: dict[str, Any]) -> None:
                if "/events?" in event["response"]["url"]:
                    headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
                    streams[event["requestId"]] = headers.get("content-encoding", "")

            def data(event: dict[str, Any]) -> None:
                wire[event["requestId"]] = wire.get(event["requestId"], 0) + event["encodedDataLength"]

            cdp.on("Network.responseReceived", response)
            cdp.on("Network.dataReceived", data)
            page.goto(f"{url}/races/{key}")
            wait_live(page)
            assert list(streams.values()) == ["gzip"]
            (stream,) = streams
            before = wire.get(stream, 0)
            last = 0
            for metres, ms in ((200, 16_800), (600, 42_100), (1000, 67_541)):
                last = (recorder.record_passing(key, "Skater A", metres, ms) if metres < 1000
                        else recorder.record_finish(key, "Skater A", ms)) or 0
                wait_position(page, last)
            page.wait_for_timeout(200)  # the last chunk's count
            per_fact = (wire.get(stream, 0) - before) / 3
            whole = len(httpx.get(f"{url}/races/{key}/fragment").content)
            # patches gzipped: about 290 B a fact here; the whole board gzipped about 540 B (the
            # stream's window holds the board before it), plain about 4 KB
            assert 0 < per_fact < whole / 10, (per_fact, whole)
    finally:
        server_side.close()


def listen(page: Page, kind: str) -> None:
    """Note the data of the events of ``kind`` the page's stream brings from now on
    (:func:`heard`)."""
    page.evaluate("""kind => { window.seen = window.seen || {}; window.seen[kind] = [];
        window.skateLedgerSource.addEventListener(kind,
          e => window.seen[kind].push(JSON.parse(e.data))); }""",
                  kind)


def heard(page: Page, kind: str) -> list[Any]:
    found: list[Any] = page.evaluate("kind => window.seen[kind]", kind)
    return found


def same_as_served(page: Page, fragment_url: str) -> bool:
    """Whether the page's live board is, node for node, the fragment the server renders now
    (white space between elements and the viewer's own times aside)."""
    html = httpx.get(fragment_url).text
    return bool(page.evaluate("""html => {
        function clean(root) {
          root.querySelectorAll('.viewer').forEach(e => e.remove());
          const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), blank = [];
          while (walk.nextNode()) { if (!walk.currentNode.textContent.trim()) blank.push(walk.currentNode); }
          blank.forEach(n => n.remove());
          root.normalize();
          return root;
        }
        const served = document.createElement('div');
        served.innerHTML = html;
        const a = clean(served), b = clean(document.getElementById('live').cloneNode(true));
        return a.childNodes.length === b.childNodes.length && a.childNodes.length > 0 &&
          Array.from(a.childNodes).every((n, i) => n.isEqualNode(b.childNodes[i]));
    }""", html))


# -- time travel --------------------------------------------------------------------------------
def test_the_replay_slider_shows_the_board_at_each_step_and_deep_links_to_it(
        page: Page, demo: tuple[str, Ledger]) -> None:
    url, _ = demo
    with httpx.Client(base_url=url, timeout=10) as client:
        steps = client.get("/api/competitions/okt-2017/replay").json()["steps"]
        by_pair = [s for s in steps if s["ends_pair"]]
        page.goto(f"{url}/competitions/okt-2017/replay")
        slider = page.locator("#replay-slider")
        slider.focus()
        slider.press("Home")
        wait_position(page, by_pair[0]["position"], "#frame")
        page.locator("#replay-next").click()
        page.locator("#replay-next").click()
        wait_position(page, by_pair[2]["position"], "#frame")
        for _ in range(5):
            slider.press("ArrowRight")
        step = by_pair[7]
        wait_position(page, step["position"], "#frame")
        assert slider.input_value() == "7"
        label = page.locator("#replay-label").inner_text()  # the race by name, not by key
        assert label.endswith(step["label"].split(": ", 1)[1]) and step["race"] not in label
        shown = rows(page, "#frame")
        then = client.get(f"/api/races/{step['race']}", params={"position": step["position"]}).json()
        assert [(r["skater"], r["rank"]) for r in shown] == [
            (r["skater"], "" if r["rank"] is None else str(r["rank"])) for r in then["rows"]]
        assert page.locator("#frame #board").get_attribute("data-race") == step["race"]

        link = page.url
        assert f"position={step['position']}" in link
        other = page.context.new_page()
        other.goto(link)
        assert other.locator("#frame").get_attribute("data-position") == str(step["position"])
        assert other.locator("#replay-slider").input_value() == "7"
        assert rows(other, "#frame") == shown
        other.close()


def test_a_known_at_url_shows_the_board_before_and_after_a_correction(
        page: Page, ledger_file: tuple[str, Ledger]) -> None:
    path, recorder = ledger_file
    key, finish, corrected = correction_day(recorder)
    moment = recorded_at(recorder, corrected)
    server_side = build_app(path)
    try:
        with Server(server_side) as url:
            before = (moment - timedelta(microseconds=1)).isoformat()
            page.goto(f"{url}/races/{key}?" + urlencode({"known_at": before}))
            assert page.locator("#live").get_attribute("data-events") is None  # a past board stays put
            assert page.locator("#board").get_attribute("data-position") == str(finish)
            assert [(r["skater"], r["time"]) for r in rows(page)] == [
                ("Skater B", "38.30"), ("Skater A", "38.42")]
            assert page.get_by_text("photo finish reviewed").count() == 0

            page.goto(f"{url}/races/{key}?" + urlencode({"known_at": moment.isoformat()}))
            assert page.locator("#board").get_attribute("data-position") == str(corrected)
            assert [(r["skater"], r["time"]) for r in rows(page)] == [
                ("Skater A", "38.42"), ("Skater B", "38.52")]
            b = page.locator('#board tr[data-skater="Skater B"]')
            assert "corrected 38.30 → 38.52: photo finish reviewed" in b.inner_text()
            assert "reason: photo finish reviewed" in page.locator("#corrections").inner_text()
            # the form shows the moment of the URL, so the shared link explains itself
            assert page.locator("input[name=known_at]").input_value() == moment.isoformat()
    finally:
        server_side.close()


# -- for people -----------------------------------------------------------------------------------
@pytest.mark.parametrize("race", ["women-1000m", "men-5000m"])
def test_the_phone_layout_at_390_px_has_no_horizontal_scroll(browser: Browser, demo: tuple[str, Ledger],
                                                            race: str) -> None:
    url, _ = demo
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        for path in (f"/races/okt-2017/{race}", "/competitions/okt-2017"):
            page.goto(url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
        page.goto(f"{url}/races/okt-2017/{race}")
        wait_live(page)  # the stream's snapshot re-renders the rows: measure the rows it leaves
        second = page.locator("#board tbody tr").nth(1)  # rank 2: it has a time and a gap
        cells = [second.locator("td.rank"), second.locator("td.name a"), second.locator("td.time").nth(0),
                 second.locator("td.time").nth(1)]
        for cell in cells:
            assert cell.is_visible()
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert second.locator("td.time").nth(1).inner_text().startswith("+")  # behind
        assert not second.locator("td.wide").first.is_visible()  # the wide columns give way
    finally:
        context.close()
