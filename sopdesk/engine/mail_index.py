"""Looking up mail facts in the database: Message-IDs of case events, senders' customers.

Message-IDs live in CaseEvent.data["message_id"] until they get an indexed table of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind, IdentityKind
from sopdesk.domain.mail_threading import CaseFacts, read_reply_tokens
from sopdesk.engine.customers import linked_ids, normalise_email
from sopdesk.store.models import Case, CaseEvent, Customer, CustomerIdentity

MAIL_KINDS = (EventKind.MESSAGE_IN.value, EventKind.MESSAGE_OUT.value)


def _message_id_column() -> ColumnElement[str]:
    return CaseEvent.data["message_id"].as_string()


def event_with_message_id(session: Session, message_id: str) -> CaseEvent | None:
    """The timeline event that recorded this Message-ID, if any (duplicate detection)."""
    return session.scalars(
        select(CaseEvent)
        .where(CaseEvent.kind.in_(MAIL_KINDS), _message_id_column() == message_id)
        .order_by(CaseEvent.id)
        .limit(1)
    ).first()


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
            select(_message_id_column(), CaseEvent.case_id).where(
                CaseEvent.kind.in_(MAIL_KINDS), _message_id_column().in_(unknown[:100])
            )
        ).all()
        by_id = {mid: case_id for mid, case_id in rows}
        found += [by_id[mid] for mid in unknown if mid in by_id and by_id[mid] not in found]
    return found


def sender_customers(session: Session, email: str | None) -> frozenset[int]:
    """Customers this address belongs to (any e-mail identity), with their linked accounts."""
    if not email:
        return frozenset()
    address = normalise_email(email)
    direct = set(
        session.scalars(
            select(CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == IdentityKind.EMAIL.value,
                CustomerIdentity.normalized == address,
            )
        )
    )
    direct |= set(session.scalars(select(Customer.id).where(Customer.email == address)))
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
        .where(
            CaseEvent.case_id == case_id,
            CaseEvent.kind == EventKind.MESSAGE_IN.value,
            _message_id_column().is_not(None),
        )
        .order_by(CaseEvent.id.desc())
        .limit(1)
    ).first()
