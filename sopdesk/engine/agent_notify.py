"""Telling a case's agent that something they wait on happened (an approval was decided): an
internal note on the timeline, mailed to the assignee through the outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.principal import Principal
from sopdesk.engine.sla_notify import mail_notes
from sopdesk.engine.timeline import NewEvent
from sopdesk.store.models import Agent, Case


def notify_assignee(
    session: Session, case: Case, actor: Principal, text: str, key: str, now: datetime
) -> bool:
    """Mails `text` to the case's assignee (not when they acted themselves); False when the
    case has nobody to tell."""
    if case.assignee_id is None or case.assignee_id == actor.id:
        return False
    agent = session.get(Agent, case.assignee_id)
    if agent is None or not agent.active:
        return False
    note = NewEvent.of(
        case.id,
        EventKind.NOTE,
        now,
        Principal.system(),
        body=text,
        channel="email",
        data={
            "to": agent.email,
            "recipient": "team",
            "subject": f"[sopdesk] case #{case.id}: {text[:100]}",
            "notified": agent.id,
        },
    )
    mail_notes(session, [note], key, now)
    return True
