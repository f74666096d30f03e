"""Business time: exact examples and hypothesis properties of BusinessCalendar.

DST zones (Berlin, New York, Lord Howe's 30-minute shift), year ends and a leap day included.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sopdesk.domain.calendar import (
    BusinessCalendar,
    ImpossibleCalendar,
    InvalidCalendar,
    OpenInterval,
)

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
NINE_TO_FIVE = (OpenInterval.parse("09:00-17:00"),)
WEEKDAYS = dict.fromkeys(range(5), NINE_TO_FIVE)
EVERY_DAY = dict.fromkeys(range(7), NINE_TO_FIVE)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def office(**kwargs: object) -> BusinessCalendar:
    """A 9-17 Monday-to-Friday desk in Berlin unless told otherwise."""
    options: dict[str, object] = {"timezone": "Europe/Berlin", "weekly_hours": WEEKDAYS}
    options.update(kwargs)
    return BusinessCalendar(**options)  # type: ignore[arg-type]


# --- exact examples -----------------------------------------------------------------------


def test_friday_afternoon_plus_two_hours_is_monday_ten() -> None:
    result = office().add(berlin(2026, 1, 16, 16), 2 * H)
    assert result == berlin(2026, 1, 19, 10)
    assert result.tzinfo is UTC


def test_time_that_fills_the_day_ends_at_the_closing_not_the_next_opening() -> None:
    assert office().add(berlin(2026, 1, 16, 15), 2 * H) == berlin(2026, 1, 16, 17)


def test_results_come_out_in_utc_whatever_zone_goes_in() -> None:
    start = datetime(2026, 1, 16, 10, tzinfo=ZoneInfo("America/New_York"))  # 16:00 in Berlin
    assert office().add(start, 2 * H) == datetime(2026, 1, 19, 9, tzinfo=UTC)


def test_a_german_public_holiday_is_skipped() -> None:
    desk = office(holiday_country="de")
    # Friday 1 May 2026 is Labour Day
    assert desk.add(berlin(2026, 4, 30, 16), 2 * H) == berlin(2026, 5, 4, 10)
    assert desk.holiday_name(date(2026, 5, 1)) is not None


def test_a_regional_holiday_closes_only_that_region() -> None:
    wednesday = berlin(2026, 6, 3, 16)  # Corpus Christi is Thursday 4 June, a holiday in Bavaria
    bavaria = office(holiday_country="DE", holiday_subdivision="BY")
    berlin_state = office(holiday_country="DE", holiday_subdivision="BE")
    assert bavaria.add(wednesday, 2 * H) == berlin(2026, 6, 5, 10)
    assert berlin_state.add(wednesday, 2 * H) == berlin(2026, 6, 4, 10)


def test_year_end_with_new_year_holiday() -> None:
    desk = office(holiday_country="DE")
    assert desk.add(berlin(2026, 12, 31, 16), 2 * H) == berlin(2027, 1, 4, 10)
    assert desk.between(berlin(2026, 12, 31, 16), berlin(2027, 1, 4, 10)) == 2 * H


def test_leap_day_is_an_ordinary_open_day() -> None:
    desk = office()
    assert desk.add(berlin(2028, 2, 28, 16), 2 * H) == berlin(2028, 2, 29, 10)
    assert desk.add_open_days(berlin(2028, 2, 28, 11), 1) == berlin(2028, 2, 29, 11)
    assert desk.between(berlin(2028, 2, 28, 0), berlin(2028, 3, 1, 0)) == 16 * H


def test_lunch_break_and_split_shift() -> None:
    split = (OpenInterval.parse("09:00-12:00"), OpenInterval.parse("13:00-17:00"))
    desk = office(weekly_hours=dict.fromkeys(range(5), split))
    assert desk.add(berlin(2026, 1, 12, 11), 2 * H) == berlin(2026, 1, 12, 14)
    assert not desk.is_open(berlin(2026, 1, 12, 12, 30))
    assert desk.next_open(berlin(2026, 1, 12, 12, 30)) == berlin(2026, 1, 12, 13)
    assert desk.between(berlin(2026, 1, 12, 0), berlin(2026, 1, 13, 0)) == 7 * H


def test_night_shift_across_midnight_is_continuous() -> None:
    night = (OpenInterval.parse("00:00-06:00"), OpenInterval.parse("22:00-24:00"))
    desk = office(weekly_hours=dict.fromkeys(range(7), night))
    assert desk.add(berlin(2026, 1, 12, 23), 2 * H) == berlin(2026, 1, 13, 1)
    assert desk.is_open(berlin(2026, 1, 13, 0))
    assert desk.between(berlin(2026, 1, 12, 21), berlin(2026, 1, 13, 7)) == 8 * H


def test_nine_to_five_on_dst_change_days_is_eight_hours() -> None:
    desk = office(weekly_hours=EVERY_DAY)
    for day in (date(2026, 3, 29), date(2026, 10, 25)):  # spring forward, fall back
        start, end = desk.spans_on(day)[0]
        assert end - start == 8 * H
        assert start == berlin(day.year, day.month, day.day, 9)


def test_an_interval_spanning_the_change_counts_real_elapsed_time() -> None:
    night = dict.fromkeys(range(7), (OpenInterval.parse("00:00-06:00"),))
    desk = office(weekly_hours=night)
    assert desk.between(berlin(2026, 3, 29, 0), berlin(2026, 3, 29, 12)) == 5 * H
    assert desk.between(berlin(2026, 10, 25, 0), berlin(2026, 10, 25, 12)) == 7 * H
    new_york = office(timezone="America/New_York", weekly_hours=night)
    ny = ZoneInfo("America/New_York")
    assert new_york.between(datetime(2026, 3, 8, tzinfo=ny), datetime(2026, 3, 9, tzinfo=ny)) == (
        5 * H
    )


def test_lord_howe_shifts_by_half_an_hour() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    night = dict.fromkeys(range(7), (OpenInterval.parse("00:00-06:00"),))
    desk = BusinessCalendar(timezone="Australia/Lord_Howe", weekly_hours=night)
    fall_back, spring_forward = date(2026, 4, 5), date(2026, 10, 4)
    assert sum((e - s for s, e in desk.spans_on(fall_back)), timedelta()) == 6.5 * H
    assert sum((e - s for s, e in desk.spans_on(spring_forward)), timedelta()) == 5.5 * H
    # a 02:00 closing on the spring-forward day is the change itself, when clocks read 02:30
    short = BusinessCalendar(
        timezone="Australia/Lord_Howe",
        weekly_hours=dict.fromkeys(range(7), (OpenInterval.parse("01:00-02:15"),)),
    )
    ((start, end),) = short.spans_on(spring_forward)
    assert end.astimezone(lord_howe).time() == time(2, 30)
    assert end - start == H


def test_boundaries_in_the_skipped_hour_move_to_the_change() -> None:
    gap = (OpenInterval.parse("02:15-02:45"), OpenInterval.parse("02:50-04:00"))
    desk = office(weekly_hours=dict.fromkeys(range(7), gap))
    (only,) = desk.spans_on(date(2026, 3, 29))  # 02:15-02:45 vanished with the hour
    assert only == (berlin(2026, 3, 29, 3), berlin(2026, 3, 29, 4))
    skipped = datetime(2026, 3, 29, 2, 30)  # noqa: DTZ001 - a local wall-clock reading
    assert desk.wall_instant(skipped) == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_boundaries_in_the_repeated_hour_take_the_first_occurrence() -> None:
    desk = office(weekly_hours=dict.fromkeys(range(7), (OpenInterval.parse("01:00-02:30"),)))
    ((start, end),) = desk.spans_on(date(2026, 10, 25))
    assert end == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, before the repeat
    assert end - start == 1.5 * H


def test_exceptional_opening_wins_over_weekend_and_holiday() -> None:
    saturday, labour_day = date(2026, 1, 17), date(2026, 5, 1)
    special = (OpenInterval.parse("10:00-14:00"),)
    desk = office(holiday_country="DE", openings={saturday: special, labour_day: special})
    assert desk.add(berlin(2026, 1, 16, 16), 2 * H) == berlin(2026, 1, 17, 11)
    assert desk.is_open(berlin(2026, 5, 1, 13))
    assert not desk.is_open(berlin(2026, 5, 1, 9))


def test_closed_dates_are_skipped() -> None:
    desk = office(closed_dates=[date(2026, 1, 19), date(2026, 1, 20)])
    assert desk.add(berlin(2026, 1, 16, 16), 2 * H) == berlin(2026, 1, 21, 10)


def test_adding_zero_is_a_no_op_and_negative_is_refused() -> None:
    saturday = berlin(2026, 1, 17, 12)
    assert office().add(saturday, timedelta(0)) == saturday
    with pytest.raises(ValueError, match="negative"):
        office().add(saturday, -H)


def test_between_is_signed() -> None:
    desk = office()
    a, b = berlin(2026, 1, 16, 16), berlin(2026, 1, 19, 10)
    assert desk.between(a, b) == 2 * H
    assert desk.between(b, a) == -2 * H


def test_business_days_keep_the_local_time() -> None:
    desk = office()
    assert desk.add_open_days(berlin(2026, 1, 16, 16), 1) == berlin(2026, 1, 19, 16)
    assert desk.add_open_days(berlin(2026, 1, 12, 10), 5) == berlin(2026, 1, 19, 10)


def test_business_days_count_from_the_next_opening() -> None:
    desk = office()
    assert desk.add_open_days(berlin(2026, 1, 17, 10), 1) == berlin(2026, 1, 20, 9)  # Saturday
    assert desk.add_open_days(berlin(2026, 1, 16, 20), 1) == berlin(2026, 1, 20, 9)  # Fri night


def test_business_days_clamp_into_the_target_days_hours() -> None:
    hours: dict[int, tuple[OpenInterval, ...]] = dict(WEEKDAYS)
    hours[1] = (OpenInterval.parse("09:00-12:00"), OpenInterval.parse("13:00-17:00"))
    hours[4] = (OpenInterval.parse("09:00-15:00"),)
    desk = office(weekly_hours=hours)
    # Monday 12:30 -> Tuesday 12:30 is lunch, so back to the 12:00 closing
    assert desk.add_open_days(berlin(2026, 1, 12, 12, 30), 1) == berlin(2026, 1, 13, 12)
    # Thursday 16:00 -> Friday closes at 15:00
    assert desk.add_open_days(berlin(2026, 1, 15, 16), 1) == berlin(2026, 1, 16, 15)


def test_a_thousand_business_days_is_eight_thousand_business_hours() -> None:
    desk = office(holiday_country="DE")
    start = berlin(2026, 1, 5, 10)
    assert desk.add_open_days(start, 1000) == desk.add(start, 8000 * H)
    assert desk.between(start, desk.add(start, 8000 * H)) == 8000 * H


def test_open_days_between_counts_dates_after_the_first() -> None:
    desk = office(holiday_country="DE")
    assert desk.open_days_between(date(2026, 4, 30), date(2026, 5, 5)) == 2  # 1 May, weekend
    assert desk.open_days_between(date(2026, 5, 5), date(2026, 4, 30)) == -2
    assert desk.add_open_dates(date(2026, 4, 30), 2) == date(2026, 5, 5)


# --- refusals ------------------------------------------------------------------------------


def test_no_open_hours_at_all_is_refused_at_once() -> None:
    with pytest.raises(ImpossibleCalendar, match="no open hours"):
        BusinessCalendar(timezone="UTC", weekly_hours={})


def test_no_open_hours_within_two_years_raises_instead_of_looping() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(200)]
    desk = BusinessCalendar(timezone="UTC", weekly_hours={0: NINE_TO_FIVE}, closed_dates=mondays)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for search in (
        lambda: desk.add(start, H),
        lambda: desk.next_open(start),
        lambda: desk.add_open_days(start, 1),
    ):
        with pytest.raises(ImpossibleCalendar, match="two years"):
            search()
    assert desk.between(start, start + timedelta(days=1000)) == timedelta(0)
    assert not desk.is_open(datetime(2026, 1, 5, 10, tzinfo=UTC))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: OpenInterval.parse("22:00-06:00"), "cross midnight"),
        (lambda: OpenInterval.parse("9-17"), "not like"),
        (lambda: OpenInterval.parse("09:00-25:00"), "does not exist"),
        (lambda: office(timezone="Mars/Olympus"), "unknown timezone"),
        (lambda: office(holiday_country="XX"), "no public holidays"),
        (lambda: office(holiday_subdivision="BY"), "needs a holiday country"),
        (lambda: office(weekly_hours={7: NINE_TO_FIVE}), "0 \\(Monday\\) to 6"),
        (
            lambda: office(weekly_hours={0: (*NINE_TO_FIVE, OpenInterval.parse("16:00-18:00"))}),
            "overlap",
        ),
        (
            lambda: office(closed_dates=[date(2026, 1, 3)], openings={date(2026, 1, 3): ()}),
            "both as closed and as an opening",
        ),
    ],
)
def test_invalid_settings_get_a_clear_error(build: object, message: str) -> None:
    with pytest.raises(InvalidCalendar, match=message):
        build()  # type: ignore[operator]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        office().add(datetime(2026, 1, 16, 16), H)  # noqa: DTZ001


def test_touching_intervals_merge() -> None:
    halves = (OpenInterval.parse("13:00-17:00"), OpenInterval.parse("09:00-13:00"))
    assert office(weekly_hours={0: halves}).hours_on(date(2026, 1, 12)) == NINE_TO_FIVE
    assert str(OpenInterval.parse("22:00-24:00")) == "22:00-24:00"
