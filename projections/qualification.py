"""Qualification outcomes: rules are versioned data (projections/qualification_rules/*.json).

Two kinds of rule:
- ``selection-order`` (the KNSB 2017/18 rule of okt-2017.md): numbered slots of (distance, place);
  walk them in order; the skater at that place gets the slot while fewer than ``cap`` skaters are
  selected, and a later slot still counts for a skater already in. Pre-designated skaters (team
  pursuit, mass start) join once the tournament is over.
- ``top-n``: places 1..n of every distance qualify directly; place n+1 depends on other results.

Every slot gets a status with its reason: certain, provisional (the race is not final yet),
dependent (earlier slots still undecided could fill the cap), out, vacant (no skater there yet),
unknown (the rule's slot is not known), unresolved (an exact tie at the place).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from ledger.errors import InvalidInputError
from ledger.sheet import RaceSheet
from projections.leaderboard import Row, leaderboard
from projections.results import result_of
from projections.state import LedgerState

RULES_PACKAGE = "projections.qualification_rules"
STRENGTH = {"certain": 4, "provisional": 3, "dependent": 2, "out": 1}


@attrs.frozen
class SlotOutcome:
    slot: int
    distance_m: int | None
    category: str
    place: int | None
    skater: str | None
    status: str
    reason: str


@attrs.frozen
class Outcome:
    rule: str
    version: int
    slots: tuple[SlotOutcome, ...]
    selected: tuple[str, ...]
    skaters: dict[str, str]  # skater → best status over her slots


def load_rule(name: str) -> dict[str, Any]:
    """A rule by name (a file of projections/qualification_rules) or by path."""
    path = Path(name)
    try:
        if path.suffix == ".json" and path.exists():
            text = path.read_text(encoding="utf-8")
        else:
            text = resources.files(RULES_PACKAGE).joinpath(f"{name}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        known = sorted(p.name.removesuffix(".json") for p in resources.files(RULES_PACKAGE).iterdir()
                       if p.name.endswith(".json"))
        raise InvalidInputError(f"no qualification rule {name!r} (known: {', '.join(known)})") from None
    try:
        rule = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"{name}: line {e.lineno}: not JSON ({e.msg})") from None
    for field in ("rule", "version", "kind", "competition"):
        if field not in rule:
            raise InvalidInputError(f"{name}: the rule has no {field!r}")
    return rule  # type: ignore[no-any-return]


def evaluate(state: LedgerState, rule: dict[str, Any]) -> Outcome:
    if rule["kind"] == "selection-order":
        return selection_order(state, rule)
    if rule["kind"] == "top-n":
        return top_n(state, rule)
    raise InvalidInputError(f"rule {rule['rule']!r} has an unknown kind {rule['kind']!r}")


def race_of(state: LedgerState, competition: str, category: str, distance_m: int) -> RaceSheet | None:
    for sheet in state.races.values():
        wanted = (sheet.competition, sheet.category, sheet.distance_m, sheet.label)
        if wanted == (competition, category, distance_m, None):
            return sheet
    return None


def is_final(sheet: RaceSheet) -> bool:
    """Official, or every entered skater has a result."""
    return sheet.official is not None or all(result_of(sheet, s) is not None for s in sheet.entries)


@attrs.frozen
class Occupant:
    """Who holds a place now, and whether that can still change."""

    skaters: tuple[str, ...]  # none: nobody yet; two or more: an exact tie
    final: bool
    why: str


def occupant(state: LedgerState, competition: str, category: str, distance_m: int,
             place: int) -> Occupant:
    sheet = race_of(state, competition, category, distance_m)
    if sheet is None:
        return Occupant((), False, f"the {category}'s {distance_m} m is not in the ledger yet")
    final = is_final(sheet)
    rows: list[Row] = [r for r in leaderboard(state, sheet.key).rows if r.rank == place]
    if not rows:
        why = "nobody finished there" if final else f"nobody holds place {place} yet"
        return Occupant((), final, why)
    return Occupant(tuple(r.skater for r in rows), final,
                    f"place {place} in the {distance_m} m" + ("" if final else " so far"))


def selection_order(state: LedgerState, rule: dict[str, Any]) -> Outcome:
    cap, category, competition = int(rule["cap"]), rule["category"], rule["competition"]
    selected: list[str] = []
    determined_ahead = 0  # distinct skaters selected by earlier, final slots
    undecided_ahead = 0  # earlier slots that could still bring a new skater
    slot_for: dict[str, int] = {}
    out: list[SlotOutcome] = []
    for spec in rule["slots"]:
        slot, distance, place = spec["slot"], spec.get("distance_m"), spec.get("place")
        if distance is None or place is None:
            out.append(SlotOutcome(slot, None, category, None, None, "unknown",
                                   "which distance and place this slot holds is not known"))
            undecided_ahead += 1
            continue
        holder = occupant(state, competition, category, distance, place)
        if len(holder.skaters) != 1:
            status = "unresolved" if holder.skaters else "vacant"
            reason = (f"exact tie at place {place}: " + " / ".join(holder.skaters)
                      if holder.skaters else holder.why)
            out.append(SlotOutcome(slot, distance, category, place,
                                   " / ".join(holder.skaters) or None, status, reason))
            undecided_ahead += 0 if (status == "vacant" and holder.final) else 1
            continue
        skater = holder.skaters[0]
        if skater in slot_for:
            status = "certain" if holder.final else "provisional"
            out.append(SlotOutcome(slot, distance, category, place, skater, status,
                                   f"already selected by slot {slot_for[skater]}; this slot counts too"))
            continue
        if determined_ahead + undecided_ahead < cap:
            status = "certain" if holder.final else "provisional"
            reason = f"slot {slot} is within the cap of {cap} whatever earlier slots bring" + (
                "" if holder.final else f"; {holder.why}, the race is not final")
        elif determined_ahead < cap:
            status = "dependent"
            reason = (f"{undecided_ahead} earlier slot(s) still undecided could fill the cap of {cap}")
        else:
            status = "out" if holder.final else "dependent"
            reason = f"the cap of {cap} is reached by earlier slots"
        out.append(SlotOutcome(slot, distance, category, place, skater, status, reason))
        if len(slot_for) < cap:
            slot_for[skater] = slot
        if status in {"certain", "provisional"}:
            selected.append(skater)
        if holder.final and status == "certain":
            determined_ahead += 1
        else:
            undecided_ahead += 1
    selected = add_designated(state, rule, out, selected, cap)
    return Outcome(rule["rule"], int(rule["version"]), tuple(out), tuple(selected), best(out))


def add_designated(state: LedgerState, rule: dict[str, Any], slots: list[SlotOutcome],
                   selected: list[str], cap: int) -> list[str]:
    """Designated skaters join when the rule says so (after the tournament: every slot decided)."""
    designated = rule.get("designated") or {}
    decided = all(s.status in {"certain", "out", "vacant"} for s in slots if s.status != "unknown")
    races_final = all(is_final(s) for s in state.races.values()
                      if s.competition == rule["competition"])
    if designated.get("effective") != "after-tournament" or not (decided and races_final):
        return selected
    for entry in designated.get("skaters", []):
        if entry["skater"] not in selected and len(selected) < cap:
            selected.append(entry["skater"])
    return selected


def top_n(state: LedgerState, rule: dict[str, Any]) -> Outcome:
    direct = int(rule["direct"])
    out: list[SlotOutcome] = []
    slot = 0
    sheets = sorted((s for s in state.races.values() if s.competition == rule["competition"]
                     and s.label is None and rule.get("category") in (None, s.category)),
                    key=lambda s: (s.category, s.distance_m))
    for sheet in sheets:
        for place in range(1, direct + 2):
            slot += 1
            holder = occupant(state, sheet.competition, sheet.category, sheet.distance_m, place)
            name = " / ".join(holder.skaters) or None
            if len(holder.skaters) != 1:
                status = "unresolved" if holder.skaters else "vacant"
                reason = holder.why if not holder.skaters else f"exact tie at place {place}"
            elif place <= direct:
                status = "certain" if holder.final else "provisional"
                reason = f"place {place} qualifies directly"
            else:
                status = "dependent"
                reason = f"place {place} depends on other results"
            out.append(SlotOutcome(slot, sheet.distance_m, sheet.category, place, name, status, reason))
    selected = tuple(dict.fromkeys(s.skater for s in out
                                   if s.skater and s.status in {"certain", "provisional"}))
    return Outcome(rule["rule"], int(rule["version"]), tuple(out), selected, best(out))


def best(slots: list[SlotOutcome]) -> dict[str, str]:
    found: dict[str, str] = {}
    for s in slots:
        if s.skater and s.status in STRENGTH and (
                s.skater not in found or STRENGTH[s.status] > STRENGTH[found[s.skater]]):
            found[s.skater] = s.status
    return found
