"""The ``skate-ledger`` command (design/interfaces.md).

Exit codes: 0 success; 2 bad input or a refused command (one line on stderr, nothing appended);
1 an internal failure. ``--db`` is accepted before or after the subcommand.
"""

from __future__ import annotations

import os
import sys

import click
from eventsourcing.persistence import IntegrityError

from ledger.domain.errors import LedgerError
from scripts.cli import corrections, demo, imports, questions, record, roles, serve, standings
from scripts.cli.common import ERR, Refused, db_option


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@db_option
def cli(db: str | None) -> None:
    """skate-ledger: an event-sourced results ledger for long-track speed skating."""



# Every command, registered here only: the command modules import scripts.cli.common, not this.
cli.add_command(imports.import_)
cli.add_command(imports.export)
cli.add_command(imports.verify)
cli.add_command(imports.checkpoint)
cli.add_command(imports.keygen)
cli.add_command(roles.roles)
cli.add_command(standings.races)
cli.add_command(standings.standings)
cli.add_command(standings.replay)
cli.add_command(questions.audit)
cli.add_command(questions.what_if)
cli.add_command(questions.history)
cli.add_command(questions.classification)
cli.add_command(questions.records_)
cli.add_command(questions.qualification)
cli.add_command(questions.report)
cli.add_command(record.record)
cli.add_command(demo.demo)
cli.add_command(serve.serve)
record.record.add_command(corrections.record_reskate)
record.record.add_command(corrections.record_redraw)
record.record.add_command(corrections.record_correct)
record.record.add_command(corrections.record_void)
record.record.add_command(corrections.record_official)


# -- running ------------------------------------------------------------------------------------
def fail(message: str, code: int) -> None:
    ERR.file.write(f"skate-ledger: error: {' '.join(message.split())}\n")
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="skate-ledger", standalone_mode=False)
    except (LedgerError, Refused) as e:
        fail(str(e) if isinstance(e, LedgerError) else e.format_message(), 2)
    except IntegrityError:  # an import that lost a race with another writer (commands retry)
        fail("another writer changed the same race, competition or skater at the same moment; "
             "nothing was appended by this command; run it again", 2)
    except click.exceptions.Abort:
        fail("aborted", 1)
    except click.ClickException as e:
        fail(e.format_message(), 2)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:
        if os.environ.get("SKATE_LEDGER_DEBUG"):
            raise
        fail(f"internal failure: {type(e).__name__}: {e} (set SKATE_LEDGER_DEBUG=1 for details)", 1)


if __name__ == "__main__":
    main()

