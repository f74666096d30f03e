"""The case page header's live facts: one SLA badge per clock, and time left as people say it.

Badges come from the case's `sla_clocks` rows (engine.sla.read_clocks); nothing is invented
when a case has no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sopdesk.engine.sla_views import ClockView


def spoken(span: timedelta) -> str:
    """A duration the way an agent reads it: "3 d 4 h", "1 h 5 min", "12 min", "under 1 min"."""
    seconds = int(abs(span.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else "under 1 min"


@dataclass(frozen=True)
class SlaBadge:
    """One clock as a badge: `risk` is ok, warning or breached (the CSS colour)."""

    metric: str
    state: str
    text: str
    risk: str
    title: str

    @property
    def label(self) -> str:
        return self.metric.replace("_", " ")


def _title(clock: ClockView) -> str:
    target = spoken(timedelta(seconds=clock.target_seconds))
    due = f", due {clock.due_at:%Y-%m-%d %H:%M} UTC" if clock.due_at else ""
    return f"{clock.metric.replace('_', ' ')} target {target} ({clock.policy} policy){due}"


def sla_badge(clock: ClockView, now: datetime) -> SlaBadge:
    """Time left or overdue for a running clock, time left on a paused one, met or missed once
    stopped; breached (or past due) is red, warned is amber."""
    risk = "breached" if clock.breached else "warning" if clock.warned else "ok"
    if clock.state == "stopped":
        text = "missed" if clock.breached else "met"
    elif clock.state == "paused":
        left = timedelta(seconds=max(clock.target_seconds - clock.consumed_seconds, 0.0))
        text = f"paused · {spoken(left)} left"
    elif clock.due_at is None:
        text = "running"
    else:
        left = clock.due_at - now
        if left.total_seconds() <= 0:
            risk, text = "breached", f"overdue by {spoken(left)}"
        else:
            text = f"{spoken(left)} left"
    return SlaBadge(clock.metric, clock.state, text, risk, _title(clock))


def due_in(due_at: datetime | None, now: datetime) -> tuple[str, str]:
    """(text, risk) for a queue row's due time: "in 40 min" / "overdue 2 h", or nothing."""
    if due_at is None:
        return ("", "")
    left = due_at - now
    if left.total_seconds() <= 0:
        return (f"overdue {spoken(left)}", "breached")
    return (f"in {spoken(left)}", "warning" if left <= timedelta(hours=1) else "ok")
