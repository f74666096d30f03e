"""Outgoing webhooks: case events as JSON, signed with HMAC-SHA256 over `timestamp.body`.

Headers: `X-Sopdesk-Signature: t=<unix seconds>,v1=<hex>`, `Idempotency-Key` (the same on every
retry), `X-Sopdesk-Event`. Receivers recompute the HMAC and refuse old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

from sopdesk.channels.chat import IDEMPOTENCY_HEADER
from sopdesk.errors import SopdeskError

SIGNATURE_HEADER = "X-Sopdesk-Signature"


class WebhookError(SopdeskError):
    """A subscriber did not take the event; `permanent` when retrying cannot help."""

    title = "Webhook delivery failed"

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` under the secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: parse the header, check the age and compare in constant time."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), parts.get("v1", ""))


def encode_event(payload: dict[str, Any], key: str) -> bytes:
    return json.dumps({**payload, "id": key}, sort_keys=True, separators=(",", ":")).encode()


def post_event(
    url: str, body: bytes, *, secret: str, key: str, event: str, timestamp: int, timeout: float
) -> None:
    """POSTs one signed event; 2xx is done, 429/5xx/network retried, other 4xx permanent."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "sopdesk-webhooks",
            SIGNATURE_HEADER: signature_header(secret, timestamp, body),
            IDEMPOTENCY_HEADER: key,
            "X-Sopdesk-Event": event,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        permanent = exc.code < 500 and exc.code not in (408, 429)
        raise WebhookError(f"{url} answered {exc.code}", permanent=permanent) from exc
    except OSError as exc:
        raise WebhookError(f"could not reach {url}: {exc}") from exc
