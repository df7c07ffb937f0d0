"""The questions of the seed report: audit, what-if, history, classification, records,
qualification, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ledger.application import Ledger
from ledger.domain.competition import cup_name
from ledger.domain.errors import InvalidInputError
from ledger.domain.timing import TEAM_DISCIPLINES, format_time, parse_distance, parse_time
from ledger.domain.values import (
    parse_datetime,
)
from projections.audit import audit as audit_trail
from projections.audit import ordinal
from projections.basis import Basis
from projections.classification import format_points
from projections.cup import (
    LONG,
    LONG_EVENT,
    cup_standings,
    read_table,
    shipped_tables,
    tables_by_season,
)
from projections.marks import load_scopes
from projections.qualification import load_rule
from projections.reading import race_log, race_state_at, state_at
from projections.report import Choice
from projections.whatif import what_if as place_time
from scripts import output
from scripts.cli.common import (
    OUT,
    Decorator,
    F,
    command_of,
    read_command,
)


def basis_options(command: F) -> F:
    command = click.option("--known-at", default=None,
                           help="As known at this moment (ISO 8601 with zone).")(command)
    return click.option("--position", type=int, default=None,
                        help="As of this log position.")(command)


def basis_of(position: int | None, known_at: str | None, **more: Any) -> Basis:
    return Basis(position=position, known_at=parse_datetime(known_at) if known_at else None, **more)


def format_choice(*choices: str) -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0])


def question(name: str, *params: Decorator) -> Callable[[Callable[..., None]], click.Command]:
    """A question: the command ``name`` with ``params`` (its arguments and options, top to
    bottom), then ``--position`` and ``--known-at`` (its basis) and ``--format`` table or json,
    on the ledger opened read-only."""
    return command_of(click.command(name), *params, basis_options, format_choice("table", "json"),
                      read_command)


@question("audit", click.argument("race", required=False))
def audit(app: Ledger, race: str | None, position: int | None, known_at: str | None,
          fmt: str) -> None:
    """Every correction, void, DQ, re-skate and status change, with the places it moved."""
    if race:
        app.race(race)
    basis = basis_of(position, known_at)
    if race:  # one race's audit reads that race's part of the log (projections.reading.race_log)
        stop = race_state_at(app, race, basis).position
        entries = audit_trail(race_log(app, race, stop), race)
    else:
        stop = state_at(app, basis).position
        entries = audit_trail(app.read_log(stop=stop), race)
    if fmt == "json":
        output.print_json(OUT, {"basis": basis.as_json(stop), "entries": [{
            "position": e.position, "recorded_at": e.recorded_at.isoformat(), "race": e.race,
            "act": e.act, "skater": e.skater, "author": e.author, "reason": e.reason,
            "before": e.before, "after": e.after, "changes": [str(c) for c in e.changes]}
            for e in entries]})
        return
    from rich.table import Table  # rich for a table only, not for JSON

    table = Table(title=f"Audit{' of ' + race if race else ''} (position {stop})")
    for name in ("Pos", "Recorded", "Race", "Act", "Skater", "By", "Why", "Before → after", "Places"):
        table.add_column(name)
    for e in entries:
        table.add_row(str(e.position), e.recorded_at.strftime("%Y-%m-%d %H:%M:%S"), e.race, e.act,
                      e.skater or "", e.author or "", e.reason or "",
                      f"{e.before or ''} → {e.after or ''}", "; ".join(map(str, e.changes)))
    OUT.print(table)


@question("what-if",
          click.argument("race"),
          click.argument("time"),
          click.option("--skater", default=None, help="Leave this skater's own result out."),
          click.option("--after-pair", type=int, default=None))
def what_if(app: Ledger, race: str, time: str, skater: str | None, after_pair: int | None,
            position: int | None, known_at: str | None, fmt: str) -> None:
    """Where TIME would rank in RACE's board, and whom it would pass."""
    state = race_state_at(app, race, basis_of(position, known_at))
    if state.sheet(race) is None:
        app.race(race)
    answer = place_time(state, race, parse_time(time), skater, after_pair)
    data = {"race": race, "time": format_time(answer.time_ms), "time_ms": answer.time_ms,
            "rank": answer.rank, "ahead_of": list(answer.ahead_of), "behind": list(answer.behind),
            "equal": list(answer.equal), "position": state.position}
    if fmt == "json":
        output.print_json(OUT, data)
        return
    OUT.print(f"{data['time']} would rank {answer.rank} in {race}"
              + (f", behind {', '.join(answer.behind)}" if answer.behind else "")
              + (f", level with {', '.join(answer.equal)}" if answer.equal else "")
              + (f", ahead of {', '.join(answer.ahead_of[:3])}" if answer.ahead_of else "")
              + (" …" if len(answer.ahead_of) > 3 else ""))


