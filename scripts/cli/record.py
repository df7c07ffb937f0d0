"""The record group: one live fact each (a retransmitted fact is accepted once)."""

from __future__ import annotations

import re
from collections.abc import Callable

import click

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from ledger.domain.rules import CONDITION_MOMENTS
from ledger.domain.timing import DISCIPLINES, MASS_START, MASS_START_PAIR, parse_distance
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
@click.option("--cup", default=None, help="The cup it counts for (e.g. world-cup-2025-26).")
@ledger_command
@acts("competition")
def record_competition(app: Ledger, name: str, venue: str | None, day: str,
                       last_day: str | None, track_m: int, cup: str | None) -> None:
    """Schedule a competition; prints its key."""
    slug = app.schedule_competition(name, venue, parse_date(day),
                                    parse_date(last_day) if last_day else None, track_m, cup=cup)
    OUT.print(slug)


@record.command("cup")
@click.argument("competition")
@click.argument("cup")
@ledger_command
@acts("cup")
def record_cup(app: Ledger, competition: str, cup: str) -> None:
    """COMPETITION (its key) counts for CUP: an imported list's competition joins its cup."""
    joined = app.join_cup(competition, cup)
    OUT.print(f"{competition} counts for {cup}" + ("" if joined else " (already)"))


@record.command("race")
@click.argument("competition")
@click.option("--distance", default=None,
              help="The distance (m); a team race's follows from its discipline and category.")
@click.option("--category", default=None, help="men or women (mixed: a mixed relay).")
@click.option("--date", "day", required=True)
@click.option("--label", default=None, help='e.g. "Division B"')
@click.option("--discipline", type=click.Choice(DISCIPLINES), default="individual",
              show_default=True, help="A team race's competitors are teams (record team); a mass "
                                      "start takes --laps instead of --distance.")
@click.option("--laps", type=int, default=None, help="The laps of a mass start (16).")
@ledger_command
@acts("race")
def record_race(app: Ledger, competition: str, distance: str | None, category: str | None,
                day: str, label: str | None, discipline: str, laps: int | None) -> None:
    """Schedule a race of COMPETITION (its key); prints the race key."""
    if discipline == MASS_START:
        if laps is None or distance is not None:
            raise InvalidInputError("a mass start is given in --laps (16), not --distance")
        OUT.print(app.schedule_mass_start(competition, laps, race_category(category, discipline),
                                          parse_date(day), label))
        return
    if laps is not None:
        raise InvalidInputError("--laps is a mass start's (--discipline mass-start)")
    OUT.print(app.schedule_race(competition, parse_distance(distance) if distance else None,
                                race_category(category, discipline), parse_date(day), label,
                                discipline))


def race_category(text: str | None, discipline: str) -> str:
    """men or women; a mixed relay's is mixed, given or not (docs/decisions/0021-teams.md)."""
    if discipline == "mixed-relay" and (text is None or text.strip().lower() == "mixed"):
        return "mixed"
    if text is None:
        raise InvalidInputError("--category is needed (men or women)")
    return parse_category(text)


@record.command("skater")
@click.argument("name")
@click.option("--nation", default=None)
@click.option("--club", default=None)
@click.option("--hometown", default=None)
@click.option("--birth-date", "birth_date", default=None, metavar="YYYY-MM-DD")
@click.option("--contact", default=None, help="An address, e-mail or telephone number.")
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
                  hometown: str | None, birth_date: str | None, contact: str | None, new: bool,
                  same_as: str | None) -> None:
    """Register a skater (the name is normalised: NFC, single spaces). Club, hometown, birth
    date and contact are personal fields, recorded sealed: they need the master key
    ($SKATE_LEDGER_MASTER_KEY_FILE; docs/decisions/0029)."""
    if same_as is not None:
        if new or nation or club or hometown or birth_date or contact:
            raise InvalidInputError("--same-as notes another spelling of a registered skater; it "
                                    "takes no --new, --nation, --club or --hometown")
        said(app.note_alias(name, same_as))
        return
    app.register_skater(name, nation, club, hometown, new, birth_date=birth_date, contact=contact)
    OUT.print(f"registered {normal_name('the name', name)}")


