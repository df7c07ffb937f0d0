"""Times as users type and read them, and the passing points of every distance (rules.md §1–§2).

Times are integer milliseconds. Results are published in hundredths by truncation, never rounding;
the notations are the ISU's (``1:17.08``) and the Dutch press's (``1.17,08``).
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger.domain.errors import InvalidInputError, InvalidTimeError, LedgerError
from ledger.domain.timing import (
    Notation,
    check_time_is_plausible,
    format_gap,
    format_time,
    lap_to_metres,
    parse_time,
    passing_points,
    truncate_to_hundredths,
)

# -- reading times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1:17.08", 77_080),  # ISU notation
        ("1.17,08", 77_080),  # Dutch press notation
        ("38.42", 38_420),  # under a minute: no minutes at all
        ("38,42", 38_420),  # under a minute, Dutch
        ("6.20,36", 380_360),  # a 5000 m time in Dutch notation
        ("6:20.36", 380_360),
        ("1:07.538", 67_538),  # thousandths, as automatic timing measures them
        ("1.07,538", 67_538),
        ("30.2", 30_200),  # a lap time as spoken
        ("  1:17.08  ", 77_080),  # surrounding blanks are not part of the time
    ],
)
def test_every_notation_of_the_rules_is_read_as_milliseconds(text: str, ms: int) -> None:
    assert parse_time(text) == ms


def test_the_same_time_in_iso_and_dutch_notation_is_the_same_number() -> None:
    assert parse_time("1:17.08") == parse_time("1.17,08")
    assert parse_time("6:11.616") == parse_time("6.11,616")


def test_a_short_time_with_one_separator_is_seconds_not_minutes() -> None:
    assert parse_time("1.17") == 1_170


def test_a_time_is_read_as_an_integer_never_a_float() -> None:
    assert type(parse_time("1:07.538")) is int


# -- writing times ---------------------------------------------------------------------------


def test_published_times_are_truncated_to_hundredths_not_rounded() -> None:
    bloemen, pedersen = 371_616, 371_618  # Olympic 5000 m 2018
    assert format_time(bloemen) == "6:11.61"
    assert format_time(pedersen) == "6:11.61"


def test_truncation_drops_the_thousandth_even_when_it_is_nine() -> None:
    assert truncate_to_hundredths(67_549) == 67_540
    assert format_time(67_549) == "1:07.54"


@pytest.mark.parametrize(
    ("ms", "iso", "nl"),
    [
        (77_080, "1:17.08", "1.17,08"),
        (38_420, "38.42", "38,42"),
        (380_360, "6:20.36", "6.20,36"),
        (371_618, "6:11.61", "6.11,61"),
        (60_000, "1:00.00", "1.00,00"),
        (5_070, "5.07", "5,07"),
        (767_890, "12:47.89", "12.47,89"),
    ],
)
def test_times_are_written_in_iso_and_in_dutch_notation(ms: int, iso: str, nl: str) -> None:
    assert format_time(ms) == iso
    assert format_time(ms, "nl") == nl


def test_thousandths_are_written_when_asked_for() -> None:
    assert format_time(67_538, thousandths=True) == "1:07.538"
    assert format_time(67_538, "nl", thousandths=True) == "1.07,538"
    assert format_time(38_005, thousandths=True) == "38.005"


def test_the_gap_to_the_leader_is_written_in_thousandths() -> None:
    assert format_gap(698) == "+0.698"
    assert format_gap(703) == "+0.703"
    assert format_gap(1_352) == "+1.352"
    assert format_gap(703, "nl") == "+0,703"


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["-1:17.08", "-38.42", " -0.01"])
def test_a_negative_time_is_refused(text: str) -> None:
    with pytest.raises(InvalidTimeError, match="negative"):
        parse_time(text)


@pytest.mark.parametrize("text", ["0.00", "0:00.000", "0,0", "0"])
def test_a_zero_time_is_refused(text: str) -> None:
    with pytest.raises(InvalidTimeError, match="zero"):
        parse_time(text)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1:17:08", "38.4201", "1::17.08", "1:17.08s", "1'17\"08", "12345.67", "1:17.",
     "+1:17.08"],
)
def test_a_malformed_time_is_refused_with_an_example_of_a_good_one(text: str) -> None:
    with pytest.raises(InvalidTimeError, match=r"not a time like 1:17\.08"):
        parse_time(text)


def test_a_minute_cannot_hold_sixty_seconds_or_more() -> None:
    with pytest.raises(InvalidTimeError, match="77 seconds in a minute"):
        parse_time("1:77.08")


def test_a_bad_time_is_both_a_ledger_error_and_a_value_error() -> None:
    with pytest.raises(LedgerError):
        parse_time("soon")
    with pytest.raises(ValueError, match="not a time"):
        parse_time("soon")


@pytest.mark.parametrize("ms", [0, -1, -38_420])
def test_a_time_that_is_not_positive_is_not_plausible(ms: int) -> None:
    with pytest.raises(InvalidTimeError, match="not positive"):
        check_time_is_plausible(ms, 500)


def test_a_500_m_under_25_seconds_is_impossibly_fast() -> None:
    with pytest.raises(InvalidTimeError, match=r"impossibly fast for 500 m"):
        check_time_is_plausible(24_999, 500)


def test_a_1000_m_over_five_minutes_is_absurdly_slow() -> None:
    with pytest.raises(InvalidTimeError, match=r"5:00\.001 is absurdly slow for 1000 m"):
        check_time_is_plausible(300_001, 1000)


@pytest.mark.parametrize(
    ("ms", "metres"),
    [(34_230, 500), (67_538, 1000), (371_616, 5000), (767_890, 10000), (30_200, 400),
     (25_000, 500), (150_000, 500)],
)
def test_real_times_and_the_bounds_themselves_are_plausible(ms: int, metres: int) -> None:
    check_time_is_plausible(ms, metres)


def test_a_slow_time_after_a_fall_is_still_plausible() -> None:
    # A skater who falls, gets up and crosses the line gets a slow time and a rank (rules.md §4).
    check_time_is_plausible(parse_time("2:30.00"), 1000)


# -- passing points --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("distance", "points"),
    [
        (500, (100, 500)),
        (1000, (200, 600, 1000)),
        (1500, (300, 700, 1100, 1500)),
        (3000, (200, 600, 1000, 1400, 1800, 2200, 2600, 3000)),
        (5000, (200, *range(600, 4601, 400), 5000)),
        (10000, tuple(range(400, 10001, 400))),
    ],
)
def test_passing_points_follow_the_table_of_the_rules(distance: int, points: tuple[int, ...]
                                                      ) -> None:
    assert passing_points(distance) == points


def test_the_5000_m_passes_thirteen_points_from_200_to_4600_then_the_line() -> None:
    points = passing_points(5000)
    assert (len(points), points[0], points[-2], points[-1]) == (13, 200, 4600, 5000)


def test_the_10000_m_starts_with_a_full_lap() -> None:
    points = passing_points(10000)
    assert (len(points), points[0], points[-2]) == (25, 400, 9600)


@pytest.mark.parametrize(
    ("distance", "lap", "metres"),
    [(1000, 0, 200), (1000, 1, 600), (1000, 2, 1000), (500, 0, 100), (500, 1, 500),
     (1500, 3, 1500), (5000, 12, 5000), (10000, 1, 400), (10000, 25, 10000)],
)
def test_a_lap_number_names_the_passing_point_at_its_end(distance: int, lap: int, metres: int
                                                         ) -> None:
    assert lap_to_metres(distance, lap) == metres


@pytest.mark.parametrize(
    ("distance", "lap", "laps"),
    [(10000, 0, "laps 1..25"), (1000, 3, "laps 0..2"), (500, -1, "laps 0..1")],
)
def test_a_lap_that_the_distance_does_not_have_is_refused(distance: int, lap: int, laps: str
                                                          ) -> None:
    with pytest.raises(InvalidInputError, match=rf"lap {lap} is not a lap of the {distance} m \({laps}\)"):
        lap_to_metres(distance, lap)


# -- laws ------------------------------------------------------------------------------------

PUBLISHABLE_MS = st.integers(min_value=10, max_value=999 * 60_000 + 59_999)


@given(ms=PUBLISHABLE_MS, notation=st.sampled_from(["iso", "nl"]))
@example(ms=371_616, notation="iso")
@example(ms=371_618, notation="nl")
@example(ms=59_999, notation="iso")
def test_a_published_time_reads_back_as_the_truncated_time(ms: int, notation: Notation) -> None:
    assert parse_time(format_time(ms, notation)) == truncate_to_hundredths(ms)


@given(ms=PUBLISHABLE_MS, notation=st.sampled_from(["iso", "nl"]))
def test_a_time_written_with_thousandths_reads_back_exactly(ms: int, notation: Notation) -> None:
    assert parse_time(format_time(ms, notation, thousandths=True)) == ms
