"""The races and their standings, and the replay of a race."""

from __future__ import annotations

import math
import time as wall
from pathlib import Path

import click

from ledger.application import Ledger
from ledger.domain.clocks import known_at_of
from ledger.domain.errors import InvalidInputError
from ledger.domain.timing import lap_to_metres
from ledger.domain.values import (
    parse_datetime,
)
from ledger.store.signing import (
    KEY_ENV,
)
from projections.basis import Basis
from projections.cup import PointsTable, read_table, shipped_tables, tables_by_season
from projections.leaderboard import leaderboard, standings_at
from projections.reading import race_state_at
from projections.timeline import replay_frames
from scripts import output
from scripts.cli import sheets
from scripts.cli.common import (
    OUT,
    read_command,
    read_unless,
    show_board,
    signing_key,
)


# -- reading ------------------------------------------------------------------------------------
@click.command("races")
@click.option("--position", type=int, default=None, help="As of this log position.")
@click.option("--known-at", default=None, help="As known at this moment (ISO 8601 with zone).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@read_command
def races(app: Ledger, position: int | None, known_at: str | None, fmt: str) -> None:
    """List the races with their keys.

    Now, or as of a log position or a known-at moment: from the races view when the views hold
    that basis, else by the fold (the same answer)."""
    from projections.views import catalogue_at  # the views' machinery only for this question

    basis = Basis(position=position, known_at=parse_datetime(known_at) if known_at else None)
    found = output.listings_json(catalogue_at(app, basis).races)
    if fmt == "json":
        output.print_json(OUT, found)
    else:
        OUT.print(output.listings_table(found))


@click.command("standings")
@click.argument("race")
@click.option("--at", "at_m", type=int, default=None, help="Standings at this passing point (m).")
@click.option("--lap", type=int, default=None, help="Standings at the end of this full lap.")
@click.option("--position", type=int, default=None, help="As of this log position.")
@click.option("--known-at", default=None, help="As known at this moment (ISO 8601 with zone).")
@click.option("--after-pair", type=int, default=None, help="As the race stood after pair N.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.option("--notation", type=click.Choice(["iso", "nl"]), default="iso")
@click.option("--checkpoint", "with_checkpoint", is_flag=True,
              help="Carry the sheet's checkpoint (position, chain hash, and a signature when one is "
                   "stored at that position) so a reader can check it: verify --sheet.")
@click.option("--sign", is_flag=True,
              help=f"Sign a checkpoint of the sheet's position (with --key FILE or ${KEY_ENV}), "
                   "store it and carry it; implies --checkpoint.")
@click.option("--key", "key_file", type=click.Path(path_type=Path), default=None,
              help=f"The private key for --sign (default ${KEY_ENV}).")
@click.option("--cup-table", "cup_table", multiple=True, type=click.Path(path_type=Path),
              help="A cup points table (JSON, decision 0022) beside the shipped ones.")
@read_unless("sign")
def standings(app: Ledger, race: str, at_m: int | None, lap: int | None, position: int | None,
              known_at: str | None, after_pair: int | None, fmt: str, notation: str,
              with_checkpoint: bool, sign: bool, key_file: Path | None,
              cup_table: tuple[Path, ...]) -> None:
    """The leaderboard of RACE, or the standings at a passing point, as of a basis."""
    if at_m is not None and lap is not None:
        raise InvalidInputError("--at and --lap name the same thing; give one")
    key = signing_key(sign, key_file, csv_refusal(fmt, sign, with_checkpoint))
    moment = parse_datetime(known_at) if known_at else None
    # The race's own stream (and, for the marks a table or JSON shows, the races of its distance
    # up to its day, and the record lines): the same state for this race as the whole fold (tests/laws).
    state = race_state_at(app, race, Basis(position=position, known_at=moment), marks=fmt != "csv")
    if lap is not None:
        sheet = state.sheet(race) or app.race(race).sheet
        at_m = lap_to_metres(sheet.distance_m, lap, sheet.track_m)
    basis = Basis(position=position, known_at=moment, after_pair=after_pair, at_m=at_m)
    if state.sheet(race) is None:
        app.race(race)  # an unknown race is named as such
    board = (standings_at(state, race, at_m, after_pair) if at_m is not None
             else leaderboard(state, race, after_pair))
    carried = (sheets.sheet_checkpoint(app, board.position, key)
               if with_checkpoint or sign else None)
    show_board(state, board, basis, fmt, notation, carried, cup_tables=cup_tables(cup_table))


def cup_tables(paths: tuple[Path, ...]) -> dict[tuple[str, str], PointsTable]:
    """The shipped points tables and those given (a given one replaces the shipped one of its
    series and season)."""
    return tables_by_season([*shipped_tables(), *(read_table(p) for p in paths)])


def csv_refusal(fmt: str, sign: bool, with_checkpoint: bool) -> str | None:
    """Why ``standings`` cannot sign or add a checkpoint in ``fmt`` (None: it can)."""
    if fmt == "csv" and (sign or with_checkpoint):
        return (f"--{'sign' if sign else 'checkpoint'}: a CSV sheet has no place for its checkpoint; "
                "use --format json (or table)")
    return None




@click.command("replay")
@click.argument("target")
@click.option("--step", type=click.Choice(["pair", "event"]), default="pair")
@click.option("--speed", type=float, default=0.0, callback=lambda ctx, param, value: pace(value),
              help="Replay at this multiple of the recorded pace (0: no waiting).")
@click.option("--until", default=None, help="Stop at this known-at moment (ISO 8601).")
@click.option("--notation", type=click.Choice(["iso", "nl"]), default="iso")
@read_command
def replay(app: Ledger, target: str, step: str, speed: float, until: str | None,
           notation: str) -> None:
    """The day (a competition key) or a race as it unfolded: the board after each step.

    By pair, a step is the end of a pair and every act that changes a board without one (a
    correction, void, DQ, re-skate, status change, published place or marks, the official
    declaration); the last frame of each race is its standings now (as of --until)."""
    stop_at = parse_datetime(until) if until else None
    last_time = None
    shown = False
    for frame in replay_frames(app.read_log(), target, step, stop_at):
        shown = True
        moment = known_at_of(frame.event)
        if speed and last_time is not None:
            wall.sleep(max(0.0, (moment - last_time).total_seconds() / speed))
        last_time = moment
        show_board(frame.state, leaderboard(frame.state, frame.race), Basis(position=frame.position),
                   "table", notation)
    if not shown:
        app.race(target)


def pace(value: float) -> float:
    """``replay --speed``: a positive finite multiple of the recorded pace (0, the default: no
    waiting); a negative, infinite or NaN speed would wait forever or not at all."""
    if value != 0 and not (math.isfinite(value) and value > 0):
        raise click.BadParameter(f"{value} is not a positive finite number (a multiple of the "
                                 "recorded pace; 0: no waiting)")
    return value
