"""The support bot's decision: fuse lexical and dense scores per article, then a small logistic
re-scorer over the retrieval features says whether the best article really answers.

Plain numbers in, a decision out; retrieval itself is in sopdesk.engine.bot.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sopdesk.domain.kb import STOPWORDS, words

FEATURES = (
    "lex_top",  # best article's lexical score, squashed to 0..1
    "lex_ratio",  # second best / best lexical score (1: no clear winner)
    "dense_top",  # best article's cosine similarity
    "dense_margin",  # best minus second best cosine
    "fused_margin",  # best minus second best fused score
    "coverage",  # share of the question's content words found in the best article
    "agree",  # 1 when lexical and dense rank the same article first
    "title_coverage",  # share of the question's content words in the best article's title
    "passage_coverage",  # ... in the best article's best passage (its heading and body)
    "coverage_margin",  # coverage of the best article minus that of the second best
    "rare_coverage",  # share of the question's rarest word stems the best article has
    "short_question",  # 1 / number of content words: few words, weak evidence
    "bias",
)
HUMAN_REQUEST = re.compile(
    r"\b(human|person|agent|someone real|real person|mensch|mitarbeiter|jemand(en)?)\b",
    re.IGNORECASE,
)
ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())


@dataclass(frozen=True)
class Scorer:
    """Fitted weights of one retrieval path ("lexical" or "dense")."""

    dense_weight: float  # fused = (1 - w) * lexical + w * dense
    coefficients: dict[str, float]

    def probability(self, features: dict[str, float]) -> float:
        z = sum(self.coefficients.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass
class ArticleScores:
    """What retrieval found for one article: its best passage by each path."""

    article: str
    lexical: float = 0.0
    dense: float = 0.0
    lexical_passage: int | None = None
    dense_passage: int | None = None
    text: str = ""  # the article's searchable text, for word coverage
    title: str = ""
    passage_text: str = ""  # heading and body of the passage the answer would quote
    fused: float = 0.0
    passages: list[int] = field(default_factory=list)


def squash(score: float) -> float:
    """A lexical score (bm25, higher is better) mapped onto 0..1."""
    return score / (score + 5.0) if score > 0 else 0.0


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if len(w) > 2 and w not in ALL_STOPWORDS]


def stems(text: str) -> set[str]:
    """The content words of a text by their first five letters (the index's terms)."""
    return {w[:5] for w in content_words(text)}


def coverage(question: str, text: str) -> float:
    """Share of the question's content words that the text has (by their first five letters)."""
    asked = stems(question[:2000])
    if not asked:
        return 0.0
    return len(asked & stems(text)) / len(asked)


def rare_coverage(question: str, ranked: list[ArticleScores]) -> float:
    """Share of the question's rare stems (at most one of the ten best candidates has them)
    that the best article has: a question's rare words name what it is about."""
    asked = stems(question[:2000])
    bags = [stems(c.text) for c in ranked[:10]]
    rare = {w for w in asked if sum(w in bag for bag in bags) <= 1}
    if not rare:
        return 1.0 if asked and asked <= bags[0] else 0.0
    return len(rare & bags[0]) / len(rare)


def rank(candidates: list[ArticleScores], dense_weight: float) -> list[ArticleScores]:
    """Candidates by fused score, best first; lexical scores are scaled by the best one."""
    best_lexical = max((c.lexical for c in candidates), default=0.0)
    for c in candidates:
        lexical = c.lexical / best_lexical if best_lexical > 0 else 0.0
        c.fused = (1.0 - dense_weight) * lexical + dense_weight * c.dense
    return sorted(candidates, key=lambda c: (-c.fused, c.article))


def features(question: str, ranked: list[ArticleScores]) -> dict[str, float]:
    """The re-scorer's inputs for the best of `ranked` (which must not be empty)."""
    top = ranked[0]
    lexical = [*sorted((c.lexical for c in ranked), reverse=True), 0.0, 0.0]
    dense = [*sorted((c.dense for c in ranked), reverse=True), 0.0, 0.0]
    second_fused = ranked[1].fused if len(ranked) > 1 else 0.0
    by_lexical = max(ranked, key=lambda c: c.lexical).article
    by_dense = max(ranked, key=lambda c: c.dense).article
    top_coverage = coverage(question, top.text)
    second_coverage = coverage(question, ranked[1].text) if len(ranked) > 1 else 0.0
    return {
        "lex_top": squash(top.lexical),
        "lex_ratio": lexical[1] / lexical[0] if lexical[0] > 0 else 1.0,
        "dense_top": top.dense,
        "dense_margin": dense[0] - dense[1],
        "fused_margin": top.fused - second_fused,
        "coverage": top_coverage,
        "agree": 1.0 if by_lexical == by_dense and top.dense > 0 else 0.0,
        "title_coverage": coverage(question, top.title),
        "passage_coverage": coverage(question, top.passage_text),
        "coverage_margin": top_coverage - second_coverage,
        "rare_coverage": rare_coverage(question, ranked),
        "short_question": 1.0 / max(len(stems(question[:2000])), 1),
        "bias": 1.0,
    }


def asks_for_a_person(question: str) -> bool:
    return bool(HUMAN_REQUEST.search(question[:2000]))


def fit_logistic(
    rows: list[dict[str, float]],
    labels: list[bool],
    *,
    sample_weights: list[float] | None = None,
    steps: int = 600,
    rate: float = 0.5,
) -> dict[str, float]:
    """Plain batch gradient descent on the (weighted) log loss, with a little L2: a handful of
    features. `sample_weights` lets each question set count the same, however large."""
    weights = dict.fromkeys(FEATURES, 0.0)
    sample = sample_weights or [1.0] * len(rows)
    n = max(sum(sample), 1e-9)
    for _ in range(steps):
        grad = dict.fromkeys(FEATURES, 0.0)
        for row, label, w in zip(rows, labels, sample, strict=True):
            z = sum(weights[k] * row.get(k, 0.0) for k in FEATURES)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            error = w * (p - (1.0 if label else 0.0))
            for k in FEATURES:
                grad[k] += error * row.get(k, 0.0)
        for k in FEATURES:
            penalty = 0.0 if k == "bias" else 1e-3 * weights[k]
            weights[k] -= rate * (grad[k] / n + penalty)
    return weights
