"""The ``skate-ledger`` command (design/interfaces.md).

Exit codes: 0 success; 2 bad input or a refused command (one line on stderr, nothing appended);
1 an internal failure. ``--db`` is accepted before or after the subcommand.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click
from eventsourcing.persistence import IntegrityError
from rich.console import Console
from rich.progress import Progress

from ledger.application import Ledger, check_text
from ledger.bootstrap import build_app
from ledger.domain.errors import FactIdTakenError, InvalidInputError, LedgerError
from ledger.domain.timing import lap_to_metres, parse_distance, parse_time
from ledger.domain.values import (
    TIMING_SOURCES,
    device_fact_id,
    normal_name,
    parse_category,
    parse_date,
    parse_datetime,
)
from ledger.formats import FORMATS, check_files, detect_format
from ledger.formats.csv_results import ResultRow, read_csv
from ledger.formats.isu_text import read_isu_text
from ledger.formats.jsonl import JsonlPlan, dumps, export_lines, write_jsonl
from ledger.formats.records import import_records
from ledger.formats.vantage import import_vantage
from ledger.importing import Batch, record_rows
from ledger.store.roles import (
    AUTHOR_ENV,
    ROLE_OF,
    TOKEN_ENV,
    TOKEN_FILE_ENV,
    RoleStore,
    acting_as,
    author_of,
    check_act,
    given_token,
    read_token,
    set_referee,
)
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
from projections.basis import Basis, state_as_of
from projections.leaderboard import leaderboard, standings_at
from scripts import okt2017, output, sheets

F = TypeVar("F", bound=Callable[..., Any])
OUT = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 120)
ERR = Console(stderr=True, soft_wrap=True)


class Refused(click.ClickException):
    exit_code = 2


def db_option(command: F) -> F:
    """``--db`` on the group and on every subcommand; the innermost given wins."""
    return click.option("--db", "db", default=None, metavar="PATH|:memory:|postgresql://URL",
                        help="The ledger: a SQLite file (default ./skate-ledger.db or "
                             "$SKATE_LEDGER_DB), :memory: or a PostgreSQL URL.")(command)


def ledger_command(command: F) -> F:
    """Open the ledger for the command (created when there is none), and close it afterwards."""
    return opened(command, lambda kwargs: False)


def read_command(command: F) -> F:
    """Open the ledger read-only for a command that only reads: nothing is created, and a store
    without a ledger is refused (docs/decisions/0012-the-store-is-ours.md)."""
    return opened(command, lambda kwargs: True)


def read_unless(option: str) -> Callable[[F], F]:
    """A reading command that writes when ``option`` is given (``standings --sign``)."""
    return lambda command: opened(command, lambda kwargs: not kwargs.get(option))


def opened(command: F, reads: Callable[[dict[str, Any]], bool]) -> F:
    @db_option
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx: click.Context, *args: Any, db: str | None, **kwargs: Any) -> Any:
        with open_ledger(given_db(ctx, db), read_only=reads(kwargs)) as app:
            return command(app, *args, **kwargs)
    return wrapper  # type: ignore[return-value]


def given_db(ctx: click.Context, db: str | None) -> str | None:
    """The innermost ``--db`` given (an empty one too: it is refused, not taken as absent)."""
    return db if db is not None else ctx.find_root().params.get("db")


def acts(act: str, author_required: bool = False, keeps_author: bool = False) -> Callable[[F], F]:
    """A writing command of a role (docs/decisions/0008-roles.md): ``--by NAME`` (default
    $SKATE_LEDGER_AUTHOR) names its author; the referee's acts also take ``--token-file``. The act
    is checked before anything is appended; the recorders note it in ``ledger_acts`` in the same
    transaction as each of its events (``acting_as``). With
    ``keeps_author`` the command records the author in its event too (it gets ``author=``).
    Put it below ``@ledger_command``: it wraps the function that takes the ledger."""
    role = ROLE_OF[act]

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(app: Ledger, *args: Any, by: str | None, token_file: Path | None = None,
                    **kwargs: Any) -> Any:
            author = author_of(by)
            if author is not None:
                check_text("--by", author)
                author = normal_name("--by", author)
            if author_required and author is None:
                raise InvalidInputError(f"record {act}: name the {role} with --by NAME "
                                        f"(or ${AUTHOR_ENV}); nothing recorded")
            store = RoleStore(app.recorder)
            check_act(store, act, author, token_file)
            if keeps_author:
                kwargs["author"] = author
            app.appended.clear()
            with acting_as(act, author):
                return command(app, *args, **kwargs)
        wrapper = click.option(
            "--by", "by", default=None, metavar="NAME",
            help=f"Who does this ({role}); default ${AUTHOR_ENV}.")(wrapper)
        if role == "referee":
            wrapper = click.option(
                "--token-file", "token_file", type=click.Path(path_type=Path), default=None,
                help=f"The referee's token (default ${TOKEN_FILE_ENV}, or the token in ${TOKEN_ENV}); "
                     "needed when the ledger has one configured.")(wrapper)
        return wrapper  # type: ignore[return-value]
    return decorate


@contextmanager
def open_ledger(db: str | None, read_only: bool = False) -> Iterator[Ledger]:
    try:
        app = build_app(db, read_only=read_only)
    except LedgerError:
        raise
    except Exception as e:  # noqa: BLE001 - the store could not be opened: say which and why
        raise Refused(f"--db {db or os.environ.get('SKATE_LEDGER_DB') or 'skate-ledger.db'}: "
                      f"cannot open the ledger ({str(e).strip().splitlines()[0]})") from None
    try:
        yield app
    finally:
        app.close()


def said(position: int | None) -> None:
    if position is None:
        OUT.print("already recorded; nothing appended")
    else:
        OUT.print(f"recorded at position {position}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@db_option
def cli(db: str | None) -> None:
    """skate-ledger: an event-sourced results ledger for long-track speed skating."""


# -- import / export ----------------------------------------------------------------------------
@cli.command("import")
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
    check_files(files)  # a FIFO, device or directory is refused at once, before any file is read
    plan = [(path, fmt if fmt != "auto" else detect_format(path)) for path in files]
    lists = {path: read_list(path, kind) for path, kind in plan if kind in LIST_FORMATS}
    batch = Batch(app)
    for path, (rows, _notices) in lists.items():
        record_rows(app, str(path), rows, batch)
    exports = JsonlPlan()
    with Progress(console=ERR, transient=True, disable=not ERR.is_terminal) as progress:
        task = progress.add_task("importing", total=len(plan))
        for path, kind in plan:
            if kind not in LIST_FORMATS:
                decide_stream(app, path, kind, batch, exports)
            progress.advance(task)
    exports.check(app)
    check_apart(batch, exports)
    app.save_together(exports.fresh, batch.aggregates())
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


def decide_stream(app: Ledger, path: Path, kind: str, batch: Batch, exports: JsonlPlan) -> None:
    """Decide the facts of an export or a stream: they join the import's batch, nothing is saved."""
    if kind == "jsonl":
        exports.add(app, path)
    elif kind == "vantage":
        import_vantage(app, path, batch)
    elif kind == "records":
        import_records(app, path, batch)
    else:
        raise InvalidInputError(f"{path}: the {kind} format is not supported")


