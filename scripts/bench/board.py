"""Benchmark of the web board (issue 7): live push, past boards, reconnect and resume.

The OKT 2017 demo day plus a bench race (a men's 10000 m with pairs on the ice) in a temporary SQLite
file, served by ``skate-ledger serve`` in a subprocess on a free loopback port (its default look for
new facts every 20 ms unless ``--poll``). This process records into the same file, as another
terminal would, and measures:

- ``push``: record → updated page. One fact at a time (a passing of the pair on the ice), a random
  0–100 ms apart so the facts fall anywhere in the poll's cycle. From the moment the append has
  returned to (a) the moment Chromium's page (Playwright, Debian's /usr/bin/chromium) has applied the
  board of that position to its DOM (its ``board:update`` event, stamped in the page) and (b) the
  moment each of ``--clients`` raw SSE clients (asyncio sockets, all on the same race stream) has
  received the event with that id. p50/p95 over all samples (every client, every fact);
- ``past``: a board at a random past position of a random race that exists there, over HTTP: the JSON
  board and the full page (p50/p95; the first request, which builds the checkpoints, apart);
- ``resume``: a client drops, a fact is recorded, it reconnects with ``Last-Event-ID``: time from its
  reconnect to its first event (the newest board); and the browser's page after the server is
  restarted on the same port: from the new server listening to the page showing the newest position
  (this includes the EventSource's retry wait, ``retry: 1000`` ms);
- ``bytes``: the bytes per fact the race stream sends to ``--bytes-clients`` clients (200) in each
  mode, the whole board every time (``?mode=whole``, as before decision 0028) and what changed
  (patches, the default), plain and gzipped, all in the same run (``bytes_per_fact_*``,
  ``bytes_fall``: whole / patch, plain; ``bytes_fall_gzip``: the same, both gzipped);
- ``pages``: the live pages once each, first and again (the index, the bench day, the bench race,
  a skater: ``page_*_first_ms``, ``page_*_again_ms``);
- ``rss``: the server's resident memory (``/proc/PID/status``) once it has started
  (``board_rss_start_mb``), at the end (``board_rss_mb``) and its peak (``board_rss_peak_mb``).

With ``--ledger DB`` the bench day is added to a copy of a generated season
(``python -m scripts.demo.generate --db DB --events N``), so that the figures show how the board
grows with the ledger (issue 14, item 4: its memory must not). ``--checkout DIR`` serves the board
of another checkout (its ``scripts.cli.main`` on its own ``PYTHONPATH``): the before and after of
one change in one run.

    python -m scripts.bench.board [--clients 500] [--json]
    python -m scripts.bench.board --small --json     # 20 clients, few samples: the smoke
    python -m scripts.bench.board --ledger season-1m.db --past 5 --checkout ../main
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from ledger.application import Ledger
from ledger.bootstrap import build_app
from ledger.domain.race import Race
from ledger.store.personal import MASTER_KEY_ENV, make_master_key
from projections.reading import race_state_at
from scripts.demo import okt2017

CHROMIUM = "/usr/bin/chromium"
BENCH_DAY = date(2017, 12, 30)
#: Figures that must be at least this (issue 16: the bytes per fact to the clients fall ≥ 5×).
AT_LEAST = {"bytes_fall": 5.0}
TARGETS = {"push_browser_p95_ms": 100.0, "push_sse_p95_ms": 100.0, "past_json_p95_ms": 10.0,
           "past_page_p95_ms": 10.0, "resume_sse_p95_ms": 2000.0, "resume_browser_max_ms": 2000.0}
FIGURES = ("push_browser_p50_ms", "push_browser_p95_ms", "push_sse_p50_ms", "push_sse_p95_ms",
           "append_p50_ms", "past_first_ms", "past_json_p50_ms", "past_json_p95_ms", "past_page_p50_ms",
           "past_page_p95_ms", "resume_sse_p50_ms", "resume_sse_p95_ms", "resume_browser_max_ms",
           "page_index_first_ms", "page_index_again_ms", "page_day_first_ms", "page_day_again_ms",
           "page_race_first_ms", "page_race_again_ms", "page_skater_first_ms",
           "page_skater_again_ms", "board_rss_start_mb", "board_rss_mb", "board_rss_peak_mb",
           "board_rss_peak_skater_mb", "bytes_per_fact_whole", "bytes_per_fact_patch",
           "bytes_per_fact_whole_gzip", "bytes_per_fact_patch_gzip", "bytes_fall", "bytes_fall_gzip")
ID = re.compile(rb"\nid: (\d+)\n")
WAIT_S = 10.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# -- the ledger and the server ------------------------------------------------------------------
def bench_ledger(path: str, pairs: int, base: str | None = None) -> tuple[Ledger, str]:
    """The demo day and a 10000 m with ``pairs`` pairs drawn (after a copy of the ledger file
    ``base``, if given); the recorder and the race key."""
    if base is not None:
        shutil.copyfile(base, path)
    app = build_app(path)
    okt2017.load(app)
    slug = app.schedule_competition("Board Bench", "Thialf, Heerenveen", BENCH_DAY)
    key = app.schedule_race(slug, 10000, "men", BENCH_DAY)
    names = [f"Skater {i + 1:02d}" for i in range(2 * pairs)]
    for name in names:
        app.register_skater(name, "NED")
        app.enter_starter(key, name)
    for number in range(pairs):
        app.draw_pair(key, number + 1, names[2 * number], names[2 * number + 1])
    return app, key


def passings(app: Ledger, key: str, pairs: int) -> list[tuple[str, int, int, int]]:
    """The facts to record, in order: (skater, metres or 0 for a start, time in ms, pair); the
    finish is a finish, not a passing (its metres negative)."""
    sheet = race_state_at(app, key).sheet(key)
    assert sheet is not None
    facts = []
    for number in range(1, pairs + 1):
        facts.append(("", 0, 0, number))
        lap = [30_000 + 50 * number, 30_150 + 50 * number]
        for point in sheet.points:
            for side in (0, 1):
                name = f"Skater {2 * (number - 1) + side + 1:02d}"
                metres = -point if point == sheet.distance_m else point
                facts.append((name, metres, point * lap[side] // 400, number))
    return facts


def record(app: Ledger, key: str, fact: tuple[str, int, int, int]) -> int:
    """Append one fact of :func:`passings`; its position."""
    skater, metres, at_ms, pair = fact
    if metres < 0:
        position = app.record_finish(key, skater, at_ms)
    else:
        position = app.start(key, pair) if metres == 0 else app.record_passing(key, skater, metres, at_ms)
    assert position is not None
    return position


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """``skate-ledger serve`` on the ledger file, in a subprocess."""

    def __init__(self, path: str, port: int, poll: float, checkout: str | None = None) -> None:
        self.path, self.port, self.poll, self.checkout = path, port, poll, checkout
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self, deadline_s: float | None = None, timeout_s: float | None = None) -> float:
        """Start it; the wall-clock moment (ms) it accepted a connection first (uvicorn listens once
        the application has started), probed every 2 ms, for at most ``deadline_s`` (default
        WAIT_S, at least 30 s); then its description (``timeout_s``: a large ledger's first answer
        may take longer)."""
        env = None if self.checkout is None else {**os.environ, "PYTHONPATH": self.checkout}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli.main", "--db", self.path, "serve", "--port",
             str(self.port), "--poll", str(self.poll)], stderr=subprocess.DEVNULL, env=env,
            cwd=self.checkout)
        deadline = time.monotonic() + (max(30, WAIT_S) if deadline_s is None else deadline_s)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                listening = time.time() * 1000
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the board server did not start") from None
                time.sleep(0.002)
        httpx.get(f"{self.url}/openapi.json",
                  timeout=WAIT_S if timeout_s is None else timeout_s).raise_for_status()
        return listening

    def rss_mb(self, field: str = "VmRSS") -> float:
        """The server's resident memory now (``VmRSS``) or at its peak (``VmHWM``), in MB."""
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError(f"no {field} in /proc/{self.process.pid}/status")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


