"""source keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

``sources.key`` names a source in project bundles (casecoder/coding/bundle_import.py); NULL is
allowed any number of times, a key at most once per project. The uniqueness is a unique index,
added in place on both databases: a batch rebuild of ``sources`` on SQLite would drop the old
table with foreign keys enforced, which cascades to excerpts, codings and source_cases and drops
the full-text triggers of migration 0002.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sources', sa.Column('key', sa.String(length=64), nullable=True))
    op.create_index('uq_sources_project_id_key', 'sources', ['project_id', 'key'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_sources_project_id_key', table_name='sources')
    op.drop_column('sources', 'key')  # SQLite >= 3.35 drops a column in place
