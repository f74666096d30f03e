"""The default category model: word-stem, word-pair and character n-gram TF-IDF, a linear SVM,
calibrated.

Features: word stems (Snowball, in the desk's first language) one and two at a time, pairs of
stems two to five words apart ("card ... arrive" whatever stands between), and character
2-5-grams within words (typos, compounds). Stems and pairs were chosen by cross-validation on
Banking77's training set (80/20, two seeds): 89.8% for plain words 1-2 and characters, 90.9%
with stems and pairs.

Calibration turns the SVM's scores on folds it did not see into a probability one can
threshold, in one of two ways (Guo et al. 2017), whichever has the lower log-loss on held-out
scores (3-fold, each category weighted alike):
- temperature scaling, `softmax(score / T)`: one number, right for a desk's taxonomy of a few
  phrasings per category;
- matrix scaling, a multinomial logistic regression over all the scores, then a temperature
  over its logits: it also learns which categories the SVM confuses (high scores for two
  together), which a temperature cannot (90.9% -> 91.4% on the split above), but needs many
  examples per category.
Both weigh each category alike: how many phrasings a category has says nothing about how often
it arrives. With one example of a category there are no held-out scores, and T = 1 stands in.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import snowballstemmer
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from sopdesk.triage.language import language_name

MAX_FOLDS = 5
CALIBRATION_C = 0.3  # of 0.3, 1, 3, 10 on the split above; 1 was within 0.03 points
CALIBRATION_FOLDS = 3  # to choose between temperature and matrix scaling
_TEMPERATURES = np.exp(np.linspace(np.log(0.01), np.log(5.0), 200))
PAIR_GAP = (2, 5)  # word pairs this many words apart (adjacent ones are the bigrams)
_WORD = re.compile(r"(?u)\b\w+\b")


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    name = language_name(language)
    return snowballstemmer.stemmer(name if name in snowballstemmer.algorithms() else "porter")


@lru_cache(maxsize=65536)
def _stem(language: str, word: str) -> str:
    """The stem of a lower-case word, then without accents (typed with or without them)."""
    decomposed = unicodedata.normalize("NFKD", str(_stemmer(language).stemWord(word)))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Stems:
    """Analyzer: a text's word stems and stem bigrams (`pairs=False`), or its pairs of stems
    PAIR_GAP words apart (`pairs=True`). An object, not a closure, so a model pickles."""

    def __init__(self, language: str, pairs: bool) -> None:
        self.language, self.pairs = language, pairs

    def __call__(self, text: str) -> list[str]:
        stems = [_stem(self.language, w) for w in _WORD.findall(text.lower())]
        if self.pairs:
            low, high = PAIR_GAP
            return [f"{a}~{b}" for i, a in enumerate(stems) for b in stems[i + low : i + high + 1]]
        return stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]


def _pipeline(c: float, language: str) -> Pipeline:
    features = FeatureUnion(
        [
            ("stems", TfidfVectorizer(analyzer=Stems(language, False), sublinear_tf=True)),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1
                ),
            ),
            ("pairs", TfidfVectorizer(analyzer=Stems(language, True), sublinear_tf=True)),
        ]
    )
    return Pipeline([("features", features), ("svm", LinearSVC(C=c))])


def softmax(scores: NDArray[np.float64], temperature: float = 1.0) -> NDArray[np.float64]:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _log_loss(
    probabilities: NDArray[np.float64], truth: NDArray[np.int64], weights: NDArray[np.float64]
) -> float:
    picked = probabilities[np.arange(len(truth)), truth]
    return float(-(weights * np.log(picked + 1e-12)).sum() / weights.sum())


def _balanced(truth: NDArray[np.int64]) -> NDArray[np.float64]:
    """Each row's weight, so that every category weighs the same in all."""
    counts = np.bincount(truth)
    return np.asarray(1.0 / counts[truth], dtype=float)


def fit_temperature(
    scores: NDArray[np.float64], truth: NDArray[np.int64], weights: NDArray[np.float64]
) -> float:
    """The temperature with the least (weighted) negative log-likelihood of the true labels."""
    losses = [_log_loss(softmax(scores, float(t)), truth, weights) for t in _TEMPERATURES]
    return float(_TEMPERATURES[int(np.argmin(losses))])


