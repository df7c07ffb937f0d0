"""The serve command: the read-only web board.

The one module where the command and the web board meet: it takes the command's options and
ledger opening (``scripts.cli.common``) and starts the board (``scripts.board.app``), so that
``scripts.cli`` and ``scripts.board`` stay independent of each other (an import-linter contract);
the command's group names it and imports it only when ``serve`` runs."""

from __future__ import annotations

import errno
import math
import socket

import click

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from scripts.cli.common import (
    ERR,
    read_command,
)


# -- the web board ------------------------------------------------------------------------------
@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--poll", type=click.FloatRange(0.005, 10.0), default=0.02, show_default=True,
              callback=lambda ctx, param, value: a_number(value),
              help="Seconds between looks for new facts (on SQLite a look reads the file's data "
                   "version only; PostgreSQL notifies the board and this is its safety net).")
@read_command
def serve(app: Ledger, host: str, port: int, poll: float) -> None:
    """A read-only web board of the ledger: the day, race boards, the pair on ice, skaters, replay,
    JSON (/openapi.json) and live updates (server-sent events). Stop it with Ctrl-C."""
    from scripts.board.app import server  # the web stack: loaded when the board starts

    sock = bound(host, port)  # a busy port is refused before any address is printed
    port = sock.getsockname()[1]
    ERR.print(f"skate-ledger board on http://{host}:{port}/ (position {app.last_position()}); "
              "Ctrl-C stops it", markup=False, highlight=False)
    server(app, host, port, poll).run(sockets=[sock])


def a_number(seconds: float) -> float:
    """``--poll nan`` passes click's range (nan compares false to both ends): refused here."""
    if math.isnan(seconds):
        raise click.BadParameter("nan is not a number of seconds")
    return seconds


def bound(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for the board (uvicorn listens on it once the board started)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as e:
        raise InvalidInputError(f"--host {host!r}: cannot listen there ({e.strerror})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: not a busy port
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise InvalidInputError(f"--port {port}: port {port} is in use on {host} (another server "
                                    "listens there); choose another with --port") from None
        raise InvalidInputError(f"--host {host} --port {port}: cannot listen there ({e.strerror})") from None
    return sock


