"""full-text search over sources.text

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

SQLite: the FTS5 table sources_fts with its sync triggers, then 'rebuild' indexes the sources
that already exist. PostgreSQL: the GIN index ix_sources_fts on to_tsvector('danish', text)
(built over existing rows by CREATE INDEX); migration 0013 replaces it by a stored column. SQLite
DDL from casecoder/models/search.py; the PostgreSQL index of this revision is written out here.
"""
from alembic import op

from casecoder.models.derived.search import SQLITE_DROP, SQLITE_FTS, SQLITE_REBUILD

POSTGRES_FTS = ["CREATE INDEX ix_sources_fts ON sources USING gin (to_tsvector('danish', text))"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_sources_fts"]


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": [*SQLITE_FTS, SQLITE_REBUILD], "postgresql": POSTGRES_FTS}
    for sql in statements.get(dialect, []):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
