"""source text version: a random number a trigger replaces whenever a transcript's text changes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

``sources.text_version`` keys the per-process transcript cache of the excerpt writes
(casecoder/coding/text_cache.py); the trigger is in casecoder/models/source_text.py, the same DDL as
create_all. Existing transcripts get a random version here.
"""
from alembic import op
import sqlalchemy as sa

from casecoder.models.derived.source_text import FILL, POSTGRES_DROP, POSTGRES_TRIGGERS, SQLITE_DROP, SQLITE_TRIGGERS


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # in place (ADD COLUMN): rebuilding sources on SQLite would cascade-delete its dependants
    op.add_column('sources', sa.Column('text_version', sa.BigInteger(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect in FILL:
        op.execute(FILL[dialect])
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.execute("ALTER TABLE sources DROP COLUMN text_version")
