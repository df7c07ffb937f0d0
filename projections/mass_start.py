"""The mass start: points for the order of crossing at each sprint, and the ranking by points
(docs/decisions/0020-mass-start.md).

Everyone starts at once; after laps 4, 8 and 12 (the season's table) the first across the line
score the intermediate points, and the finishing order scores the final sprint's. Finishers rank by
points, then by finishing order (who crossed the line first); a skater who did not finish (lapped,
pulled, stopped) ranks behind every finisher, by laps completed; a disqualified skater, and one who
did not start, is unranked. A skater who did not finish, or was disqualified, keeps the sprint
points shown but not in the total (``non_finishers_keep_points`` of the season's table).

The points tables are data (projections/mass_start_points.json), chosen by the race's season. A
list that prints places but no points (the ISU text lists) keeps its published places; its points
and laps are unknown (null), never recomputed from times that are not a finishing order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs

from ledger.domain.kinds import FactKind
from ledger.domain.race_state import Fact, RaceState
from ledger.domain.record import season_of
from ledger.domain.timing import MASS_START
from ledger.domain.values import DEFAULT_UNRANKED_ORDER
from projections.ranking import competition_ranks
from projections.results import FactFilter, Result, everything, result_of

#: After every finisher and every lap time: the order of a non-finisher whose last lap is unknown.
UNKNOWN_LAST = 1 << 62


@attrs.frozen
class PointsTable:
    """One season's points: ``intermediate`` for the first, second … across the line at each
    intermediate sprint, ``final`` for the first, second … finisher."""

    season_from: str
    laps: int
    sprint_laps: tuple[int, ...]
    intermediate: tuple[int, ...]
    final: tuple[int, ...]
    non_finishers_keep_points: bool
    source: str


def load_tables(text: str | None = None) -> tuple[PointsTable, ...]:
    """The tables of projections/mass_start_points.json (or of ``text``), oldest first. Read beside
    this module, as record_scopes.json is."""
    raw: dict[str, Any] = json.loads(
        text if text is not None
        else Path(__file__).with_name("mass_start_points.json").read_text(encoding="utf-8"))
    tables = [PointsTable(t["from"], int(t["laps"]), tuple(t["sprint_laps"]),
                          tuple(t["intermediate"]), tuple(t["final"]),
                          bool(t["non_finishers_keep_points"]), t["source"])
              for t in raw["tables"]]
    return tuple(sorted(tables, key=lambda t: t.season_from))


TABLES = load_tables()


def table_for(day: date, tables: Sequence[PointsTable] = TABLES) -> PointsTable | None:
    """The table of the race's season: the latest one in force by then (None before the first)."""
    season = season_of(day)
    held = [t for t in tables if t.season_from <= season]
    return held[-1] if held else None


def points_for(order_index: int, scale: Sequence[int]) -> int:
    """The points of the ``order_index``-th across the line (0 first); beyond the scale, none."""
    return scale[order_index] if order_index < len(scale) else 0


@attrs.frozen
class Standing:
    """What the rule needs of one skater: whether they finished, their place in the finishing
    order, their counted points, the laps completed and when they completed the last one."""

    skater: UUID
    status: str
    finished: bool
    finish_position: int | None
    points: int | None
    laps: int | None
    last_ms: int | None = None


def ranking_key(s: Standing) -> tuple[int, int, int]:
    """The ISU order of a mass start (decision 0020): finishers first, by points (more first), then
    by finishing order; then those who did not finish, by laps completed (more first), then who
    completed their last lap first. Two skaters share a place only when the key is equal."""
    if s.finished:
        return (0, -(s.points or 0), s.finish_position or 0)
    return (1, -(s.laps or 0), s.last_ms if s.last_ms is not None else UNKNOWN_LAST)


def provisional_key(points: int, latest_index: int | None) -> tuple[int, int]:
    """The standings after an intermediate sprint: by points so far, then by the order of the
    latest sprint the skater crossed in the scoring places; others with equal points share."""
    return (-points, latest_index if latest_index is not None else UNKNOWN_LAST)


@attrs.frozen
class Scored:
    """One skater's row of a mass start."""

    skater: UUID
    rank: int | None
    status: str
    result: Result | None
    points: int | None
    sprint_points: tuple[int, ...] | None
    laps: int | None


def sprint_orders(sheet: RaceState, keep: FactFilter = everything,
                  up_to: int | None = None) -> dict[int, list[UUID]]:
    """The live sprints of the race kept by ``keep``: lap → the order of crossing."""
    found: dict[int, list[UUID]] = {}
    for fact in sheet.facts.values():
        lap = fact.detail.get("lap") if fact.kind == FactKind.SPRINT else None
        if lap is not None and fact.live and keep(fact) and (up_to is None or lap <= up_to):
            found[lap] = list(fact.detail.get("order", ()))
    return dict(sorted(found.items()))


