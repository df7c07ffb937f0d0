"""The web board: a read-only Starlette application over one ledger (``skate-ledger serve``).

Pages are rendered on the server (they work without JavaScript); a small script applies the
server-sent events in place. Every page and JSON endpoint takes the same basis as the command:
``?position=``, ``?known_at=`` (ISO 8601 with a zone), ``?delay=`` (seconds behind live, by recorded
time) and, for a race, ``?after_pair=`` and ``?at=`` (a passing point). Bad query values are an
HTTP 400 with one line; the ledger position is the ETag. The server never appends.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.domain.values import parse_datetime, race_id
from ledger.store.notifier import NOTIFIED_POLL, listen_for_appends, sqlite_watch
from projections.basis import Basis
from projections.marks import meaning
from projections.pair import REFERENCES
from projections.state import LedgerState
from scripts import output
from scripts.board import feed, views
from scripts.board.live import SHORT, Hub, Ledgers, Message
from scripts.board.openapi import OPENAPI

HERE = Path(__file__).resolve().parent
KEEPALIVE_S = 15.0
RETRY_MS = 1000
MEMO_SIZE = 512


class BadQuery(InvalidInputError):
    """Raised when a query parameter of a web request is not what it must be."""


# -- the basis from the URL ---------------------------------------------------------------------
def whole(request: Request, name: str) -> int | None:
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise BadQuery(f"{name}={text[:40]!r} is not a whole number of 0 or more")
    return int(text)


def basis_of(request: Request) -> Basis:
    q = request.query_params
    position = whole(request, "position")
    known = q.get("known_at", "").strip() or None
    delay = q.get("delay", "").strip() or None
    if sum(x is not None for x in (position, known, delay)) > 1:
        raise BadQuery("position, known_at and delay name different moments; give one")
    moment = None
    if known is not None:
        moment = parse_datetime(known)
        if moment.utcoffset() is None:
            raise BadQuery(f"known_at={known[:40]!r} has no time zone")
    elif delay is not None:
        moment = datetime.now(UTC) - timedelta(seconds=seconds(delay))
    reference_of(request)  # checked on every page, as every link carries it
    return Basis(position=position, known_at=moment, after_pair=whole(request, "after_pair"),
                 at_m=whole(request, "at"))


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadQuery(f"delay={text[:40]!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0 or value > 366 * 86400 * 100:
        raise BadQuery(f"delay={text[:40]!r} is not between 0 and a century of seconds")
    return value


def reference_of(request: Request) -> str:
    ref = request.query_params.get("ref", "sb").strip() or "sb"
    if ref not in REFERENCES:
        raise BadQuery(f"ref={ref[:40]!r} is not one of {', '.join(REFERENCES)}")
    return ref


def query_of(request: Request, *names: str) -> str:
    """The basis part of the request's query, to carry into links."""
    kept = {n: request.query_params[n] for n in names if request.query_params.get(n)}
    return urlencode(kept)


BASIS_NAMES = ("position", "known_at", "delay", "after_pair", "ref")