@recorded("enter", click.argument("skaters", nargs=-1, required=True))
def record_enter(app: Ledger, race: str, skaters: tuple[str, ...]) -> None:
    """Enter SKATERS in RACE (pair unknown): all of them, or none when one is refused."""
    said(app.enter_starters(race, skaters))


@recorded("pair",
          click.argument("pair", type=int),
          click.option("--inner", multiple=True,
                       help="The skater in the inner (white) lane; twice for a quartet start."),
          click.option("--outer", multiple=True,
                       help="The skater in the outer (red) lane; twice for a quartet start."))
def record_pair(app: Ledger, race: str, pair: int, inner: tuple[str, ...],
                outer: tuple[str, ...]) -> None:
    """Draw PAIR of RACE: the skater in the inner (white) and outer (red) lane, or a quartet start
    of up to four, two per lane (Division B): give --inner and --outer twice."""
    if len(inner) <= 1 and len(outer) <= 1:
        said(app.draw_pair(race, pair, inner[0] if inner else None, outer[0] if outer else None,
                           enter=True))
    else:
        said(app.draw_quartet(race, pair, inner, outer, enter=True))


@recorded("team",
          click.argument("team"),
          click.argument("members", nargs=-1, required=True),
          click.option("--nation", default=None, help="The team's nation (a new team's)."))
def record_team(app: Ledger, race: str, team: str, members: tuple[str, ...],
                nation: str | None) -> None:
    """Enter TEAM in the team race RACE with its MEMBERS (registered skaters), in skating order: a
    team sprint three (a lap each), a mixed relay a woman and a man. Then draw it (record pair),
    start it, and record its finish: the time when its last skater crosses."""
    said(app.name_team(race, team, members, nation))


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




# -- the race's officials and conditions (docs/decisions/0030-the-result-sheet.md) --------------
@recorded("officials",
          click.option("--referee", default=None, help="The referee's name, as the sheet prints it."),
          click.option("--starter", default=None, help="The starter's name."),
          keeps_author=True)
def record_officials(app: Ledger, race: str, referee: str | None, starter: str | None,
                     author: str | None) -> None:
    """The referee and the starter of RACE (again with other names: a correction)."""
    said(app.record_officials(race, official_name("--referee", referee),
                              official_name("--starter", starter), author))


def official_name(option: str, name: str | None) -> str | None:
    """An official's name, as a skater's is: no invisible or direction-changing character (a blank
    one is the rule's to refuse, naming the role)."""
    return normal_name(option, name) if name is not None and name.strip() else name


@recorded("conditions",
          click.option("--at", "at", type=click.Choice(CONDITION_MOMENTS), required=True,
                       help="Measured at the start of the race or at its end."),
          click.option("--ice-temp", default=None, help="Ice temperature, °C (e.g. -6.5)."),
          click.option("--air-temp", default=None, help="Air temperature, °C."),
          click.option("--humidity", default=None, help="Relative humidity, % (whole)."),
          keeps_author=True)
def record_conditions(app: Ledger, race: str, at: str, ice_temp: str | None,
                      air_temp: str | None, humidity: str | None, author: str | None) -> None:
    """The ice and air conditions of RACE at its start or end (again: a correction)."""
    said(app.record_conditions(race, at, tenths("--ice-temp", ice_temp),
                               tenths("--air-temp", air_temp), percent(humidity), author))


def tenths(option: str, text: str | None) -> int | None:
    """A temperature as typed (``-6.5``, ``-6,5``, ``-7``) in tenths of a degree."""
    if text is None:
        return None
    found = re.fullmatch(r"\s*([+-]?)([0-9]{1,3})(?:[.,]([0-9]))?\s*(?:°?C)?\s*", text)
    if found is None:
        raise InvalidInputError(f"{option} {text!r} is not a temperature in °C with at most one "
                                "decimal (e.g. -6.5)")
    sign, whole, tenth = found.groups()
    value = int(whole) * 10 + int(tenth or 0)
    return -value if sign == "-" else value


def percent(text: str | None) -> int | None:
    if text is None:
        return None
    found = re.fullmatch(r"\s*([0-9]{1,3})\s*%?\s*", text)  # not ٤٥: digits 0-9
    if found is None:
        raise InvalidInputError(f"--humidity {text!r} is not a whole percentage (e.g. 45)")
    return int(found.group(1))
