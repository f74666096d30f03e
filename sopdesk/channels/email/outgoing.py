"""Outgoing e-mail: the worker's handler for replies, building MIME and sending over SMTP.

Every mail carries the case token twice (reply address and header) and threads on the last
inbound message; 4xx and network trouble are retried, 5xx is permanent.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.channels.email.config import MailSettings
from sopdesk.domain.links import case_link
from sopdesk.domain.mail_threading import (
    CASE_HEADER,
    make_reply_token,
    outgoing_message_id,
    reply_address,
    subject_key,
    subject_with_tag,
)
from sopdesk.engine.mail_index import last_inbound
from sopdesk.engine.outbox import OutboxKind
from sopdesk.engine.worker import HandlerRegistry, Job, WorkContext
from sopdesk.errors import SopdeskError
from sopdesk.store.blobs import BlobStore
from sopdesk.store.models import Attachment, Case, CaseEvent, Customer

EMAIL_KINDS = (OutboxKind.MESSAGE.value,)
MAX_REFERENCES = 20


class DeliveryError(SopdeskError):
    """Sending failed; `permanent` says whether trying again can help."""

    permanent = False


class TemporaryDeliveryError(DeliveryError):
    title = "Temporary delivery failure"


class PermanentDeliveryError(DeliveryError):
    title = "Permanent delivery failure"
    permanent = True


def text_to_html(text: str) -> str:
    """The HTML alternative of a plain reply: escaped paragraphs with line breaks."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
    return f'<!doctype html>\n<html><body style="font-family:sans-serif">\n{body}</body></html>\n'


class EmailSender:
    """Delivers `message.out` rows of the e-mail channel."""

    def __init__(
        self,
        settings: MailSettings,
        secret: str,
        blobs: BlobStore,
        *,
        public_url: str | None = None,
        link_days: int = 30,
    ) -> None:
        self.settings = settings
        self.secret = secret
        self.blobs = blobs
        self.public_url = public_url
        self.link_days = link_days

    def register(self, registry: HandlerRegistry) -> None:
        for kind in EMAIL_KINDS:
            registry.add(kind, self)

    def __call__(self, job: Job, ctx: WorkContext) -> None:
        # Every `message.out` row is a mail: the route was decided when it was written
        # (engine/delivery.py), so nothing is marked delivered without being sent.
        with ctx.db.transaction(write=False) as session:
            message = self.build(session, int(job.payload["event_id"]), ctx)
        if message is not None:
            self.send(message)

    def build(self, session: Session, event_id: int, ctx: WorkContext) -> EmailMessage | None:
        """The MIME message for one outgoing timeline event (None if it has no recipient)."""
        event = session.get(CaseEvent, event_id)
        if event is None:
            raise PermanentDeliveryError(f"timeline event {event_id} does not exist")
        case = session.get(Case, event.case_id)
        customer = session.get(Customer, case.customer_id) if case else None
        data: dict[str, Any] = dict(event.data or {})
        to = data.get("to") or (customer.email if customer else None)
        if case is None or not to:
            raise PermanentDeliveryError(f"case of event {event_id} has no customer e-mail")
        settings = self.settings
        msg = EmailMessage()
        msg["From"] = formataddr((settings.mail_from_name, settings.mail_from))
        msg["To"] = to
        msg["Reply-To"] = reply_address(settings.mail_from, case.id, self.secret)
        subject = data.get("subject") or f"Re: {case.subject}"
        if not subject_key(subject) and case.subject:
            subject = f"Re: {case.subject}"
        msg["Subject"] = subject_with_tag(subject, case.id)
        msg["Date"] = format_datetime(ctx.clock.now())
        msg["Message-ID"] = outgoing_message_id(
            case.id, event.id, self.secret, settings.mail_domain
        )
        msg[CASE_HEADER] = make_reply_token(case.id, self.secret)
        inbound = last_inbound(session, case.id)
        if inbound is not None:
            parent = str(inbound.data["message_id"])
            if not parent.startswith("sha256:"):
                older = [str(r) for r in inbound.data.get("references", [])]
                chain = [*older, parent][-MAX_REFERENCES:]
                msg["In-Reply-To"] = f"<{parent}>"
                msg["References"] = " ".join(f"<{mid}>" for mid in chain)
        text = event.body or ""
        if (
            self.public_url
            and customer is not None
            and data.get("recipient", "customer") == ("customer")
        ):
            link = case_link(
                self.public_url, self.secret, case.id, customer.id, ctx.clock.now(), self.link_days
            )
            text = f"{text.rstrip()}\n\nYour case, your replies and documents: {link}\n"
        msg.set_content(text)
        msg.add_alternative(data.get("html") or text_to_html(text), subtype="html")
        files = session.scalars(
            select(Attachment).where(Attachment.event_id == event.id).order_by(Attachment.id)
        )
        for file in files:
            maintype, _, subtype = file.content_type.partition("/")
            msg.add_attachment(
                self.blobs.read(file.sha256),
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=file.filename,
            )
        return msg

    def send(self, message: EmailMessage) -> None:
        """Sends over SMTP; raises TemporaryDeliveryError or PermanentDeliveryError."""
        s = self.settings
        try:
            if s.smtp_security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=s.smtp_timeout,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            with client:
                if s.smtp_security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    client.login(s.smtp_username, s.smtp_password or "")
                refused = client.send_message(
                    message, from_addr=s.mail_from, to_addrs=[str(message["To"])]
                )
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise _by_code(min(codes), f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            reply = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise _by_code(exc.smtp_code, f"SMTP {exc.smtp_code} {reply}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryDeliveryError(
                f"could not reach {s.smtp_host}:{s.smtp_port}: {type(exc).__name__}: {exc}"
            ) from exc
        if refused:
            raise PermanentDeliveryError(f"recipient refused: {refused}")


def _by_code(code: int, message: str) -> DeliveryError:
    if 500 <= code < 600:
        return PermanentDeliveryError(message)
    return TemporaryDeliveryError(message)
