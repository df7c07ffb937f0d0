"""The board's JSON API fuzzed from its own OpenAPI description (schemathesis): no 500s, and every
answer is one the description allows (status, headers, body). The demo day is loaded so that known
races answer too. The race's JSON feed (an event stream) is in the run: the hub is closed, so
each stream sends its backlog and ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemathesis
from hypothesis import HealthCheck, settings
from starlette.applications import Starlette

from ledger.bootstrap import build_app
from scripts.board.app import create_app
from scripts.demo import okt2017

if TYPE_CHECKING:  # schemathesis names the type of an OpenAPI case for type checkers only
    from schemathesis.specs.openapi.schemas import OpenApiCase


def board() -> Starlette:
    ledger = build_app("memory")
    okt2017.load(ledger)
    app = create_app(ledger)
    # as when the server stops: an event stream (the JSON feed) sends what it has, then ends,
    # so that each fuzzed request gets its whole answer
    app.state.board.hub.close()
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", board())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_json_api_never_fails_whatever_the_query(case: OpenApiCase) -> None:
    response = case.call()
    assert response.status_code < 500, (case.formatted_path, case.query, response.text)
    # "valid data must be accepted" does not hold: the schema cannot say that position, known_at
    # and delay exclude each other, and such a request is rightly a 400
    case.validate_response(response, excluded_checks=[schemathesis.checks.positive_data_acceptance])
