"""What triage reads of a contact: subject and body joined, bounded, control bytes removed.

A megabyte of text or binary garbage must cost as little as a short e-mail and never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 4000  # the opening of a message says what it is about; the rest only costs time
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Text:
    value: str  # cleaned, at most MAX_CHARS
    readable: bool  # enough letters to be language at all


def read_text(subject: str, body: str) -> Text:
    """The text triage works on, and whether it looks like words rather than noise."""
    raw = f"{subject or ''}\n{body or ''}"[: MAX_CHARS * 2]
    garbage = len(_CONTROL.findall(raw))
    cleaned = _SPACES.sub(" ", _CONTROL.sub(" ", raw)).strip()[:MAX_CHARS]
    letters = sum(ch.isalpha() for ch in cleaned)
    readable = letters >= 3 and letters >= 0.5 * len(cleaned) and garbage <= 0.1 * len(raw)
    return Text(cleaned, readable)
