"""Reminding a partner of an overdue task: a durable timer set when a playbook opens the task
(`partner.reminder`, at its due time) mails the partner if the task is still open then.

The mail goes through the case core (`desk_replied`, recipient `partner`) and is on the
case's timeline; it answers nobody (automatic), and a repeated firing sends nothing twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import ActorKind, EventKind
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import ReplyOrigin
from sopdesk.engine.jobs import Job, WorkContext
from sopdesk.engine.partner_tasks import TASK_PREFIX
from sopdesk.engine.playbook_effects import PARTNER_REMINDER_KIND
from sopdesk.engine.replies import OutgoingMessage, desk_replied
from sopdesk.engine.worker import HANDLERS
from sopdesk.store.models import Case, CaseEvent, OutboxMessage, Partner


def _answered(session: Session, case_id: int, task_id: int) -> bool:
    """Whether the partner answered this task (a `message_in` by a partner naming it). The run
    may have moved on without an answer (its on_overdue step): the shop is reminded then too."""
    answers = session.scalars(
        select(CaseEvent.data).where(
            CaseEvent.case_id == case_id,
            CaseEvent.kind == EventKind.MESSAGE_IN.value,
            CaseEvent.actor_kind == ActorKind.PARTNER.value,
        )
    )
    return any((data or {}).get("task_id") == task_id for data in answers)


def reminder_key(job: Job) -> str:
    return f"partner-reminder:{job.payload.get('task_event_id')}"


def remind_partner(job: Job, ctx: WorkContext) -> None:
    """Mails the case's partner that its task is overdue, unless it was answered or closed."""
    if ctx.desk is None:
        raise RuntimeError("partner reminders need the desk loaded in the worker")
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        key = reminder_key(job)
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
            return  # fired before (a crash between sending and deleting the timer)
        case = session.get(Case, job.case_id) if job.case_id else None
        task = session.get(CaseEvent, int(job.payload["task_event_id"]))
        if case is None or task is None or _answered(session, case.id, task.id):
            return  # answered already: nothing to remind
        partner = session.get(Partner, case.partner_id) if case.partner_id else None
        if partner is None or not partner.email:
            return
        title = (task.body or "").removeprefix(TASK_PREFIX).strip()
        body = (
            f"Hello {partner.name},\n\nthis task from support is overdue: {title}\n"
            f"Case #{case.id}: {case.subject}\n\n"
            "Please answer it in the partner portal as soon as you can.\n"
        )
        message = OutgoingMessage(
            body=body,
            channel="email",
            recipient="partner",
            to=partner.email,
            subject=f"Reminder: {title}",
            data={"reminder": True, "task_event_id": task.id},
        )
        desk_replied(
            session,
            ctx.desk,
            case,
            message,
            Principal.system(),
            now,
            ReplyOrigin.AUTOMATIC,
            key=key,
        )


HANDLERS.add(PARTNER_REMINDER_KIND, remind_partner)