def check_apart(batch: Batch, exports: JsonlPlan) -> None:
    """An export's new events and another file's facts must not extend the same race (or
    competition, or skater) in one import: each was decided without the other."""
    both = batch.pending() & {UUID(str(s.originator_id)) for s in exports.fresh}
    if both:
        first = next(s for s in exports.fresh if UUID(str(s.originator_id)) in both)
        name, line = exports.line_of[id(first)]
        raise InvalidInputError(f"{name}:{line}: adds to {first.originator_id}, which another file "
                                "of this import records too; import these files one at a time")


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--output", "out", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@read_command
def export(app: Ledger, fmt: str, out: Path | None) -> None:
    """Write the whole log, in order, so that import of it rebuilds the same ledger."""
    if out is None:
        write_jsonl(app, sys.stdout)
        return
    with out.open("w", encoding="utf-8") as handle:
        count = write_jsonl(app, handle)
    ERR.print(f"exported {count} event(s) to {out}")


# -- tamper evidence (docs/decisions/0007-tamper-evidence.md) ------------------------------------
@cli.command("verify")
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


@cli.command("checkpoint")
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


@cli.command("keygen")
@click.option("--output", "out", type=click.Path(path_type=Path), required=True,
              help="The private key file to write (its public key goes to FILE.pub).")
