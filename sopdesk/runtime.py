"""The running desk: settings, database, loaded desk and clock, opened once per process.

The web app, the worker and every CLI command get one of these instead of globals.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sopdesk.desk.files import desk_file_names
from sopdesk.domain.clock import Clock, SystemClock
from sopdesk.engine.kb import sync_kb
from sopdesk.errors import SopdeskError
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade

if TYPE_CHECKING:
    from sopdesk.domain.desk import Desk

log = logging.getLogger("sopdesk.runtime")
DESK_CHECK_SECONDS = 1.0  # how often a request may look at the desk folder for changes


def desk_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Every desk file (`desk_file_names`: not the SQLite database, the attachments or the
    trained models that may share the folder) with its modification time and size: cheap to
    compute, different whenever a desk file is added, removed or written."""
    found = []
    for name in sorted(desk_file_names(folder)):
        try:
            stat = (folder / name).stat()
        except OSError:
            continue
        found.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(found)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    desk: Desk
    clock: Clock = field(default_factory=SystemClock)

    _signature: tuple[tuple[str, int, int], ...] | None = field(default=None, repr=False)
    _checked: float = field(default=0.0, repr=False)
    _reload_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def close(self) -> None:
        self.db.dispose()

    def reload_desk_if_changed(self) -> bool:
        """Loads the desk again when its files changed (at most once a DESK_CHECK_SECONDS) and
        syncs the help articles' passages; a desk that no longer loads is refused (logged) and
        the running one kept. True when a new desk was taken."""
        from sopdesk.desk import load_desk

        now = time.monotonic()
        if now - self._checked < DESK_CHECK_SECONDS or not self._reload_lock.acquire(False):
            return False
        try:
            self._checked = now
            folder = Path(self.settings.desk)
            signature = desk_signature(folder)
            if self._signature is None:
                self._signature = signature  # the desk as it was when this runtime started
                return False
            if signature == self._signature:
                return False
            self._signature = signature
            try:
                desk = load_desk(folder)
            except SopdeskError as exc:
                log.warning("the changed desk does not load; keeping the running one: %s", exc)
                return False
            if desk.version == self.desk.version:
                return False
            sync_kb(self.db, desk)
            self.desk = desk
            log.info("desk reloaded: version %s", desk.version[:12])
            return True
        finally:
            self._reload_lock.release()


def open_runtime(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True
) -> Runtime:
    """Loads the desk (refusing a broken one), opens the database and migrates it to head."""
    from sopdesk.desk import load_desk

    desk = load_desk(settings.desk)
    db = Database(settings.db_url)
    if migrate:
        upgrade(db.engine)
        sync_kb(db, desk)  # the help centre and the bot search what the desk's kb/ says now
    if settings.webhook_urls:
        from sopdesk.engine.subscriptions import enable_publishing

        enable_publishing(db)
    runtime = Runtime(settings=settings, db=db, desk=desk, clock=clock or SystemClock())
    runtime._signature = desk_signature(Path(settings.desk))
    return runtime
