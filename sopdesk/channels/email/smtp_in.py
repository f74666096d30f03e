"""The SMTP listener (aiosmtpd): a mail server hands inbound mail to the desk over SMTP.

Accepted mail is a case or a message when the server answers 250; refusals get a 5xx reason.
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.errors import PayloadTooLarge, SopdeskError

log = logging.getLogger("sopdesk.smtp")


class IntakeHandler:
    """aiosmtpd handler: each DATA runs the intake in a worker thread (it talks to the DB)."""

    def __init__(self, receiver: MailReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(
                None,
                lambda: self.receiver.receive(
                    bytes(raw),
                    envelope_from=envelope.mail_from or "",
                    envelope_to=list(envelope.rcpt_tos),
                ),
            )
        except PayloadTooLarge as exc:
            return f"552 5.3.4 {exc.message}"
        except SopdeskError as exc:
            return f"550 5.6.0 {exc.message}"
        except Exception:
            log.exception("inbound mail failed; the sender will retry")
            return "451 4.3.0 temporary failure, please try again later"
        log.info("inbound mail %s: case %s", result.outcome, result.case_id)
        return f"250 2.0.0 {result.outcome}"


class SmtpListener:
    """Starts and stops the listener on a port; `sopdesk serve --smtp-port 2525` runs one."""

    def __init__(self, receiver: MailReceiver, host: str = "127.0.0.1", port: int = 2525) -> None:
        self.controller = Controller(
            IntakeHandler(receiver),
            hostname=host,
            port=port,
            data_size_limit=receiver.max_bytes,
            decode_data=False,
        )

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpListener:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
