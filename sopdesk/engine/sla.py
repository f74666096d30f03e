"""SLA clocks in the store: start, pause, resume and stop them with the case, fire their timers.

Warnings and breaches fire from durable `timers` rows at their exact due instants (docs/sla.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.orm import Session

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.cases import CaseStatus, EventKind, Priority
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.sla import WAITING, SlaAction, SlaPolicy
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
from sopdesk.engine.outbox import OutboxKind, write_outbox
from sopdesk.engine.timeline import NewEvent, append_event
from sopdesk.engine.worker import HANDLERS, Job, WorkContext
from sopdesk.store.models import Case, Customer, SlaClockRow, Timer

WARN, BREACH = "sla.warn", "sla.breach"


def _calendar(desk: Desk, name: str) -> BusinessCalendar:
    return desk.business_calendar(name if name in desk.calendars else "business")


def _policy(desk: Desk, policy_id: str) -> SlaPolicy | None:
    return next((p for p in desk.sla_policies if p.id == policy_id), None)


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


def _event(
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
    calendar = _calendar(desk, policy.calendar)
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
    _event(session, case.id, now, "started", row, target_seconds=clock.target_seconds)
    return row


_AT_CREATION = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
_CLOCKS = cast(Table, SlaClockRow.__table__)
_INSERT_CLOCKS = insert(_CLOCKS).returning(_CLOCKS.c.id, sort_by_parameter_order=True)
_INSERT_TIMERS = insert(cast(Table, Timer.__table__))


def plan_case_clocks(desk: object, facts: SlaFacts, now: datetime) -> list[dict[str, Any]]:
    """At creation: first response and resolution start (next response waits for a reply).

    The `sla_clocks` rows, computed before the case has an id (the case's due time is the
    earliest of theirs); `write_case_clocks` writes them with their timers and events.
    """
    if not isinstance(desk, Desk) or not desk.sla_policies:
        return []
    chosen = policies_by_metric(desk.sla_policies, facts)
    rows = []
    for metric in _AT_CREATION:
        if metric not in chosen:
            continue
        policy, target = chosen[metric]
        calendar = _calendar(desk, policy.calendar)
        clock = start_clock(policy, metric, target, now, calendar)
        rows.append(
            {
                "policy": policy.id,
                "metric": metric.value,
                "calendar": policy.calendar,
                "business": target.business,
                "target_seconds": clock.target_seconds,
                "warn_seconds": clock.warn_seconds,
                "consumed_seconds": clock.consumed_seconds,
                "started_at": clock.started_at,
                "running_since": clock.running_since,
                "paused_at": None,
                "stopped_at": None,
                "due_at": clock.due_at(calendar),
                "warn_at": clock.warn_at(calendar),
                "warned": False,
                "breached": False,
                "breached_at": None,
                "token": 1,  # the first running stretch, as `_store` numbers them
            }
        )
    return rows


def write_case_clocks(
    session: Session, case_id: int, clocks: list[dict[str, Any]], now: datetime
) -> list[NewEvent]:
    """Inserts a new case's clocks (from `plan_case_clocks`) and their warning and breach
    timers; returns the clocks' "started" events for the caller to append with the others."""
    if not clocks:
        return []
    rows = [{**c, "case_id": case_id} for c in clocks]
    # One row as a plain INSERT … RETURNING: the batched form costs more for a single row.
    ids = session.execute(_INSERT_CLOCKS, rows if len(rows) > 1 else rows[0]).scalars()
    timers = []
    events = []
    for clock_id, clock in zip(ids, clocks, strict=True):
        for kind, due in ((WARN, clock["warn_at"]), (BREACH, clock["due_at"])):
            if due is not None:
                timers.append(
                    {
                        "due_at": due,
                        "kind": kind,
                        "case_id": case_id,
                        "payload": {"clock_id": clock_id, "token": clock["token"]},
                        "attempts": 0,
                        "created_at": now,
                    }
                )
        due_at = clock["due_at"]
        events.append(
            NewEvent.of(
                case_id,
                EventKind.SLA_EVENT,
                now,
                Principal.system(),
                body=f"{clock['metric'].replace('_', ' ')} clock ({clock['policy']}): started",
                data={
                    "sla": "started",
                    "metric": clock["metric"],
                    "policy": clock["policy"],
                    "due_at": due_at.isoformat() if due_at else None,
                    "target_seconds": clock["target_seconds"],
                },
            )
        )
    if timers:
        session.execute(_INSERT_TIMERS, timers)
    return events


