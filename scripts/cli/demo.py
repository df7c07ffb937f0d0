"""The demo command: OKT 2017 day 1."""

from __future__ import annotations

import click

from ledger.application import Ledger
from ledger.store.personal import needed_master_key
from projections.basis import Basis
from projections.leaderboard import leaderboard
from projections.reading import state_at
from scripts.cli.common import (
    OUT,
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
    # the reports give skaters' home towns: personal fields, sealed (docs/decisions/0029); refused
    # before anything is appended
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


