"""ISU text result lists (design/interfaces.md, "ISU text lists").

The layout of ``../shared/data/isu-lists/*.txt``::

    2. World Cup 2025/2026                        title: the competition's name as printed
    21. - 23.11.2025                              its days
    Olympic Oval (CAN)                            the venue

    1000 meter (Men), 21.11.2025                  a race heading

    POS   NAME            AG       NAT   TIME      DIFF     RECORD
    1     Jordan Stolz    Neo      USA   1:06.00
    2     Jenning de Boo  Neo      NED   1:06.11   +0.110   SB
          Jordan Stolz    Neo      USA   1:06.11   +0.110            (blank POS: the place above, shared)
    DQ    Someone         Senior   KAZ   -

Columns are fixed-width: a row is cut at the positions of the column header's words (names hold
spaces, prefixes and diacritics). TIME is published in hundredths; DIFF is the gap to the winner,
printed in thousandths. The same heading a second time on one day is a second race, Division B.

Full precision (docs/decisions/0013-thousandths-from-lists.md): the winner's time is its printed
hundredths plus an unknown thousandth d (0..9); every other row's true time is the winner's plus
its DIFF, and must truncate to its printed TIME. The values of d consistent with every row are
solved together (:func:`winner_thousandths`). One value: every time gets its thousandths. Several:
the gaps are still exact, so the places and the behind column come from them, and each time is
stored as the lowest consistent value with ``uncertain_ms`` (the width of the range: the same for
every row, since all share the winner's unknown digit). None: the list contradicts itself, and
the race keeps its printed times (``precision_ms=10``) with the published places.
Where skaters share a printed TIME (a tie in hundredths) but their DIFFs do not agree with how
the list places them (equal DIFF = shared place, smaller DIFF = better place), the DIFF of that
tie carries no thousandths: the tied rows keep their printed time with ``precision_ms=10``, the
published place separates them (projections.ranking), and a notice says so.

Team pursuit, team sprint and mixed relay sections are team races (docs/decisions/0021-teams.md):
each member is listed with the team's place and time (a team pursuit and a team sprint print
the place on every member's row, a mixed relay only on the first: a blank POS there is the same
team, not a shared place). Consecutive rows of one nation with the same POS (or a blank one) are a
team of the discipline's size; each member's row says which team it belongs to (``ResultRow.team``,
the nation's code), and the team's rows are placed and timed as one competitor, like a skater's.
A mixed relay is printed "(Men)" but is raced by a woman and a man: its category is "mixed".

Mass start sections (docs/decisions/0020-mass-start.md) import as mass start races of 16 laps
(the list does not print the laps; 16 is the ISU's mass start) with their places as published and
their times as printed (hundredths): the list prints no points, sprints or laps, so those stay
unknown, and a TIME below the winner's (a negative DIFF: a skater lapped or pulled, timed at an
earlier lap the list does not name) is no finish: the place is kept, the time is not stored, and a
notice says so. The places do not follow the times (points decide), so no thousandths are solved
from the DIFFs. Anything that cannot be read raises :class:`ImportFormatError` naming the file and
line.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from itertools import groupby, pairwise
from pathlib import Path
from typing import NoReturn

import attrs

from ledger.domain.errors import ImportFormatError, LedgerError
from ledger.domain.timing import TEAM_DISTANCES, parse_time
from ledger.domain.values import ascii_digits, parse_date, skater_key, slugify
from ledger.formats import MAX_LIST_BYTES, read_limited
from ledger.formats.csv_results import MAX_FIELD, ResultRow

COLUMNS = ("POS", "NAME", "AG", "NAT", "TIME", "DIFF", "RECORD")
STATUSES = ("DQ", "DNF", "DNS", "WDR")
#: Team sections: the heading's event → the race's discipline (ledger.domain.timing.DISCIPLINES).
TEAM_EVENTS = {"team pursuit": "team-pursuit", "team sprint": "team-sprint",
               "mixed relay": "mixed-relay"}
#: Members per team as the lists print them: the three who skate a team pursuit or a team sprint,
#: the woman and the man of a mixed relay (docs/decisions/0021-teams.md).
TEAM_SIZES = {"team-pursuit": 3, "team-sprint": 3, "mixed-relay": 2}
#: The mass start section's event, and the laps of an ISU mass start on a 400 m track.
MASS_START_EVENT = "mass start"
MASS_START_LAPS = 16
LIST_TRACK_M = 400
CATEGORIES = {"men": "men", "women": "women"}

HEADING = re.compile(r"(?P<event>\S.*?) \((?P<category>[^()]*)\), (?P<date>\S+)")
INDIVIDUAL = re.compile(r"(?P<distance>\d{1,2}\.\d{3}|\d{1,5}) meter", re.IGNORECASE)
DATE_RANGE = re.compile(
    r"(?P<d1>\d{1,2})\.(?:(?P<m1>\d{1,2})\.(?P<y1>\d{4})?)?\s*-\s*(?P<last>\d{1,2}\.\d{1,2}\.\d{4})")
TIME = re.compile(r"\d{1,3}:[0-5]\d\.\d\d|\d{1,2}\.\d\d")
DIFF = re.compile(r"(?P<sign>[+-])(?:(?P<min>\d{1,3})\.(?P<minsec>[0-5]\d)|(?P<sec>\d{1,2}))\.(?P<ms>\d{3})")
MARK = re.compile(r"[A-Z]{2,4}")
NATION = re.compile(r"[A-Z]{3}")


@attrs.frozen
class Cells:
    """One row of a list, cut into its columns as printed."""

    line: int
    pos: str
    name: str
    ag: str
    nat: str
    time: str
    diff: str
    record: str


@attrs.frozen
class Section:
    """A heading and the rows under it."""

    line: int
    heading: str
    event: str
    distance_m: int | None  # None for the mass start (in laps)
    category: str
    day: date
    rows: tuple[Cells, ...]
    discipline: str = "individual"  # or a team event's (TEAM_EVENTS)


@attrs.frozen
class Placed:
    """A timed row with its place, printed time and its gap to the winner (None: no DIFF)."""

    cells: Cells
    place: int
    printed_ms: int
    gap_ms: int | None


@attrs.frozen
class Timed:
    """What the list tells of one placed row's time: the lowest consistent value, how many
    thousandths it may be above that (the winner's unknown digit), and the precision."""

    ms: int
    precision_ms: int = 1
    uncertain_ms: int = 0


def read_isu_text(path: Path) -> tuple[list[ResultRow], list[str]]:
    """The rows of an ISU text list's individual, team and mass start races, and the notices."""
    name = str(path)
    text = decode(name, path)
    reader = ListReader(name, text)
    sections = reader.sections()
    rows: list[ResultRow] = []
    notices: list[str] = []
    seen: Counter[tuple[int | str, str, str, date]] = Counter()
    for section in sections:
        same = (section.distance_m or section.event.lower(), section.discipline, section.category,
                section.day)
        seen[same] += 1
        if seen[same] > 26:
            raise ImportFormatError(name, section.line, "the same race heading more than 26 times "
                                                        "on one day")
        label = division(seen[same])
        race = section.heading + (f" ({label})" if label else "")
        if section.event.lower() == MASS_START_EVENT:
            ms_rows, ms_notices = mass_start_rows_of(name, section, reader.title, reader.venue,
                                                     label)
            rows.extend(ms_rows)
            notices.extend(f"line {line}: {race}: {text}" for line, text in ms_notices)
            continue
        if section.discipline == "mixed-relay":
            notices.append(f"line {section.line}: {race}: a mixed relay team is a woman and a man "
                           "whatever the heading's category; recorded as category mixed "
                           "(docs/decisions/0021-teams.md)")
        of = race_rows_of if section.discipline == "individual" else team_rows_of
        race_rows, race_notices = of(name, section, reader.title, reader.venue, label)
        rows.extend(race_rows)
        notices.extend(f"line {line}: {race}: {text}" for line, text in race_notices)
    return rows, notices


def division(occurrence: int) -> str | None:
    """The first race of a heading on a day has no label; the second is Division B, and so on."""
    return None if occurrence == 1 else f"Division {chr(ord('A') + occurrence - 1)}"


def decode(name: str, path: Path) -> str:
    data = read_limited(path, MAX_LIST_BYTES)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise ImportFormatError(name, data[:e.start].count(b"\n") + 1, "is not UTF-8 text") from None


class ListReader:
    """Reads the title lines and the sections of one list, refusing what does not fit."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.ends_with_newline = text.endswith("\n")
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]
        if self.ends_with_newline:
            self.lines.pop()
        for n, line in enumerate(self.lines, 1):
            bad = next((c for c in line if unicodedata.category(c) == "Cc"
                        or c in "\u2028\u2029"), None)
            if bad is not None:
                self.fail(n, f"holds a control character (U+{ord(bad):04X}); "
                             "an ISU list is plain text in fixed-width columns")
        if not any(line.strip() for line in self.lines):
            self.fail(None, "is empty")
        self.title = self.header_line(1, "the competition's name")
        try:
            slugify(self.title)
        except LedgerError as e:
            self.fail(1, f"the competition's name: {e}")
        self.first_day, self.last_day = self.date_line(self.header_line(2, "the competition's days"))
        self.venue = self.header_line(3, "the venue")

    def fail(self, line: int | None, message: str) -> NoReturn:
        raise ImportFormatError(self.name, line, message)

    def header_line(self, n: int, what: str) -> str:
        if n > len(self.lines):
            self.fail(len(self.lines), f"the file ends on line {len(self.lines)}, before {what} "
                                       f"(line {n}): truncated?")
        text = self.lines[n - 1].strip()
        if not text or HEADING.fullmatch(text) or text.startswith("POS "):
            self.fail(n, f"line {n} should give {what} (a title, a date line and a venue line "
                         "come before the first race)")
        if len(text) > MAX_FIELD:
            self.fail(n, f"{what} is longer than {MAX_FIELD} characters")
        return text

    def date_line(self, text: str) -> tuple[date, date]:
        """``21. - 23.11.2025``, ``31.01. - 02.02.2025``, ``13.03.2025 - 16.03.2025`` or one day."""
        try:
            match = DATE_RANGE.fullmatch(text)
            if match is None:
                day = parse_date(text)
                return day, day
            last = parse_date(match["last"])
            year = int(match["y1"] or last.year)
            first = date(year, int(match["m1"] or last.month), int(match["d1"]))
            if first > last and match["y1"] is None:
                first = first.replace(year=year - 1)  # 30.12. - 02.01.2026
        except (LedgerError, ValueError) as e:
            self.fail(2, f"the date line {text!r} is not a day or days like '21. - 23.11.2025' ({e})")
        if first > last:
            self.fail(2, f"the date line {text!r} ends before it begins")
        return first, last

    def sections(self) -> list[Section]:
        found: list[Section] = []
        n = 4
        total = len(self.lines)
        while n <= total:
            line = self.lines[n - 1]
            if not line.strip():
                n += 1
                continue
            heading = HEADING.fullmatch(line.strip())
            if heading is None:
                self.fail(n, f"expected a race heading like '500 meter (Women), 22.11.2025', "
                             f"found {shorten(line)!r}")
            head_line = n
            n += 1
            while n <= total and not self.lines[n - 1].strip():
                n += 1
            if n > total:
                self.fail(head_line, "the file ends after this race heading: truncated?")
            if not self.lines[n - 1].startswith("POS "):
                self.fail(n, f"the race heading on line {head_line} should be followed by the "
                             "column header POS NAME AG NAT TIME DIFF RECORD")
            starts, width = self.columns(n)
            n += 1
            cells: list[Cells] = []
            while n <= total and self.lines[n - 1].strip() \
                    and not HEADING.fullmatch(self.lines[n - 1].strip()):
                cells.append(self.cut(n, starts, width))
                n += 1
            if not cells:
                self.fail(head_line, f"the race {line.strip()!r} has no rows"
                                     + (" (the file ends there: truncated?)" if n > total else ""))
            found.append(self.section(head_line, line.strip(), heading, tuple(cells)))
        if not found:
            self.fail(None, "holds no race: expected headings like '500 meter (Women), 22.11.2025' "
                            "after the title, date and venue lines")
        return found

    def section(self, n: int, text: str, heading: re.Match[str], rows: tuple[Cells, ...]) -> Section:
        event = " ".join(heading["event"].split())
        category = CATEGORIES.get(heading["category"].strip().lower())
        if category is None:
            self.fail(n, f"the category {heading['category']!r} is not Men or Women")
        try:
            day = parse_date(heading["date"])
        except LedgerError as e:
            self.fail(n, str(e))
        if not self.first_day <= day <= self.last_day:
            self.fail(n, f"the race day {day:%d.%m.%Y} is outside the competition's days "
                         f"({self.first_day:%d.%m.%Y} - {self.last_day:%d.%m.%Y}, line 2)")
        distance = INDIVIDUAL.fullmatch(event)
        if distance is not None:
            metres = int(distance["distance"].replace(".", ""))
            if metres <= 0:
                self.fail(n, f"the distance {distance['distance']!r} is not a distance")
            return Section(n, text, event, metres, category, day, rows)
        team = TEAM_EVENTS.get(event.lower())
        if team is not None:
            category = "mixed" if team == "mixed-relay" else category
            return Section(n, text, event, TEAM_DISTANCES[team, category], category, day, rows,
                           team)
        if event.lower() != MASS_START_EVENT:
            self.fail(n, f"unknown event {event!r}: expected '<distance> meter', Team Pursuit, "
                         "Team Sprint, Mixed Relay or Mass Start")
        return Section(n, text, event, None, category, day, rows)

    def columns(self, n: int) -> tuple[tuple[int, ...], int]:
        line = self.lines[n - 1]
        words = [(m.group(), m.start()) for m in re.finditer(r"\S+", line)]
        if tuple(w for w, _ in words) != COLUMNS:
            self.fail(n, f"the column header {shorten(line.strip())!r} is not "
                         f"{' '.join(COLUMNS)}")
        return tuple(s for _, s in words), len(line)

    def cut(self, n: int, starts: tuple[int, ...], width: int) -> Cells:
        """One row, cut at the header's column positions; a field running into the next column,
        or a last line shorter than its header (the file cut off), is refused."""
        line = self.lines[n - 1]
        if n == len(self.lines) and not self.ends_with_newline and len(line) < width:
            self.fail(n, f"the file ends in the middle of a row ({len(line)} of {width} "
                         "characters, no end of line): truncated?")
        time_at = starts[COLUMNS.index("TIME")]
        if len(line.rstrip()) <= time_at:
            self.fail(n, f"the row ends before the TIME column: {shorten(line.strip())!r}")
        for column, start in zip(COLUMNS[1:], starts[1:], strict=True):
            if len(line) > start and not line[start - 1].isspace():
                before = COLUMNS[COLUMNS.index(column) - 1]
                self.fail(n, f"the {before} field runs into the {column} column "
                             f"(column {start + 1}): the row is not aligned with its header")
        bounds = [*starts, len(line)]
        return Cells(n, *(line[a:b].strip() for a, b in pairwise(bounds)))


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# -- one race ------------------------------------------------------------------------------------
def checked_rows(name: str, section: Section, *, skipped: bool) -> Iterator[Cells]:
    """A section's rows, each checked on its own (:func:`check_cells`) and none naming a skater
    listed before it in the race; refused with the file and line otherwise."""
    names: dict[str, int] = {}
    for cells in section.rows:
        try:
            check_cells(cells, skipped=skipped)
            key = skater_key(cells.name)
        except LedgerError as e:
            raise ImportFormatError(name, cells.line, str(e)) from None
        if key in names:
            raise ImportFormatError(name, cells.line, f"{cells.name} is listed twice in this race "
                                                      f"(also on line {names[key]})")
        names[key] = cells.line
        yield cells


def race_rows_of(name: str, section: Section, competition: str, venue: str,
                 label: str | None) -> tuple[list[ResultRow], list[tuple[int, str]]]:
    """Check one individual race's rows against each other and convert them."""
    placed: list[Placed] = []
    unplaced: list[tuple[Cells, str, int | None]] = []
    for cells in checked_rows(name, section, skipped=False):
        if cells.pos in STATUSES:
            unplaced.append((cells, cells.pos, status_time(name, cells)))
            continue
        if unplaced:
            raise ImportFormatError(name, cells.line, f"a placed row after the {unplaced[0][1]} "
                                                      f"row on line {unplaced[0][0].line}")
        placed.append(place_row(name, cells, placed))
    timed, notices = race_times(placed)
    rows: list[ResultRow] = []
    for row, time in zip(placed, timed, strict=True):
        rows.append(result_row(section, row.cells, competition, venue, label, "OK", time,
                               row.place))
    for cells, status, measured in unplaced:
        rows.append(result_row(section, cells, competition, venue, label, status,
                               Timed(measured, 10) if measured is not None else None, None))
    return rows, notices


# -- one team race (docs/decisions/0021-teams.md) ---------------------------------------------------
def team_rows_of(name: str, section: Section, competition: str, venue: str,
                 label: str | None) -> tuple[list[ResultRow], list[tuple[int, str]]]:
    """A team race's rows: each team placed and timed as one competitor (its first member's row
    stands for it, as a skater's row does), then every member listed with the team's result."""
    teams = teams_of(name, section)
    # the team (its nation's code) stands in its first member's row: notices name the team, and
    # two teams of one nation in one race are refused (they would be one competitor)
    leads = attrs.evolve(section, rows=tuple(attrs.evolve(team[0], name=team[0].nat)
                                             for team in teams))
    placed, notices = race_rows_of(name, leads, competition, venue, label)
    rows: list[ResultRow] = []
    for team, lead in zip(teams, placed, strict=True):
        rows.extend(attrs.evolve(lead, line=member.line, skater=member.name, nation=member.nat,
                                 marks=marks(member.record) if member.record else (),
                                 team=team[0].nat)
                    for member in team)
    return rows, notices


def teams_of(name: str, section: Section) -> list[list[Cells]]:
    """The teams of a section, in list order: consecutive rows of one nation with the same POS (or
    a blank one: the mixed relay's second member), as many as the discipline's team holds."""
    size = TEAM_SIZES[section.discipline]
    teams: list[list[Cells]] = []
    for cells in checked_rows(name, section, skipped=False):
        last = teams[-1] if teams else None
        if last is not None and len(last) < size and last[0].nat == cells.nat \
                and cells.pos in ("", last[0].pos):
            check_member(name, last[0], cells)
            last.append(cells)
            continue
        if last is not None:
            check_team_size(name, section, last)
        teams.append([cells])
    check_team_size(name, section, teams[-1])
    return teams


def check_member(name: str, lead: Cells, member: Cells) -> None:
    """A member's row repeats the team's TIME and DIFF (the place: checked by the grouping)."""
    for column in ("time", "diff"):
        if getattr(member, column) != getattr(lead, column):
            raise ImportFormatError(name, member.line, (
                f"{member.name} is listed with the team of {lead.nat} (line {lead.line}) but its "
                f"{column.upper()} {getattr(member, column) or 'blank'} differs from the team's "
                f"{getattr(lead, column) or 'blank'}"))


def check_team_size(name: str, section: Section, team: list[Cells]) -> None:
    size = TEAM_SIZES[section.discipline]
    if len(team) != size:
        raise ImportFormatError(name, team[0].line, (
            f"the team of {team[0].nat} from this line lists {len(team)} member"
            f"{'s' if len(team) != 1 else ''}; a {section.event.lower()} team lists {size}, each "
            "with the team's POS (or a blank POS), TIME and DIFF"))


def check_cells(cells: Cells, *, skipped: bool) -> None:
    """Each field on its own (LedgerError with the reason)."""
    digits = ascii_digits(cells.pos)
    if not (cells.pos == "" or digits or cells.pos in STATUSES):
        raise not_like("POS", cells.pos, "a place, blank (shared), DQ, DNF, DNS or WDR")
    if digits and int(cells.pos) < 1:
        raise LedgerError(f"POS {cells.pos} is not a place")
    if not cells.name:
        raise LedgerError("the NAME is empty")
    if len(cells.name) > MAX_FIELD:
        raise LedgerError(f"the NAME is longer than {MAX_FIELD} characters")
    if any(c.isspace() for c in cells.ag):
        raise not_like("AG", cells.ag, "an age group like Senior, Neo or A2")
    if not NATION.fullmatch(cells.nat):
        raise not_like("NAT", cells.nat, "a three-letter nation code like NED")
    if cells.time != "-" and not TIME.fullmatch(cells.time):
        raise not_like("TIME", cells.time, "a time in hundredths like 1:07.54 or 38.42, "
                                                     "or -")
    if cells.time != "-":
        parse_time(cells.time)
    diff = DIFF.fullmatch(cells.diff)
    if cells.diff and (diff is None or (diff["sign"] == "-" and not skipped)):
        raise not_like("DIFF", cells.diff, "a gap to the winner like +0.110 or +1.35.340")
    if cells.record:
        marks(cells.record)


def not_like(column: str, value: str, expected: str) -> LedgerError:
    return LedgerError(f"{column} {value!r} is not {expected}")


def marks(text: str) -> tuple[str, ...]:
    found = tuple(m.strip() for m in text.split(","))
    for mark in found:
        if not MARK.fullmatch(mark):
            raise LedgerError(f"RECORD {text!r} is not record marks like 'TR, PB' "
                              f"({mark!r} is not a mark)")
    return found


def gap_ms(text: str) -> int:
    match = DIFF.fullmatch(text)
    assert match is not None  # checked by check_cells
    if match["min"] is not None:
        return (int(match["min"]) * 60 + int(match["minsec"])) * 1000 + int(match["ms"])
    return int(match["sec"]) * 1000 + int(match["ms"])


def status_time(name: str, cells: Cells) -> int | None:
    """A DQ may carry the measured time; DNF, DNS and WDR have none. No DIFF, no marks."""
    if cells.time != "-" and cells.pos != "DQ":
        raise ImportFormatError(name, cells.line, f"a {cells.pos} row cannot have a time "
                                                  f"({cells.time}); its TIME is -")
    if cells.diff or cells.record:
        raise ImportFormatError(name, cells.line, f"a {cells.pos} row has no DIFF or RECORD")
    return parse_time(cells.time) if cells.time != "-" else None


def place_row(name: str, cells: Cells, above: list[Placed]) -> Placed:
    """The place (blank POS shares the place above), checked against the rows above it."""
    def refuse(message: str) -> ImportFormatError:
        return ImportFormatError(name, cells.line, message)

    if cells.time == "-":
        raise refuse("a placed row needs a TIME (DQ, DNF, DNS and WDR rows have -)")
    printed = parse_time(cells.time)
    last = above[-1] if above else None
    if last is None:
        if cells.pos != "1":
            raise refuse(f"the first row of a race is placed 1, not {cells.pos or 'blank'}")
        place = 1
    elif cells.pos == "" or int(cells.pos) == last.place:
        place = last.place
        if printed != last.printed_ms:
            raise refuse(f"shares place {place} with the row above but its TIME {cells.time} "
                         f"differs from {last.cells.time}")
    else:
        place = int(cells.pos)
        if place != len(above) + 1:
            raise refuse(f"POS {place} does not follow: after {len(above)} placed rows the next "
                         f"place is {len(above) + 1} (or blank, to share place {last.place})")
        if printed < last.printed_ms:
            raise refuse(f"TIME {cells.time} is faster than {last.cells.time} placed above it")
    gap: int | None = None
    if cells.diff:
        gap = gap_ms(cells.diff)
        if place == 1 and gap:
            raise refuse(f"a row placed 1 cannot be {cells.diff} behind the winner")
    elif place == 1:
        gap = 0  # the winner, or a skater sharing first place
    return Placed(cells, place, printed, gap)


def winner_thousandths(placed: list[Placed]) -> tuple[range, Placed | None]:
    """The winner's thousandths (0..9) consistent with every row's TIME and DIFF, and the first row
    that left none (None when some fit). Each row allows the d with
    ``printed_i <= winner_printed + d + gap_i <= printed_i + 9``; the rows together, their
    intersection (an interval, since each row's is one)."""
    low, high = 0, 9
    winner = placed[0].printed_ms
    for row in placed:
        if row.gap_ms is None:
            continue
        low = max(low, row.printed_ms - winner - row.gap_ms)
        high = min(high, row.printed_ms + 9 - winner - row.gap_ms)
        if low > high:
            return range(0), row
    return range(low, high + 1), None


def agrees(tied: list[Placed]) -> bool:
    """A tie in hundredths whose DIFFs order it as the list places it (equal DIFF = shared place)."""
    return all(p.gap_ms is not None for p in tied) and all(
        (a.gap_ms == b.gap_ms) == (a.place == b.place) and (a.gap_ms or 0) <= (b.gap_ms or 0)
        for a, b in pairwise(tied))


def race_times(placed: list[Placed]) -> tuple[list[Timed], list[tuple[int, str]]]:
    """The time of each placed row from the TIMEs and DIFFs together, and the notices."""
    notices: list[tuple[int, str]] = []
    if not placed:
        return [], notices
    hundredths: set[int] = set()  # rows whose DIFF carries no thousandths (their tie disagrees)
    for _printed, tied_iter in groupby(placed, key=lambda p: p.printed_ms):
        tied = list(tied_iter)
        if not agrees(tied):
            hundredths.update(p.cells.line for p in tied)
            if len(tied) > 1:
                notices.append(tie_notice(tied))
    exact = [p for p in placed if p.cells.line not in hundredths]
    digits, culprit = winner_thousandths(exact)
    if culprit is not None:
        notices.append(contradiction_notice(placed[0], culprit))
        return [Timed(p.printed_ms, 10) for p in placed], notices
    if len(digits) > 1:
        notices.append(range_notice(placed[0], digits))
    lowest = placed[0].printed_ms + digits[0]
    return [Timed(p.printed_ms, 10) if p.cells.line in hundredths or p.gap_ms is None
            else Timed(lowest + p.gap_ms, 1, len(digits) - 1) for p in placed], notices


def contradiction_notice(winner: Placed, row: Placed) -> tuple[int, str]:
    c = row.cells
    return c.line, (f"{c.name}: TIME {c.time} with DIFF {c.diff} does not fit the winner's "
                    f"{winner.cells.time} together with the rows above (no thousandth 0-9 of the "
                    "winner's time fits every row), so this race keeps the printed times "
                    "(hundredths) and the published places")


def range_notice(winner: Placed, digits: range) -> tuple[int, str]:
    first, last = digits[0], digits[-1]
    width = last - first
    return winner.cells.line, (
        f"the winner's thousandth is not printed; the TIMEs and DIFFs allow any of {first}-{last} "
        f"({winner.cells.name} {winner.cells.time}{first}-{winner.cells.time}{last}), so each time "
        f"is stored as its lowest consistent value, known to within {width} ms, and ranked by its "
        "DIFF")


def tie_notice(tied: list[Placed]) -> tuple[int, str]:
    names = " and ".join(p.cells.name for p in tied) if len(tied) < 3 else \
        ", ".join(p.cells.name for p in tied)
    places = " and ".join(str(p.place) for p in tied)
    diffs = {p.cells.diff for p in tied}
    if len(diffs) == 1 and "" not in diffs:
        why = (f"with the same DIFF {tied[0].cells.diff} but are placed {places}: that DIFF has "
               "no thousandths")
    else:
        shown = ", ".join(p.cells.diff or "none" for p in tied)
        why = f"but their DIFFs ({shown}) do not agree with their places ({places})"
    return tied[0].cells.line, (
        f"{names} (lines {tied[0].cells.line}-{tied[-1].cells.line}) tie at {tied[0].cells.time} "
        f"{why}, so they keep the printed time (hundredths) and the published places decide")


def result_row(section: Section, cells: Cells, competition: str, venue: str, label: str | None,
               status: str, time: Timed | None, place: int | None,
               team: str | None = None) -> ResultRow:
    assert section.distance_m is not None
    return ResultRow(
        line=cells.line, competition=competition, venue=venue, day=section.day,
        distance_m=section.distance_m, category=section.category, label=label, pair=None,
        lane=None, skater=cells.name, nation=cells.nat, club=None, hometown=None,
        time_ms=time.ms if time else None, status=status, splits=(),
        precision_ms=time.precision_ms if time else 1,
        uncertain_ms=time.uncertain_ms if time else 0, place=place,
        marks=marks(cells.record) if cells.record else (), discipline=section.discipline,
        team=team)



# -- a mass start section (docs/decisions/0020-mass-start.md) --------------------------------------
def mass_start_rows_of(name: str, section: Section, competition: str, venue: str,
                       label: str | None) -> tuple[list[ResultRow], list[tuple[int, str]]]:
    """A mass start's rows: each place as published (a blank POS shares the place above), each
    time as printed, to the hundredth; a DQ/DNF/DNS/WDR row after the placed ones."""
    rows: list[ResultRow] = []
    notices: list[tuple[int, str]] = [(section.line, (
        "a mass start: the list prints places and times but no points, sprints or laps, so the "
        "places are kept as published and the points and laps are unknown; the times are kept "
        f"as printed (hundredths); {MASS_START_LAPS} laps"))]
    last_place, placed, status_line = 0, 0, None
    for cells in checked_rows(name, section, skipped=True):
        def refuse(message: str, line: int = cells.line) -> ImportFormatError:
            return ImportFormatError(name, line, message)

        if cells.pos in STATUSES:
            measured = status_time(name, cells)
            status_line = status_line or cells.line
            rows.append(mass_start_row(section, cells, competition, venue, label, cells.pos,
                                       measured, None))
            continue
        if status_line is not None:
            raise refuse(f"a placed row after the status row on line {status_line}")
        place = mass_start_place(cells, last_place, placed, refuse)
        if cells.time == "-":
            raise refuse("a placed row needs a TIME (DQ, DNF, DNS and WDR rows have -)")
        early = cells.diff.startswith("-")
        if early:
            notices.append((cells.line, (
                f"{cells.name}: TIME {cells.time} is below the winner's (DIFF {cells.diff}): "
                "timed at an earlier lap the list does not name (lapped or pulled), so it is no "
                f"finish and is not stored; the published place {place} is kept, laps unknown")))
        last_place, placed = place, placed + 1
        rows.append(mass_start_row(section, cells, competition, venue, label, "OK",
                                   None if early else parse_time(cells.time), place))
    return rows, notices


def mass_start_place(cells: Cells, last_place: int, placed: int,
                     refuse: Callable[[str], ImportFormatError]) -> int:
    """The published place of a row: 1 first, then the next place, or blank to share the one above."""
    if placed == 0:
        if cells.pos != "1":
            raise refuse(f"the first row of a race is placed 1, not {cells.pos or 'blank'}")
        return 1
    if cells.pos == "" or int(cells.pos) == last_place:
        return last_place
    if int(cells.pos) != placed + 1:
        raise refuse(f"POS {cells.pos} does not follow: after {placed} placed rows the next place "
                     f"is {placed + 1} (or blank, to share place {last_place})")
    return int(cells.pos)


def mass_start_row(section: Section, cells: Cells, competition: str, venue: str,
                   label: str | None, status: str, time_ms: int | None,
                   place: int | None) -> ResultRow:
    return ResultRow(
        line=cells.line, competition=competition, venue=venue, day=section.day,
        distance_m=MASS_START_LAPS * LIST_TRACK_M, category=section.category, label=label,
        pair=None, lane=None, skater=cells.name, nation=cells.nat, club=None, hometown=None,
        time_ms=time_ms, status=status, splits=(), precision_ms=10, place=place,
        marks=marks(cells.record) if cells.record else (), discipline="mass-start")
