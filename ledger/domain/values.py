"""Value objects and the natural keys that make ids deterministic.

Ids are uuid5 of a natural key (decision record docs/decisions/0003-ids.md): re-importing a file or
retransmitting a fact produces the same id, so the ledger stores it once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Final, Literal, cast, get_args
from uuid import UUID, uuid5

import attrs

from ledger.domain.errors import InvalidInputError


def ascii_digits(text: str) -> bool:
    """Digits 0-9 only, at least one: ``str.isdigit`` also takes ``²`` and other scripts' digits
    (``٤٥``), which ``int`` refuses or reads as a number the user did not type."""
    return text.isascii() and text.isdigit()

NAMESPACE: Final = UUID("6f1c6b0e-5a43-5b7e-9a55-0d1f0c2e7a11")

Category = Literal["men", "women"]
Status = Literal["OK", "DNF", "DNS", "DQ", "WDR"]
Lane = Literal["inner", "outer"]
TimingSource = Literal["transponder", "optical", "photo-finish", "manual", "list"]

CATEGORIES: Final[tuple[str, ...]] = get_args(Category)
STATUSES: Final[tuple[str, ...]] = get_args(Status)
LANES: Final[tuple[str, ...]] = get_args(Lane)
TIMING_SOURCES: Final[tuple[str, ...]] = get_args(TimingSource)

#: The order of unranked statuses after all times, as Vantage prints them (rules.md §4); configurable.
DEFAULT_UNRANKED_ORDER: Final[tuple[str, ...]] = ("DNF", "DQ", "DNS", "WDR")
#: What orders skaters who share a place, and skaters of one unranked status: the draw, as the ISU
#: lists print them — pair (known pairs first, in order), then lane (inner, outer), then the order
#: the skaters were entered (for an imported list, the list's own row order). "name" (alphabetical)
#: may be configured instead or as a last key.
DRAW_ORDER_KEYS: Final[tuple[str, ...]] = ("pair", "lane", "entry", "name")
DEFAULT_DRAW_ORDER: Final[tuple[str, ...]] = ("pair", "lane", "entry")


def slugify(text: str) -> str:
    """A readable, stable slug: ASCII, lower case, words joined by '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug:
        raise InvalidInputError(f"{text!r} has no letters or digits to make a key from")
    return slug


def skater_key(name: str) -> str:
    """The natural key of a skater: the name, Unicode-normalised, case-folded, single-spaced."""
    normal = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    if not normal:
        raise InvalidInputError("skater name is empty")
    return normal


def skater_id(name: str) -> UUID:
    return uuid5(NAMESPACE, f"skater/{skater_key(name)}")


def competition_slug(name: str, first_day: date) -> str:
    """``test-cup-2025``: the name's slug, with the year added when the name has none."""
    slug = slugify(name)
    return slug if re.search(r"(19|20)\d\d", slug) else f"{slug}-{first_day.year}"


def competition_id(slug: str) -> UUID:
    return uuid5(NAMESPACE, f"competition/{slug}")


def label_suffix(label: str | None) -> str:
    """``Division B`` → ``-b``; any other label → its slug; no label → nothing."""
    if not label:
        return ""
    division = re.fullmatch(r"\s*div(?:ision)?\.?\s*([a-z0-9])\s*", label, re.IGNORECASE)
    return f"-{division[1].lower()}" if division else f"-{slugify(label)}"


def race_key(competition: str, category: str, distance_m: int, label: str | None,
             discipline: str = "individual") -> str:
    """``<competition-slug>/<category>-<distance>m[-suffix]`` (design/interfaces.md); a mass start
    is named by its discipline, not its metres: ``<competition-slug>/<category>-mass-start[-suffix]``."""
    if discipline == "mass-start":
        return f"{competition}/{category}-mass-start{label_suffix(label)}"
    return f"{competition}/{category}-{distance_m}m{label_suffix(label)}"


def team_race_key(competition: str, category: str, discipline: str, label: str | None) -> str:
    """``<competition-slug>/<category>-<discipline>[-suffix]``: ``…/men-team-pursuit``,
    ``…/women-team-sprint-b``; a discipline that begins with its category's word is not preceded
    by it again: ``…/mixed-relay`` (docs/decisions/0021-teams.md)."""
    event = discipline if discipline.startswith(f"{category}-") else f"{category}-{discipline}"
    return f"{competition}/{event}{label_suffix(label)}"


def race_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"race/{key}")


def fact_id(race: UUID, *parts: object) -> UUID:
    """A fact's id from its natural key within the race: the same fact retransmitted has the same id."""
    return uuid5(race, "/".join(str(p) for p in parts))


def device_fact_id(device: str, sequence: int) -> UUID:
    """A fact's id from the timing device and its sequence number."""
    return uuid5(NAMESPACE, f"device/{device}/{sequence}")


NATION = re.compile(r"[A-Z]{3}")


def check_nation(nation: str | None) -> None:
    """A nation is a three-letter code (IOC/ISU: NED, NOR, USA); unknown stays None."""
    if nation is not None and not NATION.fullmatch(nation):
        raise InvalidInputError(f"nation {nation!r} is not a three-letter code like NED")


