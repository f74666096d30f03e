"""The stdlib parser, fed in chunks, with big file parts' payloads streamed to disk as decoded.

`SpoolingParser` is `email.parser.BytesFeedParser` with `MailPart` (an EmailMessage that reads
each header once) as its message factory. The stdlib still finds headers, boundaries and parts;
only the body lines of a base64 file part (not text, multipart or message/*) are decoded into a
BlobWriter as the parser reads them instead of being collected into one big string, so a 20 MB
attachment never sits in memory as text.
"""

from __future__ import annotations

import binascii
import email.feedparser
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesFeedParser
from email.policy import default as POLICY
from typing import Any

from sopdesk.store.blobs import Blob, BlobStore, BlobWriter, TooLarge

# Not in typeshed: the line buffer the feed parser reads from, and its "feed me" marker.
_BufferedSubFile: Any = getattr(email.feedparser, "BufferedSubFile")  # noqa: B009
_NEED_MORE: Any = getattr(email.feedparser, "NeedMoreData")  # noqa: B009

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
NOT_BASE64 = bytes(b for b in range(256) if b not in _B64_ALPHABET)
_BATCH = 64 * 1024
_MISSING = object()
# What the parser keeps of a diverted line: one shared one-character string.
_DIVERTED = "\n"


class Base64Stream:
    """Decodes base64 text fed in pieces; stray characters and inner padding are skipped."""

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, data: bytes) -> bytes:
        chunk = (self._carry + data).translate(None, NOT_BASE64)
        whole = len(chunk) - len(chunk) % 4
        self._carry = chunk[whole:]
        return binascii.a2b_base64(chunk[:whole]) if whole else b""

    def end(self) -> bytes:
        carry, self._carry = self._carry, b""
        return binascii.a2b_base64(carry + b"=" * (4 - len(carry))) if len(carry) >= 2 else b""


class Spool:
    """The decoded payload of one diverted part, on its way to the blob store."""

    def __init__(self, store: BlobStore, limit: int) -> None:
        self.limit = limit
        self.blob: Blob | None = None
        self.failure: str | None = None
        self._writer: BlobWriter | None = store.writer(limit)
        self._decoder = Base64Stream()
        self._pending: list[bytes] = []
        self._pending_size = 0

    def add(self, line: str) -> None:
        if self._writer is None:
            return  # already failed: the rest of the part is skipped
        self._pending.append(line.encode("ascii", "ignore"))
        self._pending_size += len(line)
        if self._pending_size >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        data = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        self._write(lambda: self._decoder.feed(data))

    def _write(self, decode: Callable[[], bytes]) -> None:
        if self._writer is None:
            return
        try:
            self._writer.write(decode())
        except TooLarge:
            self._writer = None
            self.failure = f"larger than the {self.limit}-byte attachment limit"
        except Exception as exc:  # undecodable base64: the part stays in the original
            self._writer.abort()
            self._writer = None
            self.failure = f"could not be decoded ({type(exc).__name__})"

    def finish(self) -> None:
        if self._writer is None or self.blob is not None:
            return
        self._flush()
        self._write(self._decoder.end)
        if self._writer is not None:
            self.blob = self._writer.commit()
            self._writer = None

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.abort()
            self._writer = None


class MailPart(EmailMessage):
    """An EmailMessage that parses each header once, and may hold a spooled payload.

    policy.default builds a header object on every `get` (Content-Type is read ~16 times per
    mail); once the parser is done (`freeze`), `get` answers from a cache.
    """

    spool: Spool | None = None
    _frozen: bool = False
    _header_cache: dict[str, Any] | None = None

    def freeze(self) -> None:
        """Headers will not change any more: cache what `get` returns from now on."""
        self._frozen = True
        self._header_cache = {}

    def get(self, name: str, failobj: Any = None) -> Any:
        cache = self._header_cache
        if cache is None:
            return super().get(name, failobj)
        key = name.lower()
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = cache[key] = super().get(name, _MISSING)
        return failobj if value is _MISSING else value

    def _thaw(self) -> None:
        self._frozen, self._header_cache = False, None

    def __setitem__(self, name: str, val: Any) -> None:
        self._thaw()
        super().__setitem__(name, val)

    def __delitem__(self, name: str) -> None:
        self._thaw()
        super().__delitem__(name)

    def set_raw(self, name: str, value: Any) -> None:
        self._thaw()
        super().set_raw(name, value)

    def add_header(self, _name: str, _value: str, **_params: Any) -> None:
        self._thaw()
        super().add_header(_name, _value, **_params)

    def replace_header(self, _name: str, _value: Any) -> None:
        self._thaw()
        super().replace_header(_name, _value)

    def set_payload(self, payload: Any, charset: Any = None) -> None:
        # A spooled part's text is on disk; the parser's placeholder lines are dropped.
        super().set_payload("" if self.spool is not None else payload, charset)


def _divert(part: MailPart) -> bool:
    """Whether the body of this part goes to disk: a base64 file part."""
    if part.get_content_maintype() in ("multipart", "message", "text"):
        return False
    encoding = str(part.get("content-transfer-encoding", "") or "").strip().lower()
    return encoding == "base64"


class _DivertingInput(_BufferedSubFile):
    """The parser's line source: body lines of a diverted part go to its Spool instead."""

    def __init__(self, parser: SpoolingParser) -> None:
        super().__init__()
        self._parser = parser
        self._decided: set[int] = set()

    def readline(self) -> Any:
        line = super().readline()
        if line is _NEED_MORE or not line:
            return line
        part = getattr(self._parser, "_cur", None)  # the part whose lines the stdlib is reading now
        if not isinstance(part, MailPart) or not len(part):
            return line  # headers not parsed yet (they are set all at once)
        if id(part) not in self._decided:
            self._decided.add(id(part))
            if _divert(part):
                self._parser.start_spool(part)
        if part.spool is None:
            return line
        part.spool.add(line)
        return _DIVERTED


class SpoolingParser(BytesFeedParser):
    """BytesFeedParser (policy.default, MailPart factory) that spools big parts to `store`."""

    def __init__(self, store: BlobStore, limit: int) -> None:
        super().__init__(_factory=MailPart, policy=POLICY)
        self._store = store
        self._limit = limit
        self._spooling: MailPart | None = None
        self._input = _DivertingInput(self)  # read lazily by the parse generator

    def start_spool(self, part: MailPart) -> None:
        if self._spooling is not None and self._spooling.spool is not None:
            self._spooling.spool.finish()  # the parser moved on: one open file at a time
        part.spool = Spool(self._store, self._limit)
        self._spooling = part

    def close(self) -> MailPart:
        try:
            message = super().close()
        except BaseException:
            self.abort()
            raise
        if self._spooling is not None and self._spooling.spool is not None:
            self._spooling.spool.finish()
        assert isinstance(message, MailPart)
        for part in message.walk():
            if isinstance(part, MailPart):
                part.freeze()
        return message

    def abort(self) -> None:
        """Removes the file of the part being spooled (on a failed parse)."""
        if self._spooling is not None and self._spooling.spool is not None:
            self._spooling.spool.abort()
