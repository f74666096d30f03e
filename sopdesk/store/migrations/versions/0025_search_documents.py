"""PostgreSQL's search reads a stored tsvector column (`search_document`) instead of an
expression index: a search that checks the newest rows for a word then reads each row's
document instead of stemming its text again (35 µs a row: 140 ms for a common word in a window
of 4,000 messages at 1,000,000 cases). SQLite's FTS5 index is unchanged.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

from alembic import op

from sopdesk.store.models.search import PG_DOCUMENT, PG_INDEXES, pg_document

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _statistics(index: str) -> str:
    return index.replace("ix_", "st_", 1)  # as 0013 named them


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for index, table, column, where in PG_INDEXES:
        # Only the rows the index holds get a document (a message, not a routing event).
        document = (
            f"CASE WHEN {where} THEN {pg_document(column)} END" if where else pg_document(column)
        )
        partial = f" WHERE {where}" if where else ""
        op.execute(f"DROP STATISTICS {_statistics(index)}")
        op.execute(f"DROP INDEX {index}")
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {PG_DOCUMENT} tsvector "
            f"GENERATED ALWAYS AS ({document}) STORED"
        )
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({PG_DOCUMENT}){partial}")
        op.execute(f"ANALYZE {table} ({PG_DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for index, table, column, where in PG_INDEXES:
        partial = f" WHERE {where}" if where else ""
        op.execute(f"ALTER TABLE {table} DROP COLUMN {PG_DOCUMENT}")  # and its index
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({pg_document(column)}){partial}")
        op.execute(
            f"CREATE STATISTICS {_statistics(index)} ON ({pg_document(column)}) FROM {table}"
        )