# -- raw SSE clients ---------------------------------------------------------------------------------
class Client:
    """One server-sent-events client on a raw socket: notes the monotonic moment each id arrives,
    and the bytes it received (``received``: on the wire, HTTP's chunk framing included); with
    ``gzip`` it asks for gzip and reads the events through a decompressor."""

    def __init__(self, port: int, path: str, gzip: bool = False) -> None:
        self.port, self.path, self.gzip = port, path, gzip
        self.last = -1
        self.arrived: dict[int, float] = {}
        self.first_event: asyncio.Future[float] | None = None
        self.task: asyncio.Task[None] | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.received = 0

    async def connect(self, last_id: int | None = None) -> None:
        loop = asyncio.get_running_loop()
        self.first_event = loop.create_future()
        reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        extra = f"Last-Event-ID: {last_id}\r\n" if last_id is not None else ""
        if self.gzip:
            extra += "Accept-Encoding: gzip\r\n"
        self.writer.write(f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                          f"{extra}\r\n".encode())
        self.task = asyncio.create_task(self.read(reader))

    async def read(self, reader: asyncio.StreamReader) -> None:
        tail = b""
        body = Unchunked(self.gzip)
        while True:
            data = await reader.read(1 << 16)
            if not data:
                return
            now = time.monotonic()
            self.received += len(data)
            text = tail + (body.feed(data) if self.gzip else data)
            for match in ID.finditer(text):
                position = int(match.group(1))
                if position > self.last:
                    self.last = position
                    self.arrived.setdefault(position, now)
                    if self.first_event is not None and not self.first_event.done():
                        self.first_event.set_result(now)
            tail = text[-64:]

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await self.task


