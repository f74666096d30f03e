"""Status-page mail: the worker's handler for `status.mail` rows, and the signed confirm and
leave links in it (itsdangerous, checked against the injected clock).

Every update mail carries List-Unsubscribe with List-Unsubscribe-Post (RFC 8058): one click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from itsdangerous import BadSignature, URLSafeSerializer

from sopdesk.channels.email.outgoing import PermanentDeliveryError
from sopdesk.channels.handlers import email_sender
from sopdesk.domain.links import LinkError
from sopdesk.engine.outbox import OutboxKind
from sopdesk.engine.status_mail import CONFIRM, MAINTENANCE
from sopdesk.engine.worker import HANDLERS, Job, WorkContext
from sopdesk.errors import ConfigError
from sopdesk.store.models import (
    StatusIncident,
    StatusIncidentUpdate,
    StatusMaintenance,
    StatusSubscriber,
)

SALT = "sopdesk.status-subscription"
CONFIRM_DAYS = 7


@dataclass(frozen=True)
class SubscriberLink:
    subscriber_id: int
    email: str


def make_status_token(
    secret: str, action: str, subscriber_id: int, email: str, expires_at: datetime | None
) -> str:
    data = {"a": action, "s": subscriber_id, "m": email}
    if expires_at is not None:
        data["e"] = int(expires_at.timestamp())
    return str(URLSafeSerializer(secret, salt=SALT).dumps(data))


def read_status_token(secret: str, token: str, action: str, now: datetime) -> SubscriberLink:
    """The subscriber a confirm or leave link names; LinkError when forged or expired."""
    try:
        data = URLSafeSerializer(secret, salt=SALT).loads(token)
        if data["a"] != action:
            raise ValueError(action)
        link = SubscriberLink(int(data["s"]), str(data["m"]))
        expired = "e" in data and datetime.fromtimestamp(data["e"], now.tzinfo) <= now
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkError("This link is not valid. Please use the link from our e-mail.") from exc
    if expired:
        raise LinkError("This link has expired. Please subscribe again on the status page.")
    return link


def deliver_status_mail(job: Job, ctx: WorkContext) -> None:
    settings = ctx.settings
    if settings is None:
        raise ConfigError("status mail needs the runtime's settings in the WorkContext")
    secret = settings.resolved_secret_key()
    base = settings.public_url.rstrip("/")
    now = ctx.clock.now()
    with ctx.db.transaction(write=False) as session:
        subscriber = session.get(StatusSubscriber, int(job.payload["subscriber_id"]))
        if subscriber is None:
            return  # left before the mail went out
        leave = make_status_token(secret, "leave", subscriber.id, subscriber.email, None)
        leave_url = f"{base}/status/unsubscribe/{leave}"
        if job.payload.get("mail") == CONFIRM:
            if subscriber.confirmed_at is not None:
                return
            expires = now + timedelta(days=CONFIRM_DAYS)
            token = make_status_token(secret, "confirm", subscriber.id, subscriber.email, expires)
            subject = f"Confirm your subscription to {ctx.desk.status_page.title}"
            text = (
                f"Someone, hopefully you, asked to get mail about incidents on "
                f"{ctx.desk.status_page.title}.\n\nConfirm here (the link works for "
                f"{CONFIRM_DAYS} days): {base}/status/confirm/{token}\n\n"
                "If it was not you, ignore this mail and you will get nothing more.\n"
            )
        elif subscriber.confirmed_at is None:
            return
        elif job.payload.get("mail") == MAINTENANCE:
            window = session.get(StatusMaintenance, int(job.payload["maintenance_id"]))
            if window is None:
                return  # withdrawn before the mail went out
            subject = f"[Maintenance] {window.title}"
            text = (
                f"{window.title}\nScheduled from {window.starts_at:%Y-%m-%d %H:%M} to "
                f"{window.ends_at:%Y-%m-%d %H:%M} UTC\n\n"
                + (f"{window.body}\n\n" if window.body else "")
                + f"Expected down: {', '.join(window.components)}\n\n"
                + f"Status page: {base}/status\nStop these mails: {leave_url}\n"
            )
        else:
            update = session.get(StatusIncidentUpdate, int(job.payload["update_id"]))
            if update is None:
                raise PermanentDeliveryError(f"status update {job.payload['update_id']} is gone")
            incident = session.get(StatusIncident, update.incident_id)
            assert incident is not None  # the update's foreign key
            subject = f"[{update.phase.capitalize()}] {incident.title}"
            affected = ", ".join(
                f"{s} ({v.replace('_', ' ')})" for s, v in update.components.items()
            )
            text = (
                f"{incident.title}\n{update.phase.capitalize()} at "
                f"{update.at:%Y-%m-%d %H:%M} UTC\n\n{update.body}\n\n"
                + (f"Affected: {affected}\n\n" if affected else "")
                + f"Status page: {base}/status\nStop these mails: {leave_url}\n"
            )
        to = subscriber.email
    sender = email_sender(settings, ctx)
    message = EmailMessage()
    message["From"] = formataddr((sender.settings.mail_from_name, sender.settings.mail_from))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = (
        f"<{job.idempotency_key.replace(':', '.')}@{sender.settings.mail_domain}>"
    )
    message["List-Unsubscribe"] = f"<{leave_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    sender.send(message)


HANDLERS.add(OutboxKind.STATUS_MAIL.value, deliver_status_mail)
