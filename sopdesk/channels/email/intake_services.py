"""Inbound mail services of `sopdesk serve`: the SMTP listener and the IMAP polling thread.

Each runs when its setting is given (smtp_listen_port, imap_host); `stop()` ends both cleanly.
"""

from __future__ import annotations

import logging
import threading

from sopdesk.channels.email.config import MailSettings
from sopdesk.channels.email.imap_in import ImapPoller
from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.channels.email.smtp_in import SmtpListener
from sopdesk.runtime import Runtime

log = logging.getLogger("sopdesk.mail")


class MailIntake:
    """Starts the configured inbound mail services for one runtime and stops them."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.listener: SmtpListener | None = None
        self.poller: ImapPoller | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        settings = self.runtime.settings
        if settings.smtp_listen_port is None and settings.imap_host is None:
            return
        receiver = MailReceiver(self.runtime)
        if settings.smtp_listen_port is not None:
            self.listener = SmtpListener(
                receiver, host=settings.smtp_listen_host, port=settings.smtp_listen_port
            )
            self.listener.start()
            log.info("SMTP listener on %s:%s", settings.smtp_listen_host, self.listener.port)
        if settings.imap_host is not None:
            self.poller = ImapPoller(
                MailSettings.of(settings), receiver, poll_seconds=settings.imap_poll_seconds
            )
            self._thread = threading.Thread(
                target=self.poller.run, name="sopdesk-imap", daemon=True
            )
            self._thread.start()
            log.info("polling IMAP %s:%s", settings.imap_host, settings.imap_port)

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self.poller is not None and self._thread is not None:
            self.poller.stop()
            self._thread.join(timeout=30)
            self.poller = None