def _change(
    session: Session,
    desk: Desk,
    case: Case,
    row: SlaClockRow,
    clock: SlaClock,
    what: str,
    now: datetime,
) -> None:
    _store(session, row, clock, _calendar(desk, row.calendar), now)
    _event(session, case.id, now, what, row)


def on_status_change(
    session: Session, desk: object, case: Case, old: str, new: str, now: datetime
) -> None:
    """Closing statuses stop every clock; a policy's pause statuses pause its clocks; any other
    open status resumes them, and reopening a solved case resumes its resolution clock."""
    if not isinstance(desk, Desk) or old == new:
        return
    status = CaseStatus(new)
    for row in _clocks(session, case).values():
        calendar = _calendar(desk, row.calendar)
        clock = _domain(row)
        policy = _policy(desk, row.policy)
        pausing = policy.pause_when if policy else list(WAITING)
        if not status.is_open:
            if clock.stopped_at is None:
                _change(session, desk, case, row, stop_clock(clock, now, calendar), "stopped", now)
        elif new in pausing:
            if clock.running:
                _change(session, desk, case, row, pause_clock(clock, now, calendar), "paused", now)
        elif clock.stopped_at is not None:
            if row.metric == Metric.RESOLUTION.value and not CaseStatus(old).is_open:
                reopened = resume_clock(replace(clock, stopped_at=None, paused_at=now), now)
                _change(session, desk, case, row, reopened, "resumed", now)
        elif not clock.running:
            _change(session, desk, case, row, resume_clock(clock, now), "resumed", now)
    refresh_due(session, case)


def on_agent_reply(session: Session, desk: object, case: Case, now: datetime) -> None:
    """An agent's reply meets the first-response and next-response targets."""
    if not isinstance(desk, Desk):
        return
    for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE):
        row = _clocks(session, case).get(metric.value)
        if row is not None and row.stopped_at is None:
            clock = stop_clock(_domain(row), now, _calendar(desk, row.calendar))
            _change(session, desk, case, row, clock, "stopped by a reply", now)
    refresh_due(session, case)


def on_customer_message(session: Session, desk: object, case: Case, now: datetime) -> None:
    """A customer writing (e-mail, portal note) after a reply starts the next-response clock."""
    if not isinstance(desk, Desk):
        return
    rows = _clocks(session, case)
    first = rows.get(Metric.FIRST_RESPONSE.value)
    if first is not None and first.stopped_at is None:
        return  # still waiting for the first reply: that clock covers this message too
    row = rows.get(Metric.NEXT_RESPONSE.value)
    if row is None:
        _start(session, desk, case, Metric.NEXT_RESPONSE, now)
    elif row.stopped_at is not None:
        row.warned = row.breached = False
        _change(session, desk, case, row, restart_clock(_domain(row), now), "restarted", now)
    refresh_due(session, case)


def customer_wrote(
    session: Session, desk: object, case: Case, old_status: str, now: datetime
) -> None:
    """For channels that reopen a case themselves: the status change, then the message."""
    on_status_change(session, desk, case, old_status, case.status, now)
    on_customer_message(session, desk, case, now)


# --- firing ---------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def _render(template: str, case: Case, row: SlaClockRow) -> str:
    values = {
        ("case", "id"): str(case.id),
        ("case", "number"): str(case.id),
        ("case", "subject"): case.subject,
        ("case", "level"): str(case.level),
        ("case", "priority"): case.priority,
        ("sla", "metric"): row.metric.replace("_", " "),
        ("sla", "policy"): row.policy,
        ("sla", "due_at"): row.due_at.isoformat() if row.due_at else "",
    }
    return _PLACEHOLDER.sub(lambda m: values.get((m[1], m[2]), m[0]), template)


