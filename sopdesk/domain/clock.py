"""The injected clock: logic asks a Clock for the time instead of reading it.

Tests and simulations use ManualClock to move time by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; for tests and simulation."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware instants")
        self._now = instant.astimezone(UTC)


def local_text(value: datetime, timezone: str) -> str:
    """An instant as a person reads it in the desk's timezone: "Mon 23 Nov 2026 10:00 CET"."""
    return value.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %Y %H:%M %Z")
