"""The queue's one line of the last message: what it says, not the greeting above it."""

from __future__ import annotations

import pytest

from sopdesk.engine.case_lines import FIRST_LINE_CHARS, first_line


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Hi,\nmy order never arrived.\nThanks", "my order never arrived."),
        ("Hello Anna,\n\nThe card is missing.", "The card is missing."),
        ("Dear support team,\nI was charged twice.", "I was charged twice."),
        ("> quoted\n\nYes, please cancel it.", "Yes, please cancel it."),
        ("Hi,", "Hi,"),
        (
            "Sadly, it broke on the first day, as I wrote before",
            "Sadly, it broke on the first day, as I wrote before",
        ),
        ("", ""),
        (None, ""),
    ],
)
def test_the_line_skips_greetings_and_quotes(text: str | None, line: str) -> None:
    assert first_line(text) == line


def test_a_long_line_is_cut_with_an_ellipsis() -> None:
    out = first_line("x" * (FIRST_LINE_CHARS + 50))
    assert len(out) == FIRST_LINE_CHARS and out.endswith("…")
