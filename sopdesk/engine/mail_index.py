"""Looking up mail facts in the database: Message-IDs of case events, senders' customers.

Deliveries live in the email_messages table, unique by Message-ID, sender and content
(`delivery_key`), so a duplicate is a constraint violation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import IdentityKind
from sopdesk.domain.identity import email_address, normalise_email
from sopdesk.domain.mail_threading import CaseFacts, read_reply_tokens
from sopdesk.engine.linked_accounts import linked_ids
from sopdesk.errors import InvalidInput
from sopdesk.store.models import Case, CaseEvent, Customer, CustomerIdentity, EmailMessage

MAX_MESSAGE_ID = 998


def seen_delivery(session: Session, key: str) -> EmailMessage | None:
    """The record of this mail (Message-ID, sender and content: `delivery_key`), if seen."""
    return session.scalars(select(EmailMessage).where(EmailMessage.delivery_key == key)).first()


def record_message_id(
    session: Session,
    message_id: str,
    key: str,
    case_id: int,
    event_id: int,
    direction: str,
    now: datetime,
) -> None:
    """Claims a delivery for an event; a concurrent claim of the same mail fails on flush."""
    session.add(
        EmailMessage(
            message_id=message_id[:MAX_MESSAGE_ID],
            delivery_key=key,
            case_id=case_id,
            event_id=event_id,
            direction=direction,
            created_at=now,
        )
    )
    session.flush()


def cases_for_message_ids(session: Session, ids: Sequence[str], secret: str) -> list[int]:
    """Cases the Message-IDs belong to, in the order given: our own outgoing IDs carry a token,
    other IDs are looked up on the timeline."""
    found: list[int] = []
    unknown: list[str] = []
    for mid in ids:
        own = read_reply_tokens([mid], secret)
        if own:
            found += [case_id for case_id in own if case_id not in found]
        else:
            unknown.append(mid)
    if unknown:
        rows = session.execute(
            select(EmailMessage.message_id, EmailMessage.case_id)
            .where(EmailMessage.message_id.in_([m[:MAX_MESSAGE_ID] for m in unknown[:100]]))
            .order_by(EmailMessage.id)
        ).all()
        by_id: dict[str, int] = {}
        for mid, case_id in rows:  # a Message-ID reused by another sender: the first one counts
            by_id.setdefault(mid, case_id)
        found += [by_id[mid] for mid in unknown if mid in by_id and by_id[mid] not in found]
    return found


def sender_customers(session: Session, email: str | None) -> frozenset[int]:
    """Customers this address belongs to (any e-mail identity), with their linked accounts."""
    if not email:
        return frozenset()
    try:
        address, mailbox = normalise_email(email), email_address(email)
    except InvalidInput:
        return frozenset()
    direct = set(
        session.scalars(
            select(CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == IdentityKind.EMAIL.value,
                CustomerIdentity.normalized == address,
            )
        )
    )
    direct |= set(session.scalars(select(Customer.id).where(Customer.email == mailbox)))
    family = set(direct)
    for customer_id in direct:
        family.update(linked_ids(session, customer_id))
    return frozenset(family)


def _facts(case: Case) -> CaseFacts:
    return CaseFacts(case.id, case.customer_id, case.subject, case.status, case.updated_at)


def case_facts(session: Session, ids: Iterable[int]) -> dict[int, CaseFacts]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {c.id: _facts(c) for c in session.scalars(select(Case).where(Case.id.in_(wanted)))}


def recent_cases(
    session: Session, customer_ids: Iterable[int], since: datetime, limit: int = 50
) -> list[CaseFacts]:
    """The customers' cases with activity since `since`, newest first."""
    ids = sorted(set(customer_ids))
    if not ids:
        return []
    query = (
        select(Case)
        .where(Case.customer_id.in_(ids), or_(Case.updated_at >= since, Case.created_at >= since))
        .order_by(Case.updated_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return [_facts(c) for c in session.scalars(query)]


def last_inbound(session: Session, case_id: int) -> CaseEvent | None:
    """The case's latest inbound mail (outgoing replies answer it)."""
    return session.scalars(
        select(CaseEvent)
        .join(EmailMessage, EmailMessage.event_id == CaseEvent.id)
        .where(EmailMessage.case_id == case_id, EmailMessage.direction == "in")
        .order_by(EmailMessage.id.desc())
        .limit(1)
    ).first()
