"""Durations as desk files write them ("5 business days", "4 hours") and how they apply.

A Duration says whether it counts business time (a BusinessCalendar's open time) or calendar time.

- "N minutes" / "N hours": elapsed time. "N business minutes/hours": open time, via
  BusinessCalendar.add.
- "N days" / "N weeks": the same local wall-clock time N (or 7N) dates later in the desk's
  timezone, so a day across a DST change is 23 or 25 hours (RFC 5545's nominal days).
- "N business days": BusinessCalendar.add_open_days: the same local time on the N-th open day
  after the next open instant, clamped into that day's open hours. "business weeks" are
  refused: say "5 business days" or "1 week".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.errors import ConfigError


class InvalidDuration(ConfigError, ValueError):
    """A duration string a desk file cannot mean (a ValueError too, for pydantic validators)."""


class DurationUnit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


_UNITS = {
    "minute": DurationUnit.MINUTE,
    "minutes": DurationUnit.MINUTE,
    "min": DurationUnit.MINUTE,
    "mins": DurationUnit.MINUTE,
    "hour": DurationUnit.HOUR,
    "hours": DurationUnit.HOUR,
    "h": DurationUnit.HOUR,
    "day": DurationUnit.DAY,
    "days": DurationUnit.DAY,
    "week": DurationUnit.WEEK,
    "weeks": DurationUnit.WEEK,
}
_PATTERN = re.compile(r"^\s*(\d+)\s*(business\s+)?([a-z]+)\s*$", re.IGNORECASE)
_ELAPSED = {DurationUnit.MINUTE: timedelta(minutes=1), DurationUnit.HOUR: timedelta(hours=1)}


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: DurationUnit
    business: bool

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise InvalidDuration(f"a duration cannot be negative ({self.amount})")
        if self.business and self.unit is DurationUnit.WEEK:
            raise InvalidDuration(
                "'business weeks' is ambiguous: say '5 business days' or '1 week'"
            )

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read "5 business days", "1 week", "4 hours", "90 minutes", "1 business hour"."""
        match = _PATTERN.match(text)
        unit = _UNITS.get(match.group(3).lower()) if match else None
        if match is None or unit is None:
            raise InvalidDuration(
                f"{text!r} is not a duration like '4 hours', '2 days', '1 week', "
                "'90 minutes' or '5 business days'"
            )
        return cls(int(match.group(1)), unit, business=match.group(2) is not None)

    def __str__(self) -> str:
        plural = "" if self.amount == 1 else "s"
        kind = "business " if self.business else ""
        return f"{self.amount} {kind}{self.unit.value}{plural}"

    @property
    def elapsed(self) -> timedelta | None:
        """The fixed length of minutes and hours (business or not); None for days and weeks."""
        step = _ELAPSED.get(self.unit)
        return None if step is None else self.amount * step

    def after(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """The UTC instant this duration after `start`, counted on `calendar`."""
        if start.tzinfo is None:
            raise ValueError(f"durations apply to timezone-aware instants, got {start!r}")
        elapsed = self.elapsed
        if self.business:
            if elapsed is not None:
                return calendar.add(start, elapsed)
            return calendar.add_open_days(start, self.amount)
        if elapsed is not None:
            return start.astimezone(UTC) + elapsed
        days = self.amount * (7 if self.unit is DurationUnit.WEEK else 1)
        local = start.astimezone(calendar.tz)
        wall = datetime.combine(local.date() + timedelta(days=days), local.time())
        return calendar.wall_instant(wall)
