"""IMAP polling (imapclient): reads new mail of a mailbox into cases, IDLE where supported.

Handled mail gets the keyword `SopdeskHandled` (and \\Seen), so a person may read the mailbox too.
"""

from __future__ import annotations

import logging
import ssl
import threading

from imapclient import IMAPClient

from sopdesk.channels.email.config import MailSettings
from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.errors import SopdeskError

log = logging.getLogger("sopdesk.imap")
HANDLED = b"SopdeskHandled"
REFUSED = b"SopdeskRefused"
BATCH = 50


class ImapPoller:
    """Polls one folder; `run()` loops until `stop()`, idling between polls when it can."""

    def __init__(
        self, settings: MailSettings, receiver: MailReceiver, *, poll_seconds: float = 60.0
    ) -> None:
        if not settings.imap_host or not settings.imap_username:
            raise SopdeskError("IMAP polling needs SOPDESK_IMAP_HOST and SOPDESK_IMAP_USERNAME")
        self.settings = settings
        self.receiver = receiver
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()

    def connect(self) -> IMAPClient:
        s = self.settings
        context = ssl.create_default_context() if s.imap_security != "none" else None
        client = IMAPClient(
            s.imap_host,
            port=s.imap_port,
            ssl=s.imap_security == "ssl",
            ssl_context=context,
            timeout=60,
        )
        if s.imap_security == "starttls":
            client.starttls(context)
        client.login(s.imap_username, s.imap_password or "")
        client.select_folder(s.imap_folder)
        return client

    def poll_once(self, client: IMAPClient) -> int:
        """Takes in every mail not yet handled; returns how many were handled."""
        uids = client.search(["UNKEYWORD", HANDLED.decode()])
        handled = 0
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            for uid, data in client.fetch(batch, [b"BODY.PEEK[]"]).items():
                raw = data.get(b"BODY[]")
                if not isinstance(raw, bytes):
                    continue
                flags = [HANDLED, b"\\Seen"]
                try:
                    result = self.receiver.receive(raw)
                    log.info("imap uid %s: %s case %s", uid, result.outcome, result.case_id)
                except SopdeskError as exc:
                    log.warning("imap uid %s refused: %s", uid, exc.message)
                    flags.append(REFUSED)
                except Exception:
                    # Left unflagged: the next poll tries it again.
                    log.exception("imap uid %s failed; will retry", uid)
                    continue
                client.add_flags([uid], flags)
                handled += 1
        return handled

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                with self.connect() as client:
                    self._loop(client)
            except Exception:
                log.exception("IMAP connection failed; retrying in %ss", self.poll_seconds)
                self._stop.wait(self.poll_seconds)

    def _loop(self, client: IMAPClient) -> None:
        can_idle = b"IDLE" in client.capabilities()
        while not self._stop.is_set():
            self.poll_once(client)
            if not can_idle:
                self._stop.wait(self.poll_seconds)
                continue
            client.idle()
            try:
                # Short checks so that stop() is noticed; servers end IDLE after 30 minutes.
                for _ in range(int(max(self.poll_seconds, 1))):
                    if self._stop.is_set() or client.idle_check(timeout=1):
                        break
            finally:
                client.idle_done()
