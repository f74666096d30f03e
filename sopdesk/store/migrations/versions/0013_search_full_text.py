"""full-text search over messages, case subjects and customer names (FTS5 / tsvector GIN)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

from alembic import op

from sopdesk.store.models.search import (
    PG_INDEXES,
    SEARCHED_KINDS_SQL,
    SQLITE_INDEXES,
    SQLITE_TOKENIZER,
    pg_document,
)

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _condition(table: str, row: str, column: str) -> str:
    """Which rows the index holds: people's messages on the timeline, every subject and name."""
    held = f"{row}.{column} IS NOT NULL"
    if table == "case_events":
        held += f" AND {row}.kind IN ({SEARCHED_KINDS_SQL})"
    return held


def _statistics(index: str) -> str:
    return index.replace("ix_", "st_", 1)


def _sqlite_upgrade() -> None:
    for fts, table, column in SQLITE_INDEXES:
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
            f"content_rowid='id', tokenize='{SQLITE_TOKENIZER}')"
        )
        add = (
            f"INSERT INTO {fts} (rowid, {column}) SELECT new.id, new.{column} "
            f"WHERE {_condition(table, 'new', column)};"
        )
        remove = (
            f"INSERT INTO {fts} ({fts}, rowid, {column}) SELECT 'delete', old.id, old.{column} "
            f"WHERE {_condition(table, 'old', column)};"
        )
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END")
        watched = f"{column}, kind" if table == "case_events" else column
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {watched} ON {table} "
            f"BEGIN {remove} {add} END"
        )
        # What is already there; never 'rebuild' (it would index the rows the triggers skip).
        op.execute(
            f"INSERT INTO {fts} (rowid, {column}) SELECT id, {column} FROM {table} "
            f"WHERE {_condition(table, table, column)}"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
        return
    for index, table, column, where in PG_INDEXES:
        partial = f" WHERE {where}" if where else ""
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({pg_document(column)}){partial}")
        # Word frequencies of the expression (PostgreSQL 14+): without them the planner guesses
        # 0.5 % of rows match any word and walks the primary key backwards for a rare word,
        # computing every row's tsvector (400 ms at 10,000 cases instead of 4 ms).
        op.execute(f"CREATE STATISTICS {_statistics(index)} ON ({pg_document(column)}) FROM {table}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for fts, _, _ in SQLITE_INDEXES:
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {fts}_{suffix}")
            op.execute(f"DROP TABLE {fts}")
        return
    for index, _, _, _ in PG_INDEXES:
        op.execute(f"DROP STATISTICS {_statistics(index)}")
        op.execute(f"DROP INDEX {index}")
