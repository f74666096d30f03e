"""Desk duration strings: what they parse to and which instant they lead to.

Business minutes/hours/days count on the calendar; plain days keep the local wall-clock time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sopdesk.domain.calendar import BusinessCalendar, OpenInterval
from sopdesk.domain.duration import Duration, DurationUnit, InvalidDuration

BERLIN = ZoneInfo("Europe/Berlin")
DESK = BusinessCalendar(
    timezone="Europe/Berlin",
    weekly_hours=dict.fromkeys(range(5), (OpenInterval.parse("09:00-17:00"),)),
    holiday_country="DE",
)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 business days", Duration(5, DurationUnit.DAY, business=True)),
        ("1 week", Duration(1, DurationUnit.WEEK, business=False)),
        ("4 hours", Duration(4, DurationUnit.HOUR, business=False)),
        ("90 minutes", Duration(90, DurationUnit.MINUTE, business=False)),
        ("1 business hour", Duration(1, DurationUnit.HOUR, business=True)),
        ("2 days", Duration(2, DurationUnit.DAY, business=False)),
        ("  3 Business  Minutes ", Duration(3, DurationUnit.MINUTE, business=True)),
        ("24h", Duration(24, DurationUnit.HOUR, business=False)),
    ],
)
def test_parse(text: str, expected: Duration) -> None:
    assert Duration.parse(text) == expected


@pytest.mark.parametrize("text", ["5 business days", "1 week", "90 minutes", "1 business hour"])
def test_str_reads_back(text: str) -> None:
    assert str(Duration.parse(text)) == text
    assert Duration.parse(str(Duration.parse(text))) == Duration.parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "not a duration"),
        ("1.5 hours", "not a duration"),
        ("-2 days", "not a duration"),
        ("3 fortnights", "not a duration"),
        ("2 business weeks", "ambiguous"),
    ],
)
def test_nonsense_is_refused_with_an_example(text: str, message: str) -> None:
    with pytest.raises(InvalidDuration, match=message):
        Duration.parse(text)
    with pytest.raises(ValueError):  # pydantic validators turn ValueErrors into field errors
        Duration.parse(text)


def test_elapsed_is_fixed_only_for_minutes_and_hours() -> None:
    assert Duration.parse("90 minutes").elapsed == timedelta(minutes=90)
    assert Duration.parse("1 business hour").elapsed == timedelta(hours=1)
    assert Duration.parse("2 days").elapsed is None


def test_business_hours_count_open_time() -> None:
    friday = berlin(2026, 1, 16, 16)
    assert Duration.parse("2 business hours").after(friday, DESK) == berlin(2026, 1, 19, 10)
    assert Duration.parse("90 business minutes").after(friday, DESK) == berlin(2026, 1, 19, 9, 30)


def test_calendar_hours_are_elapsed_time() -> None:
    friday = berlin(2026, 1, 16, 16)
    assert Duration.parse("4 hours").after(friday, DESK) == berlin(2026, 1, 16, 20)
    assert Duration.parse("4 hours").after(friday, DESK).tzinfo is UTC


def test_business_days_skip_weekends_and_holidays() -> None:
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April are closed
    assert Duration.parse("5 business days").after(berlin(2026, 3, 27, 16), DESK) == berlin(
        2026, 4, 7, 16
    )


def test_calendar_days_keep_the_wall_clock_across_dst() -> None:
    saturday = berlin(2026, 3, 28, 12)
    monday = Duration.parse("2 days").after(saturday, DESK)
    assert monday == berlin(2026, 3, 30, 12)
    assert monday - saturday == timedelta(hours=47)
    assert Duration.parse("1 week").after(saturday, DESK) == berlin(2026, 4, 4, 12)


def test_a_day_landing_in_the_skipped_hour_moves_to_the_change() -> None:
    saturday = berlin(2026, 3, 28, 2, 30)
    assert Duration.parse("1 day").after(saturday, DESK) == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Duration.parse("1 day").after(datetime(2026, 1, 1), DESK)  # noqa: DTZ001