def _run_actions(
    session: Session,
    case: Case,
    row: SlaClockRow,
    actions: list[SlaAction],
    what: str,
    now: datetime,
) -> None:
    system = Principal.system()
    for i, action in enumerate(actions):
        if action.set_priority and Priority(action.set_priority).rank > case.priority_rank:
            old = case.priority
            case.priority, case.priority_rank = (
                action.set_priority,
                Priority(action.set_priority).rank,
            )
            append_event(
                session,
                case.id,
                EventKind.FIELD_CHANGE,
                now,
                system,
                body=f"SLA {what} of {row.metric}",
                data={"field": "priority", "from": old, "to": case.priority},
            )
        if action.escalate_to and action.escalate_to > case.level:
            old_level, case.level = case.level, action.escalate_to
            append_event(
                session,
                case.id,
                EventKind.ROUTING,
                now,
                system,
                body=f"level {case.level} because: SLA {what} of {row.metric} ({row.policy})",
                data={"level": case.level, "from": old_level},
            )
        if action.add_tags:
            case.tags = sorted({*(case.tags or []), *action.add_tags})
        if action.notify:
            write_outbox(
                session,
                OutboxKind.CHAT,
                key=f"sla:{row.id}:{row.token}:{what}:{i}",
                case_id=case.id,
                payload={
                    "channel": action.notify,
                    "text": _render(action.message or "", case, row),
                },
                now=now,
            )
    case.updated_at = now


@dataclass(frozen=True)
class Fired:
    what: str
    late_seconds: float


def fire_sla_timer(job: Job, ctx: WorkContext) -> Fired | None:
    """Records a warning or breach if the timer is still current; a stale one does nothing."""
    what = "warning" if job.kind == WARN else "breach"
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        row = session.get(SlaClockRow, int(job.payload["clock_id"]), with_for_update=True)
        if row is None or row.token != job.payload.get("token") or row.running_since is None:
            return None
        if (row.warned if what == "warning" else row.breached) or row.stopped_at is not None:
            return None
        due = row.warn_at if what == "warning" else row.due_at
        assert due is not None  # a running clock has both instants it had a timer for
        case = session.get(Case, row.case_id)
        assert case is not None  # the clock's row cascades with its case
        if what == "warning":
            row.warned = True
        else:
            row.breached, row.breached_at = True, now
        late = (now - due).total_seconds()
        _event(session, case.id, now, what, row, late_seconds=late)
        desk = ctx.desk if isinstance(ctx.desk, Desk) else None
        policy = _policy(desk, row.policy) if desk else None
        if policy is not None:
            actions = policy.on_warning if what == "warning" else policy.on_breach
            _run_actions(session, case, row, actions, what, now)
        return Fired(what, late)


def _handle(job: Job, ctx: WorkContext) -> None:
    fire_sla_timer(job, ctx)


HANDLERS.add(WARN, _handle)
HANDLERS.add(BREACH, _handle)


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    metric: str
    policy: str
    state: str  # running, paused or stopped
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    consumed_seconds: float
    target_seconds: float
    warned: bool
    breached: bool
    stopped_at: datetime | None

    @classmethod
    def of(cls, row: SlaClockRow) -> ClockView:
        state = "stopped" if row.stopped_at else "running" if row.running_since else "paused"
        return cls(
            row.metric,
            row.policy,
            state,
            row.started_at,
            row.due_at,
            row.warn_at,
            row.consumed_seconds,
            row.target_seconds,
            row.warned,
            row.breached,
            row.stopped_at,
        )


def read_clocks(session: Session, case_id: int) -> list[ClockView]:
    rows = session.scalars(
        select(SlaClockRow).where(SlaClockRow.case_id == case_id).order_by(SlaClockRow.id)
    )
    return [ClockView.of(r) for r in rows]


def at_risk_query(now: datetime, until: datetime) -> Select[int, datetime | None]:
    """Running clocks due in (now, until] (earlier ones have breached): a range scan of an index."""
    return (
        select(SlaClockRow.case_id, SlaClockRow.due_at)
        .where(SlaClockRow.due_at > now, SlaClockRow.due_at <= until)
        .order_by(SlaClockRow.due_at)
    )
