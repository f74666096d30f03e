"""Business time: a desk's weekly hours, holidays and exceptional openings as one calendar.

Adds business time to instants, measures it between instants, finds the next open instant.

Semantics (docs/business-time.md says the same at length):

- Instants go in and come out as timezone-aware UTC datetimes; hours are local wall-clock
  times of the desk's timezone.
- A wall-clock boundary "HH:MM on date D" is the *earliest instant at which the local clock
  reads HH:MM or later*. So a boundary in a skipped hour (spring forward) is the moment of the
  change, and one in a repeated hour (fall back) is its first occurrence. Business time is
  real elapsed time between such instants: 00:00-06:00 on a spring-forward day is 5 hours, on
  a fall-back day 7; 09:00-17:00 on either is 8. An interval that lies wholly in a skipped
  hour is empty.
- An interval may not cross midnight; 22:00-24:00 on one day and 00:00-06:00 on the next
  touch and count as continuous open time.
- What a date's hours are: an exceptional opening listed for that date wins; otherwise a
  desk-listed closed date or a public holiday closes it; otherwise the weekday's hours apply.
- A search that finds no open time in two years raises ImpossibleCalendar instead of looping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from sopdesk.errors import ConfigError

SEARCH_HORIZON = timedelta(days=731)
"""How far a search looks for open time before it calls the calendar impossible."""

_DAY = timedelta(days=1)
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Span = tuple[datetime, datetime]


class InvalidCalendar(ConfigError, ValueError):
    """The calendar's settings are wrong (a ValueError too, so pydantic validators report it)."""


class ImpossibleCalendar(InvalidCalendar):
    """The calendar has no open time at all, or none within the search horizon."""


@dataclass(frozen=True, order=True)
class OpenInterval:
    """Local wall-clock opening hours of one day; `closes == time(0)` means 24:00."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise InvalidCalendar(f"opening hours {self} must be local times without a timezone")
        if self.start >= self.end:
            raise InvalidCalendar(
                f"opening hours {self} close before they open; an interval may not cross "
                "midnight, so write 22:00-24:00 on one day and 00:00-06:00 on the next"
            )

    @classmethod
    def parse(cls, text: str) -> OpenInterval:
        """Read "09:00-17:30" or "22:00-24:00"."""
        match = _INTERVAL.match(text)
        if match is None:
            raise InvalidCalendar(f"opening hours {text!r} are not like 09:00-17:30")
        oh, om, ch, cm = (int(g) for g in match.groups())
        if (ch, cm) == (24, 0):
            ch = 0
        if oh > 23 or ch > 23 or om > 59 or cm > 59:
            raise InvalidCalendar(f"opening hours {text!r} name a time that does not exist")
        return cls(time(oh, om), time(ch, cm))

    @property
    def start(self) -> timedelta:
        """Offset of the opening from local midnight."""
        return _offset(self.opens)

    @property
    def end(self) -> timedelta:
        """Offset of the closing from local midnight (24 hours for 24:00)."""
        return _DAY if self.closes == time(0) else _offset(self.closes)

    def __str__(self) -> str:
        closes = "24:00" if self.closes == time(0) else self.closes.strftime("%H:%M")
        return f"{self.opens.strftime('%H:%M')}-{closes}"


def _offset(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)


def _day_hours(intervals: Iterable[OpenInterval], where: str) -> tuple[OpenInterval, ...]:
    """Sort one day's intervals, refuse overlaps, merge those that touch."""
    merged: list[OpenInterval] = []
    for interval in sorted(intervals):
        if merged and interval.start < merged[-1].end:
            raise InvalidCalendar(f"opening hours {merged[-1]} and {interval} overlap on {where}")
        if merged and interval.start == merged[-1].end:
            merged[-1] = OpenInterval(merged[-1].opens, interval.closes)
        else:
            merged.append(interval)
    return tuple(merged)


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"business time needs timezone-aware instants, got {instant!r}")
    return instant.astimezone(UTC)


