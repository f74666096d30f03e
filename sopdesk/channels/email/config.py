"""Mail settings read from SOPDESK_* environment variables, until they join the Settings class.

Sender identity, the outgoing SMTP server, and the IMAP mailbox polled for inbound mail.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sopdesk.errors import ConfigError
from sopdesk.settings import Settings

Security = Literal["none", "starttls", "ssl"]


def _security(value: str, name: str) -> Security:
    value = value.strip().lower() or "none"
    if value not in ("none", "starttls", "ssl"):
        raise ConfigError(f"{name} must be none, starttls or ssl, not {value!r}")
    return value  # type: ignore[return-value]


def _port(value: str, name: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a port number, not {value!r}") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be between 1 and 65535")
    return port


@dataclass(frozen=True)
class MailSettings:
    mail_from: str = "support@desk.example"
    mail_from_name: str = "Support"
    mail_domain: str = "desk.example"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: Security = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 30.0
    imap_host: str | None = None
    imap_port: int = 993
    imap_security: Security = "ssl"
    imap_username: str | None = None
    imap_password: str | None = None
    imap_folder: str = "INBOX"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings:
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return env.get(f"SOPDESK_{name}", default)

        mail_from = get("MAIL_FROM", cls.mail_from)
        if "@" not in mail_from:
            raise ConfigError(f"SOPDESK_MAIL_FROM must be an e-mail address, not {mail_from!r}")
        return cls(
            mail_from=mail_from,
            mail_from_name=get("MAIL_FROM_NAME", cls.mail_from_name),
            mail_domain=get("MAIL_DOMAIN") or mail_from.rpartition("@")[2],
            smtp_host=get("SMTP_HOST", cls.smtp_host),
            smtp_port=_port(get("SMTP_PORT", "25"), "SOPDESK_SMTP_PORT"),
            smtp_security=_security(get("SMTP_SECURITY"), "SOPDESK_SMTP_SECURITY"),
            smtp_username=get("SMTP_USERNAME") or None,
            smtp_password=get("SMTP_PASSWORD") or None,
            smtp_timeout=float(get("SMTP_TIMEOUT", "30")),
            imap_host=get("IMAP_HOST") or None,
            imap_port=_port(get("IMAP_PORT", "993"), "SOPDESK_IMAP_PORT"),
            imap_security=_security(get("IMAP_SECURITY", "ssl"), "SOPDESK_IMAP_SECURITY"),
            imap_username=get("IMAP_USERNAME") or None,
            imap_password=get("IMAP_PASSWORD") or None,
            imap_folder=get("IMAP_FOLDER", "INBOX"),
        )


def max_message_bytes(settings: Settings) -> int:
    """Largest raw mail taken in: the largest attachment base64-encoded, plus room for text."""
    return settings.max_attachment_bytes * 4 // 3 + 1024 * 1024