def intermediate_points(skater: UUID, laps: Sequence[int], recorded: dict[int, list[UUID]],
                        table: PointsTable) -> tuple[int, ...]:
    """The skater's points at each intermediate sprint of ``laps`` (0 where not in its order)."""
    return tuple(points_for(recorded[lap].index(skater), table.intermediate)
                 if skater in recorded.get(lap, ()) else 0 for lap in laps)


def sprint_laps(sheet: RaceState, table: PointsTable | None, recorded: dict[int, list[UUID]],
                up_to: int | None = None) -> tuple[int, ...]:
    """The race's intermediate sprints: the table's (within the race's laps) and any recorded."""
    laps = sheet.distance_m // sheet.track_m
    planned = {lap for lap in (table.sprint_laps if table else ()) if lap < laps}
    return tuple(sorted(lap for lap in planned | set(recorded) if up_to is None or lap <= up_to))


def finishing_order(sheet: RaceState, results: dict[UUID, Result]) -> list[UUID]:
    """The finishers in the order they crossed the line: by finish time, then by the order the
    finishes were recorded (two skaters in one hundredth: the photo finish's order, as entered)."""
    def seq(r: Result) -> int:
        fact = sheet.facts.get(r.fact) if r.fact is not None else None
        return fact.seq if fact is not None else 0

    done = [r for r in results.values() if r.status == "OK" and r.time_ms is not None]
    return [r.skater for r in sorted(done, key=lambda r: (r.time_ms or 0, seq(r)))]


