"""The rules that move SLA clocks and case statuses as a case lives: the status ladder of the
clocks, which replies answer the customer, reopening on a customer's message, breach actions.

Pure: the engine reads clocks and the case, asks these functions, and applies the answer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.cases import CaseStatus, Priority
from sopdesk.domain.desk.sla import WAITING, SlaAction, SlaPolicy
from sopdesk.domain.duration import Duration
from sopdesk.domain.sla import Metric, SlaClock, target_seconds, warn_seconds


class ClockMove(StrEnum):
    PAUSE = "paused"
    RESUME = "resumed"
    STOP = "stopped"
    REOPEN = "resumed after reopening"


@dataclass(frozen=True)
class ClockState:
    """What the status ladder needs to know of one clock."""

    metric: Metric
    running: bool
    stopped: bool
    pause_when: Collection[str] = WAITING


def clock_moves(
    old: CaseStatus, new: CaseStatus, clocks: Sequence[ClockState]
) -> list[tuple[Metric, ClockMove]]:
    """The status ladder: a closing status stops every clock; a status its policy pauses on
    pauses its clocks; any other open status resumes them; reopening a solved or closed case
    resumes its resolution clock (a met response target stays met)."""
    if old == new:
        return []
    moves: list[tuple[Metric, ClockMove]] = []
    for clock in clocks:
        if not new.is_open:
            if not clock.stopped:
                moves.append((clock.metric, ClockMove.STOP))
        elif new.value in clock.pause_when:
            if clock.running:
                moves.append((clock.metric, ClockMove.PAUSE))
        elif clock.stopped:
            if clock.metric is Metric.RESOLUTION and not old.is_open:
                moves.append((clock.metric, ClockMove.REOPEN))
        elif not clock.running:
            moves.append((clock.metric, ClockMove.RESUME))
    return moves


class ReplyOrigin(StrEnum):
    """Why the desk sent a message: a person chose to, or sopdesk did on its own."""

    PERSON = "person"  # an agent replied, or worked a playbook step that sends
    AUTOMATIC = "automatic"  # an acknowledgement on arrival, a triggered start, a timer


def metrics_met_by_reply(origin: ReplyOrigin, to_customer: bool) -> tuple[Metric, ...]:
    """Only a person's message to the customer answers them: an automatic acknowledgement or a
    timer-driven reminder never meets a response target, whoever created the case."""
    if origin is ReplyOrigin.PERSON and to_customer:
        return (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE)
    return ()


def status_after_reply(status: CaseStatus, origin: ReplyOrigin, to_customer: bool) -> CaseStatus:
    """A new case becomes open when a person answers the customer; nothing else moves it."""
    if status is CaseStatus.NEW and origin is ReplyOrigin.PERSON and to_customer:
        return CaseStatus.OPEN
    return status


REOPENED_BY_CUSTOMER = (CaseStatus.WAITING_CUSTOMER, CaseStatus.SOLVED)


def status_after_customer_message(status: CaseStatus, automatic: bool) -> CaseStatus:
    """A customer writing to a case that waits for them, or that was solved, opens it again;
    auto-replies and bounces never do (no mail loops, no false SLA restarts)."""
    if not automatic and status in REOPENED_BY_CUSTOMER:
        return CaseStatus.OPEN
    return status


class NextResponse(StrEnum):
    START = "start"
    RESTART = "restart"
    NONE = "none"


def next_response_on_customer_message(
    first_response_running: bool, next_response: ClockState | None
) -> NextResponse:
    """A customer writing after the desk answered starts (or restarts) the next-response clock;
    while the first response is still owed, that clock covers the message too."""
    if first_response_running:
        return NextResponse.NONE
    if next_response is None:
        return NextResponse.START
    if next_response.stopped:
        return NextResponse.RESTART
    return NextResponse.NONE


def retarget_clock(
    clock: SlaClock,
    policy: SlaPolicy,
    target: Duration,
    now: datetime,
    calendar: BusinessCalendar,
) -> SlaClock:
    """The clock under another policy or target (e.g. the case became critical): the time
    already counted stays counted, the target and warning are the new policy's."""
    total = target_seconds(target, now, calendar)
    return replace(
        clock,
        policy=policy.id,
        business=target.business,
        target_seconds=total,
        warn_seconds=warn_seconds(policy, total, target.business, now, calendar),
    )


@dataclass(frozen=True)
class BreachOutcome:
    """What a warning's or breach's actions change on the case and whom they tell."""

    changes: dict[str, object] = field(default_factory=dict)
    notify: tuple[tuple[str, str], ...] = ()  # (chat channel, message template)
    mail: tuple[tuple[str, str], ...] = ()  # (address, message template)


def breach_outcome(
    actions: Sequence[SlaAction], priority: Priority, level: int, tags: Collection[str]
) -> BreachOutcome:
    """Priorities and levels only ever rise; tags are added; notifications are collected."""
    changes: dict[str, object] = {}
    rank, new_level = priority.rank, level
    new_tags = set(tags)
    notify: list[tuple[str, str]] = []
    mail: list[tuple[str, str]] = []
    for action in actions:
        if action.set_priority and Priority(action.set_priority).rank > rank:
            rank = Priority(action.set_priority).rank
            changes["priority"] = Priority(action.set_priority)
        if action.escalate_to and action.escalate_to > new_level:
            new_level = changes["level"] = action.escalate_to
        new_tags |= set(action.add_tags)
        if action.notify:
            notify.append((action.notify, action.message or ""))
        if action.email:
            mail.append((action.email, action.message or ""))
    if new_tags != set(tags):
        changes["tags"] = sorted(new_tags)
    return BreachOutcome(changes, tuple(notify), tuple(mail))
