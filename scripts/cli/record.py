"""The record group: one live fact each (a retransmitted fact is accepted once)."""

from __future__ import annotations

from collections.abc import Callable

import click

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from ledger.domain.timing import MASS_START, MASS_START_PAIR, parse_distance
from ledger.domain.values import (
    TIMING_SOURCES,
    normal_name,
    parse_category,
    parse_date,
    parse_datetime,
)
from scripts.cli.common import (
    OUT,
    Decorator,
    acts,
    command_of,
    device_named,
    fact_id_of,
    ledger_command,
    said,
    time_arg,
    with_device,
)


# -- live recording -----------------------------------------------------------------------------
@click.group("record")
def record() -> None:
    """Append one live fact (a retransmitted fact is accepted once)."""


def recorded(act: str, *params: Decorator, keeps_author: bool = False
             ) -> Callable[[Callable[..., None]], click.Command]:
    """``record ACT RACE …``: a command of the record group on a race, with ``params`` (click's
    arguments and options, as they would stand top to bottom below its RACE argument), on the
    ledger (``ledger_command``) as the act ACT (``acts``)."""
    return command_of(record.command(act), click.argument("race"), *params, ledger_command,
                      acts(act, keeps_author=keeps_author))


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
@click.option("--distance", default=None, help="The distance (an individual race).")
@click.option("--category", required=True)
@click.option("--date", "day", required=True)
@click.option("--label", default=None, help='e.g. "Division B"')
@click.option("--discipline", type=click.Choice(["individual", MASS_START]), default="individual",
              show_default=True, help="A mass start takes --laps instead of --distance.")
@click.option("--laps", type=int, default=None, help="The laps of a mass start (16).")
@ledger_command
@acts("race")
def record_race(app: Ledger, competition: str, distance: str | None, category: str, day: str,
                label: str | None, discipline: str, laps: int | None) -> None:
    """Schedule a race of COMPETITION (its key); prints the race key."""
    if discipline == MASS_START:
        if laps is None or distance is not None:
            raise InvalidInputError("a mass start is given in --laps (16), not --distance")
        OUT.print(app.schedule_mass_start(competition, laps, parse_category(category),
                                          parse_date(day), label))
        return
    if distance is None or laps is not None:
        raise InvalidInputError("an individual race needs --distance (and no --laps)")
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


@recorded("enter", click.argument("skaters", nargs=-1, required=True))
def record_enter(app: Ledger, race: str, skaters: tuple[str, ...]) -> None:
    """Enter SKATERS in RACE (pair unknown): all of them, or none when one is refused."""
    said(app.enter_starters(race, skaters))


@recorded("pair",
          click.argument("pair", type=int),
          click.option("--inner", default=None),
          click.option("--outer", default=None))
def record_pair(app: Ledger, race: str, pair: int, inner: str | None, outer: str | None) -> None:
    """Draw PAIR of RACE: the skater in the inner (white) and outer (red) lane."""
    said(app.draw_pair(race, pair, inner, outer, enter=True))


@recorded("start",
          click.argument("pair", type=int, required=False),
          click.option("--at", "signal_at", default=None, help="The moment of the shot (ISO 8601)."))
def record_start(app: Ledger, race: str, pair: int | None, signal_at: str | None) -> None:
    """The start signal of PAIR (a mass start has one start: no PAIR)."""
    if pair is None and app.race(race).sheet.discipline != MASS_START:
        raise InvalidInputError(f"{race} races in pairs: give the PAIR that starts")
    said(app.start(race, MASS_START_PAIR if pair is None else pair,
                   parse_datetime(signal_at) if signal_at else None))


@recorded("sprint",
          click.option("--lap", type=int, required=True,
                       help="The lap after which the sprint was held (4, 8, 12)."),
          click.argument("skaters", nargs=-1, required=True))
def record_sprint(app: Ledger, race: str, lap: int, skaters: tuple[str, ...]) -> None:
    """The order of crossing at an intermediate sprint of a mass start: SKATERS, first first."""
    said(app.record_sprint(race, lap, skaters))


@recorded("false-start", click.argument("skater"))
def record_false_start(app: Ledger, race: str, skater: str) -> None:
    """A false start by SKATER (clears the clock; the second one disqualifies)."""
    said(app.false_start(race, skater))


