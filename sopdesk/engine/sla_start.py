"""SLA clocks at a case's creation: planned before the case row has an id (its due time is
the earliest of theirs), then written with their timers, "started" events and `on_start`
pages in a few batched INSERTs (the intake path; sopdesk.engine.sla applies later changes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.cases import EventKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.sla import SlaPolicy
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla import Metric, SlaFacts, policies_by_metric, start_clock
from sopdesk.engine.sla_notify import notify_for_clock
from sopdesk.engine.timeline import NewEvent
from sopdesk.store.models import SlaClockRow, Timer

WARN, BREACH = "sla.warn", "sla.breach"


def calendar_of(desk: Desk, name: str) -> BusinessCalendar:
    """The business calendar a policy names (the desk's "business" one if it names none)."""
    return desk.business_calendar(name if name in desk.calendars else "business")


def policy_of(desk: Desk, policy_id: str) -> SlaPolicy | None:
    return next((p for p in desk.sla_policies if p.id == policy_id), None)


AT_CREATION = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
_CLOCKS = cast(Table, SlaClockRow.__table__)
_INSERT_CLOCKS = insert(_CLOCKS).returning(_CLOCKS.c.id, sort_by_parameter_order=True)
_INSERT_TIMERS = insert(cast(Table, Timer.__table__))


def plan_case_clocks(desk: Desk, facts: SlaFacts, now: datetime) -> list[dict[str, Any]]:
    """At creation: first response and resolution start (next response waits for a reply).

    The `sla_clocks` rows, computed before the case has an id (the case's due time is the
    earliest of theirs); `write_case_clocks` writes them with their timers and events.
    """
    if not desk.sla_policies:
        return []
    chosen = policies_by_metric(desk.sla_policies, facts)
    rows = []
    for metric in AT_CREATION:
        if metric not in chosen:
            continue
        policy, target = chosen[metric]
        calendar = calendar_of(desk, policy.calendar)
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
    session: Session, desk: Desk, case: dict[str, Any], clocks: list[dict[str, Any]], now: datetime
) -> tuple[list[NewEvent], list[NewEvent]]:
    """Inserts a new case's clocks (from `plan_case_clocks`) and their warning and breach
    timers, and queues their policies' start notifications (e.g. paging the on-call rota for a
    critical case). Returns the clocks' "started" events for the caller to append with the
    others, and the notes of start mails (for `mail_notes`, which needs their ids)."""
    if not clocks:
        return [], []
    case_id = int(case["id"])
    rows = [{**c, "case_id": case_id} for c in clocks]
    # One row as a plain INSERT … RETURNING: the batched form costs more for a single row.
    ids = session.execute(_INSERT_CLOCKS, rows if len(rows) > 1 else rows[0]).scalars()
    timers = []
    events: list[NewEvent] = []
    mails: list[NewEvent] = []
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
        policy = policy_of(desk, clock["policy"])
        if policy is not None and policy.on_start:
            stored = {**clock, "id": clock_id}
            notify = [(a.notify, a.message or "") for a in policy.on_start if a.notify]
            mail = [(a.email, a.message or "") for a in policy.on_start if a.email]
            mails += notify_for_clock(session, case, stored, notify, mail, "start", now)
    if timers:
        session.execute(_INSERT_TIMERS, timers)
    return events, mails
