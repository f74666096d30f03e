"""Hypothesis properties of BusinessCalendar over random desks, zones and instants.

Instants cluster around DST changes, year ends and a leap day, where business time goes wrong.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sopdesk.domain.calendar import BusinessCalendar, OpenInterval

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata")
HOLIDAYS = {"Europe/Berlin": "DE", "America/New_York": "US", "Australia/Lord_Howe": "AU"}
# DST changes (UTC) in each zone, year ends and leap days: where the hard cases live
ANCHORS = tuple(
    datetime(*parts, tzinfo=UTC)  # type: ignore[misc]
    for parts in (
        (2026, 3, 29, 1),  # Berlin spring forward
        (2026, 10, 25, 1),  # Berlin fall back
        (2026, 3, 8, 7),  # New York spring forward
        (2026, 11, 1, 6),  # New York fall back
        (2026, 4, 4, 15),  # Lord Howe back by 30 minutes
        (2026, 10, 3, 15, 30),  # Lord Howe forward by 30 minutes
        (2026, 12, 31, 23),
        (2027, 12, 31, 12),
        (2028, 2, 29, 12),
    )
)
PROPERTY = settings(max_examples=200, deadline=None)

quarter_hours = st.integers(min_value=0, max_value=96).map(lambda n: n * 15)


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[OpenInterval, ...]:
    """0-3 intervals of one day on a 15-minute grid, 24:00 and DST hours included."""
    marks = sorted(draw(st.sets(quarter_hours, max_size=6)))
    marks = marks[: len(marks) // 2 * 2]
    intervals = []
    for opens, closes in zip(marks[::2], marks[1::2], strict=True):
        as_text = f"{opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d}"
        intervals.append(OpenInterval.parse(as_text))
    return tuple(intervals)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    weekly = {day: draw(day_hours()) for day in range(7)}
    if not any(weekly.values()):
        weekly[draw(st.integers(0, 6))] = (OpenInterval.parse("09:00-17:00"),)
    closed = draw(st.sets(st.dates(date(2026, 1, 1), date(2028, 12, 31)), max_size=5))
    openings = draw(
        st.dictionaries(
            st.dates(date(2026, 1, 1), date(2028, 12, 31)).filter(lambda d: d not in closed),
            day_hours(),
            max_size=3,
        )
    )
    country = HOLIDAYS.get(zone) if draw(st.booleans()) else None
    return BusinessCalendar(
        timezone=zone,
        weekly_hours=weekly,
        holiday_country=country,
        closed_dates=closed,
        openings=openings,
    )


FIRST, LAST = datetime(2026, 1, 1), datetime(2028, 12, 31)  # noqa: DTZ001 - hypothesis bounds
instants = st.one_of(
    st.datetimes(FIRST, LAST, timezones=st.just(UTC)),
    st.builds(
        lambda anchor, minutes: anchor + timedelta(minutes=minutes),
        st.sampled_from(ANCHORS),
        st.integers(-3 * 24 * 60, 3 * 24 * 60),
    ),
)
durations = st.integers(min_value=1, max_value=300 * 60).map(lambda m: timedelta(minutes=m))


def at_span_end(calendar: BusinessCalendar, instant: datetime) -> bool:
    day = calendar.local_date(instant)
    return any(
        end == instant for d in (day - timedelta(1), day) for _start, end in calendar.spans_on(d)
    )


@PROPERTY
@given(calendars(), instants, durations)
def test_add_then_between_gives_back_the_duration(
    calendar: BusinessCalendar, start: datetime, amount: timedelta
) -> None:
    end = calendar.add(start, amount)
    assert end > start
    assert end.tzinfo is UTC
    assert calendar.between(start, end) == amount


@PROPERTY
@given(calendars(), instants, durations)
def test_add_lands_in_open_time_or_at_a_closing(
    calendar: BusinessCalendar, start: datetime, amount: timedelta
) -> None:
    end = calendar.add(start, amount)
    assert calendar.is_open(end) or at_span_end(calendar, end)
    # and no earlier instant would do: one second before, the time was not yet all spent
    assert calendar.between(start, end - timedelta(seconds=1)) < amount


@PROPERTY
@given(calendars(), instants, durations, durations)
def test_add_composes(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    assert calendar.add(calendar.add(start, first), second) == calendar.add(start, first + second)


@PROPERTY
@given(calendars(), instants, instants, instants)
def test_between_is_additive(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    assert calendar.between(a, b) + calendar.between(b, c) == calendar.between(a, c)
    assert abs(calendar.between(a, c)) <= abs(c - a)


@PROPERTY
@given(calendars(), instants)
def test_next_open_is_open_and_nothing_is_open_before_it(
    calendar: BusinessCalendar, instant: datetime
) -> None:
    opening = calendar.next_open(instant)
    assert opening >= instant
    assert calendar.is_open(opening)
    assert calendar.between(instant, opening) == timedelta(0)
    assert (opening == instant) == calendar.is_open(instant)


@PROPERTY
@given(calendars(), instants)
def test_is_open_agrees_with_between(calendar: BusinessCalendar, instant: datetime) -> None:
    tick = timedelta(microseconds=1)
    assert calendar.is_open(instant) == (calendar.between(instant, instant + tick) == tick)


@PROPERTY
@given(calendars(), instants)
def test_is_open_reads_the_local_clock_away_from_dst_changes(
    calendar: BusinessCalendar, instant: datetime
) -> None:
    """An oracle that knows nothing of spans: read the wall clock, look up the day's hours."""
    tz = ZoneInfo(calendar.timezone)
    local = instant.astimezone(tz)
    offsets = {(instant + timedelta(hours=h)).astimezone(tz).utcoffset() for h in (-26, 0, 26)}
    if len(offsets) > 1:
        return  # a DST change is near: the wall clock alone cannot say (see the examples)
    since_midnight = local.replace(tzinfo=None) - datetime.combine(
        local.date(), datetime.min.time()
    )
    hours = calendar.hours_on(local.date())
    expected = any(i.start <= since_midnight < i.end for i in hours)
    assert calendar.is_open(instant) == expected


@PROPERTY
@given(calendars(), instants, st.integers(min_value=1, max_value=30))
def test_business_days_land_on_the_nth_open_day_in_open_time(
    calendar: BusinessCalendar, start: datetime, days: int
) -> None:
    end = calendar.add_open_days(start, days)
    assert calendar.is_open(end) or at_span_end(calendar, end)
    first = calendar.local_date(calendar.next_open(start))
    assert calendar.open_days_between(first, calendar.local_date(end)) == days
