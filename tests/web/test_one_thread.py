"""A web process and a worker encode on one torch thread (see embeddings.serve_single_threaded)."""

from __future__ import annotations

import pytest

from sopdesk import embeddings
from sopdesk.cli.serve import _worker_of
from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app


def test_the_web_app_and_the_worker_ask_for_one_thread(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "_threads", None)
    create_app(runtime)
    assert embeddings._threads == 1
    monkeypatch.setattr(embeddings, "_threads", None)
    _worker_of(runtime)
    assert embeddings._threads == 1
