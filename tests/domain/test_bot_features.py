"""The bot re-scorer's retrieval features: plain numbers from the question and the candidates."""

from __future__ import annotations

from sopdesk.domain.bot import FEATURES, ArticleScores, features, rank, rare_coverage


def _candidates() -> list[ArticleScores]:
    refund = ArticleScores(
        "refunds",
        lexical=8.0,
        text="Refunds\nWe refund a damaged parcel within five days.",
        title="Refunds",
        passage_text="Damaged parcel\nWe refund a damaged parcel within five days.",
    )
    shipping = ArticleScores(
        "shipping",
        lexical=2.0,
        text="Shipping\nParcels leave our warehouse within two days.",
        title="Shipping",
        passage_text="Times\nParcels leave our warehouse within two days.",
    )
    return rank([shipping, refund], 0.0)


def test_every_feature_is_computed_and_bounded() -> None:
    row = features("refund damaged parcel?", _candidates())
    assert set(row) == set(FEATURES)
    assert all(-1.0 <= v <= 1.0 for k, v in row.items() if k != "lex_top")
    assert row["title_coverage"] > 0  # "refund" is in the title
    assert row["passage_coverage"] == 1.0  # refund, damaged, parcel are all in the passage
    assert row["coverage_margin"] > 0  # the second article lacks "refund" and "damaged"
    assert row["short_question"] == 1 / 3


def test_rare_words_name_the_subject() -> None:
    ranked = _candidates()
    # "warehouse" is only in the second article: the best one does not cover it
    assert rare_coverage("refund warehouse", ranked) == 0.5
    assert rare_coverage("damaged refund", ranked) == 1.0
    assert rare_coverage("the", ranked) == 0.0  # no content words at all
