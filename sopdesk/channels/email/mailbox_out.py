"""The `mailbox` mail transport: builds each mail as for SMTP and keeps it in the demo mailbox.

Chosen by SOPDESK_MAIL_TRANSPORT=mailbox (what `make run` sets for the demo desk): nothing
leaves the machine, nothing fails for want of a mail server, and /mailbox shows every message.
"""

from __future__ import annotations

from email.message import EmailMessage

from sopdesk.channels.email.config import MailSettings
from sopdesk.channels.email.outgoing import EmailSender
from sopdesk.domain.clock import Clock
from sopdesk.engine.jobs import Job, WorkContext
from sopdesk.engine.mailbox import EMAIL, keep_message
from sopdesk.store.blobs import BlobStore
from sopdesk.store.db import Database


def plain_text(message: EmailMessage) -> str:
    """The text/plain part of a mail as a reader sees it."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if isinstance(part, EmailMessage) else ""


class MailboxSender(EmailSender):
    """An EmailSender whose `send` keeps the message instead of speaking SMTP."""

    def __init__(
        self,
        settings: MailSettings,
        secret: str,
        blobs: BlobStore,
        *,
        db: Database,
        clock: Clock,
        public_url: str | None = None,
        link_days: int = 30,
    ) -> None:
        super().__init__(settings, secret, blobs, public_url=public_url, link_days=link_days)
        self.db = db
        self.clock = clock

    def __call__(self, job: Job, ctx: WorkContext) -> None:
        with ctx.db.transaction(write=False) as session:
            message = self.build(session, int(job.payload["event_id"]), ctx)
        if message is not None:
            self.keep(message, job.case_id)

    def send(self, message: EmailMessage) -> None:
        self.keep(message, None)

    def keep(self, message: EmailMessage, case_id: int | None) -> None:
        keep_message(
            self.db,
            self.clock.now(),
            key=str(message["Message-ID"] or ""),
            kind=EMAIL,
            case_id=case_id,
            recipient=str(message["To"] or ""),
            subject=str(message["Subject"] or ""),
            body=plain_text(message),
            source=message.as_string(),
        )
