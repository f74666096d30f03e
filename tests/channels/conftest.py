"""Fixtures for e-mail tests: a runtime and receiver, a real SMTP sink and a real IMAP server.

The SMTP sink is aiosmtpd on 127.0.0.1; the IMAP server is Debian's dovecot with a temporary
maildir config on a free port, run as the test user (or dovecot's own users under root).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database

CORPUS = Path(__file__).parent / "corpus"
BASE_DESK = Path(__file__).parent.parent / "fixtures" / "desks" / "base"


@pytest.fixture
def mail_runtime(db: Database, tmp_path: Path, clock: ManualClock) -> Runtime:
    # A small real desk (tests/fixtures/desks/base): intake runs routing and SLA as it does live.
    desk = tmp_path / "desk"
    shutil.copytree(BASE_DESK, desk)
    settings = Settings(
        desk=desk, database_url=db.url, max_attachment_bytes=64 * 1024, secret_key="s" * 40
    )
    return Runtime(settings=settings, db=db, desk=load_desk(desk), clock=clock)


@pytest.fixture
def receiver(mail_runtime: Runtime) -> MailReceiver:
    return MailReceiver(mail_runtime)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink:
    """aiosmtpd handler that keeps what it receives, or answers with a chosen error."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.reply: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply:
            return self.reply
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Imap:
    port: int
    user: str
    password: str


DOVECOT_CONF = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def imap_server() -> Iterator[Imap]:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.fail("dovecot is not installed: `apt-get install -y dovecot-imapd` (make test does)")
    root = Path(tempfile.mkdtemp(prefix="sopdesk-dovecot-"))
    if os.geteuid() == 0:
        # Dovecot refuses to run its login processes as root; it ships its own users for that.
        internal, login = "dovecot", "dovenull"
        account = pwd.getpwnam(internal)
    else:
        account = pwd.getpwuid(os.getuid())
        internal = login = account.pw_name
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    root.chmod(0o755)
    (root / "mail").chmod(0o777)
    port = free_port()
    (root / "passwd").write_text("desk:{PLAIN}imap-secret\n")
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            root=root,
            internal=internal,
            login=login,
            group=grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
            uid=account.pw_uid,
            gid=account.pw_gid,
            port=port,
        )
    )
    process = subprocess.Popen([binary, "-F", "-c", str(conf)])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    log = (
                        (root / "dovecot.log").read_text()
                        if (root / "dovecot.log").exists()
                        else ""
                    )
                    pytest.fail(f"dovecot did not start: {log}")
                time.sleep(0.05)
        yield Imap(port, "desk", "imap-secret")
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(root, ignore_errors=True)
