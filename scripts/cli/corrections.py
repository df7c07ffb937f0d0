"""The referee's corrections of the record group (re-skate, redraw, correct, void, official);
registered on the group by scripts/cli/main.py."""

from __future__ import annotations

from uuid import UUID

import click

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from ledger.domain.values import (
    parse_datetime,
)
from ledger.store.signing import (
    configured_key,
)
from ledger.store.verify import (
    TamperedError,
    sign_head,
    verify_ledger,
)
from scripts.cli.common import (
    OUT,
    acts,
    ledger_command,
    said,
    time_arg,
)


@click.command("reskate")
@click.argument("race")
@click.argument("skater")
@click.option("--reason", required=True)
@click.option("--pair", type=int, default=None, help="The pair of the re-skate.")
@click.option("--lane", type=click.Choice(["inner", "outer"]), default=None,
              help="The lane the referee gave in that pair (without it the lane is unknown).")
@ledger_command
@acts("reskate", author_required=True, keeps_author=True)
def record_reskate(app: Ledger, race: str, skater: str, reason: str, author: str,
                   pair: int | None, lane: str | None) -> None:
    """The referee granted SKATER a re-skate (the better valid time counts)."""
    said(app.grant_reskate(race, skater, reason, author, pair, lane))


@click.command("redraw")
@click.argument("race")
@click.argument("pair", type=int)
@click.option("--inner", multiple=True,
              help="The skater in the inner (white) lane; twice for a quartet start.")
@click.option("--outer", multiple=True,
              help="The skater in the outer (red) lane; twice for a quartet start.")
@click.option("--reason", required=True)
@ledger_command
@acts("redraw", author_required=True, keeps_author=True)
def record_redraw(app: Ledger, race: str, pair: int, inner: tuple[str, ...],
                  outer: tuple[str, ...], reason: str, author: str) -> None:
    """The referee corrected the draw of PAIR (a wrong lane or skater, or a withdrawn skater's
    lane given to another); the fact names the draw it supersedes, which stays in the log. A
    quartet start (Division B) names up to two skaters a lane: --inner and --outer twice."""
    said(app.correct_lanes(race, pair, inner, outer, reason, author))


def target_of(app: Ledger, race: str, skater: str | None, fact: str | None,
              metres: int | None, kind: str | None) -> UUID:
    if fact:
        try:
            return UUID(fact)
        except ValueError:
            raise InvalidInputError(f"--fact {fact!r} is not a fact id") from None
    if not skater:
        raise InvalidInputError("name the SKATER (with --at M for a passing) or give --fact ID")
    chosen = kind or ("passing" if metres is not None else "finish")
    return app.find_fact(race, skater, chosen, metres).fact_id


@click.command("correct")
@click.argument("race")
@click.argument("skater", required=False)
@click.option("--time", "time", required=True, help="The right time.")
@click.option("--at", "metres", type=int, default=None, help="Correct the passing at M metres.")
@click.option("--fact", default=None, help="The id of the fact to correct.")
@click.option("--reason", required=True)
@ledger_command
@acts("correct", author_required=True, keeps_author=True)
def record_correct(app: Ledger, race: str, skater: str | None, time: str, metres: int | None,
                   fact: str | None, reason: str, author: str) -> None:
    """Correct a recorded time (the finish, or a passing with --at); the original stays."""
    target = target_of(app, race, skater, fact, metres, None)
    said(app.correct_time(race, target, time_arg(time), reason, author))


@click.command("void")
@click.argument("race")
@click.argument("skater", required=False)
@click.option("--kind", type=click.Choice(["finish", "passing", "dnf", "dns", "wdr", "dq",
                                           "fall", "place"]), default=None)
@click.option("--at", "metres", type=int, default=None)
@click.option("--fact", default=None)
@click.option("--reason", required=True)
@ledger_command
@acts("void", author_required=True, keeps_author=True)
def record_void(app: Ledger, race: str, skater: str | None, kind: str | None,
                metres: int | None, fact: str | None, reason: str, author: str) -> None:
    """Void a recorded fact (it stays in the log, marked void)."""
    target = target_of(app, race, skater, fact, metres, kind)
    said(app.void_fact(race, target, reason, author))


@click.command("official")
@click.argument("race")
@click.option("--announced-at", default=None, help="ISO 8601; default now.")
@click.option("--force", is_flag=True,
              help="Declare official although drawn pairs have not skated (needs --reason).")
@click.option("--reason", default=None, help="Why the results are declared official by --force.")
@ledger_command
@acts("official", author_required=True, keeps_author=True)
def record_official(app: Ledger, race: str, author: str, announced_at: str | None, force: bool,
                    reason: str | None) -> None:
    """Declare the results of RACE official (later changes need a correction with a reason).

    Refused while drawn pairs have not skated, unless --force with a --reason. With a signing key
    in $SKATE_LEDGER_KEY, a checkpoint of the log is signed too."""
    if force and not (reason and reason.strip()):
        raise InvalidInputError("record official --force needs a --reason; nothing recorded")
    if reason is not None and not force:
        raise InvalidInputError("record official --reason goes with --force; nothing recorded")
    key = configured_key()
    if key is not None:  # a tampered log is refused before anything is appended
        verdict = verify_ledger(app.recorder)
        if verdict.breach is not None:
            raise TamperedError(f"{verdict.summary('the ledger')}; nothing recorded")
    position = app.declare_official(race, author,
                                    parse_datetime(announced_at) if announced_at else None,
                                    reason if force else None)
    said(position)
    if key is not None and position is not None:
        signed = sign_head(app.recorder, key)
        OUT.print(f"signed a checkpoint at position {signed.position}")

