"""The parts of a MIME message: which one is the body, which are files, and storing files.

Base64 files are decoded to disk while the parser reads them (see spool.py), or in slices.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from email.message import EmailMessage, Message
from email.policy import default as POLICY

from sopdesk.channels.email.spool import Base64Stream, MailPart
from sopdesk.channels.email.text import clean
from sopdesk.domain.inbound_mail import DroppedFile, StoredFile
from sopdesk.store.blobs import BlobStore, TooLarge

SLICE = 1 << 20
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


def body_part(message: EmailMessage) -> EmailMessage | None:
    """The text to show: plain text preferred, else HTML (turned into text by the caller)."""
    part = message.get_body(preferencelist=("plain", "html"))
    return part if isinstance(part, EmailMessage) else None


def _leaves(part: Message) -> Iterator[Message]:
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub)
    else:
        yield part


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def file_parts(message: EmailMessage) -> list[Message]:
    """Leaves that are files: attachments, inline images, calendar invites, attached mails.

    Inline text/plain and text/html parts are the body; delivery reports stay in the original.
    """
    files = []
    for part in _leaves(message):
        kind = part.get_content_type()
        disposition = _disposition(part)
        if kind in ("message/delivery-status", "message/disposition-notification"):
            continue
        if kind in ("text/plain", "text/html") and disposition != "attachment":
            continue
        if kind == "text/rfc822-headers":
            continue
        files.append(part)
    return files


def filename_of(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name:
        name = _UNSAFE_NAME.sub("_", clean(str(name))).strip(" .") or None
    if not name:
        kind = part.get_content_type()
        extension = ".eml" if kind == "message/rfc822" else mimetypes.guess_extension(kind)
        name = f"part-{index}{extension or '.bin'}"
    return name[-200:]


def _base64_slices(payload: str) -> Iterator[bytes]:
    """Decodes base64 text a slice at a time (parts the parser did not spool)."""
    stream = Base64Stream()
    for start in range(0, len(payload), SLICE):
        yield stream.feed(payload[start : start + SLICE].encode("ascii", "ignore"))
    yield stream.end()


def part_bytes(part: Message) -> Iterator[bytes]:
    """The decoded bytes of a leaf part, in slices."""
    if part.get_content_type() == "message/rfc822" and part.is_multipart():
        inner = part.get_payload(0)
        if isinstance(inner, Message):
            yield inner.as_bytes(policy=POLICY.clone(linesep="\r\n"))
        return
    payload = part.get_payload()
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding == "base64" and isinstance(payload, str):
        yield from _base64_slices(payload)
        return
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        yield data


def store_part(part: Message, index: int, blobs: BlobStore, limit: int) -> StoredFile | DroppedFile:
    """Streams one file part to disk; an oversized or undecodable one is dropped with a reason."""
    filename = filename_of(part, index)
    kind = clean(part.get_content_type())[:200]
    spool = part.spool if isinstance(part, MailPart) else None
    try:
        if spool is not None:  # decoded to disk while the parser read it
            if spool.blob is None:
                return DroppedFile(filename, kind, spool.failure or "could not be decoded")
            blob = spool.blob
        else:
            blob = blobs.write(part_bytes(part), limit=limit)
    except TooLarge:
        return DroppedFile(filename, kind, f"larger than the {limit}-byte attachment limit")
    except Exception as exc:  # a part the stdlib cannot decode; it stays in the original
        return DroppedFile(filename, kind, f"could not be decoded ({type(exc).__name__})")
    try:
        content_id = clean(str(part.get("content-id", "") or "")).strip().strip("<>") or None
    except Exception:
        content_id = None
    inline = _disposition(part) == "inline" or (
        content_id is not None and _disposition(part) != "attachment"
    )
    return StoredFile(filename, kind, blob.size, blob.sha256, inline, content_id)