class Unchunked:
    """An HTTP/1.1 response read as it comes: its headers skipped, its chunked body unframed and
    (``gzip``) decompressed."""

    def __init__(self, gzip: bool) -> None:
        self.buffer = b""
        self.headers_done = False
        self.left = 0  # bytes of the current chunk still to come (then its CRLF)
        self.unzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        out = b""
        if not self.headers_done:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return b""
            self.headers_done, self.buffer = True, self.buffer[end + 4:]
        while self.buffer:
            if self.left == 0:
                line = self.buffer.find(b"\r\n")
                if line < 0:
                    break
                size = self.buffer[:line].split(b";")[0].strip()
                self.buffer = self.buffer[line + 2:]
                if not size:
                    continue  # the CRLF after a chunk
                self.left = int(size, 16) or -1
                if self.left < 0:
                    self.buffer, self.left = b"", 0
                    break
            take = self.buffer[:self.left]
            self.buffer, self.left = self.buffer[len(take):], self.left - len(take)
            out += take
        return self.unzip.decompress(out) if self.unzip is not None and out else out


async def until(condition: Any, what: str, timeout: float | None = None) -> None:
    timeout = WAIT_S if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.002)


# -- the measures ------------------------------------------------------------------------------------
async def measure(args: argparse.Namespace, path: str, app: Ledger, key: str,
                  served: Served) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    facts = passings(app, key, args.pairs)
    stream = f"/races/{key}/events?ref=sb&mode={args.mode}"
    figures: dict[str, Any] = {"board_rss_start_mb": served.rss_mb()}
    rng = random.Random(args.seed)
    log("pages: the race, the day, the index (first and again)")
    await pages(served, figures, (("race", f"/races/{key}"),
                                  ("day", f"/competitions/{key.split('/')[0]}"), ("index", "/")))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = await browser.new_page(viewport={"width": 1200, "height": 900})
        await page.add_init_script("""window.boardSeen = [];
            document.addEventListener('board:update', e => window.boardSeen.push(
                [e.detail.position, performance.timeOrigin + performance.now()]));""")
        await page.goto(f"{served.url}/races/{key}")
        await page.wait_for_function(
            "() => window.skateLedgerSource && window.skateLedgerSource.readyState === 1")

        log(f"connecting {args.clients} SSE clients")
        clients = [Client(served.port, stream) for _ in range(args.clients)]
        for start in range(0, len(clients), 50):
            await asyncio.gather(*(c.connect() for c in clients[start:start + 50]))
        now = app.last_position()
        await until(lambda: all(c.last >= now for c in clients), "the snapshots")

        # (a) record → updated page
        log(f"push: {args.samples} facts, one at a time")
        browser_ms: list[float] = []
        sse_ms: list[float] = []
        append_ms: list[float] = []
        for sample in range(args.samples):
            await asyncio.sleep(rng.uniform(0, 0.1))
            started = time.monotonic()
            position = record(app, key, facts[sample])
            done, wall = time.monotonic(), time.time() * 1000
            append_ms.append((done - started) * 1000)
            await until(lambda p=position: all(c.last >= p for c in clients), f"position {position} (SSE)")
            sse_ms.extend((min(t for q, t in c.arrived.items() if q >= position) - done) * 1000
                          for c in clients)
            seen = await page.wait_for_function(
                "p => { const s = window.boardSeen.find(x => x[0] >= p); return s ? s[1] : null; }",
                arg=position, timeout=WAIT_S * 1000)
            browser_ms.append(float(await seen.json_value()) - wall)
        figures.update(push_browser_p50_ms=percentile(browser_ms, 50),
                       push_browser_p95_ms=percentile(browser_ms, 95),
                       push_sse_p50_ms=percentile(sse_ms, 50), push_sse_p95_ms=percentile(sse_ms, 95),
                       append_p50_ms=percentile(append_ms, 50), push_samples=len(browser_ms),
                       push_sse_samples=len(sse_ms))

        # (c) one client drops, a fact is recorded, it comes back with Last-Event-ID
        log("resume: SSE clients reconnecting with Last-Event-ID")
        resume_ms: list[float] = []
        next_fact = args.samples
        for _ in range(args.resumes):
            client = rng.choice(clients)
            await client.close()
            gone = client.last
            record(app, key, facts[next_fact])
            next_fact += 1
            await asyncio.sleep(3 * args.poll)  # the others have it; this one missed it
            started = time.monotonic()
            await client.connect(last_id=gone)
            assert client.first_event is not None
            arrived = await asyncio.wait_for(client.first_event, WAIT_S)
            assert client.last > gone
            resume_ms.append((arrived - started) * 1000)
        figures.update(resume_sse_p50_ms=percentile(resume_ms, 50),
                       resume_sse_p95_ms=percentile(resume_ms, 95))
        for c in clients:
            await c.close()

        log("resume: the browser's page after the server restarts on the same port")
        restart_ms: list[float] = []
        for _ in range(args.restarts):
            await asyncio.to_thread(served.stop)
            position = record(app, key, facts[next_fact])
            next_fact += 1
            listening = await asyncio.to_thread(served.start)
            seen = await page.wait_for_function(
                "p => { const s = window.boardSeen.find(x => x[0] >= p); return s ? s[1] : null; }",
                arg=position, timeout=WAIT_S * 1000)
            # 0: the page was back before the probe (every 2 ms) saw the server listen
            restart_ms.append(max(0.0, float(await seen.json_value()) - listening))
        figures["resume_browser_max_ms"] = max(restart_ms)
        figures["resume_browser_samples"] = restart_ms
        await browser.close()

    next_fact = await wire_bytes(args, app, key, served, facts, next_fact, figures, rng)

    # (b) past boards over HTTP
    log(f"past: {args.past} random past boards (JSON and page)")
    born: dict[str, int | None] = {}
    for n in app.notifications(topics=(Race.Scheduled.TOPIC,)):
        event = app.mapper.to_domain_event(n)
        assert isinstance(event, Race.Scheduled)
        born[event.key] = n.id
    last = app.last_position()
    async with httpx.AsyncClient(base_url=served.url, timeout=WAIT_S) as http:
        started = time.monotonic()
        (await http.get(f"/api/races/{key}", params={"position": 1})).status_code  # noqa: B018
        figures["past_first_ms"] = (time.monotonic() - started) * 1000
        positions = rng.sample(range(2, last), min(2 * args.past, last - 2))
        for kind, prefix in (("json", "/api/races/"), ("page", "/races/")):
            took = []
            for position in positions[:args.past] if kind == "json" else positions[args.past:]:
                races = [k for k, b in born.items() if b is not None and b <= position]
                if not races:
                    continue
                started = time.monotonic()
                answer = await http.get(prefix + rng.choice(races), params={"position": position})
                took.append((time.monotonic() - started) * 1000)
                if answer.status_code != 200:
                    raise RuntimeError(f"{answer.url}: {answer.status_code} {answer.text[:200]}")
            figures[f"past_{kind}_p50_ms"] = percentile(took, 50)
            figures[f"past_{kind}_p95_ms"] = percentile(took, 95)
    figures["events"] = last
    figures["board_rss_mb"] = served.rss_mb()
    figures["board_rss_peak_mb"] = served.rss_mb("VmHWM")
    # last: without views in the store, a skater's page folds the whole log (history_at)
    log("pages: a skater (first and again)")
    await pages(served, figures, (("skater", "/skaters/Skater%2001"),))
    figures["board_rss_peak_skater_mb"] = served.rss_mb("VmHWM")
    return figures


