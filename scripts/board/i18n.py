"""The board's languages: English (the msgids) and Dutch (one Babel catalogue, read at start).

A page's language is ``?lang=en|nl`` when given (and then kept in every link the page makes), else
the best of the browser's ``Accept-Language``, else English (docs/decisions/0026-board-words.md).
The catalogue is ``locale/nl/LC_MESSAGES/messages.po`` beside this module, read with
:func:`babel.messages.pofile.read_po` when the board starts: no compile step, one file to edit.

Words that reach a page from the read side (a status, a category, a mark's meaning, a qualification
status) are English data there; they are listed here with :func:`N_` so the extractor finds them
and the catalogue must translate them, and templates translate them with the ``t`` filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.pofile import read_po

from ledger.domain.timing import Notation

LANGUAGES = ("en", "nl")
DEFAULT = "en"
NOTATION: dict[str, Notation] = {"en": "iso", "nl": "nl"}
LOCALE = Path(__file__).resolve().parent / "locale"


def N_(text: str) -> str:  # noqa: N802  (gettext's name for "mark for translation")
    """Mark an English word for the catalogue without translating it here."""
    return text


#: Status words as a results list prints them (KNSB usage in Dutch), by the board's status code.
STATUS_WORDS = {"DNF": N_("did not finish"), "DNS": N_("did not start"), "DQ": N_("disqualified"),
                "WDR": N_("withdrawn"), "OK": N_("finished")}
#: How a time was taken (ledger.domain.values.TimingSource), as a reader says it.
SOURCE_WORDS = {"transponder": N_("transponder"), "optical": N_("optical"),
                "photo-finish": N_("photo-finish"), "manual": N_("manual"), "list": N_("result list")}
#: Words the read side hands over as data, translated on the page with the ``t`` filter.
DATA_WORDS = (
    N_("women"), N_("men"), N_("mixed"), N_("inner"), N_("outer"),
    N_("inner · white armband"), N_("outer · red armband"), N_("lane unknown"),
    N_("mass start"), N_("team pursuit"), N_("team sprint"), N_("mixed relay"),
    N_("world record"), N_("Olympic record"), N_("championship record"), N_("track record"),
    N_("national record"), N_("personal best"), N_("season best"), N_("world junior record"),
    N_("track junior record"), N_("national junior record"), N_("as published"),
    N_("certain"), N_("provisional"), N_("dependent"), N_("out"), N_("vacant"), N_("unresolved"),
    N_("unknown"), N_("correction"), N_("void"), N_("dq"), N_("finish"), N_("passing"),
    N_("leader's race"), N_("fell"), N_("offline"), N_("not yet skated"),
    # the kinds of fact (ledger.domain.kinds.FactKind), as the replay and the corrections name them
    N_("entry"), N_("pair"), N_("start"), N_("false-start"), N_("clock-cleared"), N_("presented"),
    N_("team"), N_("place"), N_("marks"), N_("bests"), N_("fall"), N_("dnf"), N_("dns"), N_("wdr"),
    N_("reskate"), N_("redraw"), N_("official"), N_("sprint"),
)
#: The titles of the qualification rules the board shows (projections/qualification_rules/*.json,
#: their "title"), translated on the page with ``t``; a title not listed here shows as recorded.
RULE_TITLES = (
    N_("KNSB selection order for the 2018 Olympic Games, men (known slots only)"),
    N_("KNSB selection order for the 2018 Olympic Games, women (known slots only)"),
    N_("Places 1 and 2 of every distance qualify directly; place 3 depends on other results"),
    N_("ISU Special Olympic Qualification Classifications (SOQC), Milano Cortina 2026, men: quota "
       "places per nation (NOC) by World Cup points and times"),
    N_("ISU Special Olympic Qualification Classifications (SOQC), Milano Cortina 2026, women: quota "
       "places per nation (NOC) by World Cup points and times"),
)


@dataclass
class Words:
    """One language's translations: what jinja2's i18n extension and the Python side call."""

    lang: str
    messages: dict[str, str] = field(default_factory=dict)
    plurals: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def gettext(self, text: str) -> str:
        return self.messages.get(text) or text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.plurals.get(singular)
        if forms and all(forms):  # Dutch and English: one form for 1, another for the rest
            return forms[0 if n == 1 else 1]
        return singular if n == 1 else plural

    def t(self, text: Any) -> str:
        """A word handed over as data (``None`` stays empty)."""
        return "" if text is None else self.gettext(str(text))

    @property
    def notation(self) -> Notation:
        return NOTATION[self.lang]

    def day(self, value: date | str) -> str:
        """A date as the language writes it: "December 26, 2017", "26 december 2017"."""
        when = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(when, format="long", locale=self.lang)

    def status(self, code: str) -> str:
        return self.gettext(STATUS_WORDS.get(code, code))

    def source(self, code: str) -> str:
        return self.gettext(SOURCE_WORDS.get(code, code))


@cache
def words(lang: str) -> Words:
    """The translations of ``lang`` (English: none; Dutch: the catalogue)."""
    if lang == DEFAULT:
        return Words(lang)
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalogue = read_po(f, locale=lang)
    found = Words(lang)
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            forms = message.string if isinstance(message.string, tuple | list) else ()
            found.plurals[str(message.id[0])] = tuple(str(f) for f in forms)
        elif message.string:
            found.messages[str(message.id)] = str(message.string)
    return found


_RANGE = re.compile(r"^\s*([a-zA-Z]{1,8})(?:-[a-zA-Z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def from_header(header: str) -> str | None:
    """The best of our languages in an ``Accept-Language`` header (q-values honoured), or None."""
    best: tuple[float, str] | None = None
    for order, part in enumerate(header.split(",")[:32]):
        found = _RANGE.match(part)
        if found is None:
            continue
        lang = found.group(1).lower()
        try:
            q = float(found.group(2)) if found.group(2) else 1.0
        except ValueError:
            continue
        if lang in LANGUAGES and q > 0 and (best is None or q > best[0]):
            best = (q - order * 1e-6, lang)
    return best[1] if best else None


def choose(given: str | None, header: str) -> tuple[str, bool]:
    """The page's language and whether the URL chose it (``given`` is checked by the caller)."""
    if given:
        return given, True
    return from_header(header) or DEFAULT, False


_HREF = re.compile(r'href="((?:/(?!static/)|\?)[^"#]*)(#[^"]*)?"')


def keep_lang(html: str, lang: str) -> str:
    """Every link of a page to the board carries ``lang=``: a chosen language stays chosen."""
    def carry(found: re.Match[str]) -> str:
        path, anchor = found.group(1), found.group(2) or ""
        if "lang=" in path:
            return found.group(0)
        sep = "&amp;" if "?" in path else "?"
        return f'href="{path}{sep}lang={lang}{anchor}"'
    return _HREF.sub(carry, html)


def race_name(words: Words, category: str, distance_m: int, discipline: str = "individual",
              label: str | None = None, track_m: int = 400) -> str:
    """What a results board calls a race: "1000 m women", "1000 m dames", "mass start men, 16 laps"."""
    _ = words.gettext
    who = words.t(category)
    if discipline == "mass-start":
        name = _("mass start %(category)s, %(laps)s laps") % {"category": who,
                                                             "laps": distance_m // (track_m or 400)}
    elif discipline == "individual":
        name = _("%(distance)s m %(category)s") % {"distance": distance_m, "category": who}
    else:
        name = _("%(event)s %(category)s (%(distance)s m)") % {
            "event": words.t(discipline.replace("-", " ")), "category": who, "distance": distance_m}
    return f"{name} ({label})" if label else name