class BusinessCalendar:
    """A desk's open time. Build it once (it caches per-date hours) and share it."""

    def __init__(
        self,
        *,
        timezone: str,
        weekly_hours: Mapping[int, Sequence[OpenInterval]],
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        closed_dates: Iterable[date] = (),
        openings: Mapping[date, Sequence[OpenInterval]] | None = None,
        cache_size: int = 4096,
    ) -> None:
        """weekly_hours: weekday (0 = Monday .. 6 = Sunday) to that day's intervals.

        openings: exceptional openings, a date to its own hours (they win over holidays).
        """
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidCalendar(f"unknown timezone {timezone!r}") from exc
        self.timezone = timezone
        unknown = sorted(set(weekly_hours) - set(range(7)))
        if unknown:
            raise InvalidCalendar(f"weekdays are 0 (Monday) to 6 (Sunday), not {unknown}")
        self.weekly_hours = {
            day: _day_hours(weekly_hours.get(day, ()), f"weekday {day}") for day in range(7)
        }
        self.openings = {d: _day_hours(hours, str(d)) for d, hours in (openings or {}).items()}
        self.closed_dates = frozenset(closed_dates)
        both = sorted(self.closed_dates & set(self.openings))
        if both:
            raise InvalidCalendar(f"{both[0]} is listed both as closed and as an opening")
        self.holidays: holidays_lib.HolidayBase | None = None
        if holiday_country is not None:
            try:
                self.holidays = holidays_lib.country_holidays(
                    holiday_country.strip().upper(), subdiv=holiday_subdivision
                )
            except NotImplementedError as exc:
                raise InvalidCalendar(f"no public holidays known for {exc}") from exc
        elif holiday_subdivision is not None:
            raise InvalidCalendar("a holiday subdivision needs a holiday country")
        if not any(self.weekly_hours.values()) and not any(self.openings.values()):
            raise ImpossibleCalendar(
                f"calendar {timezone} has no open hours on any weekday and no openings"
            )
        self._spans: Callable[[date], tuple[Span, ...]] = lru_cache(maxsize=cache_size)(
            self._compute_spans
        )

    # --- what is open when ----------------------------------------------------------------

    def hours_on(self, day: date) -> tuple[OpenInterval, ...]:
        """The local opening hours of a date, after openings, closed dates and holidays."""
        if day in self.openings:
            return self.openings[day]
        if day in self.closed_dates or (self.holidays is not None and day in self.holidays):
            return ()
        return self.weekly_hours[day.weekday()]

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on that date, if the calendar has one."""
        return None if self.holidays is None else self.holidays.get(day)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """A date's open time as non-empty UTC [start, end) spans, in order."""
        return self._spans(day)

    def is_open_day(self, day: date) -> bool:
        return bool(self._spans(day))

    def local_date(self, instant: datetime) -> date:
        return _aware_utc(instant).astimezone(self.tz).date()

    def is_open(self, instant: datetime) -> bool:
        instant = _aware_utc(instant)
        day = self.local_date(instant)
        return any(
            start <= instant < end
            for d in (day - _DAY, day, day + _DAY)
            for start, end in self._spans(d)
        )

    def next_open(self, instant: datetime) -> datetime:
        """The instant itself when open, else the start of the next open span."""
        instant = _aware_utc(instant)
        for start, _end in self._spans_after(instant):
            return max(start, instant)
        raise AssertionError("unreachable: an unbounded search raises or yields")

    # --- arithmetic ---------------------------------------------------------------------

    def add(self, instant: datetime, amount: timedelta) -> datetime:
        """The instant at which `amount` of open time has passed since `instant`.

        The result lies in open time or exactly at the end of a span; adding zero is a no-op.
        """
        instant = _aware_utc(instant)
        if amount < timedelta(0):
            raise ValueError(f"cannot add a negative business time ({amount})")
        if not amount:
            return instant
        left = amount
        for start, end in self._spans_after(instant):
            start = max(start, instant)
            if end - start >= left:
                return start + left
            left -= end - start
        raise AssertionError("unreachable: an unbounded search raises or yields")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Open time from a to b; negative when b is before a, so it adds up along a line."""
        a, b = _aware_utc(a), _aware_utc(b)
        if b < a:
            return -self.between(b, a)
        total = timedelta(0)
        for start, end in self._spans_after(a, until=b):
            total += min(end, b) - max(start, a)
        return total

    def add_open_days(self, instant: datetime, days: int) -> datetime:
        """Business days: the same local time on the `days`-th open day after the start.

        Counting starts at next_open(instant), so a Saturday start counts from Monday's
        opening. The result is clamped into that day's open time: before its first opening it
        moves to the opening, in a gap or after closing it moves back to the closing before.
        """
        if days < 0:
            raise ValueError(f"cannot add a negative number of business days ({days})")
        if days == 0:
            return _aware_utc(instant)
        begin = self.next_open(instant).astimezone(self.tz)
        day = self.add_open_dates(begin.date(), days)
        target = self.wall_instant(datetime.combine(day, begin.time()))
        spans = self._spans(day)
        if target < spans[0][0]:
            return spans[0][0]
        if any(start <= target < end for start, end in spans):
            return target
        return max(end for _start, end in spans if end <= target)

    def add_open_dates(self, day: date, days: int) -> date:
        """The `days`-th open date after `day` (a date-only business-day count)."""
        if days < 0:
            raise ValueError(f"cannot add a negative number of business days ({days})")
        found, last_open = 0, day
        while found < days:
            day += _DAY
            if self.is_open_day(day):
                found, last_open = found + 1, day
            elif day - last_open > SEARCH_HORIZON:
                raise self._impossible(last_open)
        return day

    def open_days_between(self, first: date, last: date) -> int:
        """How many open dates lie after `first` up to and including `last` (signed)."""
        if last < first:
            return -self.open_days_between(last, first)
        return sum(
            1 for n in range(1, (last - first).days + 1) if self.is_open_day(first + n * _DAY)
        )

    def wall_instant(self, wall: datetime) -> datetime:
        """The earliest UTC instant at which the local clock reads `wall` (naive) or later."""
        if wall.tzinfo is not None:
            raise ValueError(f"a wall-clock reading has no timezone, got {wall!r}")
        early = wall.replace(tzinfo=self.tz, fold=0).astimezone(UTC)
        if early.astimezone(self.tz).replace(tzinfo=None) == wall:
            return early  # the wall time exists; fold=0 is its first occurrence if repeated
        # `wall` was skipped: find the change by bisection over whole seconds; the clock reads
        # before `wall` at `lo` and at or after it at `hi`.
        late = wall.replace(tzinfo=self.tz, fold=1).astimezone(UTC)
        lo, hi = sorted((int(early.timestamp()), int(late.timestamp())))
        while hi - lo > 1:
            mid = (lo + hi) // 2
            reading = datetime.fromtimestamp(mid, self.tz).replace(tzinfo=None)
            lo, hi = (lo, mid) if reading >= wall else (mid, hi)
        return datetime.fromtimestamp(hi, UTC)

    # --- internals ----------------------------------------------------------------------

    def _spans_after(self, instant: datetime, until: datetime | None = None) -> Iterator[Span]:
        """Open spans ending after `instant`, in order; up to `until`, or forever when None.

        An unbounded search that meets two years without open time raises ImpossibleCalendar.
        """
        day = self.local_date(instant) - _DAY
        last_open = day
        while True:
            spans = self._spans(day)
            for start, end in spans:
                if until is not None and start >= until:
                    return
                if end > instant:
                    yield start, end
            if spans:
                last_open = day
            elif until is None and day - last_open > SEARCH_HORIZON:
                raise self._impossible(last_open)
            day += _DAY
            if until is not None and self.wall_instant(datetime.combine(day, time())) >= until:
                return

    def _impossible(self, since: date) -> ImpossibleCalendar:
        return ImpossibleCalendar(
            f"calendar {self.timezone} has no open hours in the two years after {since}: "
            "check the weekly hours, closed dates and holidays"
        )

    def _compute_spans(self, day: date) -> tuple[Span, ...]:
        midnight = datetime.combine(day, time())
        spans = []
        for interval in self.hours_on(day):
            start = self.wall_instant(midnight + interval.start)
            end = self.wall_instant(midnight + interval.end)
            if start < end:
                spans.append((start, end))
        return tuple(spans)
