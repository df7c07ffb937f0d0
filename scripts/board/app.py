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
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.domain.timing import Notation, format_time
from ledger.domain.values import ascii_digits, parse_datetime, race_id
from ledger.store.notifier import NOTIFIED_POLL, listen_for_appends, sqlite_watch
from ledger.store.personal import master_key
from projections.basis import Basis
from projections.history import History
from projections.marks import meaning
from projections.pair import REFERENCES
from projections.state import LedgerState, SkaterInfo
from scripts import output
from scripts.board import feed, i18n, views
from scripts.board.live import SHORT, Hub, Ledgers, Message, Subscriber
from scripts.board.openapi import OPENAPI
from scripts.sheet import printed_sheet

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
    if not ascii_digits(text) or len(text) > 18:
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


def language_of(request: Request) -> tuple[str, bool]:
    """The page's language (``?lang=``, else ``Accept-Language``, else English) and whether the
    URL chose it (then every link of the page keeps it)."""
    given = request.query_params.get("lang", "").strip()
    if given and given not in i18n.LANGUAGES:
        raise BadQuery(f"lang={given[:40]!r} is not one of {', '.join(i18n.LANGUAGES)}")
    return i18n.choose(given or None, request.headers.get("accept-language", ""))


# -- the application ----------------------------------------------------------------------------
class BoardApp:
    """The board of one ledger: its views, pages, JSON and live push."""

    def __init__(self, app: Ledger, poll_interval: float = 0.02) -> None:
        # a club is personal data (docs/decisions/0029): the skater page shows it only when the
        # board is served with the master key, and never once the skater is erased
        if master_key() is not None:
            app.reveal_personal()
        self.ledgers = Ledgers(app)
        self.hub = Hub(self.ledgers, self.render_topic)
        self.poll_interval = poll_interval
        # One environment per language (docs/decisions/0026-board-words.md): every word a page
        # shows goes through gettext, {{ _("Next pair") }}, English being the key.
        self.envs = {lang: self.environment(i18n.words(lang)) for lang in i18n.LANGUAGES}
        self.env = self.envs[i18n.DEFAULT]
        self.memory: OrderedDict[str, Any] = OrderedDict()

    @staticmethod
    def environment(words: i18n.Words) -> Environment:
        env = Environment(loader=FileSystemLoader(HERE / "templates"),
                          autoescape=select_autoescape(["html"]), trim_blocks=True,
                          lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
        env.install_gettext_callables(words.gettext, words.ngettext, newstyle=True)  # type: ignore[attr-defined]
        env.globals.update(lang=words.lang, w=words)
        env.filters["q"] = lambda text: quote(str(text), safe="")
        env.filters["t"] = words.t
        env.filters["status_word"] = words.status
        env.filters["source_word"] = words.source
        env.filters["day"] = words.day
        env.globals["lang_href"] = lang_href
        env.globals["race_name"] = lambda r: i18n.race_name(
            words, r["category"], r["distance_m"], r.get("discipline") or "individual", r.get("label"),
            r.get("track_m") or 400)
        env.filters["mark_meaning"] = lambda mark: words.t(meaning(mark))
        env.filters["script_json"] = lambda data: Markup(
            views.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
        return env

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

    def html(self, template: str, *, lang: str = i18n.DEFAULT, keep: bool = False, **context: Any) -> str:
        """``template`` in ``lang`` (its times in the language's notation); ``keep``: every link
        of the page carries ``lang=``, as the URL chose it."""
        token = views.NOTATION.set(i18n.NOTATION[lang])
        try:
            shown = self.envs[lang].get_template(template).render(**context)
        finally:
            views.NOTATION.reset(token)
        return i18n.keep_lang(shown, lang) if keep else shown

    def speak(self, request: Request) -> dict[str, Any]:
        """The language arguments of :meth:`html` for ``request``; the times of the views made
        for it are written in its notation (views.NOTATION, set for this request's task)."""
        lang, keep = language_of(request)
        views.NOTATION.set(i18n.NOTATION[lang])
        return {"lang": lang, "keep": keep}

    @staticmethod
    def named(view: dict[str, Any], lang: str) -> dict[str, Any]:
        """A race view with its name in ``lang`` ("1000 m women", "1000 m dames") and its title
        (the name, the competition and the day) instead of the ledger's."""
        words = i18n.words(lang)
        view["name"] = i18n.race_name(words, view["category"], view["distance_m"],
                                      view.get("discipline", "individual"), view.get("label"),
                                      view.get("track_m", 400))
        competition = view.get("competition") or view["slug"]
        view["title"] = f"{view['name']} — {competition}, {words.day(view['day'])}"
        return view

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

    def race_fragment(self, key: str, basis: Basis, ref: str, query: str = "", lang: str = i18n.DEFAULT,
                      keep: bool = False) -> tuple[dict[str, Any], str]:
        state = self.race_state(key, basis)
        token = views.NOTATION.set(i18n.NOTATION[lang])
        try:
            view = self.named(views.race_view(state, key, basis, ref, self.memo), lang)
        finally:
            views.NOTATION.reset(token)
        return view, self.html("_race_live.html", v=view, query=query, lang=lang, keep=keep)

    def render_topic(self, topic: str) -> Message:
        """A topic is ``LANG|race:REF:KEY`` or ``LANG|day:SLUG`` (``LANG+`` when the page's URL
        chose the language: its links keep it): each client gets the board in its language."""
        speech, _, topic = topic.rpartition("|")
        lang = speech.rstrip("+") or i18n.DEFAULT
        keep = speech.endswith("+")
        kind, _, rest = topic.partition(":")
        if kind == "race":
            ref, _, key = rest.partition(":")
            view, fragment = self.race_fragment(key, Basis(), ref, lang=lang, keep=keep)
            data = {"position": view["position"], "html": fragment, "board": view["board"],
                    "summary": summary(view, i18n.words(lang)), "official": view["official"] is not None}
            # a pair drawn (or its start) changes only the start list: it is pushed too
            content = views.dumps([view["board"]["rows"], view["pair"], view["corrections"],
                                   view["official"], view["qualification"], view["start_list"]])
        elif kind == "feed":  # the JSON feed's clients: woken at every new position, they read the race
            return Message(self.ledgers.position, "", str(self.ledgers.position))
        else:
            token = views.NOTATION.set(i18n.NOTATION[lang])  # the podiums' times in the language's notation
            try:
                day = views.day_view(self.ledgers.competition(rest, Basis()).state, rest, memo=self.memo)
            finally:
                views.NOTATION.reset(token)
            fragment = self.html("_day_live.html", d=day, query="", lang=lang, keep=keep)
            words = i18n.words(lang)
            data = {"position": day["position"], "html": fragment,
                    "summary": words.ngettext("%(n)s pair on the ice", "%(n)s pairs on the ice",
                                              len(day["on_ice"])) % {"n": len(day["on_ice"])}}
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
        if isinstance(response, HTMLResponse):  # the page's language may come from the header
            response.headers["Vary"] = "Accept-Language"
        return response

    # -- pages -------------------------------------------------------------------------------------
    async def index(self, request: Request) -> Response:
        basis = basis_of(request)
        state = self.ledgers.catalogue(basis)
        query = query_of(request, *BASIS_NAMES)
        speech = self.speak(request)
        return self.tagged(request, state.position, lambda: HTMLResponse(self.html(
            "index.html", v=views.index_view(state), position=state.position, query=query,
            request=request, **speech)))

    async def day(self, request: Request) -> Response:
        basis = basis_of(request)
        slug = request.path_params["slug"]
        day = day_param(request)
        state = self.ledgers.competition(slug, basis).state
        speech = self.speak(request)  # first: the podiums' times are written in its notation
        try:
            view = views.day_view(state, slug, day, self.memo)
        except LookupError as e:
            raise HTTPException(404, str(e)) from None
        query = query_of(request, *BASIS_NAMES)
        live = is_live(request)
        events = (f"/competitions/{quote(slug)}/events?after={state.position}{lang_query(speech, '&')}"
                  if live and day is None else None)
        return self.tagged(request, state.position, lambda: HTMLResponse(self.html(
            "day.html", d=view, query=query, live=live, request=request, events=events, **speech)))

    async def race(self, request: Request) -> Response:
        key = race_key(request)
        basis, ref = basis_of(request), reference_of(request)
        query = query_of(request, *BASIS_NAMES, "at")
        state = self.race_state(key, basis)
        live = is_live(request) and basis.at_m is None and basis.after_pair is None
        speech = self.speak(request)
        # the stream starts from the page's position: the page has that board (decision 0028)
        events = (f"/races/{key}/events?ref={ref}&after={state.position}{lang_query(speech, '&')}"
                  if live else None)

        def page() -> Response:
            view = self.named(views.race_view(state, key, basis, ref, self.memo), speech["lang"])
            fragment = self.html("_race_live.html", v=view, query=query, **speech)
            known = known_at_shown(basis, view["zone"])
            return HTMLResponse(self.html("race.html", v=view, fragment=fragment, query=query,
                                          events=events, request=request,
                                          known_at_text=known,
                                          links=point_links(request, view["points"]),
                                          delay=request.query_params.get("delay", ""), **speech))
        return self.tagged(request, state.position, page)

    async def race_sheet(self, request: Request) -> Response:
        """The race's printable result sheet: HTML, or ``?format=pdf`` (scripts/sheet)."""
        key, fmt = race_key(request), request.query_params.get("format", "html")
        if fmt not in ("html", "pdf"):
            raise BadQuery(f"format={fmt[:20]!r} is not html or pdf")
        basis = basis_of(request)
        state = self.race_state(key, basis, bests=False, competition=False)
        body, media = await run_in_threadpool(printed_sheet, self.ledgers.app, state, key, fmt,
                                              basis.known_at)
        return self.tagged(request, state.position, lambda: Response(body, media_type=media))

    async def race_fragment_page(self, request: Request) -> Response:
        key = race_key(request)
        basis, ref = basis_of(request), reference_of(request)
        state = self.race_state(key, basis)
        query = query_of(request, *BASIS_NAMES, "at")
        speech = self.speak(request)
        return self.tagged(request, state.position, lambda: HTMLResponse(
            self.race_fragment(key, basis, ref, query, **speech)[1]))

    async def skater(self, request: Request) -> Response:
        basis = basis_of(request)
        found, position = self.ledgers.history(request.path_params["name"], basis)
        query = query_of(request, *BASIS_NAMES)
        about = views.skater_facts(self.skater_info(found, basis))
        speech = self.speak(request)
        listed = self.ledgers.catalogue(Basis())
        names = {c.slug: c.name for c in listed.competitions.values()}
        # each race by its name ("team pursuit women (2400 m)"), as the day page names it
        races = {r["key"]: r for r in output.races_json(listed)}
        return self.tagged(request, position, lambda: HTMLResponse(self.html(
            "skater.html", h=history_shown(found, i18n.NOTATION[speech["lang"]], names),
            races=races,
            charts=views.progression(found), about=about, position=position, query=query,
            request=request, **speech)))

    def skater_info(self, found: History, basis: Basis) -> SkaterInfo | None:
        """The skater's registration (nation, club) as the read of the last race they skated holds
        it (a race's read takes the registrations of the skaters it names); None without a race."""
        if not found.rows:
            return None
        key = found.rows[-1].race
        state = self.ledgers.race_state(key, basis)
        sheet = state.sheet(key)
        # a team race's member is no entrant of it: a named member of one of its teams
        named = set(sheet.entries) if sheet is not None else set()
        if sheet is not None:
            named.update(m for members in sheet.team_members.values() for m in members)
        return next((i for sid, i in state.skaters.items()
                     if sid in named and i.name == found.skater), None)

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
        speech = self.speak(request)
        view = self.named(views.race_view(frame_state, race, shown, "sb", self.memo), speech["lang"])
        fragment = self.html("_race_live.html", v=view, query="", **speech)
        zone = views.zone_of(views.competition_of(frame_state, slug))
        words = i18n.words(speech["lang"])
        names = {s.key: i18n.race_name(words, s.category, s.distance_m, s.discipline, s.label, s.track_m)
                 for s in state.races.values() if s.competition == slug}
        shown_steps = [{**s, "label": step_label(s, words, names)} for s in steps_json(steps)]
        current_label = step_label(steps_json([current])[0], words, names)
        return self.tagged(request, view["position"], lambda: HTMLResponse(self.html(
            "replay.html", slug=slug, steps=shown_steps, step=step, current=current,
            current_label=current_label,
            index=steps.index(current), v=view, fragment=fragment, request=request,
            recorded=views.moment(current.recorded_at, zone), **speech)))

    async def replay_frame(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        basis = basis_of(request)
        state = self.competition_state(slug, basis)
        steps = self.ledgers.steps(slug)
        current = max((s for s in steps if s.position <= state.position),
                      key=lambda s: s.position, default=None)
        speech = self.speak(request)
        if current is None:
            return HTMLResponse(self.html("_nothing.html", **speech))
        race = request.query_params.get("race") or current.race
        if self.ledgers.race_state(race, Basis(position=state.position)).sheet(race) is None:
            race = current.race
        return self.tagged(request, state.position, lambda: HTMLResponse(
            self.race_fragment(race, Basis(position=state.position), "sb", **speech)[1]))

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
        return self.stream(request, f"{speech_of(request)}|race:{ref}:{key}")

    async def day_events(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        try:
            views.day_view(self.ledgers.competition(slug, Basis()).state, slug)
        except LookupError as e:
            raise HTTPException(404, str(e)) from None
        return self.stream(request, f"{speech_of(request)}|day:{slug}")

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

        def frame(seen: int, message: Message) -> bytes:
            return frames(seen, message.position)

        opening = [f"retry: {RETRY_MS}\n\n".encode() + backlog]
        return event_stream(subscribed(self.hub, sub, opening, stop, frame), accepts_gzip(request))

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

        def frame(sent: int, message: Message) -> bytes:
            return message.frame("patch" if not whole_mode and message.patches(sent) else "board")

        opening = [f"retry: {RETRY_MS}\n\n".encode(), first]
        return event_stream(subscribed(self.hub, sub, opening, snapshot.position, frame), gzip)


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
    if not ascii_digits(text) or len(text) > 18:
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


async def subscribed(hub: Hub, sub: Subscriber, opening: list[bytes], sent: int,
                     frame: Callable[[int, Message], bytes]) -> AsyncIterator[bytes]:
    """The frames of one subscriber: ``opening``, then, for each message newer than the last one
    sent (``sent``, its position), ``frame(sent, message)`` (nothing when it is empty); a
    keep-alive comment after every KEEPALIVE_S without one. Ends when the hub closes the
    subscriber, and unsubscribes it however it ends (the client went away)."""
    try:
        for chunk in opening:
            yield chunk
        while True:
            try:
                message = await asyncio.wait_for(sub.get(), KEEPALIVE_S)
            except TimeoutError:
                yield b": keepalive\n\n"
                continue
            if sub.closed:
                return
            if message is not None and message.position > sent:
                found = frame(sent, message)
                sent = message.position
                if found:
                    yield found
    finally:
        hub.unsubscribe(sub)


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


def known_at_shown(basis: Basis, zone: str) -> str:
    """The moment of ``?known_at=`` in the venue's zone, to the second, the zone named."""
    if basis.known_at is None:
        return ""
    try:
        shown = views.moment(basis.known_at, ZoneInfo(zone))
    except (OverflowError, ValueError):  # at the ends of the calendar: as given
        return basis.known_at.isoformat()
    return f"{shown['venue']} {shown['zone']}" if shown else ""


def lang_href(request: Request | None, lang: str) -> str:
    """The same page in ``lang``: its path and query, with ``lang=`` set."""
    if request is None:
        return f"/?lang={lang}"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + "?" + urlencode([*kept, ("lang", lang)])


def lang_query(speech: dict[str, Any], sep: str) -> str:
    """``lang=`` for a URL the page's script opens, when the page's URL chose the language."""
    return f"{sep}lang={speech['lang']}" if speech["keep"] else ""


def speech_of(request: Request) -> str:
    """The language part of a live topic: ``nl``, or ``nl+`` when the URL chose it."""
    lang, keep = language_of(request)
    return lang + ("+" if keep else "")


def summary(view: dict[str, Any], words: i18n.Words | None = None) -> str:
    """What a screen reader announces on a live update, in the page's language."""
    _ = (words or i18n.words(i18n.DEFAULT)).gettext
    rows = view["board"]["rows"]
    leader = next((r for r in rows if r["rank"] == 1), None)
    state = _("official") if view["official"] else _("provisional")
    if leader is None:
        return _("%(race)s: no results yet") % {"race": view["title"]}
    return _("%(race)s: %(skater)s leads in %(time)s (%(state)s)") % {
        "race": view["title"], "skater": leader["skater"], "time": leader["time"], "state": state}


def point_links(request: Request, points: list[int]) -> list[tuple[str, str]]:
    """The standings at each passing point, and the finish, on the same basis."""
    kept = {n: request.query_params[n] for n in BASIS_NAMES if request.query_params.get(n)}
    return [("finish", "?" + urlencode(kept))] + [(f"{m} m", "?" + urlencode({**kept, "at": m}))
                                                   for m in points[:-1]]


def steps_json(steps: list[Any]) -> list[dict[str, Any]]:
    return [{"position": s.position, "recorded_at": s.recorded_at.isoformat(), "race": s.race,
             "kind": s.kind, "label": s.label, "ends_pair": s.ends_pair, "at_m": s.at_m} for s in steps]


def history_shown(found: Any, notation: Notation, names: dict[str, str]) -> dict[str, Any]:
    """A skater's history as the page shows it: the command's JSON with its times in the page's
    notation and each competition by name."""
    data = output.history_json(found)

    def shown(ms: int) -> str:
        return format_time(ms, notation)
    for row, result in zip(found.rows, data["results"], strict=True):
        result["time"] = shown(row.time_ms) if row.time_ms is not None else None
        result["competition_name"] = names.get(row.competition, row.competition)
    data["personal_bests"] = {str(d): shown(ms) for d, ms in sorted(found.personal_bests.items())}
    data["season_bests"] = {season: {str(d): shown(ms) for d, ms in sorted(bests.items())}
                            for season, bests in found.season_bests.items()}
    data["ledger_bests"] = {str(d): shown(ms) for d, ms in sorted(found.ledger_bests.items())}
    return data


def step_label(step: dict[str, Any], words: i18n.Words, names: dict[str, str]) -> str:
    """A replay step as the page's reader says it: the race's name, not its key, the kind of fact
    in the page's language ("1000 m dames: finish — Jorien ter Mors")."""
    race, kind = step["race"], step["kind"]
    rest = step["label"].removeprefix(f"{race}: ").removeprefix(kind)
    rest = rest.replace(" pair ", f" {words.gettext('pair')} ", 1)
    return f"{names.get(race, race)}: {words.t(kind)}{rest}"


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


ERROR_HEADINGS = {400: i18n.N_("This address asks for something the board cannot show"),
                  404: i18n.N_("Not found"), 405: i18n.N_("Not allowed"),
                  500: i18n.N_("The board failed to show this page")}


def is_machine(request: Request) -> bool:
    """JSON endpoints, event streams and fragments answer errors as JSON or plain text."""
    path = request.url.path
    return (path.startswith(("/api/", "/static/")) or path.endswith(("/events", "/fragment", "/frame"))
            or path == "/openapi.json")


def error_response(request: Request, status: int, message: str) -> Response:
    """One line: JSON on the API, plain text for streams and fragments, an HTML page in the site's
    layout (title, language, a way back) for a page."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": one_line(message)}, status_code=status)
    board = getattr(request.app.state, "board", None)
    if is_machine(request) or board is None:
        return PlainTextResponse(one_line(message) + "\n", status_code=status)
    given = request.query_params.get("lang", "").strip()
    lang, keep = i18n.choose(given if given in i18n.LANGUAGES else None,
                             request.headers.get("accept-language", ""))
    words = i18n.words(lang)
    heading = words.gettext(ERROR_HEADINGS.get(status, ERROR_HEADINGS[400 if status < 500 else 500]))
    back = request.url.path if status == 400 and request.url.query else None
    page = board.html("error.html", lang=lang, keep=keep, heading=heading, reason=one_line(message),
                      back=back, request=request, plain=True, query="")
    return HTMLResponse(page, status_code=status)


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


async def on_server_error(request: Request, exc: Exception) -> Response:
    """A fault of ours: the page says so in one line (the log has the traceback)."""
    return error_response(request, 500, "the board failed on this request; it is logged")


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
        Route(race + "/sheet", board.race_sheet),
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
        OverflowError: on_value_error, 500: on_server_error},
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
