"""Recording a whole file of results at once: one transaction, or nothing.

The rows (:class:`ledger.formats.csv_results.ResultRow`, from a CSV or an ISU text list) are
applied to aggregates in memory, through the same commands a live official uses (so the same rules
decide), and saved together at the end. A refused row raises an error naming its file and line
before anything is saved. Re-importing a file finds every fact already there (deterministic ids)
and saves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar
from uuid import UUID

import attrs

from ledger.application import Ledger
from ledger.domain.competition import Competition
from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.domain.race import Race
from ledger.domain.rules import LANE_HOLDS
from ledger.formats.csv_results import ResultRow
from ledger.importing.batch import Batch, at_line


def record_rows(app: Ledger, path: str, rows: Sequence[ResultRow],
                batch: Batch | None = None) -> int | None:
    """Record the rows of one result file; the last position appended, or None if nothing new.

    With a ``batch``, the rows join it and nothing is saved: the caller saves several files at once.
    """
    shared = batch is not None
    batch = batch or Batch(app)
    for comp_name, comp_rows in group(rows, lambda r: r.competition).items():
        days = [r.day for r in comp_rows]
        with at_line(path, comp_rows[0].line):
            comp = batch.competition(comp_name, comp_rows[0].venue, min(days), max(days))
        for (distance, category, label, day, discipline), race_rows in group(
                comp_rows, lambda r: (r.distance_m, r.category, r.label, r.day, r.discipline)
        ).items():
            with at_line(path, race_rows[0].line):
                race = batch.race(comp, distance, category, day, label, discipline)
            if any(row.team is not None for row in race_rows):
                record_teams(app, path, race, race_rows, batch)
                continue
            for row in race_rows:
                with at_line(path, row.line):
                    race.enter_starter(batch.skater(row.skater, row.nation, row.club,
                                                    row.hometown, row.birth_date, row.contact))
            draw_pairs(path, race, race_rows, batch)
            for row in race_rows:
                with at_line(path, row.line, app):
                    record_row(race, row, batch.id_of(row.skater))
        join_cup(path, comp, comp_rows)  # after its races: a pending event marks a new competition
    return None if shared else batch.save()


K = TypeVar("K")
#: The most skaters one start holds: a quartet, two per lane.
FOUR = 2 * LANE_HOLDS


def group(rows: Iterable[ResultRow], key: Callable[[ResultRow], K]) -> dict[K, list[ResultRow]]:
    groups: dict[K, list[ResultRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def draw_pairs(path: str, race: Race, rows: list[ResultRow], batch: Batch) -> None:
    """Each pair's draw: two skaters, one a lane, or a quartet start of up to four, two a lane
    (docs/decisions/0021-teams.md). Without lanes they are filled inner, outer, inner, outer."""
    for pair, pair_rows in group([r for r in rows if r.pair is not None], lambda r: r.pair).items():
        lanes: dict[str, list[UUID]] = {"inner": [], "outer": []}
        known = all(row.lane for row in pair_rows)
        for n, row in enumerate(pair_rows):
            with at_line(path, row.line):
                if not known and any(r.lane for r in pair_rows):
                    raise LedgerError(f"give the lane of every skater of pair {pair}, or of none")
                if n == FOUR:
                    raise LedgerError(f"pair {pair} has {len(pair_rows)} skaters; a start holds at "
                                      "most four, two per lane (a quartet start)")
                lane = row.lane or ("inner", "outer")[n % 2]
                if len(lanes[lane]) == LANE_HOLDS:
                    raise LedgerError(f"pair {pair} has three skaters in the {lane} lane; a lane "
                                      f"holds at most {LANE_HOLDS} (a quartet start)")
                lanes[lane].append(batch.id_of(row.skater))
        with at_line(path, pair_rows[0].line):
            race.draw_quartet(pair or 0, lanes["inner"], lanes["outer"], known)


def record_teams(app: Ledger, path: str, race: Race, rows: list[ResultRow], batch: Batch) -> None:
    """A team race's member rows: each team (named by ``row.team``, of its members' nation) is
    the competitor, entered with its members named; the team's result is recorded on the team,
    and each member's printed marks on the member (docs/decisions/0021-teams.md)."""
    for team, members in group(rows, lambda r: r.team).items():
        lead = members[0]
        with at_line(path, lead.line, app):
            if team is None:
                raise LedgerError("a team race's row names no team")
            tid = batch.skater(team, lead.nation, None, None)
            race.enter_starter(tid)
            ids = [batch.skater(m.skater, m.nation, m.club, m.hometown, m.birth_date,
                                m.contact) for m in members]
            race.name_team_members(tid, ids)
            record_row(race, attrs.evolve(lead, marks=()), tid)
        for member, sid in zip(members, ids, strict=True):
            if member.marks:
                with at_line(path, member.line, app):
                    race.publish_marks(sid, list(member.marks), "list")


def record_row(race: Race, row: ResultRow, sid: UUID) -> None:
    for metres, ms in row.splits:
        race.record_passing(sid, metres, ms, "list")
    if row.time_ms is not None:
        race.record_finish(sid, row.time_ms, "list", precision_ms=row.precision_ms,
                           uncertain_ms=row.uncertain_ms)
    if row.place is not None:
        race.report_place(sid, row.place, "list")
    if row.marks:
        race.publish_marks(sid, list(row.marks), "list")
    if (row.points, row.sprint_points, row.laps) != (None, None, None):
        race.publish_points(sid, row.points, row.sprint_points, row.laps, "list")
    if row.status == "DNF":
        race.record_dnf(sid, None if row.laps is None else row.laps * race.sheet.track_m, None)
    elif row.status == "DNS":
        race.record_dns(sid, None)
    elif row.status == "WDR":
        race.record_withdrawal(sid, None)
    elif row.status == "DQ":
        race.disqualify(sid, "disqualified (as published)", None)


def join_cup(path: str, comp: Competition, rows: Sequence[ResultRow]) -> None:
    """The cup the rows' ``cup`` column names for their competition: one cup a competition (a
    second one, in the file or already in the ledger, is refused at its line); a cup the ledger
    holds already appends nothing, so a re-import stays a no-op."""
    named = next((row for row in rows if row.cup is not None), None)
    if named is None or named.cup is None:
        return
    for row in rows:
        if row.cup is not None and row.cup != named.cup:
            with at_line(path, row.line):
                raise InvalidInputError(f"competition {comp.slug!r} is given cups {named.cup!r} "
                                        f"and {row.cup!r}; a competition counts for one cup")
    if comp.cup == named.cup:
        return
    with at_line(path, named.line):
        if comp.cup is not None:
            raise InvalidInputError(f"competition {comp.slug!r} counts for cup {comp.cup!r} "
                                    f"already, not {named.cup!r}")
        comp.join_cup(named.cup)
