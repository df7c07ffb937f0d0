"""Laws of a mass start imported from a sheet (docs/decisions/0025-world-cup-day-gaps.md), on
generated sheets of invented skaters: the places and points are those published; the standings
after a sprint add up the sheet's sprint points to that lap, never more than after a later one,
and rank as a total preorder (more points first, equal points sharing); the standings after the
last lap equal the final standings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from ledger.formats.csv_results import read_csv
from ledger.importing.results import record_rows
from projections.basis import state_as_of
from projections.leaderboard import Row, leaderboard, standings_at
from projections.state import LedgerState
from tests.helpers import known

LAPS, SPRINTS, KEY = 16, (4, 8, 12), "law-cup-2025/men-mass-start"
HEADER = ("competition,venue,date,distance,category,discipline,skater,status,time,place,points,"
          "sprint_points,laps")


@attrs.frozen
class Sheet:
    #: per skater: status, place (OK) or None, sprint points {lap: points} or None, laps or None
    rows: tuple[tuple[str, int | None, dict[int, int] | None, int | None], ...]


@st.composite
def sheets(draw: st.DrawFn) -> Sheet:
    count = draw(st.integers(2, 8))
    statuses = [draw(st.sampled_from(["OK", "OK", "OK", "DNF"])) for _ in range(count)]
    sprints: list[dict[int, int]] = [{} for _ in range(count)]
    for lap in SPRINTS:  # 3-2-1 to the first three across the line (the 2025/26 table)
        for points, n in zip((3, 2, 1), draw(st.permutations(range(count))), strict=False):
            sprints[n][lap] = points
    finishers = [n for n, s in enumerate(statuses) if s == "OK"]
    for points, n in zip((60, 40, 20, 10, 6, 3), draw(st.permutations(finishers)), strict=False):
        sprints[n][LAPS] = points
    order = sorted(finishers, key=lambda n: -sum(sprints[n].values()))
    places: dict[int, int] = {}
    for rank, n in enumerate(order, 1):  # a shared place for equal points, as the sheet may
        same = rank > 1 and sum(sprints[n].values()) == sum(sprints[order[rank - 2]].values())
        places[n] = places[order[rank - 2]] if same else rank
    rows = []
    for n, status in enumerate(statuses):
        known_sprints = draw(st.booleans()) or (status == "OK" and n == order[0])
        laps = LAPS if status == "OK" else draw(st.integers(0, LAPS - 1))
        rows.append((status, places.get(n), sprints[n] if known_sprints else None, laps))
    return Sheet(tuple(rows))


def imported(sheet: Sheet) -> tuple[LedgerState, tuple[Row, ...]]:
    lines = [HEADER]
    for n, (status, place, sprints, laps) in enumerate(sheet.rows):
        total = sum(sprints.values()) if sprints is not None and status == "OK" else 0
        cells = ";".join(f"{lap}={p}" for lap, p in sorted((sprints or {}).items()))
        cells = cells or ("16=0" if sprints is not None else "")  # none scored: 0 at the finish
        time = f"8:0{n}.000" if status == "OK" else ""
        lines.append(f"Law Cup,Law Rink,2025-11-23,6400,men,mass-start,Skater {n},{status},"
                     f"{time},{place or ''},{total},{cells},{laps}")
    app = build_app("memory")
    with tempfile.TemporaryDirectory() as where:
        path = Path(where) / "sheet.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        record_rows(app, str(path), read_csv(path))
    state = state_as_of(app)
    return state, leaderboard(state, KEY).rows


@given(sheets())
def test_the_places_and_points_are_the_published_ones(sheet: Sheet) -> None:
    rows = {row.skater: row for row in imported(sheet)[1]}
    for n, (status, place, sprints, laps) in enumerate(sheet.rows):
        row = rows[f"Skater {n}"]
        assert (row.status, row.rank, row.laps) == (status, place, laps), (n, row)
        if sprints is not None:
            assert known(row.sprint_points) == tuple(sprints.get(k, 0) for k in (*SPRINTS, LAPS))
        else:
            assert row.sprint_points is None


@given(sheets())
def test_after_each_sprint_the_sheets_points_so_far_rank_as_a_total_preorder(sheet: Sheet) -> None:
    state, _ = imported(sheet)
    before: dict[str, int] = {}
    for lap in SPRINTS:
        rows = standings_at(state, KEY, lap * 400).rows
        ranked = [r for r in rows if r.rank is not None]
        assert rows[:len(ranked)] == tuple(ranked), "every ranked row before every other"
        for row in ranked:
            n = int(row.skater.removeprefix("Skater "))
            sprints = known(sheet.rows[n][2])
            assert row.points == sum(p for k, p in sprints.items() if k <= lap)
            assert row.rank == 1 + sum(1 for o in ranked if known(o.points) > known(row.points))
            assert known(row.points) >= before.get(row.skater, 0), "points never fall"
            before[row.skater] = known(row.points)


@given(sheets())
def test_the_standings_after_the_last_lap_equal_the_final_standings(sheet: Sheet) -> None:
    state, final = imported(sheet)
    assert standings_at(state, KEY, LAPS * 400).rows == final
