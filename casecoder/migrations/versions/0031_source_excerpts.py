"""source_excerpts, source_code_excerpts: each source's excerpts, and those per code, kept by triggers (#25)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05

``source_excerpts`` (source) -> its number of excerpts and ``source_code_excerpts`` (source, code) -> the
number of its excerpts with at least one coding of the code (rows only above 0), with the project: the
project's excerpt list finds its page from these counts instead of counting the project's excerpts (or a
code's codings joined to their excerpts) on every request. Triggers on excerpts (insert, delete, update of
project/source), codings (insert, delete, update of excerpt/code: AFTER on SQLite, BEFORE on PostgreSQL,
which asks row by row whether another coding of the excerpt has the code) and projects (delete); on
PostgreSQL every trigger carries the bulk import's pause test of 0021 (models/derived/pause.py). Filled
here from the excerpts and codings. ``ix_excerpts_source_creator`` (source, maker) lets a blind coder's own
excerpts on the transcripts they code blind be counted from an index alone. DDL frozen below as it was at this revision
(models/derived/source_excerpts.py holds today's).
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER source_excerpts_ai AFTER INSERT ON excerpts FOR EACH ROW BEGIN
  INSERT INTO source_excerpts (source_id, project_id, excerpts) VALUES (new.source_id, new.project_id, +1) ON CONFLICT (source_id) DO UPDATE SET excerpts = source_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_excerpts_ad AFTER DELETE ON excerpts FOR EACH ROW BEGIN
  INSERT INTO source_excerpts (source_id, project_id, excerpts) VALUES (old.source_id, old.project_id, -1) ON CONFLICT (source_id) DO UPDATE SET excerpts = source_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_excerpts WHERE excerpts <= 0 AND source_id = old.source_id;
END""",
    """CREATE TRIGGER source_excerpts_au AFTER UPDATE OF project_id, source_id ON excerpts FOR EACH ROW WHEN old.project_id <> new.project_id OR old.source_id <> new.source_id BEGIN
  INSERT INTO source_excerpts (source_id, project_id, excerpts) VALUES (old.source_id, old.project_id, -1) ON CONFLICT (source_id) DO UPDATE SET excerpts = source_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_excerpts WHERE excerpts <= 0 AND source_id = old.source_id;
  INSERT INTO source_excerpts (source_id, project_id, excerpts) VALUES (new.source_id, new.project_id, +1) ON CONFLICT (source_id) DO UPDATE SET excerpts = source_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT old.source_id, c.code_id, old.project_id, -1 FROM codings c WHERE c.excerpt_id = old.id GROUP BY c.code_id ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_code_excerpts WHERE excerpts <= 0 AND source_id = old.source_id;
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT new.source_id, c.code_id, new.project_id, +1 FROM codings c WHERE c.excerpt_id = new.id GROUP BY c.code_id ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_excerpts_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM source_excerpts WHERE project_id = old.id;
  DELETE FROM source_code_excerpts WHERE project_id = old.id;
END""",
    """CREATE TRIGGER source_code_excerpts_ai AFTER INSERT ON codings FOR EACH ROW BEGIN
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, new.code_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = new.excerpt_id AND c.code_id = new.code_id AND c.id <> new.id) ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_code_excerpts_ad AFTER DELETE ON codings FOR EACH ROW BEGIN
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, old.code_id, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = old.excerpt_id AND c.code_id = old.code_id AND c.id <> old.id) ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_code_excerpts WHERE excerpts <= 0 AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
END""",
    """CREATE TRIGGER source_code_excerpts_au AFTER UPDATE OF excerpt_id, code_id ON codings FOR EACH ROW WHEN old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id BEGIN
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, old.code_id, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = old.excerpt_id AND c.code_id = old.code_id AND c.id <> old.id) ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_code_excerpts WHERE excerpts <= 0 AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, new.code_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = new.excerpt_id AND c.code_id = new.code_id AND c.id <> new.id) ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION source_excerpts_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_excerpts (source_id, project_id, excerpts) VALUES (new.source_id, new.project_id, +1) ON CONFLICT (source_id) DO UPDATE SET excerpts = source_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_excerpts_ai AFTER INSERT ON excerpts FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_excerpts_ai()""",
    """CREATE OR REPLACE FUNCTION source_excerpts_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_excerpts (source_id, project_id, excerpts) VALUES (old.source_id, old.project_id, -1) ON CONFLICT (source_id) DO UPDATE SET excerpts = source_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_excerpts WHERE excerpts <= 0 AND source_id = old.source_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_excerpts_ad AFTER DELETE ON excerpts FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_excerpts_ad()""",
    """CREATE OR REPLACE FUNCTION source_excerpts_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_excerpts (source_id, project_id, excerpts) VALUES (old.source_id, old.project_id, -1) ON CONFLICT (source_id) DO UPDATE SET excerpts = source_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_excerpts WHERE excerpts <= 0 AND source_id = old.source_id;
  INSERT INTO source_excerpts (source_id, project_id, excerpts) VALUES (new.source_id, new.project_id, +1) ON CONFLICT (source_id) DO UPDATE SET excerpts = source_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT old.source_id, c.code_id, old.project_id, -1 FROM codings c WHERE c.excerpt_id = old.id GROUP BY c.code_id ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_code_excerpts WHERE excerpts <= 0 AND source_id = old.source_id;
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT new.source_id, c.code_id, new.project_id, +1 FROM codings c WHERE c.excerpt_id = new.id GROUP BY c.code_id ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_excerpts_au AFTER UPDATE OF project_id, source_id ON excerpts FOR EACH ROW WHEN ((old.project_id <> new.project_id OR old.source_id <> new.source_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_excerpts_au()""",
    """CREATE OR REPLACE FUNCTION source_excerpts_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM source_excerpts WHERE project_id = old.id;
  DELETE FROM source_code_excerpts WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_excerpts_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_excerpts_projects_ad()""",
    """CREATE OR REPLACE FUNCTION source_code_excerpts_bi() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, new.code_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = new.excerpt_id AND c.code_id = new.code_id AND c.id <> new.id) ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  RETURN new;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_code_excerpts_bi BEFORE INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_code_excerpts_bi()""",
    """CREATE OR REPLACE FUNCTION source_code_excerpts_bd() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, old.code_id, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = old.excerpt_id AND c.code_id = old.code_id AND c.id <> old.id) ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_code_excerpts WHERE excerpts <= 0 AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  RETURN old;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_code_excerpts_bd BEFORE DELETE ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_code_excerpts_bd()""",
    """CREATE OR REPLACE FUNCTION source_code_excerpts_bu() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, old.code_id, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = old.excerpt_id AND c.code_id = old.code_id AND c.id <> old.id) ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  DELETE FROM source_code_excerpts WHERE excerpts <= 0 AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, new.code_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = new.excerpt_id AND c.code_id = new.code_id AND c.id <> new.id) ON CONFLICT (source_id, code_id) DO UPDATE SET excerpts = source_code_excerpts.excerpts + excluded.excerpts, project_id = excluded.project_id;
  RETURN new;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_code_excerpts_bu BEFORE UPDATE OF excerpt_id, code_id ON codings FOR EACH ROW WHEN ((old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_code_excerpts_bu()""",
]

