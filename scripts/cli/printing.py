"""``skate-ledger sheet``: the official result sheet of a race, as HTML or PDF, with its checkpoint
(docs/decisions/0030-the-result-sheet.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from ledger.domain.timing import Notation
from ledger.store.signing import KEY_ENV
from projections.basis import Basis
from projections.leaderboard import leaderboard
from projections.reading import race_state_at
from scripts.cli import sheets
from scripts.cli.common import OUT, read_unless, signing_key
from scripts.sheet import render_html, render_pdf, sheet_data


@click.command("sheet")
@click.argument("race")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="html",
              show_default=True)
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the sheet to FILE (default: standard output).")
@click.option("--notation", type=click.Choice(["iso", "nl"]), default="iso", show_default=True)
@click.option("--sign", is_flag=True,
              help=f"Sign a checkpoint of the sheet's position (with --key FILE or ${KEY_ENV}) "
                   "and store it; without it the sheet carries a checkpoint stored at that "
                   "position, or the position and chain hash alone.")
@click.option("--key", "key_file", type=click.Path(path_type=Path), default=None,
              help=f"The private key for --sign (default ${KEY_ENV}).")
@read_unless("sign")
def sheet(app: Ledger, race: str, fmt: str, output: Path | None, notation: str, sign: bool,
          key_file: Path | None) -> None:
    """The official result sheet of RACE, printable (HTML or PDF), with its checkpoint.

    Head, rows, marks with their legend, notes (DQ rule, falls, re-skates), referee and starter,
    conditions, provisional or official, and the checkpoint as text and as a QR code that
    verify --sheet reads back."""
    key = signing_key(sign, key_file)
    if output is not None and not output.absolute().parent.is_dir():  # before --sign stores a checkpoint
        raise InvalidInputError(f"--output {output}: cannot be written ("
                                f"{output.absolute().parent} is not an existing folder)")
    state = race_state_at(app, race, Basis(), marks=True)
    if state.sheet(race) is None:
        app.race(race)  # an unknown race is named as such
    board = leaderboard(state, race)
    checkpoint = sheets.sheet_checkpoint(app, board.position, key)
    data = sheet_data(state, board, Basis(), _notation(notation), checkpoint)
    printed = render_pdf(data) if fmt == "pdf" else render_html(data).encode("utf-8")
    if output is None:
        sys.stdout.buffer.write(printed)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(printed)
    except OSError as e:
        raise InvalidInputError(f"--output {output}: cannot be written ({e.strerror})") from None
    OUT.print(f"wrote {output}: the {fmt.upper()} sheet of {race} as of position "
              f"{board.position}" + ("; signed" if checkpoint.get("signature") else ""),
              markup=False, highlight=False)


def _notation(text: str) -> Notation:
    return "nl" if text == "nl" else "iso"