def _matrix_scaling() -> LogisticRegression:
    return LogisticRegression(C=CALIBRATION_C, class_weight="balanced", max_iter=3000)


class Calibration:
    """Held-out SVM scores -> probabilities: a temperature over the scores, or matrix scaling
    (a logistic regression over the scores) and then a temperature over its logits, whichever
    gives the held-out categories the lower log-loss."""

    def __init__(self, scores: NDArray[np.float64], truth: NDArray[np.int64]) -> None:
        weights = _balanced(truth)
        self.matrix: LogisticRegression | None = None
        self.temperature = fit_temperature(scores, truth, weights)
        folds = min(CALIBRATION_FOLDS, int(np.bincount(truth).min()))
        if folds < 2:
            return
        plain = _log_loss(softmax(scores, self.temperature), truth, weights)
        logits = np.zeros_like(scores)  # the matrix's logits for rows it was not fitted on
        split = StratifiedKFold(folds, shuffle=True, random_state=0)
        for fit, held in split.split(scores, truth):
            logits[held] = _logits(_matrix_scaling().fit(scores[fit], truth[fit]), scores[held])
        temperature = fit_temperature(logits, truth, weights)
        if _log_loss(softmax(logits, temperature), truth, weights) < plain:
            self.matrix, self.temperature = _matrix_scaling().fit(scores, truth), temperature

    @property
    def kind(self) -> str:
        matrix = "matrix, " if self.matrix is not None else ""
        return f"{matrix}temperature {self.temperature:.3g}"

    def __call__(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        logits = scores if self.matrix is None else _logits(self.matrix, scores)
        return softmax(logits, self.temperature)


def _logits(matrix: LogisticRegression, scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """One logit per category (predict_proba's arithmetic, without its per-call checks)."""
    coef, intercept = matrix.coef_, matrix.intercept_
    logits = np.asarray(scores @ coef.T + intercept, dtype=float)
    if coef.shape[0] == 1:  # two categories: one logit, the second's, against zero
        logits = np.concatenate([np.zeros_like(logits), logits], axis=1)
    return logits


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

    def __init__(self, c: float = 0.5, folds: int = MAX_FOLDS, language: str = "en") -> None:
        self.pipeline = _pipeline(c, language)
        self.classes: list[str] = []
        self.calibration: Calibration | None = None
        self.c = c
        self.language = language  # whose stemmer the word features use
        self.folds = folds  # for the held-out scores calibration is fitted on

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> CategoryModel:
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError("triage needs examples of at least two categories to learn from")
        self.pipeline.fit(list(texts), list(labels))
        self.classes = [str(c) for c in self.pipeline.classes_]
        folds = min(self.folds, min(counts.values()))
        self.calibration = None
        if folds >= 2:
            held_out = cross_val_predict(
                _pipeline(self.c, self.language),
                list(texts),
                list(labels),
                cv=StratifiedKFold(folds, shuffle=True, random_state=0),
                method="decision_function",
            )
            index = {c: i for i, c in enumerate(self.classes)}
            truth = np.array([index[label] for label in labels])
            self.calibration = Calibration(_columns(np.asarray(held_out, dtype=float)), truth)
        self.scorer = _Scorer(self.pipeline)
        return self

    def _calibrated(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        return softmax(scores) if self.calibration is None else self.calibration(scores)

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        scores = np.asarray(self.pipeline.decision_function(list(texts)), dtype=float)
        return self._calibrated(_columns(scores))

    def top(self, text: str, n: int = 3) -> list[tuple[str, float]]:
        row = self._calibrated(_columns(self.scorer.scores(text)[None, :]))[0]
        order = np.argsort(row)[::-1][:n]
        return [(self.classes[i], float(row[i])) for i in order]


def _columns(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """One score per category: with two categories sklearn gives one column (the second's)."""
    if scores.ndim == 1:
        scores = scores[:, None]
    if scores.shape[1] == 1:
        return np.concatenate([-scores, scores], axis=1)
    return scores