@question("history", click.argument("skater"))
def history(app: Ledger, skater: str, position: int | None, known_at: str | None,
            fmt: str) -> None:
    """Every race of SKATER with place, time and passings; personal and season bests."""
    from projections.views import history_at  # the views' machinery only for this question

    found = history_at(app, skater, basis_of(position, known_at))
    data = output.history_json(found)
    if fmt == "json":
        output.print_json(OUT, data)
        return
    pbs = ", ".join(f"{d} m {t}" for d, t in data["personal_bests"].items()) or "not known"
    held = ", ".join(f"{d} m {t}" for d, t in data["ledger_bests"].items())
    from rich.table import Table  # rich for a table only, not for JSON

    table = Table(title=f"{found.skater}: personal bests {pbs}"
                  + (f"; best times in this ledger {held}" if held else ""))
    for name in ("Date", "Race", "Rank", "Time", "Status", "Marks", "Published"):
        table.add_column(name)
    for r in data["results"]:
        race = f"{r['race']} (team {r['team']})" if r["team"] else r["race"]
        table.add_row(r["date"], race, str(r["rank"] or ""), r["time"] or "", r["status"],
                      " ".join(r["marks"]), " ".join(r["published_marks"]))
    if data["legend"]:
        table.caption = f"Marks: derived from evidence the ledger holds; Published: as the list " \
                        f"printed them. {data['legend']}"
    OUT.print(table)


@question("classification", click.argument("races", nargs=-1, required=True))
def classification(app: Ledger, races: tuple[str, ...], position: int | None,
                   known_at: str | None, fmt: str) -> None:
    """Samalog points over RACES (an allround or sprint combination); lowest total wins."""
    from projections.scoped import classification_at  # reads only the races named

    standings = classification_at(app, races, basis_of(position, known_at))
    rows: list[dict[str, Any]] = [{"rank": s.rank, "skater": s.skater,
             "points": format_points(s.points) if s.points is not None else None,
             "distances": s.distances} for s in standings]
    if fmt == "json":
        output.print_json(OUT, {"races": list(races), "rows": rows})
        return
    from rich.table import Table  # rich for a table only, not for JSON

    table = Table(title="Classification (samalog points, truncated)")
    for name in ("Rank", "Skater", "Points"):
        table.add_column(name)
    for r in rows:
        table.add_row(str(r["rank"] or "-"), r["skater"], r["points"] or "")
    OUT.print(table)


@question("records",
          click.option("--mark", default=None, callback=lambda ctx, param, value: known_mark(value),
                       help="Only this kind: WR, CR, TR or NR."))
def records_(app: Ledger, mark: str | None, position: int | None, known_at: str | None,
             fmt: str) -> None:
    """World, track, national and championship records: the record tables the ledger holds
    (import --format records), bettered by the valid times it holds after their dates."""
    from projections.views import records_at  # the views' machinery only for this question

    found = records_at(app, basis_of(position, known_at))
    rows: list[dict[str, Any]] = [
        {"mark": r.mark, "scope": list(r.scope), "skater": r.skater, "time": format_time(r.time_ms),
             "time_ms": r.time_ms, "race": r.race, "date": r.day, "source": r.source}
            for (kind, _), r in sorted(found.items()) if mark in (None, kind)]
    if fmt == "json":
        output.print_json(OUT, {"records": rows})
        return
    from rich.table import Table  # rich for a table only, not for JSON

    table = Table(title="Records (record tables held, bettered by the results this ledger holds)")
    for name in ("Mark", "Over", "Skater", "Time", "Race", "Date", "Source"):
        table.add_column(name)
    for r in rows:
        table.add_row(r["mark"], " / ".join(r["scope"]), r["skater"] or "", r["time"],
                      r["race"] or "", r["date"], r["source"])
    if not rows:
        table.caption = "no record table held (import --format records FILE)"
    OUT.print(table)


def known_mark(value: str | None) -> str | None:
    """``records --mark``: one of the marks the record scopes define (WR, CR, TR, NR)."""
    if value is None:
        return None
    marks = [scope["mark"] for scope in load_scopes()]
    if value.strip().upper() not in marks:
        raise click.BadParameter(f"{value[:40]!r} is not a known mark; give one of {', '.join(marks)}")
    return value.strip().upper()