async def wire_bytes(args: argparse.Namespace, app: Ledger, key: str, served: Served,
                     facts: list[tuple[str, int, int, int]], next_fact: int, figures: dict[str, Any],
                     rng: random.Random) -> int:
    """``bytes``: what the stream sends per fact to ``--bytes-clients`` clients, in each mode
    (``whole``: the whole board every time, as before decision 0028; ``patch``: what changed),
    plain and gzipped, all connected at once and fed the same facts (``bytes_per_fact_*``: on the
    wire, HTTP's chunk framing included, summed over the clients of the mode)."""
    log(f"bytes: {args.bytes_clients} SSE clients of each mode, {args.bytes_facts} facts")
    groups = {(mode, gzip): [Client(served.port, f"/races/{key}/events?ref=sb&mode={mode}", gzip)
                             for _ in range(args.bytes_clients)]
              for mode in ("whole", "patch") for gzip in (False, True)}
    everyone = [c for group in groups.values() for c in group]
    for start in range(0, len(everyone), 50):
        await asyncio.gather(*(c.connect() for c in everyone[start:start + 50]))
    now = app.last_position()
    await until(lambda: all(c.last >= now for c in everyone), "the snapshots")
    await asyncio.sleep(0.5)  # the rest of the snapshots' frames
    for c in everyone:
        c.received = 0
    for _ in range(args.bytes_facts):
        await asyncio.sleep(rng.uniform(0, 0.1))
        position = record(app, key, facts[next_fact])
        next_fact += 1
        await until(lambda p=position: all(c.last >= p for c in everyone), f"position {position} (bytes)")
    await asyncio.sleep(0.5)  # the rest of the last frames
    for (mode, gzip), group in groups.items():
        name = f"bytes_per_fact_{mode}" + ("_gzip" if gzip else "")
        figures[name] = sum(c.received for c in group) / args.bytes_facts
    figures["bytes_fall"] = figures["bytes_per_fact_whole"] / figures["bytes_per_fact_patch"]
    figures["bytes_fall_gzip"] = figures["bytes_per_fact_whole_gzip"] / figures["bytes_per_fact_patch_gzip"]
    figures["bytes_clients"], figures["bytes_facts"] = args.bytes_clients, args.bytes_facts
    for c in everyone:
        await c.close()
    return next_fact


