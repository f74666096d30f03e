"""A business calendar as desk files write it: hours per weekday, holidays, openings.

`CalendarSpec.build()` turns it into sopdesk.domain.calendar.BusinessCalendar, which does the math.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, PlainValidator, field_validator, model_validator

from sopdesk.domain.calendar import BusinessCalendar, OpenInterval
from sopdesk.domain.desk.base import DeskModel

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


def _interval(value: Any) -> OpenInterval:
    if isinstance(value, OpenInterval):
        return value
    if not isinstance(value, str):
        raise ValueError("opening hours are text like '09:00-17:30'")
    return OpenInterval.parse(value)  # InvalidCalendar is a ValueError


# One open interval of a day, written "09:00-12:30"; "24:00" may end a day.
Interval = Annotated[OpenInterval, PlainValidator(_interval), PlainSerializer(str)]


def _day(value: Any) -> Any:
    if value in ("closed", None):
        return []
    return [value] if isinstance(value, str) else value


def _no_overlap(intervals: list[OpenInterval]) -> list[OpenInterval]:
    ordered = sorted(intervals)
    for before, after in itertools.pairwise(ordered):
        if before.end > after.start:
            raise ValueError(f"the intervals {before} and {after} overlap")
    return ordered


class WeeklyHours(DeskModel):
    """Open intervals per weekday; a day left out or written `closed` is closed."""

    monday: list[Interval] = Field(default_factory=list)
    tuesday: list[Interval] = Field(default_factory=list)
    wednesday: list[Interval] = Field(default_factory=list)
    thursday: list[Interval] = Field(default_factory=list)
    friday: list[Interval] = Field(default_factory=list)
    saturday: list[Interval] = Field(default_factory=list)
    sunday: list[Interval] = Field(default_factory=list)

    @field_validator(*WEEKDAYS, mode="before")
    @classmethod
    def _closed(cls, value: Any) -> Any:
        return _day(value)

    @field_validator(*WEEKDAYS, mode="after")
    @classmethod
    def _sorted(cls, value: list[OpenInterval]) -> list[OpenInterval]:
        return _no_overlap(value)

    def on(self, weekday: Weekday) -> list[OpenInterval]:
        intervals: list[OpenInterval] = getattr(self, weekday)
        return intervals

    @property
    def open_minutes_per_week(self) -> int:
        return sum(
            int((i.end - i.start).total_seconds() // 60) for d in WEEKDAYS for i in self.on(d)
        )


class ClosedDay(DeskModel):
    """A date the desk is closed although its weekday is open (a company holiday)."""

    date: date
    name: str = ""

    @model_validator(mode="before")
    @classmethod
    def _bare_date(cls, value: Any) -> Any:
        return {"date": value} if isinstance(value, date | str) else value


class ExceptionalOpening(DeskModel):
    """A date with its own hours, overriding the weekday and any public holiday."""

    date: date
    hours: list[Interval] = Field(min_length=1)
    name: str = ""

    @field_validator("hours", mode="before")
    @classmethod
    def _closed(cls, value: Any) -> Any:
        return _day(value)

    @field_validator("hours", mode="after")
    @classmethod
    def _sorted(cls, value: list[OpenInterval]) -> list[OpenInterval]:
        return _no_overlap(value)


class Holidays(DeskModel):
    """Public holidays of a country (ISO 3166 code) and region, plus listed dates."""

    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    region: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,3}$")
    closed: list[ClosedDay] = Field(default_factory=list)
    open: list[ExceptionalOpening] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Holidays:
        if self.region and not self.country:
            raise ValueError("a holiday region needs a country")
        clash = {c.date for c in self.closed} & {o.date for o in self.open}
        if clash:
            raise ValueError(f"{min(clash)} is listed both as closed and as open")
        return self


class CalendarSpec(DeskModel):
    """When a desk counts business time: weekly hours and holidays, or always open."""

    timezone: str | None = None  # None: the desk's timezone
    always_open: bool = False
    hours: WeeklyHours = Field(default_factory=WeeklyHours)
    holidays: Holidays = Field(default_factory=Holidays)

    @property
    def has_open_hours(self) -> bool:
        # Exceptional openings alone do not count: after the last one, no time would pass.
        return self.always_open or self.hours.open_minutes_per_week > 0

    def build(self, desk_timezone: str) -> BusinessCalendar:
        """The calendar to compute with; raises InvalidCalendar when it cannot exist."""
        all_day = [OpenInterval.parse("00:00-24:00")]
        weekly = {
            i: all_day if self.always_open else self.hours.on(day) for i, day in enumerate(WEEKDAYS)
        }
        return BusinessCalendar(
            timezone=self.timezone or desk_timezone,
            weekly_hours=weekly,
            holiday_country=None if self.always_open else self.holidays.country,
            holiday_subdivision=None if self.always_open else self.holidays.region,
            closed_dates=[] if self.always_open else [c.date for c in self.holidays.closed],
            openings={o.date: o.hours for o in self.holidays.open},
        )