@recorded("clear", click.argument("pair", type=int), click.option("--reason", required=True))
def record_clear(app: Ledger, race: str, pair: int, reason: str) -> None:
    """Clear the clock of PAIR: its passings since the start are void."""
    said(app.clear_clock(race, pair, reason))


@recorded("pass",
          click.argument("skater"),
          click.argument("metres", type=int),
          click.argument("time"),
          click.option("--source", type=click.Choice(TIMING_SOURCES), default=None,
                       help="The timing source; without it the source is unknown (stored as none)."),
          with_device)
def record_pass(app: Ledger, race: str, skater: str, metres: int, time: str, source: str | None,
                device: str | None, seq: int | None) -> None:
    """SKATER passed METRES at TIME since the start."""
    with device_named(device, seq):
        said(app.record_passing(race, skater, metres, time_arg(time), source,
                                fact_id_of(device, seq)))


@recorded("finish",
          click.argument("skater"),
          click.argument("time"),
          click.option("--source", type=click.Choice(TIMING_SOURCES), default=None,
                       help="The timing source; without it the source is unknown (stored as none). "
                            "A manual (hand) time is known to the hundredth."),
          with_device)
def record_finish(app: Ledger, race: str, skater: str, time: str, source: str | None,
                  device: str | None, seq: int | None) -> None:
    """SKATER finished in TIME."""
    with device_named(device, seq):
        said(app.record_finish(race, skater, time_arg(time), source, fact_id_of(device, seq)))


@recorded("place", click.argument("skater"), click.argument("place", type=int))
def record_place(app: Ledger, race: str, skater: str, place: int) -> None:
    """A published list gives SKATER's PLACE but not the time."""
    said(app.report_place(race, skater, place))


@recorded("bests",
          click.argument("skater"),
          click.option("--pb", default=None,
                       help="The personal best at the race's distance before it."),
          click.option("--sb", default=None,
                       help="The season best at the race's distance before it."),
          click.option("--source", required=True,
                       help="Where the bests come from (an entry list, a federation)."))
def record_bests(app: Ledger, race: str, skater: str, pb: str | None, sb: str | None,
                 source: str) -> None:
    """SKATER's personal and season best known before RACE (the baseline a derived PB or SB needs)."""
    said(app.know_bests(race, skater, time_arg(pb) if pb else None, time_arg(sb) if sb else None,
                        source))


@recorded("fall",
          click.argument("skater"),
          click.option("--at", "metres", type=int, default=None,
                       help="Where, in metres from the start."),
          click.option("--went-on/--stopped", default=True,
                       help="Whether the skater got up and went on."))
def record_fall(app: Ledger, race: str, skater: str, metres: int | None, went_on: bool) -> None:
    """SKATER fell (with --stopped: did not finish)."""
    said(app.record_fall(race, skater, metres, went_on))


@recorded("dnf",
          click.argument("skater"),
          click.option("--reason", default=None, help="Why: fell, lapped, pulled …"),
          click.option("--reached", type=int, default=None, help="Metres reached."),
          click.option("--laps", type=int, default=None,
                       help="Laps completed (a mass start: lapped or pulled after N laps)."))
def record_dnf(app: Ledger, race: str, skater: str, reason: str | None,
               reached: int | None, laps: int | None) -> None:
    """SKATER did not finish (in a mass start: lapped, pulled or stopped, after --laps N)."""
    if laps is not None:
        if reached is not None:
            raise InvalidInputError("--laps and --reached say the same thing; give one")
        if laps < 0:
            raise InvalidInputError(f"--laps {laps} is negative")
        reached = laps * app.race(race).sheet.track_m
    said(app.record_dnf(race, skater, reached, reason))


@recorded("dns", click.argument("skater"), click.option("--reason", default=None))
def record_dns(app: Ledger, race: str, skater: str, reason: str | None) -> None:
    """SKATER did not start."""
    said(app.record_dns(race, skater, reason))


@recorded("wdr", click.argument("skater"), click.option("--reason", default=None))
def record_wdr(app: Ledger, race: str, skater: str, reason: str | None) -> None:
    """SKATER withdrew before the race."""
    said(app.record_withdrawal(race, skater, reason))


@recorded("dq",
          click.argument("skater"),
          click.option("--rule", required=True, help="The rule broken, e.g. 'ISU 253: lane change'."),
          keeps_author=True)
def record_dq(app: Ledger, race: str, skater: str, rule: str, author: str | None) -> None:
    """The referee disqualified SKATER."""
    said(app.disqualify(race, skater, rule, author))