# -- the application ----------------------------------------------------------------------------
class BoardApp:
    """The board of one ledger: its views, pages, JSON and live push."""

    def __init__(self, app: Ledger, poll_interval: float = 0.02) -> None:
        self.ledgers = Ledgers(app)
        self.hub = Hub(self.ledgers, self.render_topic)
        self.poll_interval = poll_interval
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"),
                               autoescape=select_autoescape(["html"]), trim_blocks=True,
                               lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
        # Every word a page shows goes through gettext: {{ _("Next pair") }} (English is the key).
        self.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
        self.memory: OrderedDict[str, Any] = OrderedDict()
        self.env.filters["q"] = lambda text: quote(str(text), safe="")
        self.env.filters["mark_meaning"] = meaning
        self.env.filters["script_json"] = lambda data: Markup(
            views.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))

    # -- rendering ------------------------------------------------------------------------------
    def memo(self, name: str, make: Callable[[], Any]) -> Any:
        """What depends on the whole ledger at one position (records, qualification), kept for the
        last few hundred positions asked about."""
        if name in self.memory:
            self.memory.move_to_end(name)
            return self.memory[name]
        value = self.memory[name] = make()
        if len(self.memory) > MEMO_SIZE:
            self.memory.popitem(last=False)
        return value

    def html(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def race_state(self, key: str, basis: Basis, *, marks: bool = True, bests: bool = True,
                   competition: bool = True) -> LedgerState:
        """The state a race's page reads (by default all it shows: the board, its marks, the pair
        panel's bests, the competition's qualification); a 404 for a race not known at ``basis``."""
        state = self.ledgers.race_state(key, basis, marks=marks, bests=bests,
                                        competition=competition)
        if state.sheet(key) is None:
            raise HTTPException(404, f"race {key!r} is not in the ledger at position {state.position}")
        return state

    def competition_state(self, slug: str, basis: Basis) -> LedgerState:
        """Competition ``slug``'s state as of ``basis`` (its races and the names they show); a 404
        for a competition the ledger does not hold now."""
        now = self.ledgers.competition(slug, Basis()).state
        if views.competition_of(now, slug) is None and not now.races:
            raise HTTPException(404, f"competition {slug!r} is not in the ledger at position {now.position}")
        return self.ledgers.competition(slug, basis).state

    def race_fragment(self, key: str, basis: Basis, ref: str, query: str = "") -> tuple[dict[str, Any], str]:
        state = self.race_state(key, basis)
        view = views.race_view(state, key, basis, ref, self.memo)
        return view, self.html("_race_live.html", v=view, query=query)

    def render_topic(self, topic: str) -> Message:
        kind, _, rest = topic.partition(":")
        if kind == "race":
            ref, _, key = rest.partition(":")
            view, fragment = self.race_fragment(key, Basis(), ref)
            data = {"position": view["position"], "html": fragment, "board": view["board"],
                    "summary": summary(view), "official": view["official"] is not None}
            content = views.dumps([view["board"]["rows"], view["pair"], view["corrections"],
                                   view["official"], view["qualification"]])
        elif kind == "feed":  # the JSON feed's clients: woken at every new position, they read the race
            return Message(self.ledgers.position, "", str(self.ledgers.position))
        else:
            day = views.day_view(self.ledgers.competition(rest, Basis()).state, rest)
            fragment = self.html("_day_live.html", d=day, query="")
            data = {"position": day["position"], "html": fragment,
                    "summary": f"{len(day['on_ice'])} pair(s) on the ice"}
            content = views.dumps([day["days"], day["on_ice"]])
        return Message(data["position"], views.dumps(data), content, fragment,
                       short={k: data[k] for k in SHORT if k in data})

    # -- responses -------------------------------------------------------------------------------
    @staticmethod
    def tagged(request: Request, position: int, make: Callable[[], Response]) -> Response:
        """The ledger position is the ETag: a client that has it gets a 304."""
        tag = f'"{position}"'
        given = [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]
        if tag in given or "*" in given:
            return Response(status_code=304, headers={"ETag": tag, "Cache-Control": "no-cache"})
        response = make()
        response.headers["ETag"] = tag
        response.headers["Cache-Control"] = "no-cache"
        return response

    # -- pages -------------------------------------------------------------------------------------
    async def index(self, request: Request) -> Response:
        basis = basis_of(request)
        state = self.ledgers.catalogue(basis)
        query = query_of(request, *BASIS_NAMES)
        return self.tagged(request, state.position, lambda: HTMLResponse(self.html(
            "index.html", v=views.index_view(state), position=state.position, query=query,
            request=request)))

    async def day(self, request: Request) -> Response:
        basis = basis_of(request)
        slug = request.path_params["slug"]
        day = day_param(request)
        state = self.ledgers.competition(slug, basis).state
        try:
            view = views.day_view(state, slug, day)
        except LookupError as e:
            raise HTTPException(404, str(e)) from None
        query = query_of(request, *BASIS_NAMES)
        live = is_live(request)
        return self.tagged(request, state.position, lambda: HTMLResponse(self.html(
            "day.html", d=view, query=query, live=live, request=request,
            events=f"/competitions/{quote(slug)}/events?after={state.position}"
            if live and day is None else None)))

    async def race(self, request: Request) -> Response:
        key = race_key(request)
        basis, ref = basis_of(request), reference_of(request)
        query = query_of(request, *BASIS_NAMES, "at")
        state = self.race_state(key, basis)
        live = is_live(request) and basis.at_m is None and basis.after_pair is None
        # the stream starts from the page's position: the page has that board (decision 0028)
        events = f"/races/{key}/events?ref={ref}&after={state.position}" if live else None

        def page() -> Response:
            view = views.race_view(state, key, basis, ref, self.memo)
            fragment = self.html("_race_live.html", v=view, query=query)
            return HTMLResponse(self.html("race.html", v=view, fragment=fragment, query=query,
                                          events=events, request=request,
                                          links=point_links(request, view["points"]),
                                          delay=request.query_params.get("delay", "")))
        return self.tagged(request, state.position, page)

    async def race_fragment_page(self, request: Request) -> Response:
        key = race_key(request)
        basis, ref = basis_of(request), reference_of(request)
        state = self.race_state(key, basis)
        query = query_of(request, *BASIS_NAMES, "at")
        return self.tagged(request, state.position, lambda: HTMLResponse(
            self.race_fragment(key, basis, ref, query)[1]))

    async def skater(self, request: Request) -> Response:
        basis = basis_of(request)
        found, position = self.ledgers.history(request.path_params["name"], basis)
        query = query_of(request, *BASIS_NAMES)
        return self.tagged(request, position, lambda: HTMLResponse(self.html(
            "skater.html", h=output.history_json(found), charts=views.progression(found),
            position=position, query=query, request=request)))

    async def replay(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        basis = basis_of(request)
        step = request.query_params.get("step", "pair") or "pair"
        if step not in ("pair", "passing"):
            raise BadQuery(f"step={step[:40]!r} is not pair or passing")
        self.competition_state(slug, Basis())
        steps = self.ledgers.steps(slug)
        if not steps:
            raise HTTPException(404, f"competition {slug!r} has no race facts in the ledger")
        state = self.ledgers.competition(slug, basis).state
        current = max((s for s in steps if s.position <= state.position),
                      key=lambda s: s.position, default=steps[0])
        shown = Basis(position=current.position if basis.known_at is None and basis.position is None
                      else state.position)
        race = request.query_params.get("race") or current.race
        frame_state = self.ledgers.race_state(race, shown, marks=True, bests=True, competition=True)
        if frame_state.sheet(race) is None:
            race = current.race
            frame_state = self.race_state(race, shown)
        view = views.race_view(frame_state, race, shown, "sb", self.memo)
        fragment = self.html("_race_live.html", v=view, query="")
        return self.tagged(request, view["position"], lambda: HTMLResponse(self.html(
            "replay.html", slug=slug, steps=steps_json(steps), step=step, current=current,
            index=steps.index(current), v=view, fragment=fragment, request=request)))

    async def replay_frame(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        basis = basis_of(request)
        state = self.competition_state(slug, basis)
        steps = self.ledgers.steps(slug)
        current = max((s for s in steps if s.position <= state.position),
                      key=lambda s: s.position, default=None)
        if current is None:
            return HTMLResponse("<p>Nothing had happened yet.</p>")
        race = request.query_params.get("race") or current.race
        if self.ledgers.race_state(race, Basis(position=state.position)).sheet(race) is None:
            race = current.race
        return self.tagged(request, state.position, lambda: HTMLResponse(
            self.race_fragment(race, Basis(position=state.position), "sb")[1]))

    # -- JSON ----------------------------------------------------------------------------------------
    async def api_races(self, request: Request) -> Response:
        state = self.ledgers.catalogue(basis_of(request))
        return self.tagged(request, state.position, lambda: JSONResponse(output.races_json(state)))

    async def api_board(self, request: Request) -> Response:
        key = race_key(request)
        basis = basis_of(request)
        state = self.race_state(key, basis, bests=False, competition=False)
        return self.tagged(request, state.position, lambda: JSONResponse(
            board_with_marks(state, views.board_of(state, key, basis), basis)))

    async def api_pair(self, request: Request) -> Response:
        key = race_key(request)
        basis, ref = basis_of(request), reference_of(request)
        state = self.race_state(key, basis, marks=False, competition=False)
        sheet = state.sheet(key)
        assert sheet is not None
        pair = whole(request, "pair")
        if basis.at_m is not None and basis.at_m not in sheet.points:
            raise BadQuery(f"at={basis.at_m} is not a passing point of {key}")
        view = views.pair_view(state, sheet, basis.after_pair, ref, pair)
        return self.tagged(request, state.position, lambda: JSONResponse(json.loads(views.dumps(
            {"race": key, "basis": basis.as_json(state.position), "pair": view}))))

    async def api_skater(self, request: Request) -> Response:
        found, position = self.ledgers.history(request.path_params["name"], basis_of(request))
        return self.tagged(request, position, lambda: JSONResponse(output.history_json(found)))

    async def api_replay(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        self.competition_state(slug, Basis())
        steps = self.ledgers.steps(slug)
        return self.tagged(request, self.ledgers.position, lambda: JSONResponse(
            {"competition": slug, "steps": steps_json(steps)}))

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(OPENAPI)

    # -- live push -------------------------------------------------------------------------------------
    async def race_events(self, request: Request) -> Response:
        key = race_key(request)
        ref = reference_of(request)
        self.race_state(key, Basis())
        return self.stream(request, f"race:{ref}:{key}")

    async def day_events(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        try:
            views.day_view(self.ledgers.competition(slug, Basis()).state, slug)
        except LookupError as e:
            raise HTTPException(404, str(e)) from None
        return self.stream(request, f"day:{slug}")

    async def api_race_events(self, request: Request) -> Response:
        """The race's JSON feed (:mod:`scripts.board.feed`): its items after ``Last-Event-ID`` (all
        of them without one), then each new one as it is recorded; each event's id the position."""
        key = race_key(request)
        held = last_event_id(request) or 0
        self.race_state(key, Basis(), marks=False, bests=False, competition=False)
        rid, app = race_id(key), self.ledgers.app
        sub = self.hub.subscribe(f"feed:{key}")
        names: dict[UUID, str | None] = {}

        def name(skater: UUID | None) -> str | None:
            if skater is None:
                return None
            if skater not in names:
                try:
                    names[skater] = app.repository.get(skater).name
                except AggregateNotFoundError:  # not known to the ledger: no name, never a guessed one
                    names[skater] = None
            return names[skater]

        def frames(after: int, stop: int) -> bytes:
            found = feed.items(app.read_stream(rid, stop), name, key, after)
            return b"".join(f"id: {p}\nevent: {item['type']}\ndata: {views.dumps(item)}\n\n".encode()
                            for p, item in found)

        try:
            stop = self.ledgers.refresh()
            backlog = frames(held, stop)
        except BaseException:
            self.hub.unsubscribe(sub)
            raise

        async def events() -> AsyncIterator[bytes]:
            seen = stop
            try:
                yield f"retry: {RETRY_MS}\n\n".encode() + backlog
                while True:
                    try:
                        message = await asyncio.wait_for(sub.get(), KEEPALIVE_S)
                    except TimeoutError:
                        yield b": keepalive\n\n"
                        continue
                    if sub.closed:
                        return
                    if message is not None and message.position > seen:
                        found = frames(seen, message.position)
                        seen = message.position
                        if found:
                            yield found
            finally:
                self.hub.unsubscribe(sub)

        return event_stream(events(), accepts_gzip(request))

    def stream(self, request: Request, topic: str) -> Response:
        """Server-sent events, each event's id the position (decisions 0010 and 0028): first the
        whole board (``snapshot``), or, for a client that shows this topic's board as of
        ``Last-Event-ID`` (or, on its first connection, the page's ``?after=``), a patch to the
        newest (``patch``) or, when it is the newest, a ``snapshot`` of the position alone; then,
        whenever what the topic shows changes, the edits to the board the client holds
        (``patch``), or the whole board (``board``) when it does not hold the one they start from
        (it skipped one) or when they would be more than half of it. ``?mode=whole``: the whole
        board every time (as before decision 0028). Gzipped, flushed after every event, when the
        client accepts it."""
        held = last_event_id(request)
        whole_mode = mode_of(request) == "whole"
        sub = self.hub.subscribe(topic)
        try:
            snapshot = self.hub.snapshot(topic)
            resumed = None if held is None or whole_mode else self.hub.resumed(topic, held, snapshot)
        except BaseException:
            self.hub.unsubscribe(sub)
            raise
        if held is not None and held == snapshot.position:
            first = current_frame(snapshot.position)
        elif resumed is not None:
            first = resumed.frame("patch")
        else:
            first = snapshot.frame("snapshot")
        gzip = accepts_gzip(request)

        async def events() -> AsyncIterator[bytes]:
            sent = snapshot.position
            try:
                yield f"retry: {RETRY_MS}\n\n".encode()
                yield first
                while True:
                    try:
                        message = await asyncio.wait_for(sub.get(), KEEPALIVE_S)
                    except TimeoutError:
                        yield b": keepalive\n\n"
                        continue
                    if sub.closed:
                        return
                    if message is not None and message.position > sent:
                        patch = not whole_mode and message.patches(sent)
                        yield message.frame("patch" if patch else "board")
                        sent = message.position
            finally:
                self.hub.unsubscribe(sub)

        return event_stream(events(), gzip)

def last_event_id(request: Request) -> int | None:
    """The position a client resumes from: its ``Last-Event-ID`` (the browser's, on a reconnection),
    else ``?last_event_id=`` or ``?after=`` (the position of the page that opens the stream)."""
    text = request.headers.get("last-event-id", "").strip()
    name = "Last-Event-ID"
    for query in ("last_event_id", "after"):
        if not text:
            text, name = request.query_params.get(query, "").strip(), f"{query}="
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise BadQuery(f"{name} {text[:40]!r} is not a ledger position")
    return int(text)


def mode_of(request: Request) -> str:
    mode = request.query_params.get("mode", "").strip() or "patch"
    if mode not in ("patch", "whole"):
        raise BadQuery(f"mode={mode[:40]!r} is not patch or whole")
    return mode


def current_frame(position: int) -> bytes:
    """The snapshot of a client that holds the newest board: its position, nothing to redraw."""
    return f'id: {position}\nevent: snapshot\ndata: {{"position":{position},"current":true}}\n\n'.encode()


def accepts_gzip(request: Request) -> bool:
    """Whether the client takes gzip (``Accept-Encoding``, not refused with ``q=0``)."""
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip()
            return not q or q.strip("0.") != ""
    return False


def event_stream(frames: AsyncIterator[bytes], gzip: bool) -> StreamingResponse:
    """A stream of server-sent events; gzipped (``gzip``) with a flush after every frame, so that
    each event leaves at once (Starlette's GZipMiddleware leaves event streams alone)."""
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Vary": "Accept-Encoding"}
    if not gzip:
        return StreamingResponse(frames, media_type="text/event-stream", headers=headers)

    async def compressed() -> AsyncIterator[bytes]:
        # an 8 KB window, little memory (about 64 KB a client): events repeat within a few KB
        packer = zlib.compressobj(6, zlib.DEFLATED, 16 + 13, 6)
        async for frame in frames:
            yield packer.compress(frame) + packer.flush(zlib.Z_SYNC_FLUSH)
        yield packer.flush()

    return StreamingResponse(compressed(), media_type="text/event-stream",
                             headers={**headers, "Content-Encoding": "gzip"})


def summary(view: dict[str, Any]) -> str:
    rows = view["board"]["rows"]
    leader = next((r for r in rows if r["rank"] == 1), None)
    state = "official" if view["official"] else "provisional"
    if leader is None:
        return f"{view['title']}: no results yet"
    return f"{view['title']}: {leader['skater']} leads in {leader['time']} ({state})"


def point_links(request: Request, points: list[int]) -> list[tuple[str, str]]:
    """The standings at each passing point, and the finish, on the same basis."""
    kept = {n: request.query_params[n] for n in BASIS_NAMES if request.query_params.get(n)}
    return [("finish", "?" + urlencode(kept))] + [(f"{m} m", "?" + urlencode({**kept, "at": m}))
                                                   for m in points[:-1]]


def steps_json(steps: list[Any]) -> list[dict[str, Any]]:
    return [{"position": s.position, "recorded_at": s.recorded_at.isoformat(), "race": s.race,
             "kind": s.kind, "label": s.label, "ends_pair": s.ends_pair, "at_m": s.at_m} for s in steps]


def race_key(request: Request) -> str:
    return f"{request.path_params['competition']}/{request.path_params['race']}"


def day_param(request: Request) -> date | None:
    text = request.query_params.get("date", "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadQuery(f"date={text[:40]!r} is not a date YYYY-MM-DD") from None


def is_live(request: Request) -> bool:
    q = request.query_params
    return not any(q.get(n, "").strip() for n in ("position", "known_at", "delay"))


# -- errors: one line --------------------------------------------------------------------------------
def one_line(text: str) -> str:
    return " ".join(str(text).split())[:500]


def error_response(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": one_line(message)}, status_code=status)
    return PlainTextResponse(one_line(message) + "\n", status_code=status)


async def on_ledger_error(request: Request, exc: Exception) -> Response:
    status = 404 if isinstance(exc, LookupError) else 400
    return error_response(request, status, str(exc))


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_response(request, exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})  # e.g. Allow on a 405
    return response


async def on_value_error(request: Request, exc: Exception) -> Response:
    return error_response(request, 400, f"bad request: {exc}")


def create_app(ledger: Ledger, poll_interval: float = 0.02) -> Starlette:
    """The web board of ``ledger``; the poller of new facts runs while the application does."""
    board = BoardApp(ledger, poll_interval)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        loop, wake, stop = asyncio.get_running_loop(), asyncio.Event(), threading.Event()

        def woken() -> None:
            loop.call_soon_threadsafe(wake.set)

        listener = listen_for_appends(ledger.recorder, woken, stop)
        if listener is None:
            poller = asyncio.create_task(board.hub.poll(board.poll_interval,
                                                        changed=sqlite_watch(ledger.recorder)))
        else:
            poller = asyncio.create_task(board.hub.poll(max(board.poll_interval, NOTIFIED_POLL), wake))
        try:
            yield
        finally:
            stop.set()
            board.hub.close()
            poller.cancel()

    race = "/races/{competition}/{race}"
    routes = [
        Route("/", board.index),
        Route("/competitions/{slug}", board.day),
        Route("/competitions/{slug}/events", board.day_events),
        Route("/competitions/{slug}/replay", board.replay),
        Route("/competitions/{slug}/replay/frame", board.replay_frame),
        Route(race, board.race),
        Route(race + "/fragment", board.race_fragment_page),
        Route(race + "/events", board.race_events),
        Route("/skaters/{name}", board.skater),
        Route("/api/races", board.api_races),
        Route("/api" + race + "/events", board.api_race_events),
        Route("/api" + race, board.api_board),
        Route("/api" + race + "/pair", board.api_pair),
        Route("/api/skaters/{name}", board.api_skater),
        Route("/api/competitions/{slug}/replay", board.api_replay),
        Route("/openapi.json", board.openapi),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        LedgerError: on_ledger_error, HTTPException: on_http_error, ValueError: on_value_error,
        OverflowError: on_value_error},
        # pages and JSON gzipped when the client takes it (the event streams gzip themselves,
        # flushed per event: event_stream); level 6, not the default 9: a page is rendered per request
        middleware=[Middleware(GZipMiddleware, minimum_size=500, compresslevel=6)])
    app.state.board = board
    return app


def server(ledger: Ledger, host: str = "127.0.0.1", port: int = 8000, poll_interval: float = 0.02,
           **options: Any) -> Any:
    """A uvicorn server of the board whose shutdown ends the event streams first: an open page then
    sees its stream end (and reconnects to whatever serves next) instead of the server waiting out its
    graceful timeout and cancelling the streams with an error."""
    import socket

    import uvicorn

    app = create_app(ledger, poll_interval)

    class BoardServer(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            app.state.board.hub.close()
            await super().shutdown(sockets)

    config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                            **{"timeout_graceful_shutdown": 1, **options})
    return BoardServer(config)


def board_with_marks(state: LedgerState, board: Any, basis: Basis) -> dict[str, Any]:
    """The command's standings JSON: the board with each row's derived and published marks."""
    data = output.board_json(board, basis, "iso")
    output.add_marks(state, board, data)
    return data
