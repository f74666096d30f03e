"""The default category model: word and character n-gram TF-IDF, a linear SVM, calibrated.

Calibration is temperature scaling (Guo et al. 2017): the SVM's scores on folds it did not see
are fitted to one temperature, so that `softmax(score / T)` is a probability one can threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

MAX_FOLDS = 5
_TEMPERATURES = np.exp(np.linspace(np.log(0.01), np.log(5.0), 200))


def _pipeline(c: float) -> Pipeline:
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode", min_df=1
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1
                ),
            ),
        ]
    )
    return Pipeline([("features", features), ("svm", LinearSVC(C=c))])


def softmax(scores: NDArray[np.float64], temperature: float) -> NDArray[np.float64]:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def fit_temperature(scores: NDArray[np.float64], truth: NDArray[np.int64]) -> float:
    """The temperature with the least negative log-likelihood of the true labels."""
    rows = np.arange(len(truth))
    best, best_loss = 1.0, float("inf")
    for t in _TEMPERATURES:
        loss = -np.log(softmax(scores, float(t))[rows, truth] + 1e-12).mean()
        if loss < best_loss:
            best, best_loss = float(t), float(loss)
    return best


class _Scorer:
    """The fitted pipeline's decision function for one text, without sklearn's per-call checks
    (they cost ten times the arithmetic): TF-IDF of each vectorizer, then one gather-and-sum."""

    def __init__(self, pipeline: Pipeline) -> None:
        union: FeatureUnion = pipeline.named_steps["features"]
        svm: LinearSVC = pipeline.named_steps["svm"]
        self.vectorizers: list[TfidfVectorizer] = [v for _, v in union.transformer_list]
        self.offsets = np.cumsum([0] + [len(v.vocabulary_) for v in self.vectorizers])
        self.weights = np.ascontiguousarray(np.asarray(svm.coef_, dtype=np.float32).T)
        self.intercept = np.asarray(svm.intercept_, dtype=np.float32)
        self._analyzers: list[Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_analyzers": None}  # analyzers are rebuilt, not pickled

    def scores(self, text: str) -> NDArray[np.float64]:
        if self._analyzers is None:
            self._analyzers = [v.build_analyzer() for v in self.vectorizers]
        rows: list[NDArray[np.float32]] = []
        for vectorizer, analyzer, offset in zip(
            self.vectorizers, self._analyzers, self.offsets, strict=False
        ):
            counts = Counter(analyzer(text))
            vocabulary = vectorizer.vocabulary_
            found = [(vocabulary[t], n) for t, n in counts.items() if t in vocabulary]
            if not found:
                continue
            index = np.fromiter((i for i, _ in found), dtype=np.int64, count=len(found))
            tf = np.fromiter((n for _, n in found), dtype=np.float32, count=len(found))
            values = (1 + np.log(tf)) * vectorizer.idf_[index].astype(np.float32)
            values /= np.linalg.norm(values)
            rows.append(values @ self.weights[index + offset])
        total = self.intercept + (np.sum(rows, axis=0) if rows else 0)
        return np.asarray(total, dtype=float)


class CategoryModel:
    """Trained on (text, category) pairs; gives calibrated probabilities over the categories."""

    def __init__(self, c: float = 0.5, folds: int = MAX_FOLDS) -> None:
        self.pipeline = _pipeline(c)
        self.classes: list[str] = []
        self.temperature = 1.0
        self.c = c
        self.folds = folds  # for the held-out scores calibration is fitted on

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> CategoryModel:
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError("triage needs examples of at least two categories to learn from")
        self.pipeline.fit(list(texts), list(labels))
        self.classes = [str(c) for c in self.pipeline.classes_]
        folds = min(self.folds, min(counts.values()))
        if folds >= 2:
            held_out = cross_val_predict(
                _pipeline(self.c),
                list(texts),
                list(labels),
                cv=StratifiedKFold(folds, shuffle=True, random_state=0),
                method="decision_function",
            )
            index = {c: i for i, c in enumerate(self.classes)}
            truth = np.array([index[label] for label in labels])
            self.temperature = fit_temperature(np.asarray(held_out, dtype=float), truth)
        self.scorer = _Scorer(self.pipeline)
        return self

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        scores = np.asarray(self.pipeline.decision_function(list(texts)), dtype=float)
        if scores.ndim == 1:  # two classes: sklearn gives one column
            scores = np.stack([-scores, scores], axis=1)
        return softmax(scores, self.temperature)

    def top(self, text: str, n: int = 3) -> list[tuple[str, float]]:
        scores = self.scorer.scores(text)
        if len(self.classes) == 2:
            scores = np.array([-scores[0], scores[0]])
        row = softmax(scores[None, :], self.temperature)[0]
        order = np.argsort(row)[::-1][:n]
        return [(self.classes[i], float(row[i])) for i in order]
