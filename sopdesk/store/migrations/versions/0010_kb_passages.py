"""kb_passages and kb_feedback: help-article passages with a full-text index, feedback counts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.models.kb
import sopdesk.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kb_passages",
        sa.Column("id", Id, nullable=False),
        sa.Column("article", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("anchor", sa.String(length=200), nullable=False),
        sa.Column("heading", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("article_hash", sa.String(length=64), nullable=False),
        sa.Column("search", sopdesk.store.models.kb.SearchVector(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_passages")),
    )
    op.create_index(op.f("ix_kb_passages_article"), "kb_passages", ["article"], unique=False)
    op.create_index(
        "ix_kb_passages_search", "kb_passages", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "kb_feedback",
        sa.Column("id", Id, nullable=False),
        sa.Column("article", sa.String(length=200), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_feedback")),
    )
    op.create_index(op.f("ix_kb_feedback_article"), "kb_feedback", ["article"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # rowid = kb_passages.id; porter stemming over unicode61, accents folded
        op.execute(
            "CREATE VIRTUAL TABLE kb_passages_fts USING fts5("
            "title, heading, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE kb_passages_fts")
    op.drop_index(op.f("ix_kb_feedback_article"), table_name="kb_feedback")
    op.drop_table("kb_feedback")
    op.drop_index("ix_kb_passages_search", table_name="kb_passages")
    op.drop_index(op.f("ix_kb_passages_article"), table_name="kb_passages")
    op.drop_table("kb_passages")