def keygen(out: Path) -> None:
    """Make an Ed25519 signing key for checkpoints (the private key is never printed)."""
    public = generate_key_file(out)
    OUT.print(f"wrote the private key to {out} (keep it secret) and the public key to "
              f"{public_key_path(out)}: {public.hex()}", markup=False, highlight=False)


# -- roles (docs/decisions/0008-roles.md) --------------------------------------------------------
@cli.group("roles")
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


# -- reading ------------------------------------------------------------------------------------
@cli.command("races")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@read_command
def races(app: Ledger, fmt: str) -> None:
    """List the races with their keys."""
    state = state_as_of(app)
    if fmt == "json":
        output.print_json(OUT, output.races_json(state))
    else:
        OUT.print(output.races_table(state))


@cli.command("standings")
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
@read_unless("sign")
def standings(app: Ledger, race: str, at_m: int | None, lap: int | None, position: int | None,
              known_at: str | None, after_pair: int | None, fmt: str, notation: str,
              with_checkpoint: bool, sign: bool, key_file: Path | None) -> None:
    """The leaderboard of RACE, or the standings at a passing point, as of a basis."""
    if at_m is not None and lap is not None:
        raise InvalidInputError("--at and --lap name the same thing; give one")
    key = signing_key(sign, key_file, fmt, with_checkpoint)
    moment = parse_datetime(known_at) if known_at else None
    state = state_as_of(app, Basis(position=position, known_at=moment))
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
    show_board(state, board, basis, fmt, notation, carried)  # type: ignore[arg-type]


def signing_key(sign: bool, key_file: Path | None, fmt: str, with_checkpoint: bool) -> Any:
    """The key ``standings --sign`` signs with; the options checked before anything is read or
    stored."""
    if key_file is not None and not sign:
        raise InvalidInputError("--key is the key of --sign; give --sign too")
    if fmt == "csv" and (sign or with_checkpoint):
        raise InvalidInputError(f"--{'sign' if sign else 'checkpoint'}: a CSV sheet has no place for "
                                "its checkpoint; use --format json (or table)")
    if not sign:
        return None
    key = configured_key(key_file)
    if key is None:
        raise InvalidInputError(f"--sign: no signing key: give --key FILE or set {KEY_ENV}")
    return key


def show_board(state: Any, board: Any, basis: Basis, fmt: str, notation: Any,
               checkpoint: dict[str, Any] | None = None) -> None:
    if fmt == "json":
        sheet = output.board_json(board, basis, notation)
        output.add_marks(state, board, sheet)
        if checkpoint is not None:  # added keys only (design/interfaces.md)
            sheet.update(notation=notation, checkpoint=checkpoint)
        output.print_json(OUT, sheet)
    elif fmt == "csv":
        OUT.file.write(output.board_csv(board, notation))
    else:
        data = output.board_json(board, basis, notation)
        output.add_marks(state, board, data)
        OUT.print(output.board_table(board, basis, notation, output.race_title(state, board.race),
                                     data["rows"]))
        if checkpoint is not None:
            OUT.print(sheets.checkpoint_line(checkpoint), markup=False, highlight=False)


# -- live recording -----------------------------------------------------------------------------
@cli.group("record")
def record() -> None:
    """Append one live fact (a retransmitted fact is accepted once)."""


def time_arg(text: str) -> int:
    return parse_time(text)


def fact_id_of(device: str | None, seq: int | None) -> UUID | None:
    if (device is None) != (seq is None):
        raise InvalidInputError("--device and --seq go together")
    if seq is not None and seq < 0:
        raise InvalidInputError(f"--seq {seq} is negative: a device's sequence numbers are 0 or more")
    return device_fact_id(device, seq) if device is not None and seq is not None else None