@question("qualification", click.argument("rule"),
          click.option("--distance", "event", default=None,
                       callback=lambda ctx, param, value: cup_event(value),
                       help="An SOQC rule's event only: 500, 1000, … or mass-start."),
          click.option("--cup-table", "tables", multiple=True, type=click.Path(path_type=Path),
                       help="A World Cup points table (JSON, decision 0022) for an SOQC rule's "
                            "points classification."))
def qualification(app: Ledger, rule: str, event: str | None, tables: tuple[Path, ...],
                  position: int | None, known_at: str | None, fmt: str) -> None:
    """Who qualified under RULE (a rule file's name, or a path), and who depends on what."""
    from projections.scoped import qualification_at  # the competition's races, when indexed

    basis = basis_of(position, known_at)
    loaded = load_rule(rule)
    if loaded["kind"] == "soqc":
        soqc(app, loaded, basis, event, tables, fmt)
        return
    if event is not None or tables:
        raise InvalidInputError(f"--distance and --cup-table are for an SOQC rule; {rule!r} is "
                                f"of kind {loaded['kind']!r}")
    outcome, at = qualification_at(app, loaded, basis)
    slots: list[dict[str, Any]] = [
        {"slot": s.slot, "distance_m": s.distance_m, "category": s.category, "place": s.place,
              "skater": s.skater, "status": s.status, "reason": s.reason} for s in outcome.slots]
    if fmt == "json":
        output.print_json(OUT, {"rule": outcome.rule, "version": outcome.version,
                                "basis": basis.as_json(at), "slots": slots,
                                "selected": list(outcome.selected), "skaters": outcome.skaters})
        return
    from rich.table import Table  # rich for a table only, not for JSON

    table = Table(title=f"{outcome.rule} v{outcome.version} (position {at})")
    both = len({s["category"] for s in slots}) > 1  # a rule over men and women: say whose slot
    for name in ("Slot", *(("Category",) if both else ()), "Distance", "Place", "Skater", "Status",
                 "Why"):
        table.add_column(name)
    for s in slots:
        table.add_row(str(s["slot"]), *((str(s["category"]),) if both else ()),
                      f"{s['distance_m']} m" if s["distance_m"] else "?",
                      str(s["place"] or "?"), s["skater"] or "", s["status"], s["reason"])
    OUT.print(table)
    OUT.print("Selected: " + (", ".join(outcome.selected) or "nobody yet"))


def soqc(app: Ledger, rule: dict[str, Any], basis: Basis, event: str | None,
         tables: tuple[Path, ...], fmt: str) -> None:
    """An SOQC rule's answer: per event, the quota places with their status, the points and
    times classifications (decision 0023)."""
    from projections.qualification import soqc_outcome, soqc_points_tables
    from projections.scoped import soqc_at
    from scripts.cli.soqc import soqc_json, soqc_tables, soqc_totals_json

    held = soqc_points_tables([read_table(p) for p in tables])
    answer, at = soqc_at(app, rule, basis, held, event)
    outcome = soqc_outcome(answer)
    data = soqc_json(answer)
    if fmt == "json":
        slots = [{"slot": s.slot, "distance_m": s.distance_m, "category": s.category,
                  "place": s.place, "skater": s.skater, "status": s.status, "reason": s.reason}
                 for s in outcome.slots]
        output.print_json(OUT, {"rule": outcome.rule, "version": outcome.version,
                                "basis": basis.as_json(at), "slots": slots,
                                "selected": list(outcome.selected), "skaters": outcome.skaters,
                                "kind": "soqc", "events": data, **soqc_totals_json(answer),
                                "gaps": rule.get("gaps", [])})
        return
    for table in soqc_tables(answer, at):
        OUT.print(table)
    OUT.print("Not in the sources (unknown): " + "; ".join(rule.get("gaps", [])))


@question("report",
          click.option("--hometown", multiple=True),
          click.option("--club", multiple=True),
          click.option("--nation", multiple=True),
          click.option("--competition", default=None, help="The competition's key."),
          click.option("--date", "day", default=None, help="One day of the competition (YYYY-MM-DD)."),
          click.option("--rule", "rules", multiple=True, help="Qualification rule(s) to report on."))
