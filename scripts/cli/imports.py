"""Facts in and out: import, export, verify, checkpoint, keygen."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from ledger.formats import FORMATS, check_files, detect_format
from ledger.formats.csv_results import ResultRow, read_csv
from ledger.formats.isu_text import read_isu_text
from ledger.formats.jsonl import dumps
from ledger.importing import Batch, record_rows
from ledger.importing.jsonl import export_lines, restore, write_jsonl
from ledger.importing.records import import_records
from ledger.importing.vantage import import_vantage
from ledger.store.personal import needed_master_key
from ledger.store.signing import (
    KEY_ENV,
    checkpoint_json,
    configured_key,
    generate_key_file,
    public_key_path,
    read_checkpoints,
    read_public_key,
)
from ledger.store.verify import (
    TamperedError,
    exported_event,
    read_export,
    sign_head,
    verify_export,
    verify_ledger,
)
from scripts.cli import sheets
from scripts.cli.common import (
    ERR,
    OUT,
    acts,
    given_db,
    ledger_command,
    open_ledger,
    read_command,
)
from scripts.cli.options import db_option


# -- import / export ----------------------------------------------------------------------------
@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True)
@ledger_command
@acts("import")
def import_(app: Ledger, files: tuple[Path, ...], fmt: str) -> None:
    """Append the facts in FILES; re-importing the same file appends nothing.

    Every file (result lists, Vantage streams, JSONL exports, record tables with --format
    records: scope, distance, category, time, skater, nation, date, source) is read and decided
    first, and all their facts are saved in one transaction: a refused line in any file appends
    nothing of any file.
    """
    from rich.progress import Progress  # rich when an import runs, not for every command

    check_files(files)  # a FIFO, device or directory is refused at once, before any file is read
    plan = [(path, fmt if fmt != "auto" else detect_format(path)) for path in files]
    lists = {path: read_list(path, kind) for path, kind in plan if kind in LIST_FORMATS}
    batch = Batch(app)
    for path, (rows, _notices) in lists.items():
        record_rows(app, str(path), rows, batch)
    exports = [path for path, kind in plan if kind == "jsonl"]
    with Progress(console=ERR.console, transient=True, disable=not ERR.is_terminal) as progress:
        task = progress.add_task("importing", total=len(plan))
        for path, kind in plan:
            if kind not in LIST_FORMATS and kind != "jsonl":
                decide_stream(app, path, kind, batch)
            progress.advance(task)
    if exports:  # streamed and judged in one transaction, after the other files' facts
        restore(app, exports, batch.aggregates())
    else:
        app.save_new(*batch.aggregates())
    for path, (_rows, notices) in lists.items():
        for notice in notices:
            ERR.file.write(f"skate-ledger: notice: {path}: {notice}\n")
    # The positions returned, not a difference of positions: PostgreSQL leaves gaps in the ids
    # after a rolled-back (or killed) transaction.
    OUT.print(f"imported {len(plan)} file(s): {len(app.appended)} new event(s); "
              f"the ledger ends at position {app.last_position()}")


LIST_FORMATS = ("csv", "isu-text")


def read_list(path: Path, kind: str) -> tuple[list[ResultRow], list[str]]:
    if kind == "csv":
        return read_csv(path), []
    return read_isu_text(path)


def decide_stream(app: Ledger, path: Path, kind: str, batch: Batch) -> None:
    """Decide the facts of a stream: they join the import's batch, nothing is saved."""
    if kind == "vantage":
        import_vantage(app, path, batch)
    elif kind == "records":
        import_records(app, path, batch)
    else:
        raise InvalidInputError(f"{path}: the {kind} format is not supported")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--output", "out", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.option("--include-personal", "personal", is_flag=True,
              help="Also write the skaters' personal fields in clear (needs the master key, "
                   "$SKATE_LEDGER_MASTER_KEY_FILE); without it they are only the stored ciphertext.")
