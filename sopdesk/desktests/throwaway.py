"""Throwaway SQLite databases for scenario runs: one migrated template per process, copied
for each scenario and deleted after it (a copy costs far less than running the migrations).

The runs of one process share one engine over one file that is replaced between runs: SQL
statements are compiled once per engine, and compiling them again for every scenario cost
about a fifth of a suite's time. A run that starts while another holds the shared engine (two
threads) gets an engine of its own.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade

_TEMPLATE: list[Path] = []  # one migrated database per process, copied for each scenario
_SHARED: list[Database] = []  # the engine the runs of this process share, over one file
_SHARED_TURN = threading.Lock()


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sopdesk-scenarios-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def template() -> Path:
    """The migrated template of this process (made on first use; forked workers share it)."""
    if not _TEMPLATE:
        path = _folder() / "template.db"
        db = Database(f"sqlite:///{path}")
        try:
            upgrade(db.engine)
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


def _fresh_copy(path: Path) -> None:
    """`path` becomes a copy of the template (its write-ahead log and index go with it)."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template(), path)


def _shared_database() -> Database:
    if not _SHARED:
        path = _folder() / "scenario.db"
        _fresh_copy(path)
        _SHARED.append(Database(f"sqlite:///{path}"))
        atexit.register(_SHARED[0].dispose)
    return _SHARED[0]


def forget_shared() -> None:
    """In a forked worker: the parent's shared engine and file stay the parent's; this process
    makes its own on first use (the template, a file only read, is kept)."""
    _SHARED.clear()


@contextmanager
def throwaway_database() -> Iterator[tuple[Database, Path]]:
    """An empty, migrated database and a folder for the run's blobs, both gone after."""
    with tempfile.TemporaryDirectory(prefix="sopdesk-scenario-") as folder:
        blobs = Path(folder) / "blobs"
        if _SHARED_TURN.acquire(blocking=False):
            try:
                db = _shared_database()
                db.engine.dispose()  # no connection may stay open on the file replaced now
                _fresh_copy(Path(str(db.engine.url.database)))
                try:
                    yield db, blobs
                finally:
                    db.engine.dispose()
            finally:
                _SHARED_TURN.release()
            return
        path = Path(folder) / "scenario.db"
        shutil.copyfile(template(), path)
        db = Database(f"sqlite:///{path}")
        try:
            yield db, blobs
        finally:
            db.dispose()
