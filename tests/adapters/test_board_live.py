"""Live push of the web board: server-sent events from a real server on a loopback port, in-process.

Each event's id is the ledger position; a new client gets a snapshot first, then a new board when a
fact is recorded (by another connection to the ledger, as from another terminal); a client that
resumes with ``Last-Event-ID`` of the current position gets no duplicate snapshot. Runs on the three
stores (the PostgreSQL variant is marked ``postgres``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.store.notifier import sqlite_watch
from scripts.board import wire
from scripts.board.app import create_app, server
from tests.conftest import _PG, drop_pg_schema, new_pg_schema, pg_url
from tests.helpers import draw, race_day

READ_TIMEOUT = 5.0


class Server:
    """The board served by uvicorn on a free loopback port, in a thread of this process."""

    def __init__(self, app: Ledger, port: int = 0, poll_interval: float = 0.02) -> None:
        self.server = server(app, port=port, poll_interval=poll_interval)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the board did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@contextmanager
def served(path: str) -> Iterator[str]:
    """The board of the ledger ``path`` (a SQLite file), on a ledger of its own, served: its URL;
    the ledger closed when the server stops."""
    server_side = build_app(path)
    try:
        with Server(server_side) as url:
            yield url
    finally:
        server_side.close()


def events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The server-sent events of a streamed response, one dict each (comments skipped)."""
    event: dict[str, Any] = {}
    for line in response.iter_lines():
        if not line:
            if "data" in event:
                event["json"] = json.loads(event["data"])
                yield event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            event[name] = value.removeprefix(" ")


def a_pair_on_ice(app: Ledger) -> str:
    key = race_day(app, 1000, ["Skater A", "Skater B"])
    draw(app, key, ("Skater A", "Skater B"))
    app.start(key, 1)
    return key


@pytest.fixture
def live(store: Callable[[], Ledger]) -> Iterator[tuple[Ledger, Ledger, str, str]]:
    """A server on one connection to the ledger, a recorder on another, a race with a pair on ice."""
    server_side, recorder = store(), store()
    key = a_pair_on_ice(recorder)
    with Server(server_side) as url:
        yield server_side, recorder, key, url


class Held:
    """What a page shows of a stream: the whole board of a snapshot or board event, the edits of a
    patch applied to it (as board.js applies them: :func:`scripts.board.wire.applied`)."""

    def __init__(self, html: str = "", position: int = -1) -> None:
        self.html, self.position = wire.canonical(html) if html else "", position

    def take(self, event: dict[str, Any]) -> None:
        data = event["json"]
        if event["event"] == "patch":
            assert data["base"] <= self.position < data["position"], (data["base"], self.position)
            self.html = wire.applied(self.html, data["edits"])
        elif not data.get("current"):
            self.html = wire.canonical(data["html"])
        self.position = data["position"]


def test_a_new_client_gets_a_snapshot_then_what_changed_after_each_new_fact(
        live: tuple[Ledger, Ledger, str, str]) -> None:
    _, recorder, key, url = live
    with httpx.Client(timeout=READ_TIMEOUT) as client, client.stream("GET", f"{url}/races/{key}/events") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        stream = events(r)
        first = next(stream)
        assert first["event"] == "snapshot" and int(first["id"]) == recorder.last_position()
        assert first["json"]["position"] == int(first["id"]) and 'id="board"' in first["json"]["html"]
        held = Held()
        held.take(first)
        recorded = recorder.record_passing(key, "Skater A", 200, 16_800)
        update = next(stream)
        assert update["event"] == "patch" and int(update["id"]) == recorded
        held.take(update)
        assert 'data-at="200" data-behind-ms="" data-place="1"' in held.html
        assert len(update["data"]) * 3 < len(first["data"])  # what changed, not the board
        finished = [recorder.record_finish(key, "Skater A", 67_541),
                    recorder.record_finish(key, "Skater B", 67_546)]
        assert finished[-1] is not None
        while held.position < finished[-1]:  # the poller may see both finishes at once or one by one
            update = next(stream)
            assert update["event"] == "patch"
            held.take(update)
        assert int(update["id"]) == finished[-1]
        page = client.get(f"{url}/races/{key}/fragment")
        assert held.html == wire.canonical(page.text)  # the patches made the board the page shows
        ranks = re.findall(r'data-rank="(\d*)" data-skater="([^"]+)"', held.html)
        assert ranks == [("1", "Skater A"), ("2", "Skater B")]


