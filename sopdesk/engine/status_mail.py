"""Status-page subscriptions: sign up (double opt-in), confirm, leave, and the outbox rows that
mail each confirmed subscriber an incident's updates.

The signed confirm and leave links are made by the mail handler (sopdesk.channels.status_mail),
which has the secret; the rows here name only the subscriber and what to send.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.clock import Clock
from sopdesk.engine.outbox import OutboxKind, write_outbox
from sopdesk.store.db import Database
from sopdesk.store.models import StatusSubscriber

CONFIRM = "confirm"
UPDATE = "update"


class Subscribe(BaseModel):
    email: EmailStr


def do_subscribe(db: Database, clock: Clock, command: Subscribe) -> None:
    """Records the address unconfirmed and mails it the confirmation link. An address already
    confirmed gets nothing, so the form never tells a stranger who is subscribed."""
    now = clock.now()
    email = command.email.lower()
    with db.transaction() as session:
        row = session.scalar(select(StatusSubscriber).where(StatusSubscriber.email == email))
        if row is None:
            row = StatusSubscriber(email=email, created_at=now, confirmed_at=None)
            session.add(row)
            session.flush()
        elif row.confirmed_at is not None:
            return
        write_outbox(
            session,
            OutboxKind.STATUS_MAIL,
            key=f"status-confirm:{row.id}:{now.isoformat()}",
            case_id=None,
            payload={"mail": CONFIRM, "subscriber_id": row.id},
            now=now,
        )


def do_confirm(db: Database, clock: Clock, subscriber_id: int, email: str) -> bool:
    """Confirms the subscription the signed link names; False when it is gone."""
    with db.transaction() as session:
        row = session.get(StatusSubscriber, subscriber_id)
        if row is None or row.email != email:
            return False
        if row.confirmed_at is None:
            row.confirmed_at = clock.now()
        return True


def do_unsubscribe(db: Database, subscriber_id: int, email: str) -> None:
    """Forgets the address (leaving twice is fine)."""
    with db.transaction() as session:
        row = session.get(StatusSubscriber, subscriber_id)
        if row is not None and row.email == email:
            session.delete(row)


def notify_subscribers(session: Session, update_id: int, now: datetime) -> None:
    """One outbox row per confirmed subscriber for this incident update, in the caller's
    transaction."""
    ids = session.scalars(
        select(StatusSubscriber.id)
        .where(StatusSubscriber.confirmed_at.is_not(None))
        .order_by(StatusSubscriber.id)
    ).all()
    for subscriber_id in ids:
        write_outbox(
            session,
            OutboxKind.STATUS_MAIL,
            key=f"status-update:{update_id}:{subscriber_id}",
            case_id=None,
            payload={"mail": UPDATE, "subscriber_id": subscriber_id, "update_id": update_id},
            now=now,
        )
