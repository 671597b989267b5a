"""sources_search_vector_biu: a paused bulk import may leave a new row's vector to its second connection (#25)

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06

The full-text trigger of 0013 computed ``to_tsvector('danish', text)`` for every inserted transcript inside
the inserting backend. A bulk import into one project (models/derived/pause.py) now sets the transaction-local
``casecoder.search_vector_later`` for its own COPY of new sources; the function then leaves the vector
empty, and models/derived/search_later.py writes the same ``to_tsvector`` (computed meanwhile on a second
connection, or here if that failed) before the import commits. Any other insert, and every UPDATE of the
text, is computed as before. PostgreSQL only; SQLite's FTS5 triggers are unchanged. DDL frozen below as it
was at this revision (models/derived/search.py holds today's).
"""
from alembic import op

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None

FUNCTION = (
    "CREATE OR REPLACE FUNCTION sources_search_vector_biu() RETURNS trigger AS $$\nBEGIN\n"
    "  IF TG_OP = 'INSERT' AND current_setting('casecoder.search_vector_later', true) = 'on' THEN\n"
    "    RETURN NEW;\n  END IF;\n"
    "  IF TG_OP = 'INSERT' OR NEW.text IS DISTINCT FROM OLD.text THEN\n"
    "    NEW.search_vector := to_tsvector('danish', NEW.text);\n  END IF;\n  RETURN NEW;\nEND; $$ LANGUAGE plpgsql")

FUNCTION_0013 = """CREATE OR REPLACE FUNCTION sources_search_vector_biu() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.text IS DISTINCT FROM OLD.text THEN
    NEW.search_vector := to_tsvector('danish', NEW.text);
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION_0013)
