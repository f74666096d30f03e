"""status page: incidents with timed updates and linked cases, maintenance, subscribers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:34:01.559369
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "status_maintenance",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("starts_at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("created_at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_maintenance")),
    )
    with op.batch_alter_table("status_maintenance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_maintenance_window", ["ends_at", "starts_at"], unique=False
        )

    op.create_table(
        "status_subscribers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_status_subscribers_email")),
    )
    op.create_table(
        "status_incidents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("started_at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("opened_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["opened_by"],
            ["agents.id"],
            name=op.f("fk_status_incidents_opened_by_agents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incidents")),
    )
    with op.batch_alter_table("status_incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_incidents_resolved_at"), ["resolved_at"], unique=False
        )

    op.create_table(
        "status_incident_updates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["agents.id"],
            name=op.f("fk_status_incident_updates_author_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["status_incidents.id"],
            name=op.f("fk_status_incident_updates_incident_id_status_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incident_updates")),
    )
    with op.batch_alter_table("status_incident_updates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_incident_updates_incident", ["incident_id", "at", "id"], unique=False
        )

    op.create_table(
        "status_incident_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("linked_at", sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_status_incident_cases_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["status_incidents.id"],
            name=op.f("fk_status_incident_cases_incident_id_status_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["linked_by"],
            ["agents.id"],
            name=op.f("fk_status_incident_cases_linked_by_agents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incident_cases")),
        sa.UniqueConstraint(
            "incident_id", "case_id", name=op.f("uq_status_incident_cases_incident_id")
        ),
    )
    with op.batch_alter_table("status_incident_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_incident_cases_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_status_incident_cases_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("status_incident_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_incident_cases_incident_id"))
        batch_op.drop_index(batch_op.f("ix_status_incident_cases_case_id"))

    op.drop_table("status_incident_cases")
    with op.batch_alter_table("status_incident_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_status_incident_updates_incident")

    op.drop_table("status_incident_updates")
    with op.batch_alter_table("status_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_incidents_resolved_at"))

    op.drop_table("status_incidents")
    op.drop_table("status_subscribers")
    with op.batch_alter_table("status_maintenance", schema=None) as batch_op:
        batch_op.drop_index("ix_status_maintenance_window")

    op.drop_table("status_maintenance")