@contextmanager
def device_named(device: str | None, seq: int | None) -> Iterator[None]:
    """A fact id taken by another fact: say which (the device's sequence number gives the id)."""
    try:
        yield
    except FactIdTakenError as e:
        if device is None:
            raise
        raise FactIdTakenError(f"--device {device} --seq {seq}: {e}") from None


device_options = [
    click.option("--device", default=None, help="Timing device id (with --seq: idempotent)."),
    click.option("--seq", type=int, default=None, help="The device's sequence number."),
]


def with_device(command: F) -> F:
    for option in reversed(device_options):
        command = option(command)
    return command


@record.command("competition")
@click.argument("name")
@click.option("--venue", default=None)
@click.option("--date", "day", required=True, help="First day, YYYY-MM-DD.")
@click.option("--last-day", default=None)
@click.option("--track", "track_m", type=int, default=400, show_default=True)
@ledger_command
@acts("competition")
def record_competition(app: Ledger, name: str, venue: str | None, day: str,
                       last_day: str | None, track_m: int) -> None:
    """Schedule a competition; prints its key."""
    slug = app.schedule_competition(name, venue, parse_date(day),
                                    parse_date(last_day) if last_day else None, track_m)
    OUT.print(slug)


@record.command("race")
@click.argument("competition")
@click.option("--distance", required=True)
@click.option("--category", required=True)
@click.option("--date", "day", required=True)
@click.option("--label", default=None, help='e.g. "Division B"')
@ledger_command
@acts("race")
def record_race(app: Ledger, competition: str, distance: str, category: str, day: str,
                label: str | None) -> None:
    """Schedule a race of COMPETITION (its key); prints the race key."""
    OUT.print(app.schedule_race(competition, parse_distance(distance), parse_category(category),
                                parse_date(day), label))


@record.command("skater")
@click.argument("name")
@click.option("--nation", default=None)
@click.option("--club", default=None)
@click.option("--hometown", default=None)
@click.option("--new", "new", is_flag=True,
              help="Another person than a registered skater whose name differs only by case, "
                   "accents or invisible characters; give a --nation, --club or --hometown that "
                   "differs from theirs.")
@click.option("--same-as", "same_as", default=None, metavar="SKATER",
              help="NAME is another spelling of this registered skater (a timing system's, "
                   "another list's): commands and imports that write NAME find her.")
@ledger_command
@acts("skater")
def record_skater(app: Ledger, name: str, nation: str | None, club: str | None,
                  hometown: str | None, new: bool, same_as: str | None) -> None:
    """Register a skater (the name is normalised: NFC, single spaces)."""
    if same_as is not None:
        if new or nation or club or hometown:
            raise InvalidInputError("--same-as notes another spelling of a registered skater; it "
                                    "takes no --new, --nation, --club or --hometown")
        said(app.note_alias(name, same_as))
        return
    app.register_skater(name, nation, club, hometown, new)
    OUT.print(f"registered {normal_name('the name', name)}")


@record.command("enter")
@click.argument("race")
@click.argument("skaters", nargs=-1, required=True)
@ledger_command
@acts("enter")
def record_enter(app: Ledger, race: str, skaters: tuple[str, ...]) -> None:
    """Enter SKATERS in RACE (pair unknown): all of them, or none when one is refused."""
    said(app.enter_starters(race, skaters))


@record.command("pair")
@click.argument("race")
@click.argument("pair", type=int)
@click.option("--inner", default=None)
@click.option("--outer", default=None)
@ledger_command
@acts("pair")
def record_pair(app: Ledger, race: str, pair: int, inner: str | None, outer: str | None) -> None:
    """Draw PAIR of RACE: the skater in the inner (white) and outer (red) lane."""
    said(app.draw_pair(race, pair, inner, outer, enter=True))


@record.command("start")
@click.argument("race")
@click.argument("pair", type=int)
@click.option("--at", "signal_at", default=None, help="The moment of the shot (ISO 8601).")
@ledger_command
@acts("start")
def record_start(app: Ledger, race: str, pair: int, signal_at: str | None) -> None:
    """The start signal of PAIR."""
    said(app.start(race, pair, parse_datetime(signal_at) if signal_at else None))


