"""The one settings class of sopdesk, read from SOPDESK_* environment variables and CLI flags.

Validated at start; paths that depend on the desk folder are derived here and nowhere else.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sopdesk.errors import ConfigError

SECRET_FILE = ".secret_key"

Security = Literal["none", "starttls", "ssl"]


class Settings(BaseSettings):
    """Every setting of sopdesk; each is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="SOPDESK_", extra="ignore")

    desk: Path = Field(default=Path("desk"), description="The desk folder.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<desk>/sopdesk.db."
    )
    host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the web app listens on.")
    secret_key: str | None = Field(
        default=None,
        description="Signs sessions and links; generated into <desk>/.secret_key if not given.",
    )
    attachments_dir: Path | None = Field(
        default=None, description="Where attachments are stored; default <desk>/attachments."
    )
    max_attachment_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1024, description="Largest accepted attachment, in bytes."
    )
    max_body_chars: int = Field(
        default=200_000, ge=1000, description="Longest accepted message body, in characters."
    )
    log_level: str = Field(default="info", description="Log level of the server.")
    embedded_worker: bool = Field(
        default=True,
        description="Run the worker inside `sopdesk serve` (turned off by --no-worker).",
    )
    web_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Web processes of `sopdesk serve` (--workers); its worker runs once, in the "
        "parent process.",
    )
    worker_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="Longest the worker sleeps between looks for work."
    )
    worker_batch_size: int = Field(
        default=50, ge=1, le=1000, description="Rows the worker claims in one go."
    )
    worker_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Failed attempts before a row is dead-lettered."
    )
    worker_retry_seconds: float = Field(
        default=30.0, gt=0, description="First retry delay; doubles after each failure."
    )
    worker_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How long a claimed row is hidden from other workers while it runs.",
    )

    # --- e-mail (docs/channels.md) -------------------------------------------------------
    mail_from: str = Field(
        default="support@desk.example",
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="Sender address of outgoing mail; replies come back to it (plus a token).",
    )
    mail_from_name: str = Field(default="Support", description="Sender name of outgoing mail.")
    mail_domain: str | None = Field(
        default=None, description="Domain of outgoing Message-IDs; default: that of mail_from."
    )
    mail_transport: Literal["smtp", "mailbox"] = Field(
        default="smtp",
        description="Where outgoing mail and chat posts go: smtp (the SMTP server and chat "
        "webhooks) or mailbox (kept in the console's demo mailbox at /mailbox; `make run`).",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for outgoing mail.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: Security = Field(
        default="none", description="none, starttls or ssl (implicit TLS) for outgoing SMTP."
    )
    smtp_username: str | None = Field(default=None, description="SMTP login, if it needs one.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_timeout: float = Field(default=30.0, gt=0, description="SMTP timeout in seconds.")
    smtp_listen_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the inbound SMTP listener in `sopdesk serve` (--smtp-port).",
    )
    smtp_listen_host: str = Field(
        default="127.0.0.1", description="Address the inbound SMTP listener binds to."
    )
    imap_host: str | None = Field(
        default=None, description="IMAP server polled for inbound mail; polling is off if unset."
    )
    imap_port: int = Field(default=993, ge=1, le=65535, description="Port of the IMAP server.")
    imap_security: Security = Field(default="ssl", description="none, starttls or ssl for IMAP.")
    imap_username: str | None = Field(default=None, description="IMAP login.")
    imap_password: str | None = Field(default=None, description="IMAP password.")
    imap_folder: str = Field(default="INBOX", description="IMAP folder to poll.")
    imap_poll_seconds: float = Field(
        default=60.0, gt=0, description="Seconds between IMAP polls when IDLE is not available."
    )
    # --- team chat, webhooks, customer links ------------------------------------------------
    chat_webhook_url: str | None = Field(
        default=None,
        description="Slack-compatible incoming-webhook URL for chat channels the desk leaves out.",
    )
    chat_timeout: float = Field(default=10.0, gt=0, description="Chat post timeout in seconds.")
    webhook_urls: list[str] = Field(
        default_factory=list,
        description="Subscribers that get case events as signed JSON (a JSON list of URLs).",
    )
    webhook_secret: str | None = Field(
        default=None,
        description="HMAC-SHA256 key of webhook signatures; default: the secret key.",
    )
    webhook_timeout: float = Field(default=10.0, gt=0, description="Webhook timeout in seconds.")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the web app as customers reach it (links in mail).",
    )
    customer_link_days: int = Field(
        default=30, ge=1, le=365, description="Days a customer's case link stays valid."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose X-Forwarded-For is believed"
        ' (a JSON list, e.g. ["127.0.0.1"]); default none: the connection is the client.',
    )
    contact_rate_limit: int = Field(
        default=5, ge=1, description="Contact-form submissions per IP address per hour."
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("log_level must be one of critical, error, warning, info, debug")
        return value

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.desk / 'sopdesk.db').resolve()}"

    @property
    def mail_id_domain(self) -> str:
        """Domain of outgoing Message-IDs."""
        return self.mail_domain or self.mail_from.rpartition("@")[2]

    @property
    def attachments_path(self) -> Path:
        return self.attachments_dir or (self.desk / "attachments")

    def resolved_secret_key(self) -> str:
        """The secret key, generating and storing one in the desk folder on first use."""
        if self.secret_key:
            return self.secret_key
        path = self.desk / SECRET_FILE
        if path.exists():
            key = path.read_text(encoding="utf-8").strip()
            if key:
                return key
        if not self.desk.is_dir():
            raise ConfigError(
                f"Desk folder {self.desk} does not exist; run `sopdesk init {self.desk}` first"
            )
        key = secrets.token_urlsafe(48)
        # Created with 0600 so that only the owner can read the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        return key
