"""The word-level edit distance between a rendered macro and the reply that was sent."""

from __future__ import annotations

from sopdesk.domain.macro_edits import edit_distance, edit_share


def test_a_macro_sent_as_is_has_no_edits() -> None:
    text = "Hi Ann,\nyour parcel is on its way."
    assert edit_distance(text, text) == 0 and edit_share(text, text) == 0.0


def test_words_changed_added_and_removed_are_counted() -> None:
    macro = "your parcel is on its way"
    assert edit_distance(macro, "your parcel is on the way") == 1  # one word replaced
    assert edit_distance(macro, "your parcel is on its way today") == 1  # one added
    assert edit_distance(macro, "parcel is on its way") == 1  # one removed
    assert edit_distance(macro, "") == 6 and edit_share(macro, "") == 1.0
    assert edit_share(macro, "Your  parcel is on its way") == 0.0  # case and spacing ignored
    assert edit_share(macro, "we refunded you instead, sorry for the trouble") == 1.0