@read_command
def export(app: Ledger, fmt: str, out: Path | None, personal: bool) -> None:
    """Write the whole log, in order, so that import of it rebuilds the same ledger."""
    if personal:
        needed_master_key("export --include-personal")  # refused before the file is opened
    if out is None:
        write_jsonl(app, sys.stdout, personal)
        return
    try:
        handle = out.open("w", encoding="utf-8")
    except OSError as e:
        raise InvalidInputError(f"--output {out}: cannot be written ({e.strerror})") from None
    with handle:
        count = write_jsonl(app, handle, personal)
    ERR.print(f"exported {count} event(s) to {out}")


# -- tamper evidence (docs/decisions/0007-tamper-evidence.md) ------------------------------------
@click.command("verify")
@click.option("--export", "export_file", type=click.Path(path_type=Path), default=None,
              help="Check this exported JSONL file offline (no database is opened).")
@click.option("--public-key", "public_key", type=click.Path(path_type=Path), default=None,
              help="Every checkpoint must be signed by this key (a .pub file, or the key file).")
@click.option("--checkpoint", "kept", type=click.Path(path_type=Path), multiple=True,
              help="Checkpoints kept elsewhere (the JSON lines 'checkpoint' prints).")
@click.option("--sheet", "sheet", type=click.Path(path_type=Path), default=None,
              help="Check this results sheet (standings --format json --checkpoint) against the "
                   "export (or the ledger): its checkpoint, signature and rows.")
@db_option
@click.pass_context
def verify(ctx: click.Context, export_file: Path | None, public_key: Path | None,
           kept: tuple[Path, ...], sheet: Path | None, db: str | None) -> None:
    """Recompute the hash chain of the whole log and check it and the signed checkpoints.

    Exit 0 when intact; 2 naming the first position that fails. With --sheet, check a results
    sheet instead: exit 0 when it holds, 2 naming the first thing that does not.
    """
    key = read_public_key(public_key) if public_key is not None else None
    if sheet is not None:
        if kept:
            raise InvalidInputError("--checkpoint does not go with --sheet (a sheet carries its own)")
        OUT.print(check_sheet(ctx, sheet, export_file, key, db), markup=False, highlight=False)
        return
    elsewhere = [checkpoint for path in kept for checkpoint in read_checkpoints(path)]
    if export_file is not None:
        what = str(export_file)
        verdict = verify_export(export_file, key, elsewhere)
    else:
        what = "the ledger"
        with open_ledger(given_db(ctx, db), read_only=True) as app:
            verdict = verify_ledger(app.recorder, key, elsewhere)
    if verdict.breach is not None:
        raise TamperedError(verdict.summary(what))
    OUT.print(verdict.summary(what), markup=False, highlight=False)


def check_sheet(ctx: click.Context, sheet: Path, export_file: Path | None, key: bytes | None,
                db: str | None) -> str:
    """``verify --sheet``: against an export, offline, or else against the ledger's own log."""
    if export_file is not None:
        return sheets.verify_sheet(sheet, str(export_file), read_export(export_file), key)
    with open_ledger(given_db(ctx, db), read_only=True) as app:
        events = [exported_event("the ledger", n, line)
                  for n, line in enumerate(export_lines(app), start=1)]
        return sheets.verify_sheet(sheet, "the ledger", events, key)


@click.command("checkpoint")
@click.option("--key", "key_file", type=click.Path(path_type=Path), default=None,
              help=f"The private key file (default ${KEY_ENV}); see 'keygen'.")
@ledger_command
def checkpoint(app: Ledger, key_file: Path | None) -> None:
    """Verify the log, then sign and store a checkpoint of its head; print it as one JSON line."""
    key = configured_key(key_file)
    if key is None:
        raise InvalidInputError(f"no signing key: give --key FILE or set {KEY_ENV} "
                                "(make one with 'skate-ledger keygen --output FILE')")
    OUT.file.write(dumps(checkpoint_json(sign_head(app.recorder, key))) + "\n")


@click.command("keygen")
@click.option("--output", "out", type=click.Path(path_type=Path), required=True,
              help="The private key file to write (its public key goes to FILE.pub).")
def keygen(out: Path) -> None:
    """Make an Ed25519 signing key for checkpoints (the private key is never printed)."""
    public = generate_key_file(out)
    OUT.print(f"wrote the private key to {out} (keep it secret) and the public key to "
              f"{public_key_path(out)}: {public.hex()}", markup=False, highlight=False)


