"""The kinds of fact a race sheet holds, and the shape of each kind's detail.

A ``FactKind`` is a ``StrEnum``: a member equals, formats and serialises as its string (``"passing"``),
so what the ledger prints, exports and compares is the string it always was. The events, not the
sheet's facts, are stored: a kind or a detail key is never written to the log by this module.

A fact's detail is one of the per-kind shapes below; ``FactDetail`` holds every key of them (all
optional, all read-only: a detail is replaced, never changed in place, so copies of a sheet can
share it), so that a reader of ``fact.detail["…"]`` is checked by mypy.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict
from uuid import UUID

if TYPE_CHECKING:  # annotations only (from __future__): nothing of it is needed at run time
    from typing_extensions import ReadOnly


class FactKind(enum.StrEnum):
    """What a fact on a race sheet is (the ``record_on`` of each ``Race`` event adds one)."""

    ENTRY = "entry"
    PAIR = "pair"
    START = "start"
    FALSE_START = "false-start"
    CLOCK_CLEARED = "clock-cleared"
    PASSING = "passing"
    FINISH = "finish"
    PRESENTED = "presented"
    TEAM = "team"
    PLACE = "place"
    MARKS = "marks"
    BESTS = "bests"
    FALL = "fall"
    DNF = "dnf"
    DNS = "dns"
    WDR = "wdr"
    DQ = "dq"
    RESKATE = "reskate"
    REDRAW = "redraw"
    CORRECTION = "correction"
    VOID = "void"
    OFFICIAL = "official"
    SPRINT = "sprint"
    OFFICIALS = "officials"
    CONDITIONS = "conditions"
    POINTS = "points"


class _Voidable(TypedDict, total=False):
    #: a voided fact: the void's fact id, or "clock cleared" (``RaceState.clear_clock``)
    voided_by: ReadOnly[UUID | str]


class _Said(TypedDict, total=False):
    """Why, and by whom (the referee's or the source's words)."""

    reason: ReadOnly[str | None]
    author: ReadOnly[str | None]


class StartDetail(TypedDict, total=False):
    signal_at: ReadOnly[datetime | None]


class ClockClearedDetail(_Said, total=False):
    pass


class FinishDetail(_Voidable, total=False):
    precision_ms: ReadOnly[int]  # 1: timed to the thousandth; 10: hundredths only
    uncertain_ms: ReadOnly[int]  # absent when 0 (decision 0013)


class PresentedDetail(_Voidable, total=False):
    passing: ReadOnly[UUID]  # the passing fact presented


class TeamDetail(TypedDict, total=False):
    members: ReadOnly[list[UUID]]


class PlaceDetail(_Voidable, total=False):
    place: ReadOnly[int]


class MarksDetail(TypedDict, total=False):
    marks: ReadOnly[list[str]]


class BestsDetail(TypedDict, total=False):
    pb_ms: ReadOnly[int | None]
    sb_ms: ReadOnly[int | None]
    season: ReadOnly[str]


class FallDetail(_Voidable, total=False):
    went_on: ReadOnly[bool]


class OutcomeDetail(_Voidable, _Said, total=False):
    """A DNF, DNS or withdrawal (``reason``), or a DQ (``rule``, ``author``)."""

    rule: ReadOnly[str]


class RedrawDetail(_Said, total=False):
    supersedes: ReadOnly[UUID]  # the draw's fact it replaces (a pair or an earlier redraw)
    before: ReadOnly[tuple[UUID | None, UUID | None]]  # (inner, outer)
    after: ReadOnly[tuple[UUID | None, UUID | None]]
    #: a quartet's draw corrected (``Race.QuartetDrawCorrected``): every skater of each lane,
    #: (inner, outer) in draw order; ``before``/``after`` hold the first of each lane
    lanes_before: ReadOnly[tuple[tuple[UUID, ...], tuple[UUID, ...]]]
    lanes_after: ReadOnly[tuple[tuple[UUID, ...], tuple[UUID, ...]]]


class TargetedDetail(_Said, total=False):
    """A correction or a void, and a re-skate (``reason``, ``author``, no target)."""

    target: ReadOnly[UUID]


class OfficialDetail(_Said, total=False):
    announced_at: ReadOnly[datetime]


class SprintDetail(_Voidable, total=False):
    """The order of crossing at an intermediate sprint of a mass start, first first."""

    lap: ReadOnly[int]
    order: ReadOnly[list[UUID]]


class OfficialsDetail(_Said, total=False):
    """The race's referee and starter as recorded (None: this fact does not say)."""

    referee: ReadOnly[str | None]
    starter: ReadOnly[str | None]


class ConditionsDetail(_Said, total=False):
    """The conditions measured at the start or the end of the race: temperatures in tenths of a
    degree Celsius, relative humidity in whole percent (None: not measured, or not given)."""

    at: ReadOnly[str]  # "start" or "end"
    ice_temp_dc: ReadOnly[int | None]
    air_temp_dc: ReadOnly[int | None]
    humidity_pct: ReadOnly[int | None]


class PointsDetail(TypedDict, total=False):
    """A mass start row's points as a sheet prints them (``Race.PointsPublished``)."""

    points: ReadOnly[int | None]  # the total
    sprint_points: ReadOnly[tuple[tuple[int, int], ...] | None]  # (lap, points) of each scored
    laps: ReadOnly[int | None]  # laps completed


class FactDetail(StartDetail, ClockClearedDetail, FinishDetail, PresentedDetail, TeamDetail,
                 PlaceDetail, MarksDetail, BestsDetail, FallDetail, OutcomeDetail, RedrawDetail,
                 TargetedDetail, OfficialDetail, SprintDetail, OfficialsDetail, ConditionsDetail,
                 PointsDetail, total=False):
    """The detail of a fact of any kind (entry, pair, false-start and passing have none of their
    own; a passing may be voided)."""


class Correction(TypedDict):
    """One correction applied to a fact's time (``Race.TimeCorrected``)."""

    before: int | None
    after: int
    reason: str
    author: str
    by_fact: UUID
