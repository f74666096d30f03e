"""The one settings class of sopdesk, read from SOPDESK_* environment variables and CLI flags.

Validated at start; paths that depend on the desk folder are derived here and nowhere else.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sopdesk.errors import ConfigError

SECRET_FILE = ".secret_key"


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
