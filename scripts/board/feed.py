"""The race's JSON feed (``/api/races/KEY/events``, issue 16 item 4, decision 0028): its facts as
JSON items for a television graphics client or another results site, each at its ledger position.

Only what the ledger holds: a passing's virtual place is its place among the skaters who had
passed that point when it was recorded (the pair panel's "so far"); a finish's place is among the
finishes recorded so far (provisional, as the board shows it until the results are official).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any
from uuid import UUID

from ledger.domain.race import Race
from ledger.domain.timing import format_time

STATUSES: dict[type[Any], str] = {Race.Fell: "fell", Race.DidNotFinish: "DNF",
                                  Race.DidNotStart: "DNS", Race.Withdrawn: "WDR",
                                  Race.Disqualified: "DQ"}
#: The kinds of item, as the OpenAPI description lists them.
KINDS = ("draw", "start", "passing", "finish", "correction", "void", "status", "official")


def place(times: dict[UUID, int], skater: UUID) -> int:
    """1 + how many others were faster (equal times share a place)."""
    mine = times[skater]
    return 1 + sum(1 for s, ms in times.items() if s != skater and ms < mine)


def items(events: Iterable[tuple[int, Any]], name: Callable[[UUID | None], str | None], key: str,
          after: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """The feed's items of a race's events (its whole stream, in order, for the places), those at
    positions after ``after``."""
    pairs: dict[int, list[UUID | None]] = {}
    at_point: dict[int, dict[UUID, int]] = {}  # metres -> skater -> ms
    finished: dict[UUID, int] = {}
    facts: dict[UUID, tuple[str, UUID, int | None]] = {}  # fact -> (kind, skater, metres)
    for position, event in events:
        item = item_of(event, name, pairs, at_point, finished, facts)
        if item is not None and position > after:
            stamp = getattr(event, "timestamp", None)
            yield position, {"race": key, "position": position, **item,
                             "recorded_at": stamp.isoformat() if stamp is not None else None}


def item_of(event: Any, name: Callable[[UUID | None], str | None],
            pairs: dict[int, list[UUID | None]], at_point: dict[int, dict[UUID, int]],
            finished: dict[UUID, int], facts: dict[UUID, tuple[str, UUID, int | None]]
            ) -> dict[str, Any] | None:
    """One event's item (None: the feed does not carry it), the places kept up to date."""
    if isinstance(event, Race.PairDrawn | Race.DrawCorrected):
        pairs[event.pair] = [event.inner, event.outer]
        return {"type": "draw", "pair": event.pair, "skaters": [name(s) for s in pairs[event.pair]]}
    if isinstance(event, Race.QuartetDrawn):
        pairs[event.pair] = [*event.inner, *event.outer]
        return {"type": "draw", "pair": event.pair, "skaters": [name(s) for s in pairs[event.pair]]}
    if isinstance(event, Race.Started):
        return {"type": "start", "pair": event.pair,
                "skaters": [name(s) for s in pairs.get(event.pair, [])]}
    if isinstance(event, Race.PassingRecorded):
        times = at_point.setdefault(event.metres, {})
        times[event.skater] = event.at_ms
        facts[event.fact_id] = ("passing", event.skater, event.metres)
        return {"type": "passing", "skater": name(event.skater), "metres": event.metres,
                "time_ms": event.at_ms, "time": format_time(event.at_ms),
                "place": place(times, event.skater), "passed": len(times), "source": event.source}
    if isinstance(event, Race.FinishRecorded):
        finished[event.skater] = event.at_ms
        facts[event.fact_id] = ("finish", event.skater, None)
        return {"type": "finish", "skater": name(event.skater), "time_ms": event.at_ms,
                "time": format_time(event.at_ms), "place": place(finished, event.skater),
                "finished": len(finished), "source": event.source}
    if isinstance(event, Race.TimeCorrected | Race.FactVoided):
        kind, skater, metres = facts.get(event.target, ("fact", None, None))
        times = finished if kind == "finish" else at_point.get(metres or 0, {}) if kind == "passing" else {}
        item: dict[str, Any] = {"skater": name(skater), "of": kind, "metres": metres,
                                "reason": event.reason, "by": event.author}
        if isinstance(event, Race.TimeCorrected):
            before = times.get(skater) if skater is not None else None
            if skater is not None and skater in times:
                times[skater] = event.at_ms
            return {"type": "correction", **item, "before_ms": before, "time_ms": event.at_ms,
                    "time": format_time(event.at_ms)}
        if skater is not None:
            times.pop(skater, None)
        return {"type": "void", **item}
    status = STATUSES.get(type(event))
    if status is not None:
        reason = getattr(event, "reason", None) or getattr(event, "rule", None)
        return {"type": "status", "status": status, "skater": name(event.skater), "reason": reason}
    if isinstance(event, Race.ResultsDeclaredOfficial):
        return {"type": "official", "by": event.author, "announced_at": event.announced_at.isoformat(),
                "reason": event.forced_reason}
    return None
