"""Help articles as passages, quotations that never add words, the language guess, BM25."""

from __future__ import annotations

from sopdesk.domain.kb import (
    anchor_for,
    bm25,
    corpus_stats,
    guess_language,
    passage_bag,
    quote,
    split_passages,
    terms,
)


def test_headings_split_an_article_and_repeated_anchors_are_numbered() -> None:
    body = "Intro text.\n\n## Reset a password\nUse the link.\n\n## Reset a password\nAgain."
    passages = split_passages(body)
    assert [(p.anchor, p.heading, p.body) for p in passages] == [
        ("", "", "Intro text."),
        ("reset-a-password", "Reset a password", "Use the link."),
        ("reset-a-password-2", "Reset a password", "Again."),
    ]
    assert anchor_for("Über die Größe!") == "uber-die-grosse"


def test_a_quote_keeps_only_whole_sentences_of_the_passage() -> None:
    body = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(40))
    shortened = quote(body, "topic 7", limit=120)
    assert "topic 7." in shortened and len(shortened) <= 120
    assert all(s.strip(".") + "." in body for s in shortened.split(". ") if s)


def test_the_language_guess_tells_the_desk_languages_apart() -> None:
    assert guess_language("How do I reset my password for the dashboard?") == "en"
    assert guess_language("Wie kann ich mein Passwort ändern, das ist nicht klar") == "de"
    assert guess_language("Comment est-ce que je peux annuler mon abonnement") == "fr"
    assert guess_language("stamp card") is None


def test_bm25_prefers_the_passage_with_the_rarer_word() -> None:
    passages = [("Billing", "", "invoices and plans"), ("Stamps", "", "add")]
    bags = [passage_bag(*p) for p in passages]
    stats = corpus_stats(bags)
    query = terms("invoices")
    assert bm25(query, bags[0], stats) > 0 == bm25(query, bags[1], stats)
    assert bags[0].counts == {"billi": 2, "invoi": 1, "and": 1, "plans": 1}
    assert bags[0].length == 5
