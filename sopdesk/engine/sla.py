"""SLA clocks in the store: start, pause, resume and stop them with the case, fire their timers.

Warnings and breaches fire from durable `timers` rows at their exact due instants (docs/sla.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.cases import CaseStatus, EventKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.sla import WAITING
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla import (
    Metric,
    SlaClock,
    SlaFacts,
    pause_clock,
    policies_by_metric,
    restart_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from sopdesk.domain.sla_rules import (
    ClockMove,
    ClockState,
    NextResponse,
    ReplyOrigin,
    clock_moves,
    metrics_met_by_reply,
    next_response_on_customer_message,
    retarget_clock,
)
from sopdesk.engine.sla_notify import run_clock_actions
from sopdesk.engine.sla_start import AT_CREATION, BREACH, WARN, calendar_of, policy_of
from sopdesk.engine.timeline import append_event
from sopdesk.store.models import Case, Customer, SlaClockRow, Timer


def _domain(row: SlaClockRow) -> SlaClock:
    return SlaClock(
        metric=Metric(row.metric),
        policy=row.policy,
        business=row.business,
        target_seconds=row.target_seconds,
        warn_seconds=row.warn_seconds,
        consumed_seconds=row.consumed_seconds,
        started_at=row.started_at,
        running_since=row.running_since,
        paused_at=row.paused_at,
        stopped_at=row.stopped_at,
    )


def _store(
    session: Session, row: SlaClockRow, clock: SlaClock, calendar: BusinessCalendar, now: datetime
) -> None:
    """Writes the clock back; a new running stretch gets a new token and fresh timers."""
    row.consumed_seconds = clock.consumed_seconds
    row.started_at = clock.started_at
    row.running_since = clock.running_since
    row.paused_at = clock.paused_at
    row.stopped_at = clock.stopped_at
    row.due_at = clock.due_at(calendar)
    row.warn_at = clock.warn_at(calendar)
    row.token = (row.token or 0) + 1
    if row.id is None:
        session.add(row)
        session.flush()
    for kind, due, done in ((WARN, row.warn_at, row.warned), (BREACH, row.due_at, row.breached)):
        if due is not None and not done:
            session.add(
                Timer(
                    due_at=due,
                    kind=kind,
                    case_id=row.case_id,
                    payload={"clock_id": row.id, "token": row.token},
                    attempts=0,
                    created_at=now,
                )
            )


def record_clock_event(
    session: Session, case_id: int, now: datetime, what: str, row: SlaClockRow, **extra: object
) -> None:
    due = row.due_at.isoformat() if row.due_at else None
    append_event(
        session,
        case_id,
        EventKind.SLA_EVENT,
        now,
        Principal.system(),
        body=f"{row.metric.replace('_', ' ')} clock ({row.policy}): {what}",
        data={"sla": what, "metric": row.metric, "policy": row.policy, "due_at": due, **extra},
    )


def refresh_due(session: Session, case: Case) -> None:
    """cases.due_at is the earliest due instant of the case's running clocks (queue order)."""
    session.flush()
    case.due_at = session.scalar(
        select(SlaClockRow.due_at)
        .where(SlaClockRow.case_id == case.id, SlaClockRow.due_at.is_not(None))
        .order_by(SlaClockRow.due_at)
        .limit(1)
    )


def _clocks(session: Session, case: Case) -> dict[str, SlaClockRow]:
    rows = session.scalars(select(SlaClockRow).where(SlaClockRow.case_id == case.id))
    return {r.metric: r for r in rows}


def _facts(session: Session, case: Case) -> SlaFacts:
    tier = session.scalar(select(Customer.tier).where(Customer.id == case.customer_id))
    return SlaFacts(case.priority, case.category, case.channel, case.level, tier or "standard")


def _start(
    session: Session,
    desk: Desk,
    case: Case,
    metric: Metric,
    now: datetime,
    facts: SlaFacts | None = None,
) -> SlaClockRow | None:
    facts = facts if facts is not None else _facts(session, case)
    chosen = policies_by_metric(desk.sla_policies, facts).get(metric)
    if chosen is None:
        return None
    policy, target = chosen
    calendar = calendar_of(desk, policy.calendar)
    row = SlaClockRow(
        case_id=case.id,
        policy=policy.id,
        metric=metric.value,
        calendar=policy.calendar,
        business=target.business,
        target_seconds=0.0,
        warned=False,
        breached=False,
        token=0,
    )
    clock = start_clock(policy, metric, target, now, calendar)
    row.target_seconds, row.warn_seconds = clock.target_seconds, clock.warn_seconds
    _store(session, row, clock, calendar, now)
    record_clock_event(session, case.id, now, "started", row, target_seconds=clock.target_seconds)
    run_clock_actions(session, desk, case, row, policy.on_start, "start", now)
    return row


