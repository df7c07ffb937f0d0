"""What the commands share: the console, the refusal, the options that open the ledger, the
role of an act, the device of a live fact, how a board is shown."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

import click

from ledger.application import Ledger, check_text
from ledger.bootstrap import build_app
from ledger.domain.errors import FactIdTakenError, InvalidInputError, LedgerError
from ledger.domain.timing import parse_time
from ledger.domain.values import (
    device_fact_id,
    normal_name,
)
from ledger.store.roles import (
    AUTHOR_ENV,
    ROLE_OF,
    TOKEN_ENV,
    TOKEN_FILE_ENV,
    RoleStore,
    acting_as,
    author_of,
    check_act,
)
from ledger.store.signing import KEY_ENV, configured_key
from projections.basis import Basis
from scripts import output
from scripts.cli import sheets
from scripts.cli.options import db_option, views_option

if TYPE_CHECKING:  # cryptography is imported when a key signs (ledger/store/signing.py)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])


class LazyConsole:
    """rich's Console, made (and rich imported) when something is first printed through it: a
    command that writes only JSON or CSV writes to :attr:`file` and never imports rich. The
    options are fixed when this is made, as they were for the Console."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.made: Console | None = None

    @property
    def console(self) -> Console:
        if self.made is None:
            from rich.console import Console
            self.made = Console(**self.options)
        return self.made

    @property
    def file(self) -> IO[str]:
        """The stream the Console writes to, as its ``file`` gives it (sys.stdout or sys.stderr
        when written, or the stream a live display proxies)."""
        if self.made is not None:
            return self.made.file
        stream = sys.stderr if self.options.get("stderr") else sys.stdout
        if stream is None:
            return self.console.file
        found: IO[str] = getattr(stream, "rich_proxied_file", stream)
        return found

    @property
    def is_terminal(self) -> bool:
        return self.console.is_terminal

    def print(self, *objects: Any, **options: Any) -> None:
        self.console.print(*objects, **options)


OUT = LazyConsole(soft_wrap=True, width=None if sys.stdout.isatty() else 120)
ERR = LazyConsole(stderr=True, soft_wrap=True)


#: a decorator of a command function: click's ``click.argument(…)``, ``click.option(…)``, or ours
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def command_of(*decorators: Decorator) -> Callable[[Callable[..., None]], click.Command]:
    """The decorators as they would stand one per line above a command function, the first of
    them the one that makes it a click command (``click.command(…)``, ``group.command(…)``)."""

    def decorate(command: Callable[..., None]) -> click.Command:
        wrapped: Callable[..., Any] = command
        for decorator in reversed(decorators):
            wrapped = decorator(wrapped)
        return cast(click.Command, wrapped)
    return decorate


class Refused(click.ClickException):
    exit_code = 2


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
    def wrapper(ctx: click.Context, /, *args: Any, db: str | None, views: str | None,
                **kwargs: Any) -> Any:
        with open_ledger(given_db(ctx, db), read_only=reads(kwargs), views=given_views(ctx, views)) as app:
            return command(app, *args, **kwargs)
    functools.update_wrapper(wrapper, command)
    # click's decorators return the wrapper they were given, which now takes the command's own
    # options (and --db, --views) as the command did: the same callable type for the caller
    return cast(F, db_option(views_option(click.pass_context(wrapper))))


def given_db(ctx: click.Context, db: str | None) -> str | None:
    """The innermost ``--db`` given (an empty one too: it is refused, not taken as absent)."""
    return db if db is not None else ctx.find_root().params.get("db")


def given_views(ctx: click.Context, views: str | None) -> str | None:
    """The innermost ``--views`` given, else the group's."""
    return views if views is not None else ctx.find_root().params.get("views")


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
                named = act if act == "erase" else f"record {act}"  # erase is a command of its own
                raise InvalidInputError(f"{named}: name the {role} with --by NAME "
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
        # the command with --by (and --token-file) added, as click's decorators return it
        return cast(F, wrapper)
    return decorate


@contextmanager
def open_ledger(db: str | None, read_only: bool = False, views: str | None = None) -> Iterator[Ledger]:
    try:
        app = build_app(db, read_only=read_only, views=views)
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



def show_board(state: Any, board: Any, basis: Basis, fmt: str, notation: Any,
               checkpoint: dict[str, Any] | None = None,
               cup_tables: Mapping[tuple[str, str], Any] | None = None) -> None:
    if fmt == "json":
        sheet = output.board_json(board, basis, notation)
        output.add_marks(state, board, sheet)
        if cup_tables is not None:  # added keys only (design/interfaces.md)
            output.add_cup_points(state, board, sheet, cup_tables)
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


def signing_key(sign: bool, key_file: Path | None, refused: str | None = None
                ) -> Ed25519PrivateKey | None:
    """The key ``--sign`` signs with (None without ``--sign``), the options checked before
    anything is read or stored: ``--key`` needs ``--sign``; ``refused``, when given, is why the
    command's other options leave no place for a signature (or a checkpoint)."""
    if key_file is not None and not sign:
        raise InvalidInputError("--key is the key of --sign; give --sign too")
    if refused is not None:
        raise InvalidInputError(refused)
    if not sign:
        return None
    key = configured_key(key_file)
    if key is None:
        raise InvalidInputError(f"--sign: no signing key: give --key FILE or set {KEY_ENV}")
    return key
