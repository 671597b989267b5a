"""REFI-QDA code GUIDs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

``codes.guid`` is the code's GUID in REFI-QDA codebooks (.qdc) and projects (.qdpx), lower-case
canonical UUID text, kept from imported files and otherwise given at the first export
(casecoder/refi/). NULL is allowed any number of times, a GUID at most once per project. Like
migration 0004, the rule is a unique index added in place: a batch rebuild of ``codes`` on SQLite
would drop the old table with foreign keys enforced and cascade to its dependants.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('codes', sa.Column('guid', sa.String(length=36), nullable=True))
    op.create_index('uq_codes_project_id_guid', 'codes', ['project_id', 'guid'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_codes_project_id_guid', table_name='codes')
    op.drop_column('codes', 'guid')  # SQLite >= 3.35 drops a column in place
