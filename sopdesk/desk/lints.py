"""Lints: what a desk gets wrong beyond the shape of its files.

Placeholder."""

from __future__ import annotations

from sopdesk.desk.load import LoadedDesk
from sopdesk.desk.problems import Problem


def lint_desk(loaded: LoadedDesk) -> list[Problem]:
    return []
