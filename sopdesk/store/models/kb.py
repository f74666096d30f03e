"""The help centre's knowledge base as data: article passages (by heading) and feedback.

Tables only. On SQLite the passages are also in the FTS5 table `kb_passages_fts` (created by the
migration, outside these models); on PostgreSQL `search` is a tsvector with a GIN index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Dialect, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from sopdesk.store.models.base import Base, Id

SQLITE_FTS_TABLE = "kb_passages_fts"


def is_search_index(name: str | None) -> bool:
    """True for SQLite's FTS5 table and its shadow tables, which no model declares."""
    return bool(name) and str(name).startswith(SQLITE_FTS_TABLE)


class SearchVector(TypeDecorator[Any]):
    """A tsvector on PostgreSQL; an unused text column on SQLite (FTS5 holds the index there)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(Text())


class KbPassage(Base):
    """One section of a help article: the text under one heading (the first one under none)."""

    __tablename__ = "kb_passages"
    __table_args__ = (Index("ix_kb_passages_search", "search", postgresql_using="gin"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    article: Mapped[str] = mapped_column(String(200), index=True)
    language: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(500))
    anchor: Mapped[str] = mapped_column(String(200))
    heading: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    article_hash: Mapped[str] = mapped_column(String(64))
    search: Mapped[Any] = mapped_column(SearchVector(), nullable=True)


class KbFeedback(Base):
    """One answer to "Did this answer your question?" on an article or a bot answer."""

    __tablename__ = "kb_feedback"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    article: Mapped[str] = mapped_column(String(200), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))  # "article" or "bot"
    created_at: Mapped[datetime]
