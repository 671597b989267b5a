"""full-text search over sources.text

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

SQLite: the FTS5 table sources_fts with its sync triggers, then 'rebuild' indexes the sources
that already exist. PostgreSQL: the GIN index ix_sources_fts on to_tsvector('danish', text)
(built over existing rows by CREATE INDEX); migration 0013 replaces it by a stored column. SQLite
DDL frozen below as it was at this revision (models/derived/search.py has moved on since).
"""
from alembic import op

POSTGRES_FTS = ["CREATE INDEX ix_sources_fts ON sources USING gin (to_tsvector('danish', text))"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_sources_fts"]


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE sources_fts USING fts5(
        text, content='sources', content_rowid='id', tokenize="unicode61 remove_diacritics 0")""",
    """CREATE TRIGGER sources_fts_ai AFTER INSERT ON sources BEGIN
        INSERT INTO sources_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER sources_fts_ad AFTER DELETE ON sources BEGIN
        INSERT INTO sources_fts(sources_fts, rowid, text) VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER sources_fts_au AFTER UPDATE OF id, text ON sources BEGIN
        INSERT INTO sources_fts(sources_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO sources_fts(rowid, text) VALUES (new.id, new.text); END""",
]

SQLITE_REBUILD = "INSERT INTO sources_fts(sources_fts) VALUES ('rebuild')"

SQLITE_DROP = ['DROP TRIGGER IF EXISTS sources_fts_ai', 'DROP TRIGGER IF EXISTS sources_fts_ad', 'DROP TRIGGER IF EXISTS sources_fts_au', 'DROP TABLE IF EXISTS sources_fts']


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": [*SQLITE_FTS, SQLITE_REBUILD], "postgresql": POSTGRES_FTS}
    for sql in statements.get(dialect, []):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
