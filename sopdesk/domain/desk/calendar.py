"""The business calendar of a desk: open hours per weekday, holidays, exceptional openings.

Only the data and its shape rules live here; business-time arithmetic is built on top of it.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, time
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

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
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class Interval(DeskModel):
    """One open interval of a day, written "09:00-12:30"; "24:00" may end a day."""

    start: time
    end: time | None  # None means midnight at the end of the day ("24:00")

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _INTERVAL.match(value)
        if match is None:
            raise ValueError(f"'{value}' is not an interval; write e.g. '09:00-17:30'")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
            raise ValueError(f"'{value}' has a time that does not exist")
        end = None if h2 == 24 else time(h2, m2)
        if end is not None and end <= time(h1, m1):
            raise ValueError(f"'{value}' ends before it starts")
        return {"start": time(h1, m1), "end": end}

    @property
    def minutes(self) -> int:
        end = 24 * 60 if self.end is None else self.end.hour * 60 + self.end.minute
        return end - (self.start.hour * 60 + self.start.minute)

    def __str__(self) -> str:
        end = "24:00" if self.end is None else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


def _intervals(value: Any) -> Any:
    if value in ("closed", None):
        return []
    if isinstance(value, str):
        return [value]
    return value


def _no_overlap(intervals: list[Interval]) -> list[Interval]:
    ordered = sorted(intervals, key=lambda i: i.start)
    for before, after in itertools.pairwise(ordered):
        if before.end is None or before.end > after.start:
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
        return _intervals(value)

    @field_validator(*WEEKDAYS, mode="after")
    @classmethod
    def _sorted(cls, value: list[Interval]) -> list[Interval]:
        return _no_overlap(value)

    def on(self, weekday: Weekday) -> list[Interval]:
        intervals: list[Interval] = getattr(self, weekday)
        return intervals

    @property
    def open_minutes_per_week(self) -> int:
        return sum(i.minutes for day in WEEKDAYS for i in self.on(day))


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
    hours: list[Interval]
    name: str = ""

    @field_validator("hours", mode="before")
    @classmethod
    def _closed(cls, value: Any) -> Any:
        return _intervals(value)

    @field_validator("hours", mode="after")
    @classmethod
    def _sorted(cls, value: list[Interval]) -> list[Interval]:
        if not value:
            raise ValueError("an exceptional opening needs at least one open interval")
        return _no_overlap(value)


class Holidays(DeskModel):
    """Public holidays of a country (ISO 3166 code) and region, plus listed dates."""

    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    region: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,3}$")
    closed: list[ClosedDay] = Field(default_factory=list)
    open: list[ExceptionalOpening] = Field(default_factory=list)

    @model_validator(mode="after")
    def _region_needs_country(self) -> Holidays:
        if self.region and not self.country:
            raise ValueError("a holiday region needs a country")
        clash = {c.date for c in self.closed} & {o.date for o in self.open}
        if clash:
            raise ValueError(f"{min(clash)} is listed both as closed and as open")
        return self


class BusinessCalendar(DeskModel):
    """When the desk counts business time: weekly hours, holidays, or always open."""

    timezone: str | None = None  # None: the desk's timezone
    always_open: bool = False
    hours: WeeklyHours = Field(default_factory=WeeklyHours)
    holidays: Holidays = Field(default_factory=Holidays)

    @property
    def has_open_hours(self) -> bool:
        # Exceptional openings alone do not count: after the last one, no time would pass.
        return self.always_open or self.hours.open_minutes_per_week > 0
