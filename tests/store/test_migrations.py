"""Alembic `upgrade head` on an empty database builds exactly the tables the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from sopdesk.store.db import Database
from sopdesk.store.migrate import current_revision, head_revision
from sopdesk.store.models import Base
from sopdesk.store.models.kb import is_search_index
from sopdesk.store.models.reports import SQLITE_ONLY_INDEXES, is_sqlite_only_index
from sopdesk.store.models.search import is_fulltext_index


def test_upgrade_head_matches_models(db: Database) -> None:
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                # SQLite's FTS5 indexes (help passages, the case search) are virtual tables no
                # model declares, as are the search's GIN expression indexes on PostgreSQL and
                # the reports' SQLite-only indexes (checked below)
                "include_name": lambda name, type_, _parents: (
                    not (is_search_index(name) or is_fulltext_index(name))
                    and not is_sqlite_only_index(name)
                ),
            },
        )
        diff = compare_metadata(context, Base.metadata)
        built = {
            (table, tuple(column for column in index["column_names"] if column))
            for table in {table for table, _ in SQLITE_ONLY_INDEXES.values()}
            for index in inspect(conn).get_indexes(table)
            if is_sqlite_only_index(index["name"])
        }
    assert diff == []
    assert built == (set(SQLITE_ONLY_INDEXES.values()) if db.is_sqlite else set())
