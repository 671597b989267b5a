"""search vector: PostgreSQL keeps to_tsvector('danish', text) in sources.search_vector

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

The GIN index ix_sources_fts moves from the expression to the stored column, which a trigger keeps
(DDL frozen below as it was at this revision; models/derived/search.py holds today's): a ranked search no longer parses every
matched transcript again. Existing transcripts are filled here. SQLite (FTS5) is unchanged.
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
POSTGRES_FTS = [
    "ALTER TABLE sources ADD COLUMN search_vector tsvector",
    """CREATE OR REPLACE FUNCTION sources_search_vector_biu() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.text IS DISTINCT FROM OLD.text THEN
    NEW.search_vector := to_tsvector('danish', NEW.text);
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER sources_search_vector_biu BEFORE INSERT OR UPDATE OF text ON sources FOR EACH ROW EXECUTE FUNCTION sources_search_vector_biu()",
    "CREATE INDEX ix_sources_fts ON sources USING gin (search_vector)",
]

POSTGRES_FILL = "UPDATE sources SET search_vector = to_tsvector('danish', text)"

POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_sources_fts",
    "DROP TRIGGER IF EXISTS sources_search_vector_biu ON sources",
    "DROP FUNCTION IF EXISTS sources_search_vector_biu()",
    "ALTER TABLE sources DROP COLUMN IF EXISTS search_vector",
]

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
