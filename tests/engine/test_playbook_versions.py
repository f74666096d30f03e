"""The first runs of a new playbook version, started at the same moment, store it once.

Two transactions both see no row for the hash; the second one's insert waits on the first's
unique key and then must do nothing (it was an IntegrityError, a 500, before).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from sopdesk.desk import load_desk
from sopdesk.engine.playbook_views import store_version
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.models import PlaybookVersion

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _waiting_on_a_lock(db: Database) -> bool:
    with db.engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar()
    return bool(waiting)


def test_two_first_runs_of_a_version_store_it_once(postgres_url: str) -> None:
    db = Database(postgres_url)
    playbook = next(iter(load_desk(pack_path("starter")).playbooks.values()))
    errors: list[BaseException] = []
    hashes: list[str] = []

    def second() -> None:
        try:
            with db.transaction() as session:
                hashes.append(store_version(session, playbook, NOW))
        except BaseException as exc:
            errors.append(exc)

    try:
        with db.transaction() as session:
            hashes.append(store_version(session, playbook, NOW))
            thread = threading.Thread(target=second)
            thread.start()
            for _ in range(500):  # until the second insert waits on our uncommitted row
                if _waiting_on_a_lock(db) or not thread.is_alive():
                    break
                threading.Event().wait(0.01)
        thread.join(timeout=30)
        assert errors == []
        assert len(set(hashes)) == 1 and len(hashes) == 2
        with db.transaction(write=False) as session:
            count = session.scalar(select(func.count()).select_from(PlaybookVersion))
        assert count == 1
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM playbook_versions"))
        db.dispose()
