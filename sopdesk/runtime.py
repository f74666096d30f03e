"""The running desk: settings, database, loaded desk and clock, opened once per process.

The web app, the worker and every CLI command get one of these instead of globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sopdesk.domain.clock import Clock, SystemClock
from sopdesk.engine.kb import sync_kb
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade

if TYPE_CHECKING:
    from sopdesk.domain.desk import Desk


@dataclass
class Runtime:
    settings: Settings
    db: Database
    desk: Desk
    clock: Clock = field(default_factory=SystemClock)

    def close(self) -> None:
        self.db.dispose()


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
    return Runtime(settings=settings, db=db, desk=desk, clock=clock or SystemClock())
