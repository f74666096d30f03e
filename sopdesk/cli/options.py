"""The options several commands share (--desk, --database-url) and how flags become Settings.

A flag given on the command line overrides its SOPDESK_* variable; one not given leaves it be.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from sopdesk.errors import ConfigError
from sopdesk.runtime import Runtime, open_runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade

DeskOpt = Annotated[
    Path | None,
    typer.Option(
        "--desk",
        help="The desk folder (made by `sopdesk init`). (env SOPDESK_DESK; default: ./desk)",
        show_default=False,
    ),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql://user@host/db. "
        "(env SOPDESK_DATABASE_URL; default: sqlite:///<desk>/sopdesk.db)",
        show_default=False,
    ),
]


def load_settings(**flags: Any) -> Settings:
    """Settings from the environment, overridden by the flags that were given (not None)."""
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        details = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        ]  # fmt: skip
        raise ConfigError("invalid settings: " + "; ".join(details)) from None


def _database_problem(settings: Settings, exc: Exception) -> ConfigError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ConfigError(f"cannot open the database {settings.db_url}: {first}")


def open_database(settings: Settings) -> Database:
    """The database of these settings, migrated to head (the desk itself is not loaded)."""
    if settings.database_url is None and not settings.desk.is_dir():
        raise ConfigError(
            f"desk folder {settings.desk} does not exist; run `sopdesk init {settings.desk}` "
            "or pass --desk"
        )
    db = Database(settings.db_url)
    try:
        upgrade(db.engine)
    except SQLAlchemyError as exc:
        db.dispose()
        raise _database_problem(settings, exc) from None
    return db


def start_runtime(settings: Settings) -> Runtime:
    """Loads the desk and opens (and migrates) the database, with errors a person can act on."""
    if not settings.desk.is_dir():
        raise ConfigError(
            f"desk folder {settings.desk} does not exist; run `sopdesk init {settings.desk}` "
            "or pass --desk"
        )
    try:
        return open_runtime(settings)
    except SQLAlchemyError as exc:
        raise _database_problem(settings, exc) from None
