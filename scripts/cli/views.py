"""The read models in the store (docs/decisions/0018-bitemporal-views.md): the views group.

``views rebuild`` takes the whole log in again through the library's ProjectionRunner, with a
progress bar and the events per second; ``views catch-up`` takes in only the facts after the
position the views hold; ``views check`` compares the views with a fold from position 1 at random
bases and names the first difference. The views live in the ledger's own SQLite file or
PostgreSQL database, or with ``--views URL`` in a PostgreSQL database of their own.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from ledger.application import Ledger
from projections.basis import Basis
from projections.views import Progress, catch_up, check_at, random_bases, rebuild, views_of
from scripts.cli.common import OUT, Refused, ledger_command, read_command


@click.group("views")
def views() -> None:
    """The read models in the store: rebuild them from the log, catch them up, check them."""


@contextmanager
def progress_bar(what: str) -> Iterator[Progress]:
    """A rich progress bar over the log's positions, with the events per second."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[eps]} events/s"), TimeElapsedColumn(),
                  console=OUT.console, disable=not OUT.is_terminal) as bar:
        task = bar.add_task(what, total=None, eps="-")
        began, first = time.perf_counter(), None

        def shown(reached: int, last: int) -> None:
            nonlocal first
            first = reached if first is None else first
            rate = (reached - first) / max(time.perf_counter() - began, 1e-9)
            bar.update(task, completed=reached, total=max(last, 1), eps=f"{rate:,.0f}")

        yield shown


def ran(app: Ledger, step: Callable[[Ledger, Progress], int], what: str) -> None:
    before = app.last_position()
    began = time.perf_counter()
    with progress_bar(what) as shown:
        reached = step(app, shown)
    took = time.perf_counter() - began
    OUT.print(f"views hold position {reached} of {before}: {before} events in {took:.2f} s "
              f"({before / max(took, 1e-9):,.0f} events/s)", markup=False, highlight=False)


@views.command("rebuild")
@ledger_command
def views_rebuild(app: Ledger) -> None:
    """Forget the views and take in the whole log again (every view), with a progress bar."""
    ran(app, rebuild, "rebuilding the views")


@views.command("catch-up")
@ledger_command
def views_catch_up(app: Ledger) -> None:
    """Take in the facts after the position the views hold (all of them the first time)."""
    ran(app, catch_up, "catching up the views")


def named(basis: Basis) -> str:
    if basis.known_at is not None:
        return f"known at {basis.known_at.isoformat()}"
    return "now" if basis.position is None else f"position {basis.position}"


@views.command("check")
@click.option("--samples", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="How many random positions (and as many known-at moments) to check.")
@click.option("--seed", type=int, default=None, help="The random bases' seed (default: a new one).")
@read_command
def views_check(app: Ledger, samples: int, seed: int | None) -> None:
    """Compare the views with a fold from position 1 at random bases; name the first difference."""
    found = views_of(app)
    if found is None:
        raise Refused("this ledger holds no views: run skate-ledger views rebuild")
    seed = random.randrange(2**32) if seed is None else seed
    agreed = declined = 0
    for basis in random_bases(app, samples, random.Random(seed)):
        checked = check_at(app, found, basis)
        shown = named(basis)
        if checked.difference is not None:
            OUT.print(f"first difference, {shown}: {checked.difference} (seed {seed})",
                      markup=False, highlight=False)
            sys.exit(1)
        if checked.declined is not None:
            declined += 1
            OUT.print(f"not answered, {shown}: {checked.declined}", markup=False, highlight=False)
        else:
            agreed += 1
    OUT.print(f"the views agree with the fold at {agreed} bases ({declined} not answered by the "
              f"views; seed {seed})", markup=False, highlight=False)
