"""Throwaway SQLite databases for scenario runs: one migrated template per process, copied
for each scenario and deleted after it (a copy costs far less than running the migrations)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade

_TEMPLATE: list[Path] = []  # one migrated database per process, copied for each scenario


def _template() -> Path:
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="sopdesk-scenarios-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.db"
        db = Database(f"sqlite:///{path}")
        try:
            upgrade(db.engine)
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


@contextmanager
def throwaway_database() -> Iterator[tuple[Database, Path]]:
    """An empty, migrated database and a folder for the run's blobs, both gone after."""
    with tempfile.TemporaryDirectory(prefix="sopdesk-scenario-") as folder:
        path = Path(folder) / "scenario.db"
        shutil.copyfile(_template(), path)
        db = Database(f"sqlite:///{path}")
        try:
            yield db, Path(folder) / "blobs"
        finally:
            db.dispose()
