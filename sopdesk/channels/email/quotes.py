"""The readable part of a reply: quoted history and signatures cut off for the case view.

Works on plain text (HTML is turned into text first); the full original is always kept apart.
"""

from __future__ import annotations

import re

# "On Mon, 3 Nov 2026 at 10:00, Ann <ann@example.com> wrote:" and its translations. The
# attribution may wrap over two lines, so it is matched on a line joined with the next.
_ATTRIBUTION = re.compile(
    r"^\s*(?:On\b.{0,200}\bwrote|Le\b.{0,200}\ba écrit|Am\b.{0,200}\bschrieb"
    r"|El\b.{0,200}\bescribió|Il\b.{0,200}\bha scritto|Op\b.{0,200}\bschreef"
    r"|Em\b.{0,200}\bescreveu|.{0,200}\d{4}.{0,40}<[^>]+@[^>]+>.{0,10}:)\s*:?\s*$",
    re.IGNORECASE,
)
# Outlook and friends quote the original below a header block instead of with ">".
_ORIGINAL_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine"
    r"|Mensaje original|Messaggio originale)\s*-{2,}|_{10,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:From|Von|De|Da|Van)\*?:\s.+", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(?:Sent|Date|Gesendet|Envoyé|Enviado|Inviato|Verzonden|To|An|À)\*?:\s",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"^(?:-- ?|Sent from my \w+.*|Sent from (?:Mail|Outlook) for .+|Get Outlook for .+"
    r"|Von meinem \w+ gesendet.*|Envoyé de mon \w+.*)$",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"^\s*-{3,}\s*(?:Forwarded message|Begin forwarded message|Weitergeleitete Nachricht)",
    re.IGNORECASE,
)


def strip_reply(text: str) -> str:
    """The new text of a reply: no quoted lines, no quoted original below, no signature.

    A forwarded message is the content itself, so a forward keeps everything.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if any(_FORWARD.match(line) for line in lines[:40]):
        return _tidy(lines)
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        if _ORIGINAL_HEADER.match(line) or (_OUTLOOK_FROM.match(line) and _OUTLOOK_NEXT.match(nxt)):
            break
        width = 1 if _ATTRIBUTION.match(line) else 0
        if not width and nxt.strip() and _ATTRIBUTION.match(f"{line} {nxt}".strip()):
            width = 2
        if width:
            if _quoted_below(lines, index + width - 1):
                index += width
                continue  # bottom-posting: drop the attribution, keep answering text
            break  # top-posting without ">" (the original follows unquoted)
        if _SIGNATURE.match(line.rstrip()) and kept:
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
        index += 1
    stripped = _tidy(kept)
    return stripped if stripped else _tidy(lines)


def _quoted_below(lines: list[str], index: int) -> bool:
    for line in lines[index + 1 : index + 4]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


def _tidy(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
