"""Reading a customer's yes or no from a reply: the button they pressed, or plain words.

Small word lists in the desk's usual languages; an answer with both or neither is unclear and
goes to a person, never guessed.
"""

from __future__ import annotations

import re
from typing import Literal

ConfirmAnswer = Literal["yes", "no"]

_YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "ok",
    "okay",
    "sure",
    "confirm",
    "confirmed",
    "agree",
    "agreed",
    "correct",
    "please",
    "ja",
    "jawohl",
    "oui",
    "si",
    "sí",
    "sim",
    "da",
    "tak",
    "kyllä",
    "evet",
    "igen",
    "ano",
    "はい",
    "是",
    "好",
    "네",
    "да",
}
_NO = {
    "no",
    "n",
    "nope",
    "nah",
    "don't",
    "dont",
    "not",
    "never",
    "stop",
    "nein",
    "non",
    "nee",
    "nej",
    "nie",
    "não",
    "nao",
    "hay\u0131r",  # Turkish
    "nem",
    "ne",
    "いいえ",
    "不",
    "不要",
    "아니요",
    "нет",
}
_PHRASES_YES = ("go ahead", "please do", "do it", "sounds good", "d'accord", "por favor")
_PHRASES_NO = ("do not", "don't", "changed my mind", "keep it", "keep my order", "not now")
_QUOTE = re.compile(r"^\s*(>|on .+ wrote:|-----original message)", re.IGNORECASE)
_WORD = re.compile(r"[\w']+", re.UNICODE)


def answer_text(text: str) -> str:
    """The customer's own words of a reply: the lines above the quoted mail they answer."""
    kept = []
    for line in text.splitlines():
        if _QUOTE.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def read_answer(text: str) -> ConfirmAnswer | None:
    """ "yes", "no", or None when the reply does not say one of them clearly."""
    own = answer_text(text).lower()
    if not own:
        return None
    words = set(_WORD.findall(own))
    yes = bool(words & _YES) or any(p in own for p in _PHRASES_YES)
    no = bool(words & _NO) or any(p in own for p in _PHRASES_NO)
    if yes == no:
        return None
    return "yes" if yes else "no"