def test_a_client_resuming_at_the_current_position_gets_the_position_not_the_board_again(
        live: tuple[Ledger, Ledger, str, str]) -> None:
    _, recorder, key, url = live
    current = recorder.last_position()
    headers = {"Last-Event-ID": str(current)}
    with httpx.Client(timeout=READ_TIMEOUT) as client, client.stream(
            "GET", f"{url}/races/{key}/events", headers=headers) as r:
        stream = events(r)
        first = next(stream)  # a snapshot comes at once (the page knows it is live), without the board
        assert first["event"] == "snapshot" and int(first["id"]) == current
        assert first["json"] == {"position": current, "current": True}
        recorded = recorder.record_passing(key, "Skater B", 200, 16_900)
        update = next(stream)
        assert update["event"] == "patch" and int(update["id"]) == recorded
    behind = {"Last-Event-ID": str(current)}  # a client that missed the passing: the whole board
    with httpx.Client(timeout=READ_TIMEOUT) as client, client.stream(
            "GET", f"{url}/races/{key}/events", headers=behind) as r:
        first = next(events(r))
        assert first["event"] == "snapshot" and int(first["id"]) == recorded
        assert 'data-at="200" data-place="1"' in first["json"]["html"]


def test_the_page_opens_its_stream_at_its_own_position_and_gets_no_board_twice(
        live: tuple[Ledger, Ledger, str, str]) -> None:
    _, recorder, key, url = live
    with httpx.Client(timeout=READ_TIMEOUT) as client:
        page = client.get(f"{url}/races/{key}")
        position = recorder.last_position()
        found = re.search(r'data-events="([^"]+)"', page.text)
        assert found is not None
        stream_url = found.group(1).replace("&amp;", "&")
        assert stream_url == f"/races/{key}/events?ref=sb&after={position}"
        with client.stream("GET", url + stream_url) as r:
            stream = events(r)
            first = next(stream)
            assert first["json"] == {"position": position, "current": True}
            recorded = recorder.record_passing(key, "Skater A", 200, 16_800)
            update = next(stream)
            assert update["event"] == "patch" and int(update["id"]) == recorded
        slug = key.split("/")[0]
        day = client.get(f"{url}/competitions/{slug}").text
        assert f'data-events="/competitions/{slug}/events?after={recorder.last_position()}"' in day
        for bad in ("after=soon", "mode=fast"):
            refused = client.get(f"{url}/races/{key}/events?{bad}")
            assert refused.status_code == 400 and refused.text.count("\n") == 1, refused.text


def test_a_client_whose_board_is_still_the_newest_gets_a_patch_of_its_position_not_the_board(
        live: tuple[Ledger, Ledger, str, str]) -> None:
    """The log moved on (a skater registered) since the page was rendered, but not this board."""
    _, recorder, key, url = live
    page_at = recorder.last_position()
    with httpx.Client(timeout=READ_TIMEOUT) as client, client.stream(
            "GET", f"{url}/races/{key}/events?after={page_at}") as follower:
        following = events(follower)  # kept: a dropped reader closes its stream
        next(following)  # the board's topic is followed from here on ...
        recorder.register_skater("Skater D")  # ... and the log moves on without changing it
        moved = recorder.last_position()
        with client.stream("GET", f"{url}/races/{key}/events?after={page_at}") as r:
            first = next(events(r))
    assert first["event"] == "patch" and int(first["id"]) == moved > page_at
    assert first["json"]["base"] <= page_at
    assert all(op == "a" for op, *_ in first["json"]["edits"])  # the position, nothing redrawn