def report(app: Ledger, hometown: tuple[str, ...], club: tuple[str, ...], nation: tuple[str, ...],
           competition: str | None, day: str | None, rules: tuple[str, ...], position: int | None,
           known_at: str | None, fmt: str) -> None:
    """A regional report: every selected skater's place and time, DNFs with where they fell."""
    choice = Choice(hometown, club, nation, competition, day)
    from projections.scoped import report_at  # the chosen skaters' races, when indexed

    found = report_at(app, choice, rules, basis_of(position, known_at))
    lines: list[dict[str, Any]] = [{"race": line.race, "date": line.day.isoformat(), "skater": line.skater,
              "hometown": line.hometown, "rank": line.rank,
              "time": format_time(line.time_ms) if line.time_ms is not None else None,
              "status": line.status, "reached_m": line.reached_m, "reason": line.reason,
              "qualification": line.qualification} for line in found.lines]
    qualified = list(found.qualified) if found.qualified is not None else None
    if fmt == "json":
        output.print_json(OUT, {"skaters": lines, "qualified": qualified})
        return
    for line in lines:
        why = f" ({line['reason']})" if line["reason"] else ""
        said = (f"{ordinal(line['rank'])} in {line['time']}"
                if line["status"] == "OK" and line["time"] else f"{line['status']}{why}")
        OUT.print(f"{line['date']} {line['race']}: {line['skater']} ({line['hometown'] or '-'}): {said}")
    if not lines:
        OUT.print("no results for the chosen skaters")
    elif qualified is not None:
        depends = found.dependent
        OUT.print("Qualified: " + (", ".join(qualified) or "none of them")
                  + (f"; depending on other results: {', '.join(depends)}" if depends else ""))




def cup_event(value: str | None) -> str | None:
    """``--distance``: a distance in metres (``500``, ``1000m``; ``3000``, ``5000``, ``10000`` mean
    the combined long-distance cup they count in), a combined cup (``long``, ``3000-5000``,
    ``5000-10000``) or a discipline (``mass-start``, ``team-pursuit``, ``team-sprint``,
    ``mixed-relay``): the cup event, as projections.cup names it."""
    if value is None:
        return None
    text = value.strip().lower()
    combined = {name for _, name in LONG.values()}
    if text in {"mass-start", LONG_EVENT, *combined, *TEAM_DISCIPLINES}:
        return text
    try:
        return str(parse_distance(text))
    except InvalidInputError as e:
        raise click.BadParameter(f"{e}; or give {LONG_EVENT}, {', '.join(sorted(combined))}, "
                                 f"mass-start, {', '.join(TEAM_DISCIPLINES)}") from None


@command_of(click.command("cup"), click.argument("cup"),
            click.option("--category", type=click.Choice(["men", "women", "mixed"]), default=None),
            click.option("--distance", "event", default=None,
                         callback=lambda ctx, param, value: cup_event(value),
                         help="500, 1000, 1500, long (3000-5000 women, 5000-10000 men), or "
                              "mass-start, team-pursuit, team-sprint, mixed-relay."),
            click.option("--table", "tables", multiple=True, type=click.Path(path_type=Path),
                         help="A points table (JSON, decision 0022) beside the shipped ones."),
            basis_options, format_choice("table", "json", "csv"), read_command)
def cup(app: Ledger, cup: str, category: str | None, event: str | None, tables: tuple[Path, ...],
        position: int | None, known_at: str | None, fmt: str) -> None:
    """The standings of CUP: rank, skater or team, nation, points per competition, total.

    From the cups view when the views hold the basis and no --table is given (decision 0024),
    else by the fold (the same answer)."""
    name = cup_name(cup)
    basis = basis_of(position, known_at)
    if tables:
        held = tables_by_season([*shipped_tables(), *(read_table(p) for p in tables)])
        state = state_at(app, basis)
        competitions = list(state.competitions.values())
        standings = cup_standings(state, name, held, category, event)
    else:
        from projections.views import cup_at  # the views' machinery only for this question

        competitions, standings = cup_at(app, name, basis, category, event)
    if not any(c.cup == name for c in competitions):
        raise InvalidInputError(f"no competition counts for cup {name!r} at position "
                                f"{standings.position} (record cup COMPETITION {name})")
    data = output.cup_json(competitions, standings, basis)
    if fmt == "json":
        output.print_json(OUT, data)
    elif fmt == "csv":
        OUT.file.write(output.cup_csv(data))
    else:
        OUT.print(output.cup_table(data))
