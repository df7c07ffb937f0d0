"""Qualification outcomes: rules are versioned data (projections/qualification_rules/*.json).

Two kinds of rule:
- ``selection-order`` (the KNSB 2017/18 rule of okt-2017.md): numbered slots of (distance, place);
  walk them in order; the skater at that place gets the slot while fewer than ``cap`` skaters are
  selected, and a later slot still counts for a skater already in. Pre-designated skaters (team
  pursuit, mass start) join once the tournament is over.
- ``top-n``: places 1..n of every distance qualify directly; place n+1 depends on other results.
- ``soqc``: the ISU's Olympic quota places per nation by World Cup points and times
  (projections/soqc.py, decision 0023); its places become slots here.

Every slot gets a status with its reason: certain, provisional (the race is not final yet),
dependent (earlier slots still undecided could fill the cap), out, vacant (the race is final and
nobody holds the place), not yet skated (the distance has no result yet), open (the race is under
way and nobody holds the place yet), unknown (the rule's slot is not known), unresolved (an exact
tie at the place).

The outcome answers on a basis: the state is the ledger as of a position, and ``cuts`` (race key →
N) reads a race as it stood after pair N. A race read after pair N is final only when nothing of
it remains: every entered skater has a result within those pairs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from ledger.domain.errors import InvalidInputError
from ledger.domain.race_state import RaceState
from projections.cup import PointsTable, shipped_tables, tables_by_season
from projections.leaderboard import Row, leaderboard, pair_filter
from projections.results import result_of
from projections.soqc import KIND as SOQC
from projections.soqc import SoqcAnswer, evaluate_soqc, outcome_slots
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
    except UnicodeDecodeError:
        raise InvalidInputError(f"{name}: not a qualification rule (not UTF-8 text)") from None
    except (FileNotFoundError, OSError):
        known = sorted(p.name.removesuffix(".json") for p in resources.files(RULES_PACKAGE).iterdir()
                       if p.name.endswith(".json"))
        raise InvalidInputError(f"no qualification rule {name!r} (known: {', '.join(known)})") from None
    try:
        rule = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"{name}: line {e.lineno}: not JSON ({e.msg})") from None
    except RecursionError:
        raise InvalidInputError(f"{name}: not a qualification rule (JSON nested too deep)") from None
    if not isinstance(rule, dict):
        raise InvalidInputError(f"{name}: a qualification rule is a JSON object")
    for field in ("rule", "version", "kind", "competition"):
        if field not in rule:
            raise InvalidInputError(f"{name}: the rule has no {field!r}")
    if type(rule["version"]) is not int:
        raise InvalidInputError(f"{name}: the rule's version {rule['version']!r} is not a whole number")
    if rule["kind"] == "soqc":
        check_soqc_shape(name, rule)
    return rule


def check_soqc_shape(name: str, rule: dict[str, Any]) -> None:
    """What an SOQC rule's answer reads of it, of the type it reads (projections/soqc.py checks
    the numbers inside): a rule file of another shape is refused in one line naming it."""
    if rule.get("category") not in ("men", "women"):
        raise InvalidInputError(f"{name}: an SOQC rule's category is men or women")
    for part, key in (("events", "event"), ("competitions", "competition")):
        held = rule.get(part, [])
        if not isinstance(held, list) or not all(
                isinstance(item, dict) and isinstance(item.get(key), str) for item in held):
            raise InvalidInputError(f"{name}: an SOQC rule's {part} are objects, each naming "
                                    f"its {key}")
    if not all(isinstance(e.get("classifications", []), list)
               and all(isinstance(c, str) for c in e.get("classifications", []))
               for e in rule.get("events", [])):
        raise InvalidInputError(f"{name}: an SOQC rule's event's classifications are a list of names")
    for part in ("host", "noc_total", "reduction"):
        if not isinstance(rule.get(part) or {}, dict):
            raise InvalidInputError(f"{name}: an SOQC rule's {part} is an object")
    if not isinstance((rule.get("host") or {}).get("nation") or "", str):
        raise InvalidInputError(f"{name}: an SOQC rule's host nation is a code like ITA")
    for part in ("noc_total", "reduction"):
        if not isinstance((rule.get(part) or {}).get("value") or {}, dict):
            raise InvalidInputError(f"{name}: an SOQC rule's {part} value is an object")
    if not isinstance(((rule.get("reduction") or {}).get("value") or {}).get("order", []), list):
        raise InvalidInputError(f"{name}: an SOQC rule's reduction order is a list")
    if not isinstance(rule.get("gaps", []), list):
        raise InvalidInputError(f"{name}: an SOQC rule's gaps are a list")


#: No race read at an earlier moment: every race as the state holds it.
WHOLE: Mapping[str, int] = {}
NOT_SKATED = "not yet skated"


def evaluate(state: LedgerState, rule: dict[str, Any], cuts: Mapping[str, int] = WHOLE) -> Outcome:
    """The rule's outcome on ``state``; a race named in ``cuts`` is read after that pair."""
    if rule["kind"] == "selection-order":
        return selection_order(state, rule, cuts)
    if rule["kind"] == "top-n":
        return top_n(state, rule, cuts)
    if rule["kind"] == SOQC:
        return soqc_outcome(evaluate_soqc(state, rule, tables_by_season(shipped_tables())))
    raise InvalidInputError(f"rule {rule['rule']!r} has an unknown kind {rule['kind']!r}")