def test_the_whole_board_mode_sends_the_whole_board_every_time(live: tuple[Ledger, Ledger, str, str]) -> None:
    """The board as it was pushed before decision 0028, kept for the benchmark's before and after."""
    _, recorder, key, url = live
    with httpx.Client(timeout=READ_TIMEOUT) as client, client.stream(
            "GET", f"{url}/races/{key}/events?mode=whole") as r:
        stream = events(r)
        assert next(stream)["event"] == "snapshot"
        recorded = recorder.record_passing(key, "Skater A", 200, 16_800)
        update = next(stream)
        assert update["event"] == "board" and int(update["id"]) == recorded
        assert 'data-at="200" data-place="1"' in update["json"]["html"]


def test_through_gzip_each_event_arrives_at_once_and_pages_are_gzipped(
        live: tuple[Ledger, Ledger, str, str]) -> None:
    """Gzip with a flush per event: an event that waited in the compressor would not arrive
    within the read timeout, and the test would fail on it."""
    _, recorder, key, url = live
    gzip = {"Accept-Encoding": "gzip"}
    with httpx.Client(timeout=READ_TIMEOUT, headers=gzip) as client:
        page = client.get(f"{url}/races/{key}")
        assert page.headers["content-encoding"] == "gzip" and 'id="board"' in page.text
        plain = httpx.get(f"{url}/races/{key}", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == page.text
        assert client.get(f"{url}/openapi.json").headers["content-encoding"] == "gzip"
        with client.stream("GET", f"{url}/races/{key}/events") as r:
            assert r.headers["content-encoding"] == "gzip"
            stream = events(r)
            assert next(stream)["event"] == "snapshot"
            for metres, ms in ((200, 16_800), (600, 42_100)):
                recorded = recorder.record_passing(key, "Skater A", metres, ms)
                update = next(stream)
                assert update["event"] == "patch" and int(update["id"]) == recorded


def test_the_json_feed_carries_the_races_facts_with_their_positions_and_resumes(
        live: tuple[Ledger, Ledger, str, str]) -> None:
    _, recorder, key, url = live
    recorder.record_passing(key, "Skater B", 200, 16_900)
    with httpx.Client(timeout=READ_TIMEOUT, headers={"Accept-Encoding": "gzip"}) as client, client.stream(
            "GET", f"{url}/api/races/{key}/events") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        stream = events(r)
        backlog = [next(stream) for _ in range(3)]  # the draw, the start, the passing so far
        assert [e["event"] for e in backlog] == ["draw", "start", "passing"]
        assert backlog[1]["json"]["skaters"] == ["Skater A", "Skater B"]  # the pair on the ice
        assert int(backlog[2]["id"]) == backlog[2]["json"]["position"] == recorder.last_position()
        faster = recorder.record_passing(key, "Skater A", 200, 16_800)
        passing = next(stream)
        assert int(passing["id"]) == faster and passing["event"] == "passing"
        assert {k: passing["json"][k] for k in ("skater", "metres", "time", "place", "passed")} == {
            "skater": "Skater A", "metres": 200, "time": "16.80", "place": 1, "passed": 2}
        finish = recorder.record_finish(key, "Skater A", 67_541)
        item = next(stream)
        assert item["event"] == "finish" and int(item["id"]) == finish
        assert item["json"]["time"] == "1:07.54" and item["json"]["place"] == 1
    with httpx.Client(timeout=READ_TIMEOUT) as client, client.stream(
            "GET", f"{url}/api/races/{key}/events", headers={"Last-Event-ID": str(faster)}) as r:
        assert int(next(events(r))["id"]) == finish  # only what came after
    with httpx.Client(timeout=READ_TIMEOUT) as client:
        assert client.get(f"{url}/api/races/test-cup-2025/women-500m/events").status_code == 404
        bad = client.get(f"{url}/api/races/{key}/events", headers={"Last-Event-ID": "yesterday"})
        assert bad.status_code == 400 and "Last-Event-ID" in bad.json()["error"]


def test_the_readmes_feed_example_is_what_the_demo_ledger_sends() -> None:
    from scripts.demo import okt2017

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    command = re.search(r"curl -N -H 'Last-Event-ID: (\d+)' http://127.0.0.1:8000(\S+)", readme)
    shown = re.search(r"# id: (\d+)\n# event: (\w+)\n# data: (\{.*\})\n", readme)
    assert command is not None and shown is not None
    app = build_app("memory")
    okt2017.load(app)
    with Server(app) as url, httpx.Client(timeout=READ_TIMEOUT) as client, client.stream(
            "GET", url + command.group(2), headers={"Last-Event-ID": command.group(1)}) as r:
        first = next(events(r))
    expected = json.loads(shown.group(3))
    assert (first["id"], first["event"]) == (shown.group(1), shown.group(2))
    assert {**first["json"], "recorded_at": "…"} == expected


def test_a_bad_last_event_id_or_an_unknown_race_is_refused_in_one_line(
        live: tuple[Ledger, Ledger, str, str]) -> None:
    _, _, key, url = live
    with httpx.Client(timeout=READ_TIMEOUT) as client:
        bad = client.get(f"{url}/races/{key}/events", headers={"Last-Event-ID": "yesterday"})
        assert bad.status_code == 400 and bad.text.count("\n") == 1
        assert client.get(f"{url}/races/test-cup-2025/women-500m/events").status_code == 404
        assert client.get(f"{url}/api/races/{key}").json()["race"] == key


def test_the_day_stream_shows_the_pair_on_the_ice(live: tuple[Ledger, Ledger, str, str]) -> None:
    _, recorder, key, url = live
    slug = key.split("/")[0]
    with httpx.Client(timeout=READ_TIMEOUT) as client, client.stream(
            "GET", f"{url}/competitions/{slug}/events") as r:
        first = next(events(r))
        assert first["event"] == "snapshot" and 'data-pair="1"' in first["json"]["html"]
        assert int(first["id"]) == recorder.last_position()


def test_a_slow_client_skips_to_the_newest_board(memory_app: Ledger) -> None:
    """The hub keeps one pending board per client: many facts while it does not read are one event."""
    import asyncio

    from scripts.board.live import Hub, Ledgers

    key = a_pair_on_ice(memory_app)
    ledgers = Ledgers(memory_app)
    board = create_app(memory_app).state.board
    hub = Hub(ledgers, board.render_topic)

    async def scenario() -> Any:
        sub = hub.subscribe(f"race:sb:{key}")
        for metres, ms in ((200, 16_800), (600, 42_100)):
            memory_app.record_passing(key, "Skater A", metres, ms)
            ledgers.refresh()
        message = await asyncio.wait_for(sub.get(), 1)
        assert not sub.ready.is_set() and sub.pending is None
        return message

    start = memory_app.last_position()
    message = asyncio.run(scenario())
    assert message.position == memory_app.last_position()
    # it skipped the board the patch starts from: it gets the whole board, not the patch
    assert message.base is not None and start < message.base < message.position
    assert not message.patches(start) and message.patches(message.base)


@pytest.mark.postgres
def test_on_postgresql_a_new_fact_is_heard_at_once_not_at_the_next_poll() -> None:
    """The server polls only every 60 s here: the update can only come from PostgreSQL's
    notification (our recorder NOTIFYs in the appending transaction; the board LISTENs)."""
    if not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true this is a failure instead)")
    schema = new_pg_schema()
    try:
        server_side, recorder = build_app(pg_url(schema)), build_app(pg_url(schema))
        key = a_pair_on_ice(recorder)
        with Server(server_side, poll_interval=60) as url, httpx.Client(timeout=READ_TIMEOUT) as client, \
                client.stream("GET", f"{url}/races/{key}/events") as r:
            stream = events(r)
            assert next(stream)["event"] == "snapshot"
            started = time.monotonic()
            recorded = recorder.record_passing(key, "Skater A", 200, 16_800)
            update = next(stream)
            heard_in = time.monotonic() - started
            assert update["event"] == "patch" and int(update["id"]) == recorded
            assert heard_in < READ_TIMEOUT  # not the 60 s poll
        server_side.close()
        recorder.close()
    finally:
        drop_pg_schema(schema)


