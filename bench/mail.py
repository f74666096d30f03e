"""E-mail throughput and memory: parse+thread rate in process, SMTP end to end, big attachment.

Baseline: the bare stdlib `email.message_from_bytes` rate on the same corpus. Prints figures.
"""

from __future__ import annotations

import smtplib
import socket
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.channels.email.parse import parse_mail
from sopdesk.channels.email.smtp_in import SmtpListener
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.mail_threading import ThreadClues, decide_thread
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.blobs import BlobStore
from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "channels" / "corpus"


@dataclass
class BenchDesk:
    version: str = "bench"
    columns: list[Any] = field(default_factory=list)

    def category(self, slug: str) -> Any:
        return None


def corpus() -> list[bytes]:
    return [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_in_process(rounds: int) -> tuple[float, float]:
    mails = corpus()
    start = time.perf_counter()
    for _ in range(rounds):
        for raw in mails:
            message_from_bytes(raw, policy=default)
    baseline = rate(rounds * len(mails), time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as folder:
        store = BlobStore(Path(folder))
        now = datetime.now(UTC)
        start = time.perf_counter()
        for _ in range(rounds):
            for raw in mails:
                mail = parse_mail(raw, store, max_attachment_bytes=1 << 24, max_body_chars=200_000)
                clues = ThreadClues(subject=mail.subject, received_at=now)
                decide_thread(clues, {}, [])
        ours = rate(rounds * len(mails), time.perf_counter() - start)
    return baseline, ours


def bench_smtp(count: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        desk = Path(folder) / "desk"
        desk.mkdir()
        settings = Settings(desk=desk, secret_key="b" * 40)
        db = Database(settings.db_url)
        upgrade(db.engine)
        runtime = Runtime(settings, db, BenchDesk(), SystemClock())  # type: ignore[arg-type]
        receiver = MailReceiver(runtime)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        listener = SmtpListener(receiver, port=port)
        with listener, smtplib.SMTP("127.0.0.1", listener.port) as client:
            start = time.perf_counter()
            for n in range(count):
                msg = EmailMessage()
                msg["From"] = f"customer{n % 50}@example.com"
                msg["To"] = "support@desk.example"
                msg["Subject"] = f"Order {n} did not arrive"
                msg["Message-ID"] = f"<bench-{n}@example.com>"
                msg.set_content("Hello,\n\nmy order did not arrive yet.\n\nThanks")
                client.sendmail(msg["From"], ["support@desk.example"], msg.as_bytes())
            seconds = time.perf_counter() - start
        db.dispose()
    return rate(count, seconds)


def bench_big_attachment(megabytes: int) -> tuple[int, int, int, int]:
    """Peak traced memory parsing a mail with one `megabytes` attachment, twice: read from a
    file in chunks (the raw mail is never held), and given as bytes (counted in the peak)."""
    size = megabytes * 1024 * 1024
    msg = EmailMessage()
    msg["From"] = "ann@example.com"
    msg["Subject"] = "big"
    msg.set_content("see attachment")
    msg.add_attachment(b"\x17" * size, maintype="application", subtype="zip", filename="big.zip")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.eml"
        path.write_bytes(msg.as_bytes())
        del msg
        store = BlobStore(Path(folder) / "blobs")
        limit = size * 2
        tracemalloc.start()
        with path.open("rb") as handle:
            parsed = parse_mail(handle, store, max_attachment_bytes=limit, max_body_chars=200_000)
        _, streamed_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert parsed.attachments[0].size == size
        del parsed
        tracemalloc.start()
        raw = path.read_bytes()
        parsed = parse_mail(raw, store, max_attachment_bytes=limit, max_body_chars=200_000)
        _, held_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert parsed.attachments[0].size == size
        return size, len(raw), streamed_peak, held_peak


def main() -> None:
    baseline, ours = bench_in_process(rounds=30)
    print(
        f"in process: {ours:,.0f} msg/s parsed+threaded (stdlib parse alone {baseline:,.0f}/s,"
        f" ratio {ours / baseline:.2f}); target >= 500/s"
    )
    smtp = bench_smtp(count=600)
    print(f"SMTP end to end into cases (SQLite): {smtp:,.0f} msg/s; target >= 200/s")
    size, raw_size, streamed, held = bench_big_attachment(20)
    print(
        f"20 MB attachment, mail read from a file in chunks: raw mail {raw_size / 2**20:.1f} MiB, "
        f"peak traced memory {streamed / 2**20:.1f} MiB = {streamed / size:.2f}x the attachment;"
        " target < 3x"
    )
    print(
        f"20 MB attachment, mail given as bytes (as SMTP/IMAP/webhook hand it over): peak "
        f"{held / 2**20:.1f} MiB = {held / size:.2f}x the attachment, the raw bytes counted"
    )


if __name__ == "__main__":
    main()
