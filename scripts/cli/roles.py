"""Who may do what (docs/decisions/0008-roles.md): the roles group."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.application import Ledger
from ledger.store.roles import (
    ADMIN_TOKEN_FILE_ENV,
    AUTHOR_ENV,
    TOKEN_ENV,
    TOKEN_FILE_ENV,
    RoleStore,
    author_of,
    given_admin_token,
    given_token,
    read_token,
    set_administrator,
    set_referee,
)
from scripts import output
from scripts.cli.common import (
    OUT,
    ledger_command,
    read_command,
)


# -- roles (docs/decisions/0008-roles.md) --------------------------------------------------------
@click.group("roles")
def roles() -> None:
    """Who may write: the referee's token, and the acts noted with their authors."""


@roles.command("set-referee")
@click.option("--token-file", "token_file", type=click.Path(path_type=Path), required=True,
              help=f"The new token (16 to 4096 characters); keep the file where only the referee "
                   f"can read it. Referee commands then need it (--token-file, ${TOKEN_FILE_ENV} "
                   f"or ${TOKEN_ENV}).")
@click.option("--current-token-file", "current_file", type=click.Path(path_type=Path), default=None,
              help=f"The token configured now, to change it (default ${TOKEN_FILE_ENV} / ${TOKEN_ENV}).")
@click.option("--by", "by", default=None, metavar="NAME", help=f"Who sets it; default ${AUTHOR_ENV}.")
@ledger_command
def roles_set_referee(app: Ledger, token_file: Path, current_file: Path | None, by: str | None) -> None:
    """Configure the referee's token: a salted scrypt hash of it is stored in the ledger."""
    OUT.print(set_referee(RoleStore(app.recorder), read_token(token_file), given_token(current_file),
                          author_of(by)), markup=False, highlight=False)


@roles.command("clear-referee")
@click.option("--current-token-file", "current_file", type=click.Path(path_type=Path), default=None,
              help=f"The token configured now (default ${TOKEN_FILE_ENV} / ${TOKEN_ENV}).")
@ledger_command
def roles_clear_referee(app: Ledger, current_file: Path | None) -> None:
    """Remove the referee's token (the ledger is open again); needs the current token."""
    OUT.print(set_referee(RoleStore(app.recorder), None, given_token(current_file), None),
              markup=False, highlight=False)


@roles.command("show")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@read_command
def roles_show(app: Ledger, fmt: str) -> None:
    """Whether a referee token is configured, and every act noted with its role and author."""
    store = RoleStore(app.recorder)
    secret = store.secret()
    referee = None if secret is None else {"scheme": secret.scheme, "set_at": secret.set_at,
                                          "set_by": secret.set_by}
    noted = [{"position": p, "role": r, "author": a, "act": act} for p, r, a, act in store.acts()]
    if fmt == "json":
        output.print_json(OUT, {"referee_token": referee, "acts": noted})
        return
    OUT.print("referee token: " + ("none (the ledger is open)" if referee is None else
                                   f"set {referee['set_at']} by {referee['set_by'] or 'unnamed'}"),
              markup=False, highlight=False)
    for act in noted:
        OUT.print(f"{act['position']:>8}  {act['role']:<16} {act['act']:<12} {act['author'] or '-'}",
                  markup=False, highlight=False)




@roles.command("set-administrator")
@click.option("--token-file", "token_file", type=click.Path(path_type=Path), required=True,
              help=f"The new token (16 to 4096 characters). erase needs it (--token-file or "
                   f"${ADMIN_TOKEN_FILE_ENV}).")
@click.option("--current-token-file", "current_file", type=click.Path(path_type=Path), default=None,
              help=f"The token configured now, to change it (default ${ADMIN_TOKEN_FILE_ENV}).")
@click.option("--by", "by", default=None, metavar="NAME", help=f"Who sets it; default ${AUTHOR_ENV}.")
@ledger_command
def roles_set_administrator(app: Ledger, token_file: Path, current_file: Path | None,
                            by: str | None) -> None:
    """Configure the administrator's token (erase needs it): a salted scrypt hash is stored."""
    OUT.print(set_administrator(RoleStore(app.recorder), read_token(token_file),
                                given_admin_token(current_file), author_of(by)),
              markup=False, highlight=False)