def race_of(state: LedgerState, competition: str, category: str, distance_m: int) -> RaceState | None:
    for sheet in state.races.values():
        wanted = (sheet.competition, sheet.category, sheet.distance_m, sheet.label)
        if wanted == (competition, category, distance_m, None):
            return sheet
    return None


def is_final(sheet: RaceState, after_pair: int | None = None) -> bool:
    """Official, or every entered skater has a result; read after pair N, final only when it is
    final and no pair after N holds anything that changes a result (nothing that remains)."""
    final = sheet.official is not None or all(result_of(sheet, s) is not None for s in sheet.entries)
    if after_pair is None or not final:
        return final
    keep = pair_filter(sheet, after_pair)
    return all(result_of(sheet, s, keep) == result_of(sheet, s) for s in sheet.entries)


@attrs.frozen
class Occupant:
    """Who holds a place now, and whether that can still change."""

    skaters: tuple[str, ...]  # none: nobody yet; two or more: an exact tie
    final: bool
    why: str
    skated: bool = True  # False: the distance has no result yet (at the basis)

    @property
    def empty_status(self) -> str:
        """The status of a place nobody holds: vacant only when nothing remains to skate."""
        if self.final:
            return "vacant"
        return "open" if self.skated else NOT_SKATED


def occupant(state: LedgerState, competition: str, category: str, distance_m: int,
             place: int, cuts: Mapping[str, int] = WHOLE) -> Occupant:
    sheet = race_of(state, competition, category, distance_m)
    if sheet is None:
        return Occupant((), False, f"the {category}'s {distance_m} m is not skated yet", skated=False)
    cut = cuts.get(sheet.key)
    final = is_final(sheet, cut)
    board = leaderboard(state, sheet.key, cut).rows
    rows: list[Row] = [r for r in board if r.rank == place]
    moment = "" if cut is None else f" after pair {cut}"
    if not rows:
        # not yet skated: no result at all as of the position (after pair N it is under way)
        skated = bool(board) or (cut is not None and bool(leaderboard(state, sheet.key).rows))
        if final:
            why = "nobody finished there"
        elif not skated:
            why = f"the {category}'s {distance_m} m has no result yet"
        else:
            why = f"nobody holds place {place} yet{moment}"
        return Occupant((), final, why, skated=skated)
    return Occupant(tuple(r.skater for r in rows), final,
                    f"place {place} in the {distance_m} m" + ("" if final else f" so far{moment}"))


def selection_order(state: LedgerState, rule: dict[str, Any],
                    cuts: Mapping[str, int] = WHOLE) -> Outcome:
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
        holder = occupant(state, competition, category, distance, place, cuts)
        if len(holder.skaters) != 1:
            status = "unresolved" if holder.skaters else holder.empty_status
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
    selected = add_designated(state, rule, out, selected, cap, cuts)
    return Outcome(rule["rule"], int(rule["version"]), tuple(out), tuple(selected), best(out))


def add_designated(state: LedgerState, rule: dict[str, Any], slots: list[SlotOutcome],
                   selected: list[str], cap: int, cuts: Mapping[str, int] = WHOLE) -> list[str]:
    """Designated skaters join when the rule says so (after the tournament: every slot decided)."""
    designated = rule.get("designated") or {}
    decided = all(s.status in {"certain", "out", "vacant"} for s in slots if s.status != "unknown")
    races_final = all(is_final(s, cuts.get(s.key)) for s in state.races.values()
                      if s.competition == rule["competition"])
    if designated.get("effective") != "after-tournament" or not (decided and races_final):
        return selected
    for entry in designated.get("skaters", []):
        if entry["skater"] not in selected and len(selected) < cap:
            selected.append(entry["skater"])
    return selected


def top_n(state: LedgerState, rule: dict[str, Any], cuts: Mapping[str, int] = WHOLE) -> Outcome:
    direct = int(rule["direct"])
    out: list[SlotOutcome] = []
    slot = 0
    sheets = sorted((s for s in state.races.values() if s.competition == rule["competition"]
                     and s.label is None and rule.get("category") in (None, s.category)),
                    key=lambda s: (s.category, s.distance_m))
    for sheet in sheets:
        for place in range(1, direct + 2):
            slot += 1
            holder = occupant(state, sheet.competition, sheet.category, sheet.distance_m, place,
                              cuts)
            name = " / ".join(holder.skaters) or None
            if len(holder.skaters) != 1:
                status = "unresolved" if holder.skaters else holder.empty_status
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


def soqc_outcome(answer: SoqcAnswer) -> Outcome:
    """An SOQC answer as slots (the report and the board read those): one per quota place."""
    slots = [SlotOutcome(s["slot"], s["distance_m"], s["category"], s["place"], s["skater"],
                         s["status"], s["reason"]) for s in outcome_slots(answer)]
    selected = tuple(dict.fromkeys(s.skater for s in slots
                                   if s.skater and s.status in {"certain", "provisional"}))
    return Outcome(answer.rule, answer.version, tuple(slots), selected, best(slots))


def soqc_points_tables(extra: list[PointsTable]) -> dict[tuple[str, str], PointsTable]:
    """The shipped points tables and those given (``--cup-table``), the given ones winning."""
    return tables_by_season([*shipped_tables(), *extra])


def best(slots: list[SlotOutcome]) -> dict[str, str]:
    found: dict[str, str] = {}
    for s in slots:
        if s.skater and s.status in STRENGTH and (
                s.skater not in found or STRENGTH[s.status] > STRENGTH[found[s.skater]]):
            found[s.skater] = s.status
    return found
