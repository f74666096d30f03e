"""Firing SLA clocks' warning and breach timers: record the event once, then the policy's
actions (priority up, level up, tags, chat and mail) through the case core.

Registered on the worker's handlers; a stale timer (the clock moved on since) does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.domain.cases import Priority
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import breach_outcome
from sopdesk.engine.case_fields import set_fields
from sopdesk.engine.jobs import HANDLERS, Job, WorkContext
from sopdesk.engine.sla import BREACH, WARN, policy_of, record_clock_event
from sopdesk.engine.sla_notify import case_values, mail_notes, notify_for_clock
from sopdesk.store.models import Case, SlaClockRow


@dataclass(frozen=True)
class Fired:
    what: str
    late_seconds: float


def fire_sla_timer(job: Job, ctx: WorkContext) -> Fired | None:
    """Records a warning or breach if the timer is still current; a stale one does nothing."""
    desk = ctx.desk
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
        record_clock_event(session, case.id, now, what, row, late_seconds=late)
        policy = policy_of(desk, row.policy)
        if policy is None:
            return Fired(what, late)
        actions = policy.on_warning if what == "warning" else policy.on_breach
        outcome = breach_outcome(actions, Priority(case.priority), case.level, case.tags or [])
        clock = {
            "id": row.id,
            "token": row.token,
            "metric": row.metric,
            "policy": row.policy,
            "due_at": row.due_at,
        }
        values = case_values(case, desk.timezone)
        notes = notify_for_clock(session, values, clock, outcome.notify, outcome.mail, what, now)
        mail_notes(session, notes, f"sla:{row.id}:{row.token}:{what}", now)
        if outcome.changes:
            reason = f"SLA {what} of {row.metric.replace('_', ' ')} ({row.policy})"
            set_fields(session, desk, case, outcome.changes, Principal.system(), now, reason=reason)
        return Fired(what, late)


def _handle(job: Job, ctx: WorkContext) -> None:
    fire_sla_timer(job, ctx)


HANDLERS.add(WARN, _handle)
HANDLERS.add(BREACH, _handle)
