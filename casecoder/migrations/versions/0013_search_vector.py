"""search vector: PostgreSQL keeps to_tsvector('danish', text) in sources.search_vector

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

The GIN index ix_sources_fts moves from the expression to the stored column, which a trigger keeps
(casecoder/models/search.py, the same DDL as create_all): a ranked search no longer parses every
matched transcript again. Existing transcripts are filled here. SQLite (FTS5) is unchanged.
"""
from alembic import op

from casecoder.models.derived.search import POSTGRES_DROP, POSTGRES_FILL, POSTGRES_FTS


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

EXPRESSION_INDEX = "CREATE INDEX ix_sources_fts ON sources USING gin (to_tsvector('danish', text))"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_sources_fts")
    op.execute(POSTGRES_FTS[0])  # the column, filled before its index is built
    op.execute(POSTGRES_FILL)
    for sql in POSTGRES_FTS[1:]:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in POSTGRES_DROP:
        op.execute(sql)
    op.execute(EXPRESSION_INDEX)
