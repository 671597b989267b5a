"""coding_places: every coding with its excerpt's place, kept by triggers (#25)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05

``coding_places`` (coding) -> its code, excerpt, coder, of_record and its excerpt's project, case, source
and start offset: the report chapter's quote candidates read a code's codings with their places in one
range of ``ix_coding_places_code`` instead of probing ``ix_excerpts_id_place`` once per excerpt (~9,600
on the large project). Triggers on codings (insert, delete, update of excerpt/code/coder/of_record),
excerpts (update of project/case/source/start) and projects (delete); on PostgreSQL every trigger carries
the bulk import's pause test of 0021 (models/derived/pause.py). Filled here from the codings and excerpts.
DDL frozen below as it was at this revision (models/derived/coding_places.py holds today's).
"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER coding_places_ai AFTER INSERT ON codings FOR EACH ROW BEGIN
  INSERT INTO coding_places (coding_id, code_id, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
END""",
    """CREATE TRIGGER coding_places_ad AFTER DELETE ON codings FOR EACH ROW BEGIN
  DELETE FROM coding_places WHERE coding_id = old.id;
END""",
    """CREATE TRIGGER coding_places_au AFTER UPDATE OF excerpt_id, code_id, coder_id, of_record ON codings FOR EACH ROW BEGIN
  DELETE FROM coding_places WHERE coding_id = old.id;
  INSERT INTO coding_places (coding_id, code_id, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
END""",
    """CREATE TRIGGER coding_places_excerpts_au AFTER UPDATE OF project_id, case_id, source_id, start_offset ON excerpts FOR EACH ROW WHEN old.project_id <> new.project_id OR old.case_id IS NOT new.case_id OR old.source_id <> new.source_id OR old.start_offset <> new.start_offset BEGIN
  UPDATE coding_places SET project_id = new.project_id, case_id = new.case_id, source_id = new.source_id, start_offset = new.start_offset WHERE excerpt_id = new.id;
END""",
    """CREATE TRIGGER coding_places_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM coding_places WHERE project_id = old.id;
END""",
]

SQLITE_DROP = [
    """DROP TRIGGER IF EXISTS coding_places_ai""",
    """DROP TRIGGER IF EXISTS coding_places_ad""",
    """DROP TRIGGER IF EXISTS coding_places_au""",
    """DROP TRIGGER IF EXISTS coding_places_excerpts_au""",
    """DROP TRIGGER IF EXISTS coding_places_projects_ad""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION coding_places_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO coding_places (coding_id, code_id, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coding_places_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coding_places_ai()""",
    """CREATE OR REPLACE FUNCTION coding_places_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM coding_places WHERE coding_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coding_places_ad AFTER DELETE ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coding_places_ad()""",
    """CREATE OR REPLACE FUNCTION coding_places_au() RETURNS trigger AS $$
BEGIN
  DELETE FROM coding_places WHERE coding_id = old.id;
  INSERT INTO coding_places (coding_id, code_id, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coding_places_au AFTER UPDATE OF excerpt_id, code_id, coder_id, of_record ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coding_places_au()""",
    """CREATE OR REPLACE FUNCTION coding_places_excerpts_au() RETURNS trigger AS $$
BEGIN
  UPDATE coding_places SET project_id = new.project_id, case_id = new.case_id, source_id = new.source_id, start_offset = new.start_offset WHERE excerpt_id = new.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coding_places_excerpts_au AFTER UPDATE OF project_id, case_id, source_id, start_offset ON excerpts FOR EACH ROW WHEN ((old.project_id <> new.project_id OR old.case_id IS DISTINCT FROM new.case_id OR old.source_id <> new.source_id OR old.start_offset <> new.start_offset) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coding_places_excerpts_au()""",
    """CREATE OR REPLACE FUNCTION coding_places_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM coding_places WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coding_places_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coding_places_projects_ad()""",
]

POSTGRES_DROP = [
    """DROP TRIGGER IF EXISTS coding_places_ai ON codings""",
    """DROP FUNCTION IF EXISTS coding_places_ai()""",
    """DROP TRIGGER IF EXISTS coding_places_ad ON codings""",
    """DROP FUNCTION IF EXISTS coding_places_ad()""",
    """DROP TRIGGER IF EXISTS coding_places_au ON codings""",
    """DROP FUNCTION IF EXISTS coding_places_au()""",
    """DROP TRIGGER IF EXISTS coding_places_excerpts_au ON excerpts""",
    """DROP FUNCTION IF EXISTS coding_places_excerpts_au()""",
    """DROP TRIGGER IF EXISTS coding_places_projects_ad ON projects""",
    """DROP FUNCTION IF EXISTS coding_places_projects_ad()""",
]

REBUILD = """INSERT INTO coding_places (coding_id, code_id, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT c.id, c.code_id, c.excerpt_id, c.coder_id, c.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where}"""


def upgrade() -> None:
    op.create_table('coding_places',
    sa.Column('coding_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('excerpt_id', sa.Integer(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('of_record', sa.Boolean(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('start_offset', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('coding_id', name=op.f('pk_coding_places'))
    )
    op.create_index('ix_coding_places_code', 'coding_places',
                    ['code_id', 'project_id', 'of_record', 'excerpt_id', 'coder_id', 'case_id', 'source_id',
                     'start_offset'], unique=False)
    op.create_index('ix_coding_places_excerpt', 'coding_places', ['excerpt_id'], unique=False)
    op.create_index('ix_coding_places_project', 'coding_places', ['project_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    op.execute(REBUILD.format(where=""))
    if dialect == 'sqlite' and op.get_bind().exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        op.execute('ANALYZE coding_places')   # a database with planner statistics gets them for the new table
    elif dialect == 'postgresql':
        op.execute('ANALYZE coding_places')


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_coding_places_project', table_name='coding_places')
    op.drop_index('ix_coding_places_excerpt', table_name='coding_places')
    op.drop_index('ix_coding_places_code', table_name='coding_places')
    op.drop_table('coding_places')
