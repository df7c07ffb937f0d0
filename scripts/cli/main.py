"""The ``skate-ledger`` command (design/interfaces.md).

Exit codes: 0 success; 2 bad input or a refused command (one line on stderr, nothing appended);
1 an internal failure. ``--db`` is accepted before or after the subcommand.

The command starts fast: the group knows each subcommand by its module and its one-line summary,
and imports the module only when that subcommand runs (or shows its own help). ``--help`` imports
no subcommand; a query imports its own module, which opens the store it names (rich, cryptography
and psycopg are imported only where they are used). tests/adapters/test_startup.py guards both.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import click
from click.formatting import HelpFormatter

from ledger.domain.errors import LedgerError
from scripts.cli.options import db_option, views_option


@attrs.frozen
class Lazy:
    """A subcommand not imported yet: ``module:attr`` (or a loader) and its help's first paragraph,
    which is all the group's ``--help`` shows of it (click shortens it as it shortens the help)."""

    summary: str
    target: str
    then: Callable[[click.Command], None] | None = None  # what to add once it is loaded

    def load(self) -> click.Command:
        module, _, attr = self.target.partition(":")
        command = getattr(importlib.import_module(module), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        if self.then is not None:
            self.then(command)
        return command


class LazyGroup(click.Group):
    """click's group whose commands are imported when they are first asked for (click's
    documented lazy-loading pattern); the listing in ``--help`` reads the summaries instead."""

    def __init__(self, *args: Any, lazy: Mapping[str, Lazy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self.lazy[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        """As click's ``Group.format_commands``, with a summary for a command not imported."""
        names = [name for name in self.list_commands(ctx) if not self.hides(name)]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self.summary_of(name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def hides(self, name: str) -> bool:
        loaded = self.commands.get(name)
        return loaded is not None and loaded.hidden

    def summary_of(self, name: str, limit: int) -> str:
        loaded = self.commands.get(name)
        if loaded is not None:
            return loaded.get_short_help_str(limit)
        return click.Command(name, help=self.lazy[name].summary).get_short_help_str(limit)


def with_corrections(record: click.Command) -> None:
    """``record``'s corrections, in their own module (scripts/cli/corrections.py)."""
    from scripts.cli import corrections
    if not isinstance(record, click.Group):
        raise TypeError("record is not a click group")
    for command in (corrections.record_reskate, corrections.record_redraw,
                    corrections.record_correct, corrections.record_void,
                    corrections.record_official):
        record.add_command(command)


# Every command, registered here only: the command modules import scripts.cli.common, not this.
# The summaries are the first paragraphs of the commands' help (test_startup.py checks each).
COMMANDS: Mapping[str, Lazy] = {
    "import": Lazy("Append the facts in FILES; re-importing the same file appends nothing.",
                   "scripts.cli.imports:import_"),
    "export": Lazy("Write the whole log, in order, so that import of it rebuilds the same ledger.",
                   "scripts.cli.imports:export"),
    "verify": Lazy("Recompute the hash chain of the whole log and check it and the signed "
                   "checkpoints.", "scripts.cli.imports:verify"),
    "checkpoint": Lazy("Verify the log, then sign and store a checkpoint of its head; print it as "
                       "one JSON line.", "scripts.cli.imports:checkpoint"),
    "keygen": Lazy("Make an Ed25519 signing key for checkpoints (the private key is never "
                   "printed).", "scripts.cli.imports:keygen"),
    "roles": Lazy("Who may write: the referee's token, and the acts noted with their authors.",
                  "scripts.cli.roles:roles"),
    "keys": Lazy("The master key that wraps the skaters' data keys (personal fields are sealed "
                 "with them).", "scripts.cli.personal:keys"),
    "erase": Lazy("Destroy SKATER's personal data (administrator): her key goes, the erasure is "
                  "recorded.", "scripts.cli.personal:erase"),
    "migrate": Lazy("Bring a ledger recorded by an earlier version up to date.",
                    "scripts.cli.personal:migrate"),
    "races": Lazy("List the races with their keys.", "scripts.cli.standings:races"),
    "standings": Lazy("The leaderboard of RACE, or the standings at a passing point, as of a "
                      "basis.", "scripts.cli.standings:standings"),
    "replay": Lazy("The day (a competition key) or a race as it unfolded: the board after each "
                   "step.", "scripts.cli.standings:replay"),
    "audit": Lazy("Every correction, void, DQ, re-skate and status change, with the places it "
                  "moved.", "scripts.cli.questions:audit"),
    "what-if": Lazy("Where TIME would rank in RACE's board, and whom it would pass.",
                    "scripts.cli.questions:what_if"),
    "history": Lazy("Every race of SKATER with place, time and passings; personal and season "
                    "bests.", "scripts.cli.questions:history"),
    "classification": Lazy("Samalog points over RACES (an allround or sprint combination); "
                           "lowest total wins.", "scripts.cli.questions:classification"),
    "records": Lazy("World, track, national and championship records: the record tables the "
                    "ledger holds (import --format records), bettered by the valid times it holds "
                    "after their dates.", "scripts.cli.questions:records_"),
    "cup": Lazy("The standings of CUP: rank, skater or team, nation, points per competition, "
                "total.", "scripts.cli.questions:cup"),
    "qualification": Lazy("Who qualified under RULE (a rule file's name, or a path), and who "
                          "depends on what.", "scripts.cli.questions:qualification"),
    "report": Lazy("A regional report: every selected skater's place and time, DNFs with where "
                   "they fell.", "scripts.cli.questions:report"),
    "record": Lazy("Append one live fact (a retransmitted fact is accepted once).",
                   "scripts.cli.record:record", then=with_corrections),
    "sheet": Lazy("The official result sheet of RACE, printable (HTML or PDF), with its "
                  "checkpoint.", "scripts.cli.printing:sheet"),
    "views": Lazy("The read models in the store: rebuild them from the log, catch them up, check "
                  "them.", "scripts.cli.views:views"),
    "demo": Lazy("Load OKT 2017 day 1 (the founding report) and print its boards.",
                 "scripts.cli.demo:demo"),
    "serve": Lazy("A read-only web board of the ledger: the day, race boards, the pair on ice, "
                  "skaters, replay, JSON (/openapi.json) and live updates (server-sent events). "
                  "Stop it with Ctrl-C.", "scripts.serve:serve"),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@views_option
def cli(db: str | None, views: str | None) -> None:
    """skate-ledger: an event-sourced results ledger for long-track speed skating."""


# -- running ------------------------------------------------------------------------------------
def fail(message: str, code: int) -> None:
    sys.stderr.write(f"skate-ledger: error: {' '.join(message.split())}\n")
    sys.exit(code)


def lost_race(error: Exception) -> bool:
    """An import that lost a race with another writer: the library's ``IntegrityError`` (its
    module is loaded whenever one can have been raised)."""
    persistence = sys.modules.get("eventsourcing.persistence")
    return persistence is not None and isinstance(error, persistence.IntegrityError)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="skate-ledger", standalone_mode=False)
    except LedgerError as e:
        fail(str(e), 2)
    except click.exceptions.Abort:
        fail("aborted", 1)
    except click.ClickException as e:  # Refused (scripts/cli/common.py) among them
        fail(e.format_message(), 2)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:
        if lost_race(e):  # commands retry
            fail("another writer changed the same race, competition or skater at the same "
                 "moment; nothing was appended by this command; run it again", 2)
        if os.environ.get("SKATE_LEDGER_DEBUG"):
            raise
        fail(f"internal failure: {type(e).__name__}: {e} (set SKATE_LEDGER_DEBUG=1 for details)", 1)


if __name__ == "__main__":
    main()
