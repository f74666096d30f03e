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
MAINTENANCE = "maintenance"


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


def notify_subscribers(
    session: Session,
    now: datetime,
    *,
    update_id: int | None = None,
    maintenance_id: int | None = None,
) -> None:
    """One outbox row per confirmed subscriber for this incident update or maintenance window,
    in the caller's transaction."""
    if update_id is not None:
        key, payload = f"status-update:{update_id}", {"mail": UPDATE, "update_id": update_id}
    elif maintenance_id is not None:
        key = f"status-maintenance:{maintenance_id}"
        payload = {"mail": MAINTENANCE, "maintenance_id": maintenance_id}
    else:
        raise ValueError("notify_subscribers needs an update or a maintenance window")
    ids = session.scalars(
        select(StatusSubscriber.id)
        .where(StatusSubscriber.confirmed_at.is_not(None))
        .order_by(StatusSubscriber.id)
    ).all()
    for subscriber_id in ids:
        write_outbox(
            session,
            OutboxKind.STATUS_MAIL,
            key=f"{key}:{subscriber_id}",
            case_id=None,
            payload={**payload, "subscriber_id": subscriber_id},
            now=now,
        )