@record.command("false-start")
@click.argument("race")
@click.argument("skater")
@ledger_command
@acts("false-start")
def record_false_start(app: Ledger, race: str, skater: str) -> None:
    """A false start by SKATER (clears the clock; the second one disqualifies)."""
    said(app.false_start(race, skater))


@record.command("clear")
@click.argument("race")
@click.argument("pair", type=int)
@click.option("--reason", required=True)
@ledger_command
@acts("clear")
def record_clear(app: Ledger, race: str, pair: int, reason: str) -> None:
    """Clear the clock of PAIR: its passings since the start are void."""
    said(app.clear_clock(race, pair, reason))


@record.command("pass")
@click.argument("race")
@click.argument("skater")
@click.argument("metres", type=int)
@click.argument("time")
@click.option("--source", type=click.Choice(TIMING_SOURCES), default=None,
              help="The timing source; without it the source is unknown (stored as none).")
@with_device
@ledger_command
@acts("pass")
def record_pass(app: Ledger, race: str, skater: str, metres: int, time: str, source: str | None,
                device: str | None, seq: int | None) -> None:
    """SKATER passed METRES at TIME since the start."""
    with device_named(device, seq):
        said(app.record_passing(race, skater, metres, time_arg(time), source,
                                fact_id_of(device, seq)))


@record.command("finish")
@click.argument("race")
@click.argument("skater")
@click.argument("time")
@click.option("--source", type=click.Choice(TIMING_SOURCES), default=None,
              help="The timing source; without it the source is unknown (stored as none). A manual "
                   "(hand) time is known to the hundredth.")
@with_device
@ledger_command
@acts("finish")
def record_finish(app: Ledger, race: str, skater: str, time: str, source: str | None,
                  device: str | None, seq: int | None) -> None:
    """SKATER finished in TIME."""
    with device_named(device, seq):
        said(app.record_finish(race, skater, time_arg(time), source, fact_id_of(device, seq)))


@record.command("place")
@click.argument("race")
@click.argument("skater")
@click.argument("place", type=int)
@ledger_command
@acts("place")
def record_place(app: Ledger, race: str, skater: str, place: int) -> None:
    """A published list gives SKATER's PLACE but not the time."""
    said(app.report_place(race, skater, place))


@record.command("bests")
@click.argument("race")
@click.argument("skater")
@click.option("--pb", default=None, help="The personal best at the race's distance before it.")
@click.option("--sb", default=None, help="The season best at the race's distance before it.")
@click.option("--source", required=True, help="Where the bests come from (an entry list, a federation).")
@ledger_command
@acts("bests")
def record_bests(app: Ledger, race: str, skater: str, pb: str | None, sb: str | None,
                 source: str) -> None:
    """SKATER's personal and season best known before RACE (the baseline a derived PB or SB needs)."""
    said(app.know_bests(race, skater, time_arg(pb) if pb else None, time_arg(sb) if sb else None,
                        source))


@record.command("fall")
@click.argument("race")
@click.argument("skater")
@click.option("--at", "metres", type=int, default=None, help="Where, in metres from the start.")
@click.option("--went-on/--stopped", default=True, help="Whether the skater got up and went on.")
@ledger_command
@acts("fall")
def record_fall(app: Ledger, race: str, skater: str, metres: int | None, went_on: bool) -> None:
    """SKATER fell (with --stopped: did not finish)."""
    said(app.record_fall(race, skater, metres, went_on))


@record.command("dnf")
@click.argument("race")
@click.argument("skater")
@click.option("--reason", default=None)
@click.option("--reached", type=int, default=None, help="Metres reached.")
@ledger_command
@acts("dnf")
def record_dnf(app: Ledger, race: str, skater: str, reason: str | None,
               reached: int | None) -> None:
    """SKATER did not finish."""
    said(app.record_dnf(race, skater, reached, reason))


@record.command("dns")
@click.argument("race")
@click.argument("skater")
@click.option("--reason", default=None)
@ledger_command
@acts("dns")
def record_dns(app: Ledger, race: str, skater: str, reason: str | None) -> None:
    """SKATER did not start."""
    said(app.record_dns(race, skater, reason))