def test_stopping_the_server_ends_the_open_streams_at_once(memory_app: Ledger) -> None:
    """Shutdown closes the streams first, so an open page sees its stream end (and reconnects to the
    next server) instead of the server waiting out its graceful timeout and cancelling them."""
    key = a_pair_on_ice(memory_app)
    server = Server(memory_app)
    url = server.__enter__()
    try:
        with httpx.Client(timeout=READ_TIMEOUT) as client, client.stream(
                "GET", f"{url}/races/{key}/events") as r:
            stream = events(r)
            assert next(stream)["event"] == "snapshot"
            started = time.monotonic()
            server.__exit__()
            assert list(stream) == []  # the stream ended, cleanly
            assert time.monotonic() - started < 0.9  # sooner than the graceful timeout (1 s)
    finally:
        server.__exit__()


def test_on_a_sqlite_file_the_board_reads_the_log_only_after_another_connection_committed(
        tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    writer = build_app(db)
    key = a_pair_on_ice(writer)
    changed = sqlite_watch(build_app(db).recorder)
    assert changed is not None
    assert changed()  # the first look: whatever the file holds is new to the board
    assert not changed() and not changed()  # nothing committed since
    writer.record_passing(key, "Skater A", 200, 16_800)
    assert changed() and not changed()
    assert sqlite_watch(build_app("memory").recorder) is None
    assert sqlite_watch(build_app(":memory:").recorder) is None


# -- the board's memory: bounded whatever the ledger's size (issue 14, item 4) -------------------
def a_season(races: int) -> Ledger:
    from scripts.demo.generate import generate

    app = build_app("memory")
    generate(app, races=races, seed=3)
    return app


def test_the_boards_caches_hold_no_more_than_their_limits_and_answer_as_the_fold() -> None:
    """Every race of a season read now and at past positions through a cache of 8 answers and
    600 facts: the caches never hold more, whatever is read, and every answer is the fold's."""
    from projections.basis import Basis, state_as_of
    from projections.leaderboard import leaderboard
    from scripts.board.live import Ledgers

    app = a_season(12)
    ledgers = Ledgers(app, entries=8, facts=600)
    last = app.last_position()
    for position in (None, last // 3, last // 2, last):
        basis = Basis(position=position)
        whole = state_as_of(app, basis)
        for sheet in whole.races.values():
            state = ledgers.race_state(sheet.key, basis, marks=True, bests=True, competition=True)
            assert leaderboard(state, sheet.key) == leaderboard(whole, sheet.key)
            assert len(ledgers.cache.kept) <= 8 and ledgers.cache.weight <= 600
            assert ledgers.sheets.weight <= 600
        assert ledgers.catalogue(basis).races.keys() == whole.races.keys()
    assert ledgers.cache.kept and ledgers.sheets.kept  # it did keep some


def test_a_new_fact_of_one_race_rereads_no_other_race() -> None:
    """The live reads are carried on over a new fact: the fact's own race is folded on, a read
    that holds that race as evidence is read again from the cache of sheets but for that race, and
    reading any race's page, or the index, afterwards reads no other race's stream."""
    from projections.basis import Basis, state_as_of
    from scripts.board.live import Ledgers

    app = a_season(4)
    ledgers = Ledgers(app)
    keys = sorted(s.key for s in state_as_of(app).races.values())
    for key in keys:
        ledgers.race_state(key, Basis(), marks=True, bests=True, competition=True)
    ledgers.catalogue(Basis())
    touched = keys[0]
    sheet = state_as_of(app).sheet(touched)
    assert sheet is not None
    skater: str = app.repository.get(next(iter(sheet.entries))).name
    app.know_bests(touched, skater, 60_000, 61_000, source="test")
    reads: list[object] = []
    original = app.read_stream

    def counted(aggregate_id: Any, stop: int | None = None, skip: frozenset[str] = frozenset()) -> Any:
        reads.append(aggregate_id)
        return original(aggregate_id, stop, skip)

    app.read_stream = counted  # type: ignore[method-assign]
    assert ledgers.refresh() == app.last_position()
    whole = state_as_of(app)
    for key in keys:
        state = ledgers.race_state(key, Basis(), marks=True, bests=True, competition=True)
        assert state.sheet(key) == whole.sheet(key) and state.position == whole.position
    assert ledgers.catalogue(Basis()).races.keys() == whole.races.keys()
    assert {r for r in reads if r in whole.races} == {sheet.race_id}
