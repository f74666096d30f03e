"""How much an agent changed a macro before sending it: the word-level edit distance between
the macro as rendered for the case and the text that was sent, and its share of the longer.

Pure. A macro edited heavily, again and again, is a canned reply that needs to be updated.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\S+")
MAX_WORDS = 2000  # longer texts are compared on their first words (the cost is quadratic)


def words_of(text: str) -> list[str]:
    return WORD.findall(text.lower())[:MAX_WORDS]


def edit_distance(rendered: str, sent: str) -> int:
    """Words inserted, deleted or replaced to turn `rendered` into `sent` (Levenshtein)."""
    a, b = words_of(rendered), words_of(sent)
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, word in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1]


def edit_share(rendered: str, sent: str) -> float:
    """The edit distance as a share of the longer text's words: 0 sent as is, 1 rewritten."""
    longest = max(len(words_of(rendered)), len(words_of(sent)), 1)
    return round(edit_distance(rendered, sent) / longest, 4)