def parse_date(text: str) -> date:
    """Read ``YYYY-MM-DD`` or ``DD.MM.YYYY``."""
    raw = text.strip()
    try:
        if re.fullmatch(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}", raw):  # digits 0-9: not ٠٥.٠١.٢٠٢٥
            day, month, year = (int(p) for p in raw.split("."))
            return date(year, month, day)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            return date.fromisoformat(raw)
    except ValueError as e:
        raise InvalidInputError(f"date {text!r} does not exist ({e})") from None
    raise InvalidInputError(f"date {text!r} is not YYYY-MM-DD or DD.MM.YYYY")


def one_of(text: str, aliases: Mapping[str, str], known: tuple[str, ...], refusal: str) -> str:
    """``text`` in lower case, or the word its alias stands for, when it is one of ``known``;
    otherwise ``refusal`` is raised."""
    raw = text.strip().lower()
    raw = aliases.get(raw, raw)
    if raw not in known:
        raise InvalidInputError(refusal)
    return raw


CATEGORY_ALIASES: Final = {"m": "men", "man": "men", "male": "men", "w": "women", "ladies": "women",
                           "woman": "women", "female": "women", "vrouwen": "women", "mannen": "men"}
LANE_ALIASES: Final = {"i": "inner", "0": "inner", "white": "inner", "wit": "inner",
                       "o": "outer", "1": "outer", "red": "outer", "rood": "outer"}


def parse_category(text: str) -> Category:
    return cast(Category, one_of(text, CATEGORY_ALIASES, CATEGORIES,
                                 f"category {text!r} is not men or women"))


def parse_status(text: str) -> Status:
    raw = text.strip().upper() or "OK"
    if raw not in STATUSES:
        raise InvalidInputError(f"status {text!r} is not one of OK, DNF, DNS, DQ, WDR")
    return raw  # type: ignore[return-value]  # one of STATUSES


def parse_lane(text: str) -> Lane:
    return cast(Lane, one_of(text, LANE_ALIASES, LANES, f"lane {text!r} is not inner or outer"))


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 moment; it must carry a time zone, so that 15:02 means one instant."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"moment {text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise InvalidInputError(f"moment {text!r} has no time zone (add +01:00 or Z)")
    return moment


@attrs.frozen
class RaceRules:
    """The configurable parts of the rules (rules.md marks them 'to verify'): one set per ledger,
    given to it at the composition root (``ledger.bootstrap.build_app(rules=…)``).

    The order of unranked statuses is not here: it is a question of the read side, asked with
    ``unranked_order`` of ``projections.leaderboard`` (default ``DEFAULT_UNRANKED_ORDER``)."""

    #: "skater": a skater's second false start disqualifies them; "pair": the second false start
    #: in the pair disqualifies whoever commits it.
    false_start_scope: Literal["skater", "pair"] = "skater"
    #: the keys that order skaters within a shared place and within one unranked status
    #: (DRAW_ORDER_KEYS); by default the draw
    within_place_order: tuple[str, ...] = attrs.field(default=DEFAULT_DRAW_ORDER)

    @within_place_order.validator
    def _known_keys(self, _: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
        unknown = [k for k in value if k not in DRAW_ORDER_KEYS]
        if unknown:
            raise InvalidInputError(f"order within a place {unknown[0]!r} is not one of "
                                    f"{', '.join(DRAW_ORDER_KEYS)}")
    false_start_rule: str = "ISU 255.4: second false start"


# -- names are people's names (docs/decisions/0016-draw-corrections-and-names.md) ---------------
#: Characters that show nothing yet change how a name reads, sorts or compares: zero-width
#: characters and joiners (U+200B–U+200F, U+2060–U+2064, U+FEFF), the bidirectional controls
#: (U+202A–U+202E, U+2066–U+2069, U+061C), the soft hyphen and the Mongolian vowel separator.
INVISIBLE: Final = frozenset(chr(c) for c in (
    *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A),
    *range(0x2060, 0x2065), 0xFEFF, 0x061C, 0x00AD, 0x180E))


def plain_name(text: str) -> str:
    """A name as stored and compared: NFC, white space collapsed to single spaces (no refusal:
    this also reads names already stored)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def normal_name(what: str, text: str) -> str:
    """The name to record: NFC with its white space collapsed. Refuses a name with an invisible or
    direction-changing character, another control character, or no visible character at all."""
    for c in text:
        if c in INVISIBLE:
            raise InvalidInputError(f"{what} {text!r} holds an invisible or direction-changing "
                                    f"character (U+{ord(c):04X})")
        if unicodedata.category(c) in ("Cc", "Cs") or c in "\u2028\u2029":
            raise InvalidInputError(f"{what} {text!r} holds a control character (U+{ord(c):04X})")
    name = plain_name(text)
    if not any(unicodedata.category(c)[0] in "LNPS" for c in name):
        raise InvalidInputError(f"{what} {text!r} has no visible character")
    return name


def name_fold(name: str) -> str:
    """What two names share when they differ only by case, accents or invisible characters."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and c not in INVISIBLE
                   and unicodedata.category(c) != "Cf")
    return " ".join(kept.split()).casefold()


def distinct_skater_id(name: str) -> UUID:
    """The id of a skater registered with ``--new`` whose name has the same key as another
    skater's (it differs only by case): keyed by the exact name, so that name finds them."""
    return uuid5(NAMESPACE, f"skater/exact/{plain_name(name)}")
