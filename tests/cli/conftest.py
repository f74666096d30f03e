"""Fixtures for command-line tests: a runner that calls `sopdesk` in-process with real databases.

Rich output is made wide so that report lines are never wrapped.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from typer.testing import CliRunner

from sopdesk.cli import commands  # noqa: F401  (registers every command)
from sopdesk.cli.app import app

Sopdesk = Callable[..., Result]


@pytest.fixture
def sopdesk(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Sopdesk:
    """Runs `sopdesk ARGS…` against the test database (SOPDESK_DATABASE_URL)."""
    monkeypatch.setenv("SOPDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run
