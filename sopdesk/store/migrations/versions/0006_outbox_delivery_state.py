"""timers and outbox: ids never reused on SQLite (AUTOINCREMENT); outbox.event_id for the
delivery state of each timeline message; outbox index by case and status

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:45:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _rebuild(table: str) -> dict[str, object]:
    """Batch options: on SQLite the table is copied into one declared AUTOINCREMENT (SQLite
    cannot add it in place); PostgreSQL sequences never reuse ids, so it is altered in place."""
    if op.get_bind().dialect.name == "sqlite":
        return {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}}
    return {}


def upgrade() -> None:
    with op.batch_alter_table("timers", **_rebuild("timers")):  # type: ignore[arg-type]
        pass
    with op.batch_alter_table("outbox", **_rebuild("outbox")) as batch_op:  # type: ignore[arg-type]
        batch_op.add_column(sa.Column("event_id", Id, nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_outbox_event_id_case_events"),
            "case_events",
            ["event_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_outbox_event", ["event_id"], unique=False)
        batch_op.create_index("ix_outbox_case_status", ["case_id", "status"], unique=False)
    # Rows written before this revision name their message in the payload only.
    outbox = sa.table("outbox", sa.column("id", Id), sa.column("event_id", Id))
    rows = op.get_bind().execute(
        sa.text("SELECT id, payload FROM outbox WHERE kind = 'message.out'")
    )
    for row_id, payload in rows.all():
        data = json.loads(payload) if isinstance(payload, str) else (payload or {})
        if data.get("event_id") is not None:
            op.execute(
                outbox.update().where(outbox.c.id == row_id).values(event_id=int(data["event_id"]))
            )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_case_status")
        batch_op.drop_index("ix_outbox_event")
        batch_op.drop_constraint(op.f("fk_outbox_event_id_case_events"), type_="foreignkey")
        batch_op.drop_column("event_id")
