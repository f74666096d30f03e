"""Team chat: posts `chat.post` outbox rows to Slack-compatible incoming webhooks.

Playbook `notify` steps and SLA actions write `{"channel": "#name", "text": ...}`; the URL of
each channel comes from desk.yaml's `channels.chat_webhooks`, else SOPDESK_CHAT_WEBHOOK_URL.
Every post carries the outbox row's `Idempotency-Key`, like the outgoing webhooks.
"""

from __future__ import annotations

import os

from slack_sdk.webhook import WebhookClient

from sopdesk.domain.desk import Desk
from sopdesk.errors import SopdeskError
from sopdesk.settings import Settings

IDEMPOTENCY_HEADER = "Idempotency-Key"


class ChatError(SopdeskError):
    """A chat post failed; `permanent` when the webhook refused it (retrying cannot help)."""

    title = "Chat post failed"

    def __init__(self, message: str, *, permanent: bool = False, quiet: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        # Quiet: a setting is missing, not a failure; the worker logs it once per kind.
        self.quiet = quiet


def chat_url(channel: str, desk: Desk, settings: Settings) -> str | None:
    """The webhook URL of a chat channel: the desk's mapping first, then the settings."""
    mapping = dict(desk.channels.chat_webhooks)
    url = mapping.get(channel) or mapping.get(channel.lstrip("#"))
    if url and url.startswith("env:"):
        url = os.environ.get(url[4:]) or None
    return url or settings.chat_webhook_url


def post_chat(url: str, channel: str, text: str, timeout: float, key: str) -> None:
    """Posts one message; 429 and 5xx are temporary, other refusals permanent.

    `key` goes as the `Idempotency-Key` header, the same on every retry of one outbox row, so
    a receiver (or a relay in front of the chat service) can drop the rare duplicate that a
    crash between the post and marking it delivered makes."""
    client = WebhookClient(
        url, timeout=int(max(timeout, 1)), default_headers={IDEMPOTENCY_HEADER: key}
    )
    try:
        response = client.send(text=text, unfurl_links=False)
    except OSError as exc:
        raise ChatError(f"could not reach the chat webhook of {channel}: {exc}") from exc
    if response.status_code == 200:
        return
    permanent = response.status_code < 500 and response.status_code != 429
    raise ChatError(
        f"chat webhook of {channel} answered {response.status_code}: {response.body[:200]}",
        permanent=permanent,
    )
