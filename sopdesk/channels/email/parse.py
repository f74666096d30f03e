"""The one parser of inbound mail: raw RFC 5322/MIME bytes in, a ParsedMail out, files on disk.

Uses the stdlib `email` package (policy.default, fed in chunks, big files spooled to disk as
they are decoded: spool.py); never raises on bad input, it notes defects.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import default as POLICY
from typing import Any, BinaryIO

from sopdesk.channels.email.parts import (
    body_part,
    file_parts,
    store_part,
)
from sopdesk.channels.email.quotes import strip_reply
from sopdesk.channels.email.spool import MailPart, SpoolingParser
from sopdesk.channels.email.text import clean, html_to_text, part_text
from sopdesk.domain.inbound_mail import DroppedFile, ParsedMail, StoredFile
from sopdesk.domain.mail_threading import CASE_HEADER
from sopdesk.store.blobs import Blob, BlobStore

FEED_CHUNK = 64 * 1024
_MSGID_RE = re.compile(r"<([^<>\s]{1,900})>")
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office"
    r"|abwesenheitsnotiz|réponse automatique|respuesta automática|delivery status notification"
    r"|undeliver(?:ed|able) mail|mail delivery (?:failed|failure|system))",
    re.IGNORECASE,
)
_DAEMONS = ("mailer-daemon@", "postmaster@", "mail-daemon@")


def _feed(
    source: bytes | BinaryIO, parser: SpoolingParser, blobs: BlobStore
) -> tuple[Blob, bytes, Exception | None]:
    """Feeds the parser in chunks while the original is stored; a mail given as a file is
    never held whole. Returns the stored original, its first 64 KiB and any parse error."""
    failure: Exception | None = None
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        stored = blobs.write_bytes(data)
        view = memoryview(data)
        for start in range(0, len(view), FEED_CHUNK):
            try:
                parser.feed(view[start : start + FEED_CHUNK].tobytes())
            except Exception as exc:  # the stdlib gave up; the original is kept
                failure = exc
                break
        return stored, data[:FEED_CHUNK], failure
    writer = blobs.writer()
    head = b""
    try:
        while chunk := source.read(FEED_CHUNK):
            head = head or chunk
            writer.write(chunk)
            if failure is None:
                try:
                    parser.feed(chunk)
                except Exception as exc:
                    failure = exc
        return writer.commit(), head, failure
    except BaseException:
        writer.abort()
        parser.abort()
        raise


def header(message: Message, name: str) -> str:
    """A header as text; a header too broken for policy.default is read as raw text."""
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except Exception:
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                return str(raw)
        return ""


def addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs of an address header, broken ones skipped."""
    found: list[tuple[str, str]] = []
    try:
        value: Any = message.get(name)
        for address in getattr(value, "addresses", ()):
            if address.addr_spec and "@" in address.addr_spec:
                found.append((str(address.display_name), address.addr_spec.lower()))
    except Exception:
        value = None
    if not found:
        for raw in message.get_all(name, []) if value is not None else _raw_all(message, name):
            for display, addr in email.utils.getaddresses([str(raw)]):
                if "@" in addr:
                    found.append((display, addr.lower()))
    return found


def _raw_all(message: Message, name: str) -> list[str]:
    return [str(raw) for key, raw in message.raw_items() if key.lower() == name.lower()]


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MSGID_RE.findall(clean(value or ""))))


def auto_kind(message: Message, sender: str | None, envelope_from: str | None) -> str | None:
    """Why this mail is machine-sent ('bounce', 'auto-reply', 'bulk'), or None for a person."""
    content_type = message.get_content_type()
    report = str(message.get_param("report-type") or "").lower()
    if content_type == "multipart/report" and report in ("delivery-status", ""):
        return "bounce"
    if envelope_from == "" or header(message, "return-path").strip() == "<>":
        return "bounce"
    if sender and sender.startswith(_DAEMONS):
        return "bounce"
    submitted = header(message, "auto-submitted").strip().lower()
    if submitted and submitted != "no":
        return "auto-reply"
    if header(message, "x-autoreply") or header(message, "x-autorespond"):
        return "auto-reply"
    if header(message, "precedence").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "bulk"
    if header(message, "list-id") or header(message, "list-unsubscribe"):
        return "bulk"
    if _AUTO_SUBJECT.match(header(message, "subject")):
        return "auto-reply"
    return None


def _bounced_headers(message: EmailMessage) -> list[Message]:
    """The headers of the original mail a delivery report returns (to thread the bounce)."""
    found: list[Message] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822" and part.is_multipart():
            inner = part.get_payload(0)
            if isinstance(inner, Message):
                found.append(inner)
        elif kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                found.append(BytesHeaderParser(policy=POLICY).parsebytes(payload))
    return found


