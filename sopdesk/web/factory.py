"""The web app as an import string, for the processes of `sopdesk serve --workers N`.

uvicorn starts each process fresh (spawn); each builds its own Runtime from SOPDESK_* variables.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sopdesk.runtime import open_runtime
from sopdesk.settings import Settings
from sopdesk.web.app import create_app

FACTORY = "sopdesk.web.factory:app_from_env"


def export_settings(settings: Settings) -> None:
    """Puts the settings into this process's environment, where the web processes it starts
    read them back: every value that is set, the desk folder made absolute."""
    values = settings.model_dump(mode="json")
    values["desk"] = str(settings.desk.resolve())
    for name, value in values.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        os.environ[f"SOPDESK_{name.upper()}"] = text


def app_from_env() -> FastAPI:
    """A web app with its own Runtime, from the SOPDESK_* environment (see `export_settings`).

    The database is not migrated here: the parent `sopdesk serve` did that before it started
    the processes, and N processes migrating at once would race.
    """
    runtime = open_runtime(Settings(), migrate=False)
    app = create_app(runtime)

    @asynccontextmanager
    async def closing(_app: FastAPI) -> AsyncIterator[None]:
        yield
        runtime.close()

    app.router.lifespan_context = closing
    return app