def laps_completed(sheet: RaceState, skater: UUID, result: Result | None,
                   recorded: dict[int, list[UUID]]) -> tuple[int | None, int | None]:
    """Laps completed and the time of the last passing known: all laps for a finisher timed live;
    a DNF's laps as recorded; else the last passing or sprint the skater is known to have reached.
    A list's time is not evidence of laps (a lapped skater's time is printed too): unknown."""
    track = sheet.track_m
    passings = sheet.passings(skater, sheet.attempt_of(skater))
    last_ms = passings[-1].ms if passings else None
    if result is not None and result.status == "OK" and result.time_ms is not None:
        return (None if result.source == "list" else sheet.distance_m // track), result.time_ms
    if result is not None and result.status == "DNF" and result.metres_reached is not None:
        return result.metres_reached // track, last_ms
    reached = [(p.metres or 0) // track for p in passings]
    reached += [lap for lap, order in recorded.items() if skater in order]
    return (max(reached) if reached else None), last_ms


def scored_rows(sheet: RaceState, table: PointsTable | None, keep: FactFilter = everything,
                unranked_order: Sequence[str] = DEFAULT_UNRANKED_ORDER) -> list[Scored]:
    """The final standings of a mass start (or a list's published places)."""
    results = {s: r for s in sheet.entries if (r := result_of(sheet, s, keep)) is not None}
    recorded = sprint_orders(sheet, keep)
    laps_list = sprint_laps(sheet, table, recorded)
    order = finishing_order(sheet, results)
    published = [r for r in results.values() if r.status == "OK"]
    placed = bool(published) and all(r.place is not None for r in published)
    if placed or (not recorded and published_points(sheet, keep)):  # the sheet's, as printed
        return published_rows(sheet, results, unranked_order, table, keep)
    position = {skater: n for n, skater in enumerate(order)}
    standings: dict[UUID, tuple[Standing, tuple[int, ...] | None]] = {}
    for skater, result in results.items():
        sprints = (None if table is None else
                   (*intermediate_points(skater, laps_list, recorded, table),
                    points_for(position[skater], table.final) if skater in position else 0))
        finished = skater in position
        counted = None if sprints is None else (
            sum(sprints) if finished or table is None or table.non_finishers_keep_points else 0)
        laps, last_ms = laps_completed(sheet, skater, result, recorded)
        standings[skater] = (Standing(skater, result.status, finished, position.get(skater),
                                      counted, laps, last_ms), sprints)
    return rank_standings(standings, results, unranked_order)


def rank_standings(standings: dict[UUID, tuple[Standing, tuple[int, ...] | None]],
                   results: dict[UUID, Result],
                   unranked_order: Sequence[str]) -> list[Scored]:
    """Finishers get ranks by :func:`ranking_key`; the others (DNF behind them by the same key,
    then DQ, DNS, WDR) are unranked, as every status but OK is (design/interfaces.md)."""
    ranked = sorted((s for s, _ in standings.values() if s.finished), key=ranking_key)
    ranks = competition_ranks([ranking_key(s) for s in ranked])
    status_order = {status: n for n, status in enumerate(unranked_order)}
    behind = sorted((s for s, _ in standings.values() if not s.finished),
                    key=lambda s: (0 if s.status == "DNF" else 1 + status_order.get(s.status, 9),
                                   ranking_key(s)))
    rows = [*zip(ranks, ranked, strict=True), *((None, s) for s in behind)]
    return [Scored(s.skater, rank, s.status, results[s.skater], s.points,
                   standings[s.skater][1], s.laps) for rank, s in rows]


def published_rows(sheet: RaceState, results: dict[UUID, Result],
                   unranked_order: Sequence[str], table: PointsTable | None = None,
                   keep: FactFilter = everything) -> list[Scored]:
    """A sheet's places as published, with the points, sprint points and laps it prints
    (``Race.PointsPublished``: a CSV's mass start); a list that prints none (the ISU text
    lists) leaves them unknown, never recomputed from times that are not a finishing order."""
    placed = sorted((r for r in results.values() if r.status == "OK"), key=lambda r: r.place or 0)
    ranks = competition_ranks([r.place for r in placed])
    status_order = {status: n for n, status in enumerate(unranked_order)}
    entered = {skater: n for n, skater in enumerate(sheet.entries)}
    others = sorted((r for r in results.values() if r.status != "OK"),
                    key=lambda r: (status_order.get(r.status, 9), entered.get(r.skater, 0)))
    sheets = published_points(sheet, keep)
    laps = published_sprint_laps(sheet, table, sheets)

    def scored(r: Result, rank: int | None) -> Scored:
        fact = sheets.get(r.skater)
        points, sprints, done = published_of(fact, laps)
        if done is None and r.status == "DNF" and r.metres_reached is not None:
            done = r.metres_reached // sheet.track_m
        return Scored(r.skater, rank, r.status, r, points, sprints, done)

    return [*(scored(r, rank) for rank, r in zip(ranks, placed, strict=True)),
            *(scored(r, None) for r in others)]


def published_points(sheet: RaceState, keep: FactFilter = everything) -> dict[UUID, Fact]:
    """Each skater's points as the sheet published them (the latest kept, live fact)."""
    return {f.skater: f for f in sheet.facts.values()
            if f.kind == FactKind.POINTS and f.live and keep(f) and f.skater is not None}


def published_sprint_laps(sheet: RaceState, table: PointsTable | None,
                          published: dict[UUID, Fact]) -> tuple[int, ...]:
    """The sprints of a published mass start: the season's intermediate laps, every lap a row
    names, and the finish (the last lap, the final sprint)."""
    laps = sheet.distance_m // sheet.track_m
    named = {lap for f in published.values() for lap, _ in f.detail.get("sprint_points") or ()}
    planned = {lap for lap in (table.sprint_laps if table else ()) if lap < laps}
    return tuple(sorted(named | planned | {laps}))


def published_of(fact: Fact | None, laps: Sequence[int]
                 ) -> tuple[int | None, tuple[int, ...] | None, int | None]:
    """A row's published total, its points at each sprint of ``laps`` (0 at a sprint its row
    does not name; None when the row gives no sprint points) and its laps completed."""
    if fact is None:
        return None, None, None
    given = fact.detail.get("sprint_points")
    sprints = None if given is None else tuple(dict(given).get(lap, 0) for lap in laps)
    return fact.detail.get("points"), sprints, fact.detail.get("laps")


def published_provisional(sheet: RaceState, table: PointsTable | None, lap: int,
                          published: dict[UUID, Fact], keep: FactFilter,
                          unranked_order: Sequence[str]) -> list[Scored]:
    """The standings after the sprint of ``lap`` of a published mass start: by the sheet's
    sprint points up to that lap, equal points sharing (the sheet gives no order of crossing);
    a row without sprint points, one out before that lap, or disqualified, unranked after them."""
    laps = tuple(k for k in published_sprint_laps(sheet, table, published) if k <= lap)
    ranked: list[tuple[int, Scored]] = []
    out: list[Scored] = []
    for skater in sheet.entries:
        result = result_of(sheet, skater, keep)
        status = result.status if result is not None else "OK"
        if status in ("DNS", "WDR"):
            continue
        _, sprints, done = published_of(published.get(skater), laps)
        if done is None and result is not None and result.metres_reached is not None:
            done = result.metres_reached // sheet.track_m
        row = Scored(skater, None, status, result, None if sprints is None else sum(sprints),
                     sprints, done)
        left = status == "DQ" or (status == "DNF" and done is not None and done < lap)
        if sprints is None or left:
            out.append(row)
        else:
            ranked.append((-sum(sprints), row))
    ranked.sort(key=lambda item: item[0])
    ranks = competition_ranks([key for key, _ in ranked])
    status_order = {status: n for n, status in enumerate(unranked_order)}
    out.sort(key=lambda s: status_order.get(s.status, 9))
    return [*(attrs.evolve(s, rank=rank) for rank, (_, s) in zip(ranks, ranked, strict=True)), *out]


def provisional_rows(sheet: RaceState, table: PointsTable | None, lap: int,
                     keep: FactFilter = everything,
                     unranked_order: Sequence[str] = DEFAULT_UNRANKED_ORDER) -> list[Scored]:
    """The standings after the sprint of ``lap`` (before the last lap): every starter by the
    intermediate points scored so far; one who left the race before that lap, or was
    disqualified, unranked after them. A published sheet's (no sprint recorded live) by its
    sprint points: :func:`published_provisional`."""
    published = published_points(sheet, keep)
    if published and not sprint_orders(sheet, keep):
        return published_provisional(sheet, table, lap, published, keep, unranked_order)
    results = {s: result_of(sheet, s, keep) for s in sheet.entries}
    recorded = sprint_orders(sheet, keep, up_to=lap)
    laps_list = sprint_laps(sheet, table, recorded, up_to=lap)
    latest = next((recorded[k] for k in reversed(laps_list) if k in recorded), [])
    rows: list[tuple[tuple[int, int], Scored]] = []
    out: list[Scored] = []
    for skater, result in results.items():
        status = result.status if result is not None else "OK"
        if status in ("DNS", "WDR"):
            continue
        sprints = (None if table is None
                   else intermediate_points(skater, laps_list, recorded, table))
        points = sum(sprints) if sprints is not None else None
        laps, _ = laps_completed(sheet, skater, result, recorded)
        left = status == "DQ" or (status == "DNF" and laps is not None and laps < lap)
        if left:
            out.append(Scored(skater, None, status, result, points, sprints, laps))
            continue
        index = latest.index(skater) if skater in latest else None
        rows.append((provisional_key(points or 0, index),
                     Scored(skater, None, status, result, points, sprints, laps)))
    rows.sort(key=lambda item: item[0])
    ranks = competition_ranks([key for key, _ in rows])
    status_order = {status: n for n, status in enumerate(unranked_order)}
    out.sort(key=lambda s: status_order.get(s.status, 9))
    return [*(attrs.evolve(s, rank=rank) for rank, (_, s) in zip(ranks, rows, strict=True)), *out]


def is_mass_start(sheet: RaceState) -> bool:
    return sheet.discipline == MASS_START


@attrs.frozen
class LivePanel:
    """What the board shows of a mass start on the ice: the laps the leading skater has completed
    (known from passings, sprints and finishes), the leader on points, and each sprint's order."""

    laps: int
    lap: int
    leader: UUID | None
    leader_points: int | None
    sprints: tuple[tuple[int, tuple[tuple[UUID, int], ...]], ...]


def laps_done(sheet: RaceState, keep: FactFilter = everything) -> int:
    """The most laps anyone is known to have completed: a finish, a passing, a sprint crossed."""
    laps = sheet.distance_m // sheet.track_m
    done = [laps for f in sheet.facts.values()
            if f.kind == FactKind.FINISH and f.live and keep(f)]
    done += [(f.metres or 0) // sheet.track_m for f in sheet.facts.values()
             if f.kind == FactKind.PASSING and f.live and keep(f)]
    done += list(sprint_orders(sheet, keep))
    return min(laps, max(done, default=0))


def live_panel(sheet: RaceState, table: PointsTable | None,
               keep: FactFilter = everything) -> LivePanel:
    """The lap counter, the leader on points (the final standings once anyone finished, else
    the standings after the latest sprint) and every sprint's order with the points it gave."""
    laps = sheet.distance_m // sheet.track_m
    lap = laps_done(sheet, keep)
    recorded = sprint_orders(sheet, keep)
    finished = any(f.kind == FactKind.FINISH and f.live and keep(f) for f in sheet.facts.values())
    standing = (scored_rows(sheet, table, keep) if finished
                else provisional_rows(sheet, table, max(recorded, default=0), keep)
                if recorded else [])
    top = next((s for s in standing if s.rank == 1), None)
    scale = table.intermediate if table is not None else ()
    sprints = tuple((k, tuple((skater, points_for(n, scale)) for n, skater in enumerate(order)))
                    for k, order in recorded.items())
    return LivePanel(laps, lap, top.skater if top else None, top.points if top else None, sprints)
