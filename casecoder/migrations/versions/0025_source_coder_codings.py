"""source_coder_codings: how many codings each user has on each source, kept by triggers (#25)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04

``source_coder_codings`` (source, user) -> the number of the user's codings on the source (rows only above
0), with the project: the agreement's material (unmarked sources coded by two chosen coders) and a blind
viewer's correction (which other coders code on the blind transcripts, and elsewhere) read a row per
(source, coder) instead of the codings. Triggers on codings (insert, delete, update of excerpt/coder),
excerpts (update of project/source) and projects (delete); on PostgreSQL the AFTER triggers carry the
bulk import's pause test of 0021 (models/derived/pause.py). Filled here from the codings. DDL frozen
below as it was at this revision (models/derived/source_coder_codings.py holds today's).
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER source_coder_codings_ai AFTER INSERT ON codings FOR EACH ROW BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, new.coder_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_coder_codings_ad AFTER DELETE ON codings FOR EACH ROW BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, old.coder_id, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_codings WHERE codings <= 0 AND user_id = old.coder_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
END""",
    """CREATE TRIGGER source_coder_codings_au AFTER UPDATE OF excerpt_id, coder_id ON codings FOR EACH ROW WHEN old.excerpt_id <> new.excerpt_id OR old.coder_id <> new.coder_id BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, old.coder_id, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_codings WHERE codings <= 0 AND user_id = old.coder_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, new.coder_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_coder_excerpts_au AFTER UPDATE OF project_id, source_id ON excerpts FOR EACH ROW WHEN old.project_id <> new.project_id OR old.source_id <> new.source_id BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT old.source_id, c.coder_id, old.project_id, -count(*) FROM codings c WHERE c.excerpt_id = old.id GROUP BY c.coder_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_codings WHERE codings <= 0 AND source_id = old.source_id;
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT new.source_id, c.coder_id, new.project_id, +count(*) FROM codings c WHERE c.excerpt_id = new.id GROUP BY c.coder_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_coder_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM source_coder_codings WHERE project_id = old.id;
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION source_coder_codings_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, new.coder_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_codings_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_codings_ai()""",
    """CREATE OR REPLACE FUNCTION source_coder_codings_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, old.coder_id, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_codings WHERE codings <= 0 AND user_id = old.coder_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_codings_ad AFTER DELETE ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_codings_ad()""",
    """CREATE OR REPLACE FUNCTION source_coder_codings_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, old.coder_id, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_codings WHERE codings <= 0 AND user_id = old.coder_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, new.coder_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_codings_au AFTER UPDATE OF excerpt_id, coder_id ON codings FOR EACH ROW WHEN ((old.excerpt_id <> new.excerpt_id OR old.coder_id <> new.coder_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_codings_au()""",
    """CREATE OR REPLACE FUNCTION source_coder_excerpts_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT old.source_id, c.coder_id, old.project_id, -count(*) FROM codings c WHERE c.excerpt_id = old.id GROUP BY c.coder_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_codings WHERE codings <= 0 AND source_id = old.source_id;
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT new.source_id, c.coder_id, new.project_id, +count(*) FROM codings c WHERE c.excerpt_id = new.id GROUP BY c.coder_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_excerpts_au AFTER UPDATE OF project_id, source_id ON excerpts FOR EACH ROW WHEN ((old.project_id <> new.project_id OR old.source_id <> new.source_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_excerpts_au()""",
    """CREATE OR REPLACE FUNCTION source_coder_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM source_coder_codings WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_projects_ad()""",
]

SQLITE_DROP = [
    """DROP TRIGGER IF EXISTS source_coder_codings_ai""",
    """DROP TRIGGER IF EXISTS source_coder_codings_ad""",
    """DROP TRIGGER IF EXISTS source_coder_codings_au""",
    """DROP TRIGGER IF EXISTS source_coder_excerpts_au""",
    """DROP TRIGGER IF EXISTS source_coder_projects_ad""",
]

POSTGRES_DROP = [
    """DROP TRIGGER IF EXISTS source_coder_codings_ai ON codings""",
    """DROP FUNCTION IF EXISTS source_coder_codings_ai()""",
    """DROP TRIGGER IF EXISTS source_coder_codings_ad ON codings""",
    """DROP FUNCTION IF EXISTS source_coder_codings_ad()""",
    """DROP TRIGGER IF EXISTS source_coder_codings_au ON codings""",
    """DROP FUNCTION IF EXISTS source_coder_codings_au()""",
    """DROP TRIGGER IF EXISTS source_coder_excerpts_au ON excerpts""",
    """DROP FUNCTION IF EXISTS source_coder_excerpts_au()""",
    """DROP TRIGGER IF EXISTS source_coder_projects_ad ON projects""",
    """DROP FUNCTION IF EXISTS source_coder_projects_ad()""",
]

REBUILD = """INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, c.coder_id, min(e.project_id), count(*) FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} GROUP BY e.source_id, c.coder_id"""


def upgrade() -> None:
    op.create_table('source_coder_codings',
    sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('codings', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source_id', 'user_id', name=op.f('pk_source_coder_codings'))
    )
    op.create_index('ix_source_coder_codings_user', 'source_coder_codings', ['project_id', 'user_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    op.execute(REBUILD.format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_source_coder_codings_user', table_name='source_coder_codings')
    op.drop_table('source_coder_codings')
