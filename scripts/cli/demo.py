"""The demo command: OKT 2017 day 1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from ledger.application import Ledger
from ledger.bootstrap import chosen_db
from ledger.store.personal import MASTER_KEY_ENV, make_master_key, master_key, needed_master_key
from projections.basis import Basis
from projections.leaderboard import leaderboard
from projections.reading import state_at
from scripts.cli.common import (
    OUT,
    given_db,
    ledger_command,
    show_board,
)
from scripts.demo import okt2017


# -- the demo -----------------------------------------------------------------------------------
@click.command("demo")
@click.option("--notation", type=click.Choice(["iso", "nl"]), default="iso")
@ledger_command
def demo(app: Ledger, notation: str) -> None:
    """Load OKT 2017 day 1 (the founding report) and print its boards.

    Both leaderboards, and the women's 1000 m as it stood before the last pair.
    """
    # the reports give skaters' home towns: personal fields, sealed (docs/decisions/0029). Without
    # a master key the demo of a SQLite file makes its own beside the file and says so; elsewhere
    # it is refused before anything is appended
    made = demo_master_key(given_db(click.get_current_context(), None))
    with master_key_named(made):
        needed_master_key("the demo (its skaters have home towns)")
        keys = okt2017.load(app)
    state = state_at(app)
    for key in keys.values():
        show_board(state, leaderboard(state, key), Basis(), "table", notation)
    women_1000 = state.sheet(keys["women-1000"])
    assert women_1000 is not None, "okt2017.load built the women's 1000 m"
    last_pair = max(women_1000.pairs)
    before = Basis(after_pair=last_pair - 1)
    show_board(state, leaderboard(state, keys["women-1000"], last_pair - 1), before, "table",
               notation)
    OUT.print("[dim]Unknown skaters are placeholders for places the reports do not name; "
              "their times are unknown.[/dim]")
    OUT.print(f"[dim]{okt2017.MOMENTS_NOTICE}[/dim]")
    if made is not None:
        OUT.print(f"[dim]The home towns are personal data, sealed with the master key {made} "
                  f"(made for this demo): set {MASTER_KEY_ENV}={made} to read them.[/dim]",
                  markup=True)


def demo_master_key(db: str | None) -> Path | None:
    """The demo's own master key when none is set and the ledger is a SQLite file: the file
    ``<db>.master-key`` beside it (made when missing, mode 0600), named for this process; None
    when a key is set or the store is not a file (then the demo is refused without one)."""
    if master_key() is not None:
        return None
    target = chosen_db(db)
    if target == ":memory:" or "://" in target:
        return None
    path = Path(f"{target}.master-key")
    if not path.exists():
        make_master_key(path)
    return path


@contextmanager
def master_key_named(path: Path | None) -> Iterator[None]:
    """``$SKATE_LEDGER_MASTER_KEY_FILE`` names ``path`` in the block (nothing changes for None)."""
    if path is None:
        yield
        return
    before = os.environ.get(MASTER_KEY_ENV)
    os.environ[MASTER_KEY_ENV] = str(path.resolve())
    try:
        yield
    finally:
        if before is None:
            del os.environ[MASTER_KEY_ENV]
        else:
            os.environ[MASTER_KEY_ENV] = before


