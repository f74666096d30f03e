"""The worker's channel handlers: e-mail out, team chat and outgoing webhooks, by outbox kind.

Imported through HANDLER_MODULES in sopdesk/handlers.py; each handler reads the runtime's
Settings from its WorkContext, so `sopdesk serve` and `sopdesk worker` deliver with the configured
servers.
"""

from __future__ import annotations

from sopdesk.channels.chat import ChatError, chat_url, post_chat
from sopdesk.channels.email.config import MailSettings
from sopdesk.channels.email.mailbox_out import MailboxSender
from sopdesk.channels.email.outgoing import EMAIL_KINDS, EmailSender
from sopdesk.channels.webhooks import WebhookError, encode_event, post_event
from sopdesk.engine.mailbox import CHAT, keep_message
from sopdesk.engine.outbox import OutboxKind
from sopdesk.engine.subscriptions import WEBHOOK_KIND
from sopdesk.engine.worker import HANDLERS, Job, WorkContext
from sopdesk.errors import ConfigError
from sopdesk.settings import Settings
from sopdesk.store.blobs import BlobStore

CHAT_KIND = OutboxKind.CHAT.value


def _settings(ctx: WorkContext) -> Settings:
    if ctx.settings is None:
        raise ConfigError("channel handlers need the runtime's settings in the WorkContext")
    return ctx.settings


def email_sender(settings: Settings, ctx: WorkContext) -> EmailSender:
    """The e-mail channel's sender for these settings: SMTP, or the demo mailbox."""
    mail, secret = MailSettings.of(settings), settings.resolved_secret_key()
    blobs = BlobStore(settings.attachments_path)
    if settings.mail_transport == "mailbox":
        return MailboxSender(
            mail,
            secret,
            blobs,
            db=ctx.db,
            clock=ctx.clock,
            public_url=settings.public_url,
            link_days=settings.customer_link_days,
        )
    return EmailSender(
        mail, secret, blobs, public_url=settings.public_url, link_days=settings.customer_link_days
    )


def deliver_email(job: Job, ctx: WorkContext) -> None:
    """`message.out`: build the MIME message and hand it to the SMTP server."""
    email_sender(_settings(ctx), ctx)(job, ctx)


def deliver_chat(job: Job, ctx: WorkContext) -> None:
    """`chat.post`: one message to the channel's Slack-compatible incoming webhook."""
    settings = _settings(ctx)
    channel = str(job.payload.get("channel") or "")
    text = str(job.payload.get("text") or "")
    if settings.mail_transport == "mailbox":
        keep_message(
            ctx.db,
            ctx.clock.now(),
            key=job.idempotency_key,
            kind=CHAT,
            case_id=job.case_id,
            recipient=channel,
            subject=text.splitlines()[0][:200] if text else "",
            body=text,
        )
        return
    url = chat_url(channel, ctx.desk, settings)
    if url is None:
        # Not an outage: the desk has no webhook for this channel. The row is kept as not
        # sent (a dead letter with this reason, sendable again) and logged quietly.
        raise ChatError(
            f"not sent: no webhook URL for chat channel {channel!r}: add it to desk.yaml's "
            "channels.chat_webhooks or set SOPDESK_CHAT_WEBHOOK_URL",
            permanent=True,
            quiet=True,
        )
    post_chat(url, channel, text, settings.chat_timeout, job.idempotency_key)


def deliver_webhook(job: Job, ctx: WorkContext) -> None:
    """`webhook.post`: the signed event to every subscriber (the same key on each retry)."""
    settings = _settings(ctx)
    if not settings.webhook_urls:
        return
    secret = settings.webhook_secret or settings.resolved_secret_key()
    body = encode_event(job.payload, job.idempotency_key)
    timestamp = int(ctx.clock.now().timestamp())
    failures: list[WebhookError] = []
    for url in settings.webhook_urls:
        try:
            post_event(
                url,
                body,
                secret=secret,
                key=job.idempotency_key,
                event=str(job.payload.get("event", "")),
                timestamp=timestamp,
                timeout=settings.webhook_timeout,
            )
        except WebhookError as exc:
            failures.append(exc)
    if failures:
        # Retried for every subscriber; those that took it already dedupe on Idempotency-Key.
        raise WebhookError(
            "; ".join(f.message for f in failures),
            permanent=all(f.permanent for f in failures),
        )


for _kind in EMAIL_KINDS:
    HANDLERS.add(_kind, deliver_email)
HANDLERS.add(CHAT_KIND, deliver_chat)
HANDLERS.add(WEBHOOK_KIND, deliver_webhook)
