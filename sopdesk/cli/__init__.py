"""The `sopdesk` command line (Typer): one thin command per verb, grouped by what it acts on.

Each command module registers its commands on `app`; errors become a red line and exit 1.
"""

from __future__ import annotations

from sopdesk.cli.app import app, main

__all__ = ["app", "main"]