def _change(
    session: Session,
    desk: Desk,
    case: Case,
    row: SlaClockRow,
    clock: SlaClock,
    what: str,
    now: datetime,
) -> None:
    _store(session, row, clock, calendar_of(desk, row.calendar), now)
    record_clock_event(session, case.id, now, what, row)


def _pause_when(desk: Desk, row: SlaClockRow) -> list[str]:
    policy = policy_of(desk, row.policy)
    return list(policy.pause_when) if policy else list(WAITING)


def on_status_change(
    session: Session, desk: Desk, case: Case, old: str, new: str, now: datetime
) -> None:
    """Moves the case's clocks up or down the status ladder (sopdesk.domain.sla_rules)."""
    if old == new:
        return
    rows = _clocks(session, case)
    states = [
        ClockState(
            Metric(r.metric),
            r.running_since is not None,
            r.stopped_at is not None,
            _pause_when(desk, r),
        )
        for r in rows.values()
    ]
    for metric, move in clock_moves(CaseStatus(old), CaseStatus(new), states):
        row = rows[metric.value]
        calendar = calendar_of(desk, row.calendar)
        clock = _domain(row)
        if move is ClockMove.STOP:
            moved = stop_clock(clock, now, calendar)
        elif move is ClockMove.PAUSE:
            moved = pause_clock(clock, now, calendar)
        elif move is ClockMove.REOPEN:
            moved = resume_clock(replace(clock, stopped_at=None, paused_at=now), now)
        else:
            moved = resume_clock(clock, now)
        _change(session, desk, case, row, moved, move.value, now)
    refresh_due(session, case)


def on_desk_reply(
    session: Session,
    desk: Desk,
    case: Case,
    now: datetime,
    origin: ReplyOrigin,
    *,
    to_customer: bool,
) -> None:
    """The desk's message stops the response clocks it meets (a person's answer only)."""
    metrics = metrics_met_by_reply(origin, to_customer)
    if not metrics:
        return
    rows = _clocks(session, case)
    for metric in metrics:
        row = rows.get(metric.value)
        if row is not None and row.stopped_at is None:
            clock = stop_clock(_domain(row), now, calendar_of(desk, row.calendar))
            _change(session, desk, case, row, clock, "stopped by a reply", now)
    refresh_due(session, case)


def on_customer_message(session: Session, desk: Desk, case: Case, now: datetime) -> None:
    """A customer writing after a reply starts (or restarts) the next-response clock."""
    rows = _clocks(session, case)
    first = rows.get(Metric.FIRST_RESPONSE.value)
    row = rows.get(Metric.NEXT_RESPONSE.value)
    state = (
        None
        if row is None
        else ClockState(
            Metric.NEXT_RESPONSE, row.running_since is not None, row.stopped_at is not None
        )
    )
    decision = next_response_on_customer_message(
        first is not None and first.stopped_at is None, state
    )
    if decision is NextResponse.START:
        _start(session, desk, case, Metric.NEXT_RESPONSE, now)
    elif decision is NextResponse.RESTART and row is not None:
        row.warned = row.breached = False
        _change(session, desk, case, row, restart_clock(_domain(row), now), "restarted", now)
    refresh_due(session, case)


def retarget_clocks(session: Session, desk: Desk, case: Case, now: datetime) -> list[SlaClockRow]:
    """After a change of priority, category, level or channel: each clock not yet stopped
    moves to the policy and target that apply now (a case raised to critical gets the
    critical target); a metric the case had no clock for starts if it is one of creation's.
    Returns the re-targeted clocks (their policy's start actions are the caller's)."""
    facts = _facts(session, case)
    chosen = policies_by_metric(desk.sla_policies, facts)
    rows = _clocks(session, case)
    retargeted: list[SlaClockRow] = []
    for metric, (policy, target) in chosen.items():
        row = rows.get(metric.value)
        if row is None:
            if metric in AT_CREATION and not _met_before(session, case, metric):
                _start(session, desk, case, metric, now, facts)
            continue
        if row.stopped_at is not None:
            continue
        calendar = calendar_of(desk, policy.calendar)
        clock = _domain(row)
        moved = retarget_clock(clock, policy, target, now, calendar)
        if moved.policy == clock.policy and moved.target_seconds == clock.target_seconds:
            continue
        row.policy, row.calendar, row.business = policy.id, policy.calendar, target.business
        row.target_seconds, row.warn_seconds = moved.target_seconds, moved.warn_seconds
        row.warned = row.warned and moved.warn_seconds == clock.warn_seconds
        _store(session, row, moved, calendar, now)
        record_clock_event(
            session,
            case.id,
            now,
            f"re-targeted under '{policy.title}'",
            row,
            target_seconds=moved.target_seconds,
        )
        retargeted.append(row)
    refresh_due(session, case)
    return retargeted


def _met_before(session: Session, case: Case, metric: Metric) -> bool:
    """A first response already given (a reply on the timeline) is never owed again."""
    if metric is not Metric.FIRST_RESPONSE:
        return False
    return case.status not in (CaseStatus.NEW.value,)