SQLITE_DROP = [
    """DROP TRIGGER IF EXISTS source_excerpts_ai""",
    """DROP TRIGGER IF EXISTS source_excerpts_ad""",
    """DROP TRIGGER IF EXISTS source_excerpts_au""",
    """DROP TRIGGER IF EXISTS source_excerpts_projects_ad""",
    """DROP TRIGGER IF EXISTS source_code_excerpts_ai""",
    """DROP TRIGGER IF EXISTS source_code_excerpts_ad""",
    """DROP TRIGGER IF EXISTS source_code_excerpts_au""",
]

POSTGRES_DROP = [
    """DROP TRIGGER IF EXISTS source_excerpts_ai ON excerpts""",
    """DROP FUNCTION IF EXISTS source_excerpts_ai()""",
    """DROP TRIGGER IF EXISTS source_excerpts_ad ON excerpts""",
    """DROP FUNCTION IF EXISTS source_excerpts_ad()""",
    """DROP TRIGGER IF EXISTS source_excerpts_au ON excerpts""",
    """DROP FUNCTION IF EXISTS source_excerpts_au()""",
    """DROP TRIGGER IF EXISTS source_excerpts_projects_ad ON projects""",
    """DROP FUNCTION IF EXISTS source_excerpts_projects_ad()""",
    """DROP TRIGGER IF EXISTS source_code_excerpts_bi ON codings""",
    """DROP FUNCTION IF EXISTS source_code_excerpts_bi()""",
    """DROP TRIGGER IF EXISTS source_code_excerpts_bd ON codings""",
    """DROP FUNCTION IF EXISTS source_code_excerpts_bd()""",
    """DROP TRIGGER IF EXISTS source_code_excerpts_bu ON codings""",
    """DROP FUNCTION IF EXISTS source_code_excerpts_bu()""",
]

REBUILD = """INSERT INTO source_excerpts (source_id, project_id, excerpts) SELECT e.source_id, min(e.project_id), count(*) FROM excerpts e WHERE 1 = 1 {where} GROUP BY e.source_id"""

REBUILD_CODES = """INSERT INTO source_code_excerpts (source_id, code_id, project_id, excerpts) SELECT e.source_id, c.code_id, min(e.project_id), count(DISTINCT c.excerpt_id) FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} GROUP BY e.source_id, c.code_id"""


def upgrade() -> None:
    op.create_table('source_excerpts',
    sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('excerpts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source_id', name=op.f('pk_source_excerpts'))
    )
    op.create_index('ix_source_excerpts_project', 'source_excerpts', ['project_id'], unique=False)
    op.create_table('source_code_excerpts',
    sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('excerpts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source_id', 'code_id', name=op.f('pk_source_code_excerpts'))
    )
    op.create_index('ix_source_code_excerpts_code', 'source_code_excerpts',
                    ['code_id', 'project_id', 'source_id', 'excerpts'], unique=False)
    op.create_index('ix_source_code_excerpts_project', 'source_code_excerpts', ['project_id'], unique=False)
    op.create_index('ix_excerpts_source_creator', 'excerpts', ['source_id', 'created_by_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    op.execute(REBUILD.format(where=""))
    op.execute(REBUILD_CODES.format(where=""))
    if dialect == 'sqlite' and op.get_bind().exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        # a database with planner statistics gets them for the new tables and index too (as in 0030)
        for table in ('excerpts', 'source_excerpts', 'source_code_excerpts'):
            op.execute(f'ANALYZE {table}')


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_excerpts_source_creator', table_name='excerpts')
    op.drop_index('ix_source_code_excerpts_project', table_name='source_code_excerpts')
    op.drop_index('ix_source_code_excerpts_code', table_name='source_code_excerpts')
    op.drop_table('source_code_excerpts')
    op.drop_index('ix_source_excerpts_project', table_name='source_excerpts')
    op.drop_table('source_excerpts')
