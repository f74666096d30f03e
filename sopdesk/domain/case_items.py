"""Which line(s) of an order a case is about: named in the customer's message, or chosen.

A message names an item when it carries the item's SKU, or at least half of what tells the item
apart from the order's other lines (its name and variant words, weighted by how few lines share
them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

_WORD = re.compile(r"\w+", re.UNICODE)
# A word of five letters or more may be misspelt or inflected ("toploader" for "toploaders");
# shorter words (numbers, "PSA", "10") must be written as they are.
FUZZY_MIN_LENGTH = 5
FUZZY_RATIO = 85
# An item is named when at least half of what sets it apart appears in the message.
NAMED_SHARE = 0.5


@dataclass(frozen=True)
class ItemName:
    """What a message may call an order line by."""

    id: int
    name: str
    sku: str = ""
    variant: str = ""


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if len(w) > 1 or w.isdigit()]


def _found(word: str, said: set[str]) -> bool:
    if word in said:
        return True
    if len(word) < FUZZY_MIN_LENGTH:
        return False
    return any(len(s) >= FUZZY_MIN_LENGTH and fuzz.ratio(word, s) >= FUZZY_RATIO for s in said)


def _sku_named(sku: str, text: str) -> bool:
    sku = sku.strip().casefold()
    if len(sku) < 3:
        return False
    return re.search(rf"(?<!\w){re.escape(sku)}(?!\w)", text.casefold()) is not None


def named_items(text: str, items: Sequence[ItemName]) -> tuple[int, ...]:
    """The ids of the items `text` names, in the order's order; () when it names none.

    A word shared by k of the order's n lines weighs (n - k) / (n - 1): a word only one line
    has weighs 1, a word every line has ("card", the set's name) weighs nothing, so the words
    that tell a line apart decide. An order of one line: every word of it counts."""
    said = set(_words(text))
    vocab = {item.id: set(_words(f"{item.name} {item.variant}")) for item in items}
    sharing: dict[str, int] = {}
    for words in vocab.values():
        for word in words:
            sharing[word] = sharing.get(word, 0) + 1
    n = len(items)

    def weight(word: str) -> float:
        return 1.0 if n == 1 else (n - sharing[word]) / (n - 1)

    named = []
    for item in items:
        if _sku_named(item.sku, text):
            named.append(item.id)
            continue
        words = vocab[item.id]
        total = sum(weight(w) for w in words)
        if total == 0:
            continue
        hit = sum(weight(w) for w in words if _found(w, said))
        if hit / total >= NAMED_SHARE:
            named.append(item.id)
    return tuple(named)


def the_item(chosen: Sequence[int], lines: Sequence[int]) -> int | None:
    """The one item a case is about: the one chosen, else an order's only line; None when
    several lines could be meant and none (or several) is chosen: a macro about "the item"
    then has no value and fails closed instead of guessing the first line."""
    if len(chosen) == 1:
        return chosen[0]
    if not chosen and len(lines) == 1:
        return lines[0]
    return None


def line_key(sku: str, variant: str | None) -> tuple[str, str]:
    """What makes an order line the same line when the order is imported again: its SKU and
    variant (case and surrounding spaces aside)."""
    return sku.strip().casefold(), (variant or "").strip().casefold()


def match_lines(old: Sequence[tuple[str, str]], new: Sequence[tuple[str, str]]) -> list[int | None]:
    """For each line of a re-imported order (its `line_key`), the index of the stored line it
    continues, or None for a new line. Lines with the same key pair up in their order; a stored
    line that no new line continues is gone. Cases keep pointing at the lines that stay."""
    free: dict[tuple[str, str], list[int]] = {}
    for index, key in enumerate(old):
        free.setdefault(key, []).append(index)
    matched: list[int | None] = []
    for key in new:
        waiting = free.get(key)
        matched.append(waiting.pop(0) if waiting else None)
    return matched
