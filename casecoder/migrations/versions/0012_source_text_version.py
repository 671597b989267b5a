"""source text version: a random number a trigger replaces whenever a transcript's text changes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

``sources.text_version`` keys the per-process transcript cache of the excerpt writes
(casecoder/coding/text_cache.py); the trigger DDL is frozen below as it was at this revision
(models/derived/source_text.py holds today's). Existing transcripts get a random version here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER sources_text_version_au AFTER UPDATE OF text ON sources FOR EACH ROW WHEN old.text IS NOT new.text BEGIN UPDATE sources SET text_version = (((random() >> 2) & 4611686018427387903) + 1) WHERE id = new.id; END",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION sources_text_version_bu() RETURNS trigger AS $$
BEGIN
  NEW.text_version := (floor(random() * 4611686018427387903)::bigint + 1);
  RETURN NEW;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER sources_text_version_bu BEFORE UPDATE OF text ON sources FOR EACH ROW WHEN (old.text IS DISTINCT FROM new.text) EXECUTE FUNCTION sources_text_version_bu()",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS sources_text_version_au",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS sources_text_version_bu ON sources",
    "DROP FUNCTION IF EXISTS sources_text_version_bu()",
]

FILL = {
    'sqlite': "UPDATE sources SET text_version = (((random() >> 2) & 4611686018427387903) + 1)",
    'postgresql': "UPDATE sources SET text_version = (floor(random() * 4611686018427387903)::bigint + 1)",
}


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
