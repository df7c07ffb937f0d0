"""The option every command shares, apart from scripts/cli/common.py so that the group in
main.py takes it without importing what the commands use (the ledger, rich)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def db_option(command: F) -> F:
    """``--db`` on the group and on every subcommand; the innermost given wins."""
    return click.option("--db", "db", default=None, metavar="PATH|:memory:|postgresql://URL",
                        help="The ledger: a SQLite file (default ./skate-ledger.db or "
                             "$SKATE_LEDGER_DB), :memory: or a PostgreSQL URL.")(command)
