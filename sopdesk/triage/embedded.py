"""The stronger optional category model (`triage.model: embeddings` in desk.yaml).

The average of two calibrated probabilities: the default TF-IDF model's and a logistic
regression's over sentence embeddings from the offline all-MiniLM-L6-v2 package the bot uses
(`sopdesk.embeddings`, the `dense` extra; nothing is downloaded). Words and character n-grams
catch the exact terms, the embeddings the paraphrases; together they err less than either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from sopdesk import embeddings
from sopdesk.desk.lints.extras import EMBEDDINGS_NEED_DENSE
from sopdesk.errors import ConfigError
from sopdesk.triage.model import CategoryModel

Embed = Callable[[list[str]], NDArray[np.float32]]
BATCH = 256  # texts embedded between two progress reports


def require_dense() -> None:
    """Raises ConfigError when the `dense` extra is not installed."""
    if not embeddings.dense_available():
        raise ConfigError(EMBEDDINGS_NEED_DENSE)


def embed_in_batches(
    embed: Embed, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
) -> NDArray[np.float32]:
    """Embeds `texts` BATCH at a time, reporting (done, total) after each batch."""
    parts = [np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32)]
    for start in range(0, len(texts), BATCH):
        parts.append(embed(list(texts[start : start + BATCH])))
        if progress:
            progress(min(start + BATCH, len(texts)), len(texts))
    return np.concatenate(parts)


class EmbeddingModel:
    """Trained on (text, category) pairs like CategoryModel, with the same `classes`, `top`
    and `probabilities`; `weight` is the TF-IDF model's share of the average."""

    # C and weight: the best of C in {3, 10, 30, 100} and weight in {0.3 ... 0.7} on 15% of
    # Banking77's training set held out (93.3% there; C=10, weight 0.5 gave 92.1%).
    def __init__(
        self, c: float = 30.0, weight: float = 0.3, folds: int = 5, language: str = "en"
    ) -> None:
        self.lexical = CategoryModel(folds=folds, language=language)
        self.dense = LogisticRegression(C=c, max_iter=1000)
        self.weight = weight
        self.classes: list[str] = []

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        vectors: NDArray[np.float32] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> EmbeddingModel:
        """`vectors` are the texts' embeddings when the caller has them (a bench's cache)."""
        require_dense()
        self.lexical.fit(texts, labels)
        self.classes = self.lexical.classes
        if vectors is None:
            vectors = embed_in_batches(embeddings.embed, texts, progress)
        self.dense.fit(vectors, list(labels))
        if [str(c) for c in self.dense.classes_] != self.classes:  # both sort the labels
            raise ValueError("the two models disagree on the categories")
        return self

    def probabilities(
        self, texts: Sequence[str], vectors: NDArray[np.float32] | None = None
    ) -> NDArray[np.float64]:
        if vectors is None:
            vectors = embeddings.embed(list(texts))
        dense = np.asarray(self.dense.predict_proba(vectors), dtype=float)
        return self.weight * self.lexical.probabilities(texts) + (1 - self.weight) * dense

    def top(self, text: str, n: int = 3) -> list[tuple[str, float]]:
        lexical = dict(self.lexical.top(text, len(self.classes)))
        dense = self.dense.predict_proba(embeddings.embed([text]))[0]
        row = np.array(
            [self.weight * lexical[c] + (1 - self.weight) * d for c, d in zip(
                self.classes, dense, strict=True
            )]
        )  # fmt: skip
        order = np.argsort(row)[::-1][:n]
        return [(self.classes[i], float(row[i])) for i in order]
