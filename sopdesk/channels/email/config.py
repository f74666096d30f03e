"""The mail part of Settings, as one small frozen view the e-mail adapters take.

Built from the one Settings class (`MailSettings.of`); tests may build one by hand for a port.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.settings import Security, Settings


@dataclass(frozen=True)
class MailSettings:
    """Sender identity, the outgoing SMTP server and the IMAP mailbox (see Settings)."""

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
    def of(cls, settings: Settings) -> MailSettings:
        """The view of these settings."""
        return cls(
            mail_from=settings.mail_from,
            mail_from_name=settings.mail_from_name,
            mail_domain=settings.mail_id_domain,
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            smtp_security=settings.smtp_security,
            smtp_username=settings.smtp_username,
            smtp_password=settings.smtp_password,
            smtp_timeout=settings.smtp_timeout,
            imap_host=settings.imap_host,
            imap_port=settings.imap_port,
            imap_security=settings.imap_security,
            imap_username=settings.imap_username,
            imap_password=settings.imap_password,
            imap_folder=settings.imap_folder,
        )


def max_message_bytes(settings: Settings) -> int:
    """Largest raw mail taken in: the largest attachment base64-encoded, plus room for text."""
    return settings.max_attachment_bytes * 4 // 3 + 1024 * 1024
