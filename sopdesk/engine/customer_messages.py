"""The case core's "a customer wrote": a message from the customer (e-mail, the case link, the
widget, a call or message an agent logs) on the timeline, and what follows from it.

A case waiting for the customer or solved opens again, the next-response clock starts, and a
playbook run waiting for the customer's reply moves on, all in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sopdesk.domain.cases import CaseStatus, EventKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import status_after_customer_message
from sopdesk.engine import sla
from sopdesk.engine.case_fields import set_fields
from sopdesk.engine.playbooks import feed_reply
from sopdesk.engine.timeline import append_event
from sopdesk.store.models import Case, CaseEvent


def customer_wrote(
    session: Session,
    desk: Desk,
    case: Case,
    author: Principal,
    now: datetime,
    *,
    body: str,
    channel: str,
    data: dict[str, Any] | None = None,
    automatic: bool = False,
) -> CaseEvent:
    """Records the customer's message (`author` is the customer, or the agent who logged it)
    and applies what follows. An `automatic` message (auto-reply, bounce) is only recorded."""
    event = append_event(
        session,
        case.id,
        EventKind.MESSAGE_IN,
        now,
        author,
        body=body,
        channel=channel,
        data=data or {},
    )
    session.flush()
    if not automatic:
        status = status_after_customer_message(CaseStatus(case.status), automatic)
        if status.value != case.status:
            set_fields(session, desk, case, {"status": status}, author, now)
        sla.on_customer_message(session, desk, case, now)
        answer = (data or {}).get("confirm_answer")  # a yes or no button of the case link
        feed_reply(session, desk, case, "customer", now, author, text=body, answer=answer)
    case.updated_at = now
    return event
