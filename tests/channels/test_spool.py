"""Big file parts are decoded to disk while the stdlib parser reads them: exact bytes, limits
kept, no temporary files left, and headers read once give the same answers."""

from __future__ import annotations

import hashlib
import io
import os
from email.message import EmailMessage
from pathlib import Path

from sopdesk.channels.email.parse import parse_mail
from sopdesk.store.blobs import BlobStore


def _mail_with(data: bytes, filename: str = "photo.jpg") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ann <ann@example.com>"
    msg["Subject"] = "receipt"
    msg["Message-ID"] = "<spool@example.com>"
    msg.set_content("see attachment")
    msg.add_attachment(data, maintype="image", subtype="jpeg", filename=filename)
    return msg.as_bytes()


def _leftovers(root: Path) -> list[str]:
    return [name for name in os.listdir(root) if name.startswith(".incoming-")]


def test_a_spooled_attachment_keeps_its_exact_bytes_from_bytes_and_from_a_file(
    tmp_path: Path,
) -> None:
    data = os.urandom(300_000)
    raw = _mail_with(data)
    store = BlobStore(tmp_path)
    for source in (raw, io.BytesIO(raw)):
        mail = parse_mail(source, store, max_attachment_bytes=1 << 20, max_body_chars=1000)
        [stored] = mail.attachments
        assert (stored.filename, stored.size) == ("photo.jpg", len(data))
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
        assert store.read(stored.sha256) == data
        assert store.read(mail.raw_sha256) == raw
        assert mail.text.strip() == "see attachment" and mail.sender == "ann@example.com"
    assert _leftovers(tmp_path) == []


def test_a_spooled_attachment_over_the_limit_is_dropped_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    store = BlobStore(tmp_path)
    mail = parse_mail(
        io.BytesIO(_mail_with(b"x" * 200_000)),
        store,
        max_attachment_bytes=100_000,
        max_body_chars=1000,
    )
    assert mail.attachments == ()
    [dropped] = mail.dropped
    assert dropped.filename == "photo.jpg" and "limit" in dropped.reason
    assert _leftovers(tmp_path) == []
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [mail.raw_sha256]


def test_broken_base64_in_a_spooled_part_is_decoded_as_far_as_it_goes(tmp_path: Path) -> None:
    raw = (
        b"From: ann@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--b\r\n"
        b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBE!!Ri0x\r\nL*jQ=\r\n--b--\r\n"
    )
    mail = parse_mail(raw, BlobStore(tmp_path), max_attachment_bytes=1000, max_body_chars=1000)
    assert mail.text == "hello"
    [stored] = mail.attachments
    assert BlobStore(tmp_path).read(stored.sha256).startswith(b"%PDF-1")
