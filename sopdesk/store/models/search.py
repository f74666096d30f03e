"""The full-text search index over cases, messages and customers (no tables of its own).

SQLite: FTS5 tables with external content (`search_*_fts`), kept by triggers on the indexed
tables, so every write is indexed in its own transaction whichever code path makes it.
PostgreSQL: a stored generated `tsvector` column (`search_document`) on each searched table and
a GIN index over it (`ix_fulltext_*`), kept by the database itself in the writing transaction.
FTS5 and the first GIN indexes (over expressions) came with the migration 0013
(search_full_text); 0025 (search_documents) replaced those by the stored column.
"""

from __future__ import annotations

from sopdesk.domain.cases import EventKind

# Timeline entries people wrote: what a search of "messages" reads.
SEARCHED_KINDS = (EventKind.MESSAGE_IN, EventKind.MESSAGE_OUT, EventKind.NOTE, EventKind.CALL)
SEARCHED_KINDS_SQL = ", ".join(f"'{k.value}'" for k in SEARCHED_KINDS)

SQLITE_TOKENIZER = "porter unicode61 remove_diacritics 2"
PG_CONFIG = "english"  # stemming as SQLite's porter tokenizer does

# (FTS5 table, content table, column): one external-content index per searched column.
SQLITE_INDEXES = (
    ("search_events_fts", "case_events", "body"),
    ("search_cases_fts", "cases", "subject"),
    ("search_customers_fts", "customers", "name"),
)
EVENTS_FTS, CASES_FTS, CUSTOMERS_FTS = (name for name, _, _ in SQLITE_INDEXES)


PG_DOCUMENT = "search_document"  # the stored tsvector column that queries match against


def pg_document(column: str) -> str:
    """The document's expression on PostgreSQL (the stored column's, and the expression
    index's before migration 0025)."""
    return f"to_tsvector('{PG_CONFIG}', coalesce({column}, ''))"


EVENTS_WHERE = f"kind IN ({SEARCHED_KINDS_SQL})"
# (index, table, column, partial predicate or "")
PG_INDEXES = (
    ("ix_fulltext_events", "case_events", "body", EVENTS_WHERE),
    ("ix_fulltext_cases", "cases", "subject", ""),
    ("ix_fulltext_customers", "customers", "name", ""),
)


def is_fulltext_index(name: str | None) -> bool:
    """True for the search index's FTS5 tables (and their shadow tables), GIN indexes and stored
    document columns, which no model declares."""
    return bool(name) and str(name).startswith(("search_", "ix_fulltext_"))
