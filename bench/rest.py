"""After a bench's bulk load: the tables as a live desk's would be at rest."""

from __future__ import annotations

from sopdesk.store.db import Database


def settle(db: Database) -> None:
    """ANALYZE, and on PostgreSQL VACUUM as autovacuum would after a bulk load: it sets the
    visibility map (an index-only scan over freshly copied rows fetches every heap row, 6 s
    instead of 0.5 s for a report at 1,000,000 cases) and empties the GIN indexes' pending
    lists (a search reads all of a pending list)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE")
