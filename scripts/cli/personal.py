"""Personal data (docs/decisions/0029-erasable-personal-data.md): the master key, erasure and
the migration of ledgers recorded before personal fields were sealed."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.application import Ledger
from ledger.erasure import erasable, erase_skater, migrate_personal_data
from ledger.store.personal import MASTER_KEY_ENV, make_master_key
from ledger.store.roles import ADMIN_TOKEN_FILE_ENV, RoleStore, check_administrator
from projections.views import forget_personal
from scripts.cli.common import OUT, acts, ledger_command


@click.group("keys")
def keys() -> None:
    """The master key that wraps the skaters' data keys (personal fields are sealed with them)."""


@keys.command("init")
@click.option("--output", "out", type=click.Path(path_type=Path), required=True,
              help=f"The new master key file (mode 0600, never overwritten); name it in ${MASTER_KEY_ENV}.")
def keys_init(out: Path) -> None:
    """Make a master key file; keep it apart from the ledger (whoever holds both reads the
    personal fields; without it they stay sealed)."""
    make_master_key(out)
    OUT.print(f"master key written to {out}; set {MASTER_KEY_ENV}={out}", markup=False,
              highlight=False)


@click.command("erase")
@click.argument("skater")
@click.option("--reason", required=True, help="Why (e.g. the skater's request under GDPR art. 17).")
@click.option("--token-file", "admin_token", type=click.Path(path_type=Path), default=None,
              help=f"The administrator's token (default ${ADMIN_TOKEN_FILE_ENV}).")
@ledger_command
@acts("erase", author_required=True, keeps_author=True)
def erase(app: Ledger, skater: str, reason: str, admin_token: Path | None, author: str) -> None:
    """Destroy SKATER's personal data (administrator): her key goes, the erasure is recorded."""
    check_administrator(RoleStore(app.recorder), "erase", admin_token)
    sid = erasable(app, skater, reason, author)
    forget_personal(app, sid)  # before the key goes: the store's clean-up then covers these rows
    position = erase_skater(app, sid, reason, author)
    OUT.print(f"erased the personal data of {skater} (position {position}); the results stay",
              markup=False, highlight=False)


@click.group("migrate")
def migrate() -> None:
    """Bring a ledger recorded by an earlier version up to date."""


@migrate.command("personal-data")
@ledger_command
@acts("migrate")
def migrate_personal(app: Ledger) -> None:
    """Seal the personal fields that registrations of before decision 0029 hold in clear, and
    record which positions hold them (they stay in the chain: see the decision)."""
    done = migrate_personal_data(app)
    for name, positions in done:
        OUT.print(f"sealed {name} (plain at position {', '.join(map(str, positions))})",
                  markup=False, highlight=False)
    OUT.print(f"{len(done)} skater(s) sealed", markup=False, highlight=False)
