"""The demo mailbox: keeps what the desk would have sent (mail, chat posts) in a table.

The `mailbox` mail transport (SOPDESK_MAIL_TRANSPORT=mailbox, used by `make run`) writes here
instead of reaching an SMTP server or a chat webhook; the console's /mailbox page reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from sopdesk.errors import NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import MailboxMessage

EMAIL = "email"
CHAT = "chat"


@dataclass(frozen=True)
class MailboxEntry:
    id: int
    kind: str
    case_id: int | None
    recipient: str
    subject: str
    body: str
    source: str
    created_at: datetime


def keep_message(
    db: Database,
    now: datetime,
    *,
    key: str,
    kind: str,
    case_id: int | None,
    recipient: str,
    subject: str,
    body: str,
    source: str = "",
) -> bool:
    """Keeps one message; a second call with the same key (a retried outbox row) adds
    nothing. True when it was new."""
    with db.transaction() as session:
        if session.scalar(select(MailboxMessage.id).where(MailboxMessage.key == key)):
            return False
        session.add(
            MailboxMessage(
                key=key[:300],
                kind=kind,
                case_id=case_id,
                recipient=recipient[:320],
                subject=subject[:500],
                body=body,
                source=source,
                created_at=now,
            )
        )
    return True


def _entry(row: MailboxMessage) -> MailboxEntry:
    return MailboxEntry(
        row.id,
        row.kind,
        row.case_id,
        row.recipient,
        row.subject,
        row.body,
        row.source,
        row.created_at,
    )


def list_mailbox(db: Database, *, kind: str | None = None, limit: int = 100) -> list[MailboxEntry]:
    """The newest messages first (all kinds, or only `email` or `chat`)."""
    with db.transaction(write=False) as session:
        query = select(MailboxMessage).order_by(MailboxMessage.id.desc()).limit(limit)
        if kind:
            query = query.where(MailboxMessage.kind == kind)
        return [_entry(row) for row in session.scalars(query)]


def count_mailbox(db: Database) -> dict[str, int]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(MailboxMessage.kind, func.count()).group_by(MailboxMessage.kind)
        )
        return {str(kind): int(n) for kind, n in rows}


def mailbox_message(db: Database, message_id: int) -> MailboxEntry:
    with db.transaction(write=False) as session:
        row = session.get(MailboxMessage, message_id)
        if row is None:
            raise NotFound(f"message {message_id} is not in the demo mailbox")
        return _entry(row)
