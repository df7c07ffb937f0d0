"""Turning projections into what people read: tables (rich), JSON and CSV (design/interfaces.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any, Protocol

from ledger.domain.timing import Notation, format_gap, format_time
from projections.basis import Basis
from projections.cup import CupStandings, PointsTable, cup_of, race_points
from projections.leaderboard import Leaderboard, Row
from projections.marks import derive, published_marks
from projections.marks import legend as marks_legend
from projections.races_view import Listing, catalogue
from projections.state import CompetitionInfo, LedgerState

if TYPE_CHECKING:
    from uuid import UUID

    from ledger.domain.race_state import RaceState

if TYPE_CHECKING:  # rich is imported when a table is made: JSON and CSV need none of it
    from rich.table import Table

    from projections.history import History  # the question's module, imported by its command

STATUS_NOTE = {"DNF": "did not finish", "DNS": "did not start", "DQ": "disqualified",
               "WDR": "withdrawn"}


def row_json(row: Row, notation: Notation) -> dict[str, Any]:
    shown = {
        "rank": row.rank, "skater": row.skater, "nation": row.nation,
        "time": format_time(row.time_ms, notation) if row.time_ms is not None else None,
        "time_ms": row.time_ms, "status": row.status,
        "behind": format_gap(row.behind_ms, notation) if row.behind_ms is not None else None,
        "pair": row.pair, "lane": row.lane,
        "time_known": not row.place_reported, "source": row.source,
        "time_range_ms": time_range(row),
    }
    if row.mass_start:  # added keys only (design/interfaces.md); null where unknown
        shown.update(points=row.points, laps=row.laps,
                     sprint_points=list(row.sprint_points) if row.sprint_points is not None
                     else None)
    return shown


def time_range(row: Row) -> list[int] | None:
    """The full-precision times consistent with the evidence, when that is more than one."""
    if row.time_ms is None or not row.uncertain_ms:
        return None
    return [row.time_ms, row.time_ms + row.uncertain_ms]


def time_cell(row: Row, notation: Notation) -> str:
    """The time as published; with the range of thousandths when a list's DIFFs give them only
    within the winner's unknown digit (``1:07.54 (.542-.546)``). A time known only to the
    hundredth shows as published: that is all it says."""
    if row.time_ms is None:
        return ""
    shown = format_time(row.time_ms, notation)
    if not row.uncertain_ms or row.precision_ms != 1:
        return shown
    sep = "." if notation == "iso" else ","
    low, high = row.time_ms % 1000, (row.time_ms + row.uncertain_ms) % 1000
    return f"{shown} ({sep}{low:03d}-{sep}{high:03d})"


def board_json(board: Leaderboard, basis: Basis, notation: Notation) -> dict[str, Any]:
    return {"race": board.race, "basis": basis.as_json(board.position),
            "rows": [row_json(r, notation) for r in board.rows]}


def add_marks(state: LedgerState, board: Leaderboard, data: dict[str, Any]) -> None:
    """Give each row of a board's JSON its ``marks`` (derived from evidence the ledger holds:
    projections/marks.py) and ``published_marks`` (as a published list printed them), apart."""
    sheet = state.sheet(board.race)
    derived = derive(state, sheet).derived if sheet is not None else {}
    for row, shown in zip(board.rows, data["rows"], strict=True):
        shown["marks"] = list(derived.get((board.race, row.skater_id), ()))
        shown["published_marks"] = published_marks(sheet, row.skater_id) if sheet is not None else []
        if sheet is not None and sheet.team_members.get(row.skater_id):
            shown["members"] = members_json(state, sheet, row.skater_id)


def add_cup_points(state: LedgerState, board: Leaderboard, data: dict[str, Any],
                   tables: Mapping[tuple[str, str], PointsTable]) -> None:
    """Give each row of a cup race's board its ``cup_points``: what its place scores by the
    season's table (decision 0022); null for every row when no table of the cup's season and the
    race's division and kind is held (``cup_unscored`` says why). A race of no cup is unchanged;
    standings at a passing point are no places, and carry none."""
    sheet = state.sheet(board.race)
    if sheet is None or board.at_m is not None or cup_of(state, sheet) is None:
        return
    scored = race_points(state, sheet, tables, board.rows)
    data["cup"] = cup_of(state, sheet)
    if scored.unscored is not None:
        data["cup_unscored"] = scored.unscored
    else:
        data["cup_source"] = scored.table.source if scored.table else None
    for row, shown in zip(board.rows, data["rows"], strict=True):
        shown["cup_points"] = scored.points.get(row.skater_id)


def members_json(state: LedgerState, sheet: RaceState, team: UUID) -> list[dict[str, Any]]:
    """A team's members, in the order named, each listed with the team's result (the row they
    stand in) and the marks a list printed beside them (docs/decisions/0021-teams.md)."""
    out = []
    for sid in sheet.team_members[team]:
        info = state.skaters.get(sid)
        out.append({"skater": state.name_of(sid), "nation": info.nation if info else None,
                    "published_marks": published_marks(sheet, sid)})
    return out


def board_csv(board: Leaderboard, notation: Notation) -> str:
    out = io.StringIO()
    fields = ["rank", "skater", "nation", "time", "time_ms", "status", "behind", "pair", "lane"]
    mass_start = bool(board.rows) and board.rows[0].mass_start
    if mass_start:  # the points decide: added columns, the sprints' points space-separated
        fields += ["points", "sprint_points", "laps"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in board.rows:
        shown = row_json(row, notation)
        if mass_start and shown["sprint_points"] is not None:
            shown["sprint_points"] = " ".join(map(str, shown["sprint_points"]))
        writer.writerow(shown)
    return out.getvalue()


def describe_basis(board: Leaderboard, basis: Basis) -> str:
    parts = [f"position {board.position}"]
    if basis.known_at:
        parts.append(f"as known at {basis.known_at.isoformat()}")
    if board.after_pair is not None:
        parts.append(f"after pair {board.after_pair}")
    if board.at_m is not None:
        parts.append(f"at {board.at_m} m")
    return ", ".join(parts)


def board_table(board: Leaderboard, basis: Basis, notation: Notation, title: str,
                marks: list[dict[str, Any]] | None = None) -> Table:
    """The board as a table; with ``marks`` (the rows' JSON after :func:`add_marks`), a Marks column
    and a legend under the table when any mark appears."""
    from rich.table import Table

    table = Table(title=f"{title}\n[dim]{describe_basis(board, basis)}[/dim]", title_justify="left")
    if board.rows and board.rows[0].mass_start:
        return mass_start_table(table, board, notation)
    shown = [r["marks"] + [f"{m}*" for m in r["published_marks"]] for r in marks or []]
    with_marks = any(shown)
    for name, justify in (("Rank", "right"), ("Skater", "left"), ("Nat", "left"),
                          ("Time", "right"), ("Behind", "right"), ("Pair", "right"),
                          ("Lane", "left"), *((("Marks", "left"),) if with_marks else ())):
        table.add_column(name, justify=justify)
    for number, row in enumerate(board.rows):
        data = row_json(row, notation)
        time = time_cell(row, notation) or (STATUS_NOTE.get(row.status, "time unknown")
                                if row.status != "OK" or row.place_reported else "")
        members = (marks or [{}] * len(board.rows))[number].get("members")
        named = f"{row.skater} ({', '.join(m['skater'] for m in members)})" if members else row.skater
        table.add_row(str(row.rank) if row.rank is not None else row.status, named,
                      row.nation or "", time, data["behind"] or "",
                      str(row.pair) if row.pair else "", row.lane or "",
                      *((" ".join(shown[number]),) if with_marks else ()))
    if not board.rows:
        table.caption = "no results yet"
    elif with_marks:
        table.caption = marks_caption(m.rstrip("*") for ms in shown for m in ms)
        table.caption_justify = "left"
    return table


def mass_start_table(table: Table, board: Leaderboard, notation: Notation) -> Table:
    """A mass start's board: points decide, so points, each sprint's points and the laps are
    shown instead of the gap, pair and lane; '?' where the ledger does not know them (a list)."""
    for name in ("Rank", "Skater", "Nat", "Time", "Points", "Sprints", "Laps"):
        table.add_column(name, justify="left" if name in ("Skater", "Nat", "Sprints") else "right")
    for row in board.rows:
        time = time_cell(row, notation) or STATUS_NOTE.get(
            row.status, "time unknown" if row.place_reported else "")
        sprints = " ".join(map(str, row.sprint_points)) if row.sprint_points is not None else "?"
        table.add_row(str(row.rank) if row.rank is not None else row.status, row.skater,
                      row.nation or "", time, "?" if row.points is None else str(row.points),
                      sprints, "?" if row.laps is None else str(row.laps))
    return table


def marks_caption(marks: Iterable[str]) -> str:
    """The legend line under a table that shows marks."""
    return (f"Marks: {marks_legend(marks)}. A mark with * is as the list published it; the others "
            "are derived from evidence the ledger holds (bests known before the race, a record "
            "table).")


def race_title(state: LedgerState, key: str) -> str:
    sheet = state.sheet(key)
    if sheet is None:
        return key
    comp = state.competitions.get(sheet.competition_id)
    label = f" ({sheet.label})" if sheet.label else ""
    name = comp.name if comp else sheet.competition
    if sheet.discipline == "mass-start":
        laps = sheet.distance_m // sheet.track_m
        return f"{name}: {sheet.category.capitalize()}'s mass start, {laps} laps{label}, {sheet.day}"
    if sheet.discipline == "mixed-relay":
        return f"{name}: Mixed relay ({sheet.distance_m} m){label}, {sheet.day}"
    if sheet.discipline != "individual":
        event = sheet.discipline.replace("-", " ")
        return (f"{name}: {sheet.category.capitalize()}'s {event} ({sheet.distance_m} m){label}, "
                f"{sheet.day}")
    return f"{name}: {sheet.category.capitalize()}'s {sheet.distance_m} m{label}, {sheet.day}"


def listing_json(race: Listing) -> dict[str, Any]:
    """A race as ``races --format json`` lists it (design/interfaces.md)."""
    return {"key": race.key, "competition": race.competition,
            "competition_slug": race.competition_slug, "venue": race.venue, "date": race.date,
            "distance_m": race.distance_m, "category": race.category, "label": race.label,
            "discipline": race.discipline, "starters": race.starters, "official": race.official}


def races_json(state: LedgerState) -> list[dict[str, Any]]:
    return listings_json(catalogue(state).races)


def listings_json(races: Iterable[Listing]) -> list[dict[str, Any]]:
    """The races listed, by day and key (projections.races_view: the view's answer or the fold's)."""
    return [listing_json(race) for race in races]


def races_table(state: LedgerState) -> Table:
    return listings_table(races_json(state))


def listings_table(races: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    table = Table(title="Races")
    for name in ("Key", "Date", "Distance", "Category", "Label", "Starters", "Official"):
        table.add_column(name)
    for race in races:
        table.add_row(race["key"], race["date"], f"{race['distance_m']} m", race["category"],
                      race["label"] or "", str(race["starters"]), "yes" if race["official"] else "")
    return table


class Writes(Protocol):
    """Where JSON is written: a rich Console, or the command's console before rich is needed."""

    @property
    def file(self) -> IO[str]: ...


def print_json(console: Writes, data: Any) -> None:
    console.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def history_json(found: History) -> dict[str, Any]:
    """The shape of ``skate-ledger history --format json``."""
    return {"skater": found.skater,
            "results": [{"race": r.race, "competition": r.competition, "date": r.day.isoformat(),
                         "distance_m": r.distance_m, "rank": r.rank, "status": r.status,
                         "time": format_time(r.time_ms) if r.time_ms is not None else None,
                         "time_ms": r.time_ms, "team": r.team, "marks": list(r.marks),
                         "published_marks": list(r.published_marks),
                         "passings": [{"at_m": m, "time": format_time(ms)} for m, ms in r.passings]}
                        for r in found.rows],
            "personal_bests": {str(d): format_time(ms) for d, ms in sorted(found.personal_bests.items())},
            "season_bests": {season: {str(d): format_time(ms) for d, ms in sorted(bests.items())}
                             for season, bests in found.season_bests.items()},
            "ledger_bests": {str(d): format_time(ms) for d, ms in sorted(found.ledger_bests.items())},
            "legend": marks_legend(m for r in found.rows for m in r.marks + r.published_marks)}


#: What decides equal cup totals: the regulations' tie-break was not found (decisions 0022, 0024).
CUP_TIE_BREAK = "none applied: equal totals share a rank and the next is skipped (decision 0022)"


def cup_json(competitions: LedgerState | Iterable[CompetitionInfo], standings: CupStandings,
             basis: Basis) -> dict[str, Any]:
    """``cup --format json``: the competitions in date order, each race with the table that
    scored it (its source) or why none did, and a row per competitor. ``competitions``: those
    held as of the basis (or the state that holds them)."""
    held = (competitions.competitions.values() if isinstance(competitions, LedgerState)
            else competitions)
    slugs = {r.competition for r in standings.races}
    comps = sorted((c for c in held if c.slug in slugs),
                   key=lambda c: (c.first_day, c.slug))
    order = [c.slug for c in comps]
    return {
        "cup": standings.cup, "category": standings.category, "distance": standings.event,
        "basis": basis.as_json(standings.position), "competitions": order,
        "races": [{"race": r.race, "competition": r.competition,
                   "source": r.table.source if r.table and r.unscored is None else None,
                   "unscored": r.unscored} for r in standings.races],
        "rows": [{"category": row.category, "distance": row.event,
                  "rank": row.rank, "competitor": row.name, "nation": row.nation,
                  "points": {slug: row.per_competition.get(slug) for slug in order},
                  "total": row.total} for row in standings.rows],
        "tie_break": CUP_TIE_BREAK,
    }


def cup_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["category", "distance", "rank", "competitor", "nation",
                     *data["competitions"], "total"])
    for row in data["rows"]:
        writer.writerow([row["category"], row["distance"], row["rank"], row["competitor"],
                         row["nation"] or "",
                         *("" if row["points"][c] is None else row["points"][c]
                           for c in data["competitions"]), row["total"]])
    return out.getvalue()


def cup_table(data: dict[str, Any]) -> Table:
    from rich.table import Table  # rich for a table only, not for JSON

    what = " ".join(str(p) for p in (data["category"], data["distance"]) if p)
    table = Table(title=f"Cup {data['cup']}" + (f" ({what})" if what else "")
                  + f" as of position {data['basis']['position']}")
    for name in ("Category", "Distance", "Rank", "Skater or team", "Nation",
                 *data["competitions"], "Total"):
        table.add_column(name)
    for row in data["rows"]:
        table.add_row(row["category"], row["distance"], str(row["rank"]), row["competitor"],
                      row["nation"] or "",
                      *("" if row["points"][c] is None else str(row["points"][c])
                        for c in data["competitions"]), str(row["total"]))
    unscored = sorted({r["unscored"] for r in data["races"] if r["unscored"]})
    sources = sorted({r["source"] for r in data["races"] if r["source"]})
    table.caption = "; ".join([*(f"Points: {s}" for s in sources),
                               *(f"Unscored: {u}" for u in unscored), f"Ties: {CUP_TIE_BREAK}"])
    return table
