"""The default category model's parts: word stems and pairs, and the choice of calibration."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sopdesk.triage import model
from sopdesk.triage.model import Calibration, CategoryModel, Stems, softmax


def test_stems_fold_word_forms_and_pairs_skip_the_words_between() -> None:
    words = Stems("en", pairs=False)
    assert words("Transferred") == words("transferring") == ["transfer"]
    assert words("My card arrived") == ["my", "card", "arriv", "my card", "card arriv"]
    # Pairs two to five words apart: adjacent words are the bigrams' business.
    assert Stems("en", pairs=True)("card has still not arrived") == [
        "card~still", "card~not", "card~arriv", "has~not", "has~arriv", "still~arriv",
    ]  # fmt: skip
    # The desk's language picks the stemmer; accents typed or not meet in one stem.
    german = Stems("de", pairs=False)
    assert german("Rückerstattungen") == german("ruckerstattung")[:1]
    assert pickle.loads(pickle.dumps(german))("Karten") == german("Karte")


def _scores(rng: np.random.Generator, n: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    truth = np.arange(n) % classes
    scores = rng.normal(0, 1, (n, classes))
    scores[np.arange(n), truth] += 1.5
    # The SVM's habit matrix scaling can learn: category 1 scores high on category 0's rows.
    scores[truth == 0, 1] += 2.0
    return scores, truth


def test_many_examples_choose_matrix_scaling_and_it_equals_predict_proba() -> None:
    scores, truth = _scores(np.random.default_rng(0), 3000, 4)
    calibration = Calibration(scores, truth)
    assert calibration.kind.startswith("matrix")
    assert calibration.matrix is not None
    # At temperature 1 its arithmetic is the logistic regression's own.
    logits = calibration.matrix.predict_log_proba(scores[:50])
    expected = softmax(logits, calibration.temperature)
    assert np.abs(calibration(scores[:50]) - expected).max() < 1e-9
    # It learnt the habit: category 0's rows are no longer taken for category 1.
    right = calibration(scores).argmax(axis=1) == truth
    assert right.mean() > (scores.argmax(axis=1) == truth).mean() + 0.05


def test_two_categories_by_matrix_scaling_are_probabilities_of_both() -> None:
    scores, truth = _scores(np.random.default_rng(1), 2000, 2)
    calibration = Calibration(scores, truth)
    assert calibration.kind.startswith("matrix")
    got = calibration(scores[:20])
    assert got.shape == (20, 2)
    assert calibration.matrix is not None
    logits = calibration.matrix.predict_log_proba(scores[:20])
    assert np.abs(got - softmax(logits, calibration.temperature)).max() < 1e-9


def test_few_examples_per_category_keep_to_one_temperature() -> None:
    # Three phrasings per category, like a desk's taxonomy: 100 numbers cannot be learnt.
    scores, truth = _scores(np.random.default_rng(2), 30, 10)
    calibration = Calibration(scores, truth)
    assert calibration.matrix is None
    assert np.allclose(calibration(scores).sum(axis=1), 1.0)


def test_matrix_scaling_weighs_each_category_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[LogisticRegression] = []
    real = model._matrix_scaling

    def spy() -> LogisticRegression:
        made.append(real())
        return made[-1]

    monkeypatch.setattr(model, "_matrix_scaling", spy)
    Calibration(*_scores(np.random.default_rng(3), 900, 3))
    assert made and all(m.class_weight == "balanced" for m in made)


def test_a_category_model_with_a_lone_example_still_gives_probabilities() -> None:
    rng = random.Random(0)
    texts = [f"card blocked {rng.random()}" for _ in range(5)] + ["parcel lost"]
    fitted = CategoryModel().fit(texts, ["card"] * 5 + ["parcel"])
    assert fitted.calibration is None  # no held-out score of the lone one
    (best, p), _ = fitted.top("my card is blocked", 2)
    assert best == "card" and 0.5 < p <= 1.0
