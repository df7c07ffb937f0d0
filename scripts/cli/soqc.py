"""How ``qualification`` shows an SOQC rule's answer (decision 0023): JSON per event, or tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.domain.timing import format_time
from projections.soqc import Classed, EventAnswer, NationTotal, SoqcAnswer

if TYPE_CHECKING:
    from rich.table import Table


def classed_json(row: Classed, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {"rank": row.rank, "skater": row.skater, "nation": row.nation}
    if kind == "points":
        data["points"] = row.value
    else:
        data.update({"time": format_time(row.value), "time_ms": row.value,
                     "uncertain_ms": row.uncertain_ms, "race": row.race})
    return data


def event_json(ev: EventAnswer) -> dict[str, Any]:
    rule = ev.rule
    return {
        "event": ev.event, "category": ev.category,
        "entry_places": rule.entry_places, "cap_per_noc": rule.cap, "by_points": rule.by_points,
        "by_times": rule.by_times, "reserve_places": rule.reserve,
        "competitor": rule.competitor, "host_rule": rule.host_rule,
        "races": list(ev.races), "remaining": ev.remaining.describe(),
        "unknown": ev.unknown,
        "places": [{"place": p.place, "by": p.by, "nation": p.nation, "skater": p.skater,
                    "rank": p.rank, "status": p.status, "reason": p.reason,
                    "reducible": p.reducible} for p in ev.places],
        "nations": dict(sorted(ev.nations.items())),
        "points": {"unscored": ev.points.unscored, "source": ev.points.source,
                   "rows": [classed_json(r, "points") for r in ev.points.rows]},
        "times": [classed_json(r, "times") for r in ev.times],
    }


def soqc_json(answer: SoqcAnswer) -> list[dict[str, Any]]:
    return [event_json(ev) for ev in answer.events]


def nation_json(total: NationTotal) -> dict[str, Any]:
    return {"nation": total.nation, "places": dict(total.places),
            "by_points": dict(total.by_points), "team_pursuit": total.team,
            "most": total.most, "skaters": total.skaters, "status": total.status,
            "reason": total.reason}


def soqc_totals_json(answer: SoqcAnswer) -> dict[str, Any]:
    """The nation totals (9/8/7) and the reduction to 82, over every event of the category."""
    cut = answer.reduction
    return {"nations": [nation_json(t) for t in answer.nations],
            "reduction": None if cut is None else {
                "limit": cut.limit, "skaters": cut.skaters, "excess": cut.excess,
                "order": list(cut.order), "removable": cut.removable, "reason": cut.reason}}


def soqc_tables(answer: SoqcAnswer, at: int) -> list[Table | str]:
    from rich.table import Table  # rich for a table only, not for JSON

    out: list[Table | str] = []
    for ev in answer.events:
        places = Table(title=f"{answer.rule} v{answer.version}: {ev.category} {ev.event} "
                             f"(position {at}): quota places")
        for name in ("Place", "By", "Nation", "Skater", "Rank", "Status", "Why"):
            places.add_column(name)
        for p in ev.places:
            places.add_row(str(p.place or ""), p.by, p.nation or "", p.skater or "",
                           str(p.rank or ""), p.status, p.reason)
        places.caption = (f"Unknown: {ev.unknown}. " if ev.unknown else "") + (
            f"Still to come: {ev.remaining.describe()}")
        if ev.places:
            out.append(places)
        else:
            out.append(f"{places.title}: {places.caption}")
        times = Table(title=f"Times classification, {ev.category} {ev.event}")
        for name in ("Rank", "Skater", "Nation", "Best time", "Race"):
            times.add_column(name)
        for r in ev.times:
            times.add_row(str(r.rank), r.skater, r.nation or "", format_time(r.value),
                          r.race or "")
        if ev.times:
            out.append(times)
        points = Table(title=f"Points classification, {ev.category} {ev.event}")
        for name in ("Rank", "Skater", "Nation", "Points"):
            points.add_column(name)
        for r in ev.points.rows:
            points.add_row(str(r.rank), r.skater, r.nation or "", str(r.value))
        points.caption = (f"Unscored: {ev.points.unscored}" if ev.points.unscored
                          else f"Points: {ev.points.source}")
        out.append(points)
    nations = Table(title=f"Nations, {answer.category}: places over every event, most skaters "
                          "(9/8/7)")
    for name in ("Nation", "Places", "By points", "Team pursuit", "Most", "Skaters", "Status",
                 "Why"):
        nations.add_column(name)
    for t in answer.nations:
        nations.add_row(t.nation, ", ".join(f"{e} {n}" for e, n in t.places.items()),
                        str(sum(t.by_points.values())),
                        "" if t.team is None else ("yes" if t.team else "no"),
                        str(t.most or "?"), str(t.skaters or "?"), t.status, t.reason)
    cut = (f"Reduction to {answer.reduction.limit}: {answer.reduction.reason}"
           if answer.reduction is not None else None)
    nations.caption = cut
    if answer.nations:
        out.append(nations)
    elif cut is not None:
        out.append(cut)
    return out
