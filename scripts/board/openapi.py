"""The OpenAPI description of the board's JSON API (hand-written: small, and exactly what is served).

The shapes are the command's (design/interfaces.md): ``races --format json`` and
``standings --format json``, extended with keys, never changed.
"""

from __future__ import annotations

from typing import Any

from scripts.board.feed import KINDS, STATUSES

NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}
NULLABLE_INT: dict[str, Any] = {"type": ["integer", "null"]}


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An optional query parameter; empty means not given (as an HTML form sends an empty field)."""
    return {"name": name, "in": "query", "required": False,
            "schema": {"anyOf": [schema, {"const": ""}]}, "description": description}


def path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


BASIS = [
    query("position", {"type": "integer", "minimum": 0}, "As of this ledger position."),
    query("known_at", {"type": "string", "format": "date-time"},
          "As known at this recorded moment (ISO 8601 with a time zone)."),
    query("delay", {"type": "number", "minimum": 0},
          "Seconds behind live: as known this many seconds ago."),
]
RACE_BASIS = [*BASIS,
              query("after_pair", {"type": "integer", "minimum": 0}, "As it stood after pair N."),
              query("at", {"type": "integer", "minimum": 0}, "Standings at this passing point (m).")]
ERROR = {"description": "A bad query value (one line)",
         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
NOT_FOUND = {"description": "No such race, skater or competition (one line)",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
NOT_MODIFIED = {"description": "The client's ETag (the ledger position) is current"}


def ok(ref: str) -> dict[str, Any]:
    return {"description": "OK; the ETag header is the ledger position",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def get(summary: str, params: list[dict[str, Any]], ref: str, found: bool = False) -> dict[str, Any]:
    responses = {"200": ok(ref), "304": NOT_MODIFIED, "400": ERROR}
    if found:
        responses["404"] = NOT_FOUND
    return {"get": {"summary": summary, "parameters": params, "responses": responses}}


ROW = {"type": "object", "required": ["rank", "skater", "nation", "time", "time_ms", "status", "behind",
                                        "pair", "lane"],
       "properties": {"rank": NULLABLE_INT, "skater": {"type": "string"}, "nation": NULLABLE_STR,
                      "time": NULLABLE_STR, "time_ms": NULLABLE_INT,
                      "status": {"enum": ["OK", "DNF", "DNS", "DQ", "WDR"]}, "behind": NULLABLE_STR,
                      "pair": NULLABLE_INT, "lane": {"enum": ["inner", "outer", None]},
                      "time_known": {"type": "boolean"}, "source": NULLABLE_STR,
                      "marks": {"type": "array", "items": {"type": "string"},
                                "description": "derived from evidence the ledger holds"},
                      "published_marks": {"type": "array", "items": {"type": "string"},
                                          "description": "as the source published them"}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "skate-ledger board", "version": "1",
             "description": "Read-only results of the ledger, as of any basis. Live pushes are "
                            "server-sent events: the board's at /races/{competition}/{race}/events "
                            "(HTML patches for the page), a race's facts as JSON at "
                            "/api/races/{competition}/{race}/events."},
    "paths": {
        "/api/races": get("The races with their keys", BASIS, "Races"),
        "/api/races/{competition}/{race}": get(
            "The leaderboard, or the standings at a passing point",
            [path("competition"), path("race"), *RACE_BASIS], "Board", found=True),
        "/api/races/{competition}/{race}/pair": get(
            "The pair on ice (or ?pair=N): passings, lap times, virtual places, gaps, estimate",
            [path("competition"), path("race"), *RACE_BASIS,
             query("pair", {"type": "integer", "minimum": 0}, "This pair instead of the one on ice."),
             query("ref", {"enum": ["sb", "pb", "leader"]}, "The estimate's reference.")],
            "Pair", found=True),
        "/api/races/{competition}/{race}/events": {"get": {
            "summary": "The race's facts as a JSON feed: server-sent events, each event's id its "
                       "ledger position, its name the item's type, its data the item (FeedItem)",
            "description": "Without Last-Event-ID, every item of the race, then each new one as it "
                           "is recorded; with it (or ?after=), the items after that position. "
                           "Gzipped, flushed after every event, when the client accepts it.",
            "parameters": [path("competition"), path("race"),
                           {"name": "Last-Event-ID", "in": "header", "required": False,
                            "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                            "description": "Resume after this ledger position."},
                           query("after", {"type": "integer", "minimum": 0},
                                 "Resume after this ledger position (as Last-Event-ID).")],
            "responses": {
                "200": {"description": "A stream of server-sent events (text/event-stream): "
                                       "`id: POSITION`, `event: TYPE`, `data: FeedItem as JSON`",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                "400": ERROR, "404": NOT_FOUND}}},
        "/api/skaters/{name}": get("A skater's results, personal and season bests",
                                   [path("name"), *BASIS], "History", found=True),
        "/api/competitions/{slug}/replay": get("The steps of a competition's day, for replay",
                                               [path("slug")], "Replay", found=True),
    },
    "components": {"schemas": {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        "Races": {"type": "array", "items": {
            "type": "object", "required": ["key", "competition", "date", "distance_m", "category", "label"],
            "properties": {"key": {"type": "string"}, "competition": {"type": "string"},
                           "date": {"type": "string", "format": "date"}, "distance_m": {"type": "integer"},
                           "category": {"type": "string"}, "label": NULLABLE_STR}}},
        "Board": {"type": "object", "required": ["race", "basis", "rows"], "properties": {
            "race": {"type": "string"},
            "basis": {"type": "object", "required": ["position", "known_at", "at_m", "after_pair"],
                      "properties": {"position": {"type": "integer"}, "known_at": NULLABLE_STR,
                                     "at_m": NULLABLE_INT, "after_pair": NULLABLE_INT}},
            "rows": {"type": "array", "items": ROW}}},
        "Pair": {"type": "object", "required": ["race", "basis", "pair"],
                 "properties": {"race": {"type": "string"}, "basis": {"type": "object"},
                                "pair": {"type": ["object", "null"]}}},
        "History": {"type": "object", "required": ["skater", "results", "personal_bests", "season_bests"],
                    "properties": {"skater": {"type": "string"}, "results": {"type": "array"},
                                   "personal_bests": {"type": "object"},
                                   "season_bests": {"type": "object"},
                                   "ledger_bests": {"type": "object"},
                                   "legend": {"type": "string"}}},
        "FeedItem": {"type": "object", "required": ["race", "position", "type", "recorded_at"],
                     "properties": {
                         "race": {"type": "string"}, "position": {"type": "integer"},
                         "type": {"enum": list(KINDS)},
                         "recorded_at": NULLABLE_STR, "pair": {"type": "integer"},
                         "skaters": {"type": "array", "items": NULLABLE_STR,
                                     "description": "draw, start: the pair's skaters (the pair on the ice)"},
                         "skater": NULLABLE_STR, "metres": NULLABLE_INT,
                         "time_ms": {"type": "integer"}, "time": {"type": "string"},
                         "place": {"type": "integer", "description":
                                   "passing: the virtual place among those who had passed that point "
                                   "when it was recorded; finish: among the finishes so far"},
                         "passed": {"type": "integer"}, "finished": {"type": "integer"},
                         "source": NULLABLE_STR, "of": {"enum": ["passing", "finish", "fact"]},
                         "before_ms": NULLABLE_INT, "reason": NULLABLE_STR, "by": NULLABLE_STR,
                         "status": {"enum": list(STATUSES.values())},
                         "announced_at": {"type": "string"}}},
        "Replay": {"type": "object", "required": ["competition", "steps"],
                   "properties": {"competition": {"type": "string"}, "steps": {"type": "array"}}},
    }},
}