def parse_mail(
    raw: bytes | BinaryIO,
    blobs: BlobStore,
    *,
    max_attachment_bytes: int,
    max_body_chars: int,
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
) -> ParsedMail:
    """Parses `raw` (bytes, or a binary file read in chunks), stores it and its attachments
    under `blobs`, and never raises on bad mail."""
    parser = SpoolingParser(blobs, max_attachment_bytes)
    stored_raw, head, failure = _feed(raw, parser, blobs)
    try:
        if failure is not None:
            raise failure
        message = parser.close()
        return _parse(
            message,
            stored_raw,
            blobs,
            max_attachment_bytes,
            max_body_chars,
            envelope_from,
            envelope_to,
        )
    except Exception as exc:  # the stdlib gave up on this mail: keep the original, say so
        parser.abort()
        return _unparsed(head, stored_raw, exc, envelope_from)


def _unparsed(raw: bytes, stored: Blob, exc: Exception, envelope_from: str | None) -> ParsedMail:
    head = raw[:FEED_CHUNK].decode("latin-1")
    match = re.search(r"^From:[ \t]*(.+)$", head, re.IGNORECASE | re.MULTILINE)
    name, addr = email.utils.parseaddr(clean(match.group(1))) if match else ("", "")
    sender = addr.lower() if "@" in addr else (envelope_from or None)
    note = f"the message could not be parsed ({type(exc).__name__}); only the original is kept"
    return ParsedMail(
        message_id=f"sha256:{stored.sha256}",
        has_message_id=False,
        sender=sender,
        sender_name=name,
        recipients=(),
        subject="",
        in_reply_to=(),
        references=(),
        case_headers=(),
        text="",
        reply_text="",
        html_only=False,
        auto=None,
        attachments=(),
        dropped=(),
        defects=(type(exc).__name__,),
        raw_sha256=stored.sha256,
        raw_size=stored.size,
        notes=(note,),
    )


def _parse(
    message: MailPart,
    stored_raw: Blob,
    blobs: BlobStore,
    max_attachment_bytes: int,
    max_body_chars: int,
    envelope_from: str | None,
    envelope_to: Sequence[str],
) -> ParsedMail:
    notes: list[str] = []
    defects = [type(d).__name__ for part in message.walk() for d in part.defects]

    senders = addresses(message, "from") or addresses(message, "sender")
    sender_name, sender = senders[0] if senders else ("", None)
    sender_name, sender = clean(sender_name), clean(sender) if sender else None
    if sender is None and envelope_from:
        sender = envelope_from.lower()
        notes.append("no usable From header; the envelope sender was used")
    recipients = [envelope.lower() for envelope in envelope_to]
    for name in ("to", "cc", "delivered-to", "x-original-to", "envelope-to"):
        recipients += [addr for _, addr in addresses(message, name)]

    own_id = message_ids(header(message, "message-id"))
    in_reply_to = message_ids(header(message, "in-reply-to"))
    references = message_ids(header(message, "references"))
    case_headers = [header(message, CASE_HEADER)]
    auto = auto_kind(message, sender, envelope_from)
    if auto == "bounce":
        for original in _bounced_headers(message):
            references += message_ids(header(original, "message-id"))
            case_headers.append(header(original, CASE_HEADER))
            case_headers += [addr for _, addr in addresses(original, "reply-to")]

    text, html_only = "", False
    try:
        body = body_part(message)
        if body is not None:
            text = part_text(body)
            if body.get_content_subtype() == "html":
                html_only = True
                text = html_to_text(text)
    except Exception as exc:  # a body the stdlib cannot decode; the raw original is kept
        notes.append(f"the body could not be decoded ({type(exc).__name__}); see the original")
    text = clean(text)
    if len(text) > max_body_chars:
        text = text[:max_body_chars]
        notes.append(f"the body was cut at {max_body_chars} characters; see the original")

    stored: list[StoredFile] = []
    dropped: list[DroppedFile] = []
    for index, part in enumerate(file_parts(message), start=1):
        kept = store_part(part, index, blobs, max_attachment_bytes)
        if isinstance(kept, StoredFile):
            stored.append(kept)
        else:
            dropped.append(kept)

    return ParsedMail(
        message_id=own_id[0] if own_id else f"sha256:{stored_raw.sha256}",
        has_message_id=bool(own_id),
        sender=sender,
        sender_name=sender_name,
        recipients=tuple(dict.fromkeys(clean(r) for r in recipients)),
        subject=clean(" ".join(header(message, "subject").split())),
        in_reply_to=in_reply_to,
        references=tuple(dict.fromkeys(references)),
        case_headers=tuple(clean(h) for h in case_headers if h),
        text=text,
        reply_text=strip_reply(text),
        html_only=html_only,
        auto=auto,
        attachments=tuple(stored),
        dropped=tuple(dropped),
        defects=tuple(dict.fromkeys(defects)),
        raw_sha256=stored_raw.sha256,
        raw_size=stored_raw.size,
        notes=tuple(notes),
    )
