"""SLA clocks: which policies apply to a case, and how a clock starts, pauses, resumes and stops.

Pure: a clock is a plain value measured in business (or elapsed) seconds; docs/sla.md explains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.desk.base import nominal
from sopdesk.domain.desk.sla import SlaPolicy
from sopdesk.domain.duration import Duration


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class SlaFacts:
    """What policy scopes look at."""

    priority: str
    category: str | None
    channel: str
    level: int
    tier: str


def _matches(policy: SlaPolicy, facts: SlaFacts) -> bool:
    scope = policy.applies_to
    checks: list[tuple[Sequence[object], object]] = [
        (scope.priorities, facts.priority),
        (scope.categories, facts.category),
        (scope.channels, facts.channel),
        (scope.levels, facts.level),
        (scope.tiers, facts.tier),
    ]
    return all(not allowed or value in allowed for allowed, value in checks)


def policies_by_metric(
    policies: Sequence[SlaPolicy], facts: SlaFacts
) -> dict[Metric, tuple[SlaPolicy, Duration]]:
    """For each metric, the matching policy with the highest precedence that sets a target.

    Ties go to the policy written first in sla.yaml.
    """
    chosen: dict[Metric, tuple[SlaPolicy, Duration]] = {}
    ranked = sorted(
        (p for p in policies if _matches(p, facts)), key=lambda p: -p.precedence
    )  # sorted() is stable, so file order breaks ties
    for policy in ranked:
        for metric in Metric:
            target = getattr(policy.targets, metric.value)
            if target is not None and metric not in chosen:
                chosen[metric] = (policy, target)
    return chosen


@dataclass(frozen=True)
class SlaClock:
    """One running, paused or stopped clock. Seconds are business seconds when `business`."""

    metric: Metric
    policy: str
    business: bool
    target_seconds: float
    warn_seconds: float | None  # consumed seconds at which the warning is due
    consumed_seconds: float
    started_at: datetime
    running_since: datetime | None  # start of the current running stretch; None when not running
    paused_at: datetime | None = None
    stopped_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.running_since is not None

    def consumed(self, now: datetime, calendar: BusinessCalendar) -> float:
        """Seconds counted so far, including the running stretch up to `now`."""
        if self.running_since is None:
            return self.consumed_seconds
        return self.consumed_seconds + _between(self.running_since, now, self.business, calendar)

    def due_at(self, calendar: BusinessCalendar) -> datetime | None:
        """When the target is reached if the clock keeps running; None unless running."""
        return self._instant_at(self.target_seconds, calendar)

    def warn_at(self, calendar: BusinessCalendar) -> datetime | None:
        if self.warn_seconds is None:
            return None
        return self._instant_at(self.warn_seconds, calendar)

    def _instant_at(self, seconds: float, calendar: BusinessCalendar) -> datetime | None:
        if self.running_since is None:
            return None
        left = max(seconds - self.consumed_seconds, 0.0)
        return _add(self.running_since, left, self.business, calendar)


def _between(a: datetime, b: datetime, business: bool, calendar: BusinessCalendar) -> float:
    if b <= a:
        return 0.0
    if business:
        return calendar.between(a, b).total_seconds()
    return (b - a).total_seconds()


def _add(start: datetime, seconds: float, business: bool, calendar: BusinessCalendar) -> datetime:
    if business:
        return calendar.add(start, timedelta(seconds=seconds))
    return start + timedelta(seconds=seconds)


def target_seconds(target: Duration, start: datetime, calendar: BusinessCalendar) -> float:
    """A target as seconds on its meter; "N business days" is the open time to that day."""
    if target.business:
        elapsed = target.elapsed
        if elapsed is not None:
            return elapsed.total_seconds()
        return calendar.between(start, target.after(start, calendar)).total_seconds()
    return nominal(target).total_seconds()


def start_clock(
    policy: SlaPolicy,
    metric: Metric,
    target: Duration,
    now: datetime,
    calendar: BusinessCalendar,
) -> SlaClock:
    total = target_seconds(target, now, calendar)
    return SlaClock(
        metric=metric,
        policy=policy.id,
        business=target.business,
        target_seconds=total,
        warn_seconds=warn_seconds(policy, total, target.business, now, calendar),
        consumed_seconds=0.0,
        started_at=now,
        running_since=now,
    )


def warn_seconds(
    policy: SlaPolicy, total: float, business: bool, now: datetime, calendar: BusinessCalendar
) -> float | None:
    """The consumed seconds at which to warn: the share of the target, or `warn_before` it."""
    if policy.warn_at_share is not None:
        return total * policy.warn_at_share
    if policy.warn_before is not None:
        before = target_seconds(policy.warn_before, now, calendar)
        return max(total - before, 0.0) if before < total else None
    return None


def pause_clock(clock: SlaClock, now: datetime, calendar: BusinessCalendar) -> SlaClock:
    if clock.running_since is None or clock.stopped_at is not None:
        return clock
    return replace(
        clock, consumed_seconds=clock.consumed(now, calendar), running_since=None, paused_at=now
    )


def resume_clock(clock: SlaClock, now: datetime) -> SlaClock:
    if clock.running_since is not None or clock.stopped_at is not None:
        return clock
    return replace(clock, running_since=now, paused_at=None)


def stop_clock(clock: SlaClock, now: datetime, calendar: BusinessCalendar) -> SlaClock:
    if clock.stopped_at is not None:
        return clock
    return replace(
        clock,
        consumed_seconds=clock.consumed(now, calendar),
        running_since=None,
        paused_at=None,
        stopped_at=now,
    )


def restart_clock(clock: SlaClock, now: datetime) -> SlaClock:
    """A stopped next-response clock starts over when the customer writes again."""
    return replace(
        clock,
        consumed_seconds=0.0,
        started_at=now,
        running_since=now,
        paused_at=None,
        stopped_at=None,
    )
