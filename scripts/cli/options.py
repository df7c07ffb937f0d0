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


def views_option(command: F) -> F:
    """``--views`` on the group and on every command that opens the ledger; the innermost wins."""
    return click.option("--views", "views", default=None, metavar="postgresql://URL",
                        help="Where the read models are kept, when not beside the ledger: a "
                             "PostgreSQL database of their own (default $SKATE_LEDGER_VIEWS).")(command)