async def pages(served: Served, figures: dict[str, Any], urls: tuple[tuple[str, str], ...]) -> None:
    """Each live page of ``urls`` twice: its first read and its second (``page_NAME_first_ms``,
    ``page_NAME_again_ms``)."""
    async with httpx.AsyncClient(base_url=served.url, timeout=WAIT_S) as http:
        for name, url in urls:
            for when in ("first", "again"):
                started = time.monotonic()
                answer = await http.get(url)
                figures[f"page_{name}_{when}_ms"] = (time.monotonic() - started) * 1000
                if answer.status_code != 200:
                    raise RuntimeError(f"{answer.url}: {answer.status_code} {answer.text[:200]}")


def show_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"the board: {report['clients']} SSE clients + 1 browser, poll "
                        f"{report['poll'] * 1000:.0f} ms, {report['figures']['events']} events "
                        f"(Python {report['python']}, {report['cpus']} cores)")
    for column in ("figure", "value", "target"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for name in FIGURES:
        value = report["figures"][name]
        target, floor = TARGETS.get(name), AT_LEAST.get(name)
        mark = "" if target is None else (" ✓" if value <= target else " ✗")
        if floor is not None:
            mark = " ✓" if value >= floor else " ✗"
        wanted = f"≤ {target:,.0f}" if target is not None else f"≥ {floor:,.0f}" if floor is not None else ""
        table.add_row(name, f"{value:,.1f}{mark}", wanted)
    Console(stderr=False).print(table)


def main(argv: list[str] | None = None) -> int:
    global WAIT_S  # one run, one setting
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.board",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500, help="SSE clients on the race stream")
    parser.add_argument("--samples", type=int, default=100, help="facts recorded one at a time")
    parser.add_argument("--past", type=int, default=200, help="past boards of each kind")
    parser.add_argument("--resumes", type=int, default=20, help="SSE clients dropping and resuming")
    parser.add_argument("--restarts", type=int, default=3, help="server restarts under the browser")
    parser.add_argument("--poll", type=float, default=0.02, help="the server's --poll (seconds)")
    parser.add_argument("--mode", choices=("patch", "whole"), default="patch",
                        help="what the push clients ask for: patches (what changed) or the whole board")
    parser.add_argument("--bytes-clients", type=int, default=200,
                        help="SSE clients of each mode (whole, patch; plain, gzip) in the bytes measure")
    parser.add_argument("--bytes-facts", type=int, default=20, help="facts recorded in the bytes measure")
    parser.add_argument("--small", action="store_true",
                        help="20 clients, 10 facts, 20 past boards, 3 resumes, 1 restart: a smoke run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ledger", metavar="DB", help="a generated season (a SQLite file) to add "
                        "the bench day to, in a copy")
    parser.add_argument("--checkout", metavar="DIR", help="serve the board of this checkout")
    parser.add_argument("--wait", type=float, default=10.0,
                        help="seconds to wait for any one answer (a big ledger's first reads)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.small:
        args.clients, args.samples, args.past, args.resumes, args.restarts = 20, 10, 20, 3, 1
        args.bytes_clients, args.bytes_facts = 5, 3
    if not os.path.exists(CHROMIUM):
        parser.error(f"{CHROMIUM} is missing: apt-get install chromium")
    args.pairs = max(2, (args.samples + args.resumes + args.restarts + args.bytes_facts) // 50 + 2)
    WAIT_S = args.wait
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="skate-board-bench-") as folder:
        if not os.environ.get(MASTER_KEY_ENV):  # the demo's home towns are sealed (decision 0029)
            make_master_key(Path(folder) / "bench.master-key")
            os.environ[MASTER_KEY_ENV] = str(Path(folder) / "bench.master-key")
        path = os.path.join(folder, "board.db")
        app, key = bench_ledger(path, args.pairs, args.ledger)
        served = Served(path, free_port(), args.poll,
                        None if args.checkout is None else os.path.abspath(args.checkout))
        served.start()
        try:
            figures = asyncio.run(measure(args, path, app, key, served))
        finally:
            served.stop()
            app.close()
    report = {"clients": args.clients, "poll": args.poll, "ledger": args.ledger,
              "checkout": args.checkout, "python": platform.python_version(),
              "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(), "figures": figures,
              "targets": TARGETS, "at_least": AT_LEAST, "seconds": time.monotonic() - started}
    if args.json:
        print(json.dumps(report))
    else:
        show_table(report)
        print(f"browser resumes after restarts (ms): "
              f"{', '.join(f'{x:.0f}' for x in figures['resume_browser_samples'])}; "
              f"total {report['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
