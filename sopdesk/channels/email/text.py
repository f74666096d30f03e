"""Turning MIME text parts into readable text: charset labels, mislabels and HTML-only mail.

A label is a hint, not a promise: undecodable bytes fall back to UTF-8, then Windows-1252.
"""

from __future__ import annotations

import codecs
import re
from email.message import EmailMessage

import html2text

# Labels browsers (WHATWG Encoding) read as a wider superset; mail clients mean the same.
_SUPERSETS = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-9": "cp1254",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "tis-620": "cp874",
}
# Labels that old clients stamp on anything; their bytes are often really UTF-8.
_OFTEN_WRONG = {"", "us-ascii", "ascii", "iso-8859-1", "latin1", "latin-1", "cp1252"}
_BLANK_RUNS = re.compile(r"\n{3,}")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label names no known charset."""
    name = (label or "").strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_text(data: bytes, label: str | None) -> tuple[str, str]:
    """The text and the codec that read it: the label, else UTF-8, else Windows-1252."""
    declared = (label or "").strip().strip("\"'").lower()
    tries: list[str] = []
    if declared in _OFTEN_WRONG and not data.isascii():
        tries.append("utf-8")
    codec = codec_for(declared)
    if codec:
        tries.append(codec)
    tries += ["utf-8", "cp1252"]
    for name in tries:
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace"), "utf-8 (replaced)"


def clean(text: str) -> str:
    """Text safe to store: no NUL (PostgreSQL refuses it), no undecoded raw bytes (surrogates)."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def part_text(part: EmailMessage) -> str:
    """The decoded text of a text/* part (quoted-printable and base64 undone)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text, _ = decode_text(payload, part.get_param("charset") and str(part.get_param("charset")))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail: paragraphs, lists and links kept, styles and images not."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = False
    converter.unicode_snob = True
    converter.single_line_break = False
    try:
        text = converter.handle(html)
    except Exception:  # html2text has choked on broken markup before; plain tags-off fallback
        text = re.sub(r"<[^>]+>", " ", html)
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANK_RUNS.sub("\n\n", text).strip()
