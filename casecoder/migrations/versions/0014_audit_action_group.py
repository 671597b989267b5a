"""audit action group: the audit rows one user action wrote share audit_events.action_group

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

Exact undo (coding/undo.py) reverses a whole action (an excerpt with its codings, a save, a delete)
from its audit rows; the group id says which rows belong together. Rows written before this
revision have none and cannot be undone. The append-only triggers refuse UPDATE and DELETE only,
so adding a column leaves them as they are.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("action_group", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_events", "action_group")  # SQLite 3.35+: a plain DROP COLUMN keeps the triggers
