"""One door for inbound mail, shared by the SMTP listener, IMAP polling and the HTTP webhook.

Parses the raw bytes, then runs the intake check_/do_ pair as the desk (the system principal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sopdesk.channels.email.config import max_message_bytes
from sopdesk.channels.email.parse import parse_mail
from sopdesk.domain.principal import Principal
from sopdesk.engine.intake import IntakeResult, check_inbound_mail, do_inbound_mail
from sopdesk.errors import PayloadTooLarge
from sopdesk.runtime import Runtime
from sopdesk.store.blobs import BlobStore


@dataclass
class MailReceiver:
    """Turns raw mail into cases for one runtime."""

    runtime: Runtime

    def __post_init__(self) -> None:
        settings = self.runtime.settings
        self.blobs = BlobStore(settings.attachments_path)
        self.max_bytes = max_message_bytes(settings)
        self.secret = settings.resolved_secret_key()

    def receive(
        self,
        raw: bytes,
        *,
        envelope_from: str | None = None,
        envelope_to: Sequence[str] = (),
        principal: Principal | None = None,
    ) -> IntakeResult:
        """Takes in one raw message; raises a SopdeskError (and stores no case) when refused."""
        if len(raw) > self.max_bytes:
            raise PayloadTooLarge(
                f"this mail is {len(raw)} bytes; the limit is {self.max_bytes} "
                "(SOPDESK_MAX_ATTACHMENT_BYTES, base64-encoded, plus 1 MiB)"
            )
        settings = self.runtime.settings
        mail = parse_mail(
            raw,
            self.blobs,
            max_attachment_bytes=settings.max_attachment_bytes,
            max_body_chars=settings.max_body_chars,
            envelope_from=envelope_from,
            envelope_to=envelope_to,
        )
        rt = self.runtime
        caller = principal or Principal.system()
        plan = check_inbound_mail(rt.db, rt.clock, caller, rt.desk, mail, self.secret)
        return do_inbound_mail(rt.db, rt.clock, rt.desk, Principal.system(), plan)