@record.command("wdr")
@click.argument("race")
@click.argument("skater")
@click.option("--reason", default=None)
@ledger_command
@acts("wdr")
def record_wdr(app: Ledger, race: str, skater: str, reason: str | None) -> None:
    """SKATER withdrew before the race."""
    said(app.record_withdrawal(race, skater, reason))


@record.command("dq")
@click.argument("race")
@click.argument("skater")
@click.option("--rule", required=True, help="The rule broken, e.g. 'ISU 253: lane change'.")
@ledger_command
@acts("dq", keeps_author=True)
def record_dq(app: Ledger, race: str, skater: str, rule: str, author: str | None) -> None:
    """The referee disqualified SKATER."""
    said(app.disqualify(race, skater, rule, author))


@record.command("reskate")
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


@record.command("redraw")
@click.argument("race")
@click.argument("pair", type=int)
@click.option("--inner", default=None, help="The skater in the inner (white) lane.")
@click.option("--outer", default=None, help="The skater in the outer (red) lane.")
@click.option("--reason", required=True)
@ledger_command
@acts("redraw", author_required=True, keeps_author=True)
def record_redraw(app: Ledger, race: str, pair: int, inner: str | None, outer: str | None,
                  reason: str, author: str) -> None:
    """The referee corrected the draw of PAIR (a wrong lane or skater, or a withdrawn skater's
    lane given to another); the fact names the draw it supersedes, which stays in the log."""
    said(app.correct_draw(race, pair, inner, outer, reason, author))


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


@record.command("correct")
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


@record.command("void")
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


@record.command("official")
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


# -- the demo -----------------------------------------------------------------------------------
@cli.command("demo")
@click.option("--notation", type=click.Choice(["iso", "nl"]), default="iso")
@ledger_command
def demo(app: Ledger, notation: str) -> None:
    """Load OKT 2017 day 1 (the founding report) and print its boards.

    Both leaderboards, and the women's 1000 m as it stood before the last pair.
    """
    keys = okt2017.load(app)
    state = state_as_of(app)
    for key in keys.values():
        show_board(state, leaderboard(state, key), Basis(), "table", notation)
    last_pair = max(state.sheet(keys["women-1000"]).pairs)  # type: ignore[union-attr]
    before = Basis(after_pair=last_pair - 1)
    show_board(state, leaderboard(state, keys["women-1000"], last_pair - 1), before, "table",
               notation)
    OUT.print("[dim]Unknown skaters are placeholders for places the reports do not name; "
              "their times are unknown.[/dim]")
    OUT.print(f"[dim]{okt2017.MOMENTS_NOTICE}[/dim]")


# -- the web board ------------------------------------------------------------------------------
@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--poll", type=click.FloatRange(0.005, 10.0), default=0.02, show_default=True,
              help="Seconds between looks for new facts (on SQLite a look reads the file's data "
                   "version only; PostgreSQL notifies the board and this is its safety net).")
@read_command
def serve(app: Ledger, host: str, port: int, poll: float) -> None:
    """A read-only web board of the ledger: the day, race boards, the pair on ice, skaters, replay,
    JSON (/openapi.json) and live updates (server-sent events). Stop it with Ctrl-C."""
    from scripts.board.app import server  # the web stack is loaded only by this command

    sock = bound(host, port)  # a busy port is refused before any address is printed
    port = sock.getsockname()[1]
    ERR.print(f"skate-ledger board on http://{host}:{port}/ (position {app.last_position()}); "
              "Ctrl-C stops it", markup=False, highlight=False)
    server(app, host, port, poll).run(sockets=[sock])


def bound(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for the board (uvicorn listens on it once the board started)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as e:
        raise InvalidInputError(f"--host {host!r}: cannot listen there ({e.strerror})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: not a busy port
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise InvalidInputError(f"--port {port}: port {port} is in use on {host} (another server "
                                    "listens there); choose another with --port") from None
        raise InvalidInputError(f"--host {host} --port {port}: cannot listen there ({e.strerror})") from None
    return sock


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


# The questions of the seed report (audit, what-if, history, …) live in their own module;
# importing it registers them on the group above.
from scripts import questions  # noqa: E402,F401
