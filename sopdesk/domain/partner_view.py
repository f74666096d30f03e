"""What a partner may read of a customer's report: contact details blanked out of the text.

Pure: the engine hands in the message and the desk's `partner_portal.show`.
"""

from __future__ import annotations

import re

BLANK = "[hidden]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone in any common form: 7 to 15 digits, with spaces, dots, dashes, brackets, a leading +.
_PHONE = re.compile(r"(?<![\w-])\+?\d[\d ().-]{5,}\d(?![\w-])")


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _phone_blank(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(c.isdigit() for c in found)
    if _DATE.fullmatch(found.strip()) or not 7 <= digits <= 15:
        return found  # a date, an order or tracking number: not a phone
    return BLANK


def without_contact(text: str) -> str:
    """The text with every e-mail address and phone number replaced by [hidden]."""
    return _PHONE.sub(_phone_blank, _EMAIL.sub(BLANK, text))


def first_name(name: str) -> str:
    return name.strip().split(" ")[0] if name.strip() else ""
