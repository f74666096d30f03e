"""playbook runs, playbook versions and the resolution ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 15:39:55.047394
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('playbook_versions',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hash', name=op.f('pk_playbook_versions'))
    )
    op.create_table('playbook_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('playbook', sa.String(length=100), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('step', sa.String(length=100), nullable=False),
    sa.Column('waiting_for', sa.String(length=200), nullable=True),
    sa.Column('wait_until', sopdesk.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('started_at', sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sopdesk.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_playbook_runs_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version'], ['playbook_versions.hash'], name=op.f('fk_playbook_runs_version_playbook_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_playbook_runs'))
    )
    with op.batch_alter_table('playbook_runs', schema=None) as batch_op:
        batch_op.create_index('ix_playbook_runs_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_playbook_runs_waiting', ['status', 'wait_until', 'id'], unique=False)

    op.create_table('ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_by', sa.String(length=50), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('at', sopdesk.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ledger_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['playbook_runs.id'], name=op.f('fk_ledger_run_id_playbook_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger'))
    )
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_run_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_case_id'))

    op.drop_table('ledger')
    with op.batch_alter_table('playbook_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_playbook_runs_waiting')
        batch_op.drop_index('ix_playbook_runs_case')

    op.drop_table('playbook_runs')
    op.drop_table('playbook_versions')
