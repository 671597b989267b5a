"""coding_places.direction: each coding's direction in its row, kept by the same triggers (#25)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05

``coding_places`` (0034) gets the coding's ``direction``: the report chapter's quote candidates of some
directions only read a code's codings from it too, as those of every direction do (the codings joined to
``ix_excerpts_id_place``, one path per database, are gone from analysis/quote_candidates.py). The table is
dropped with its triggers and made again (0034's own downgrade and upgrade, loaded from its file), filled
from the codings and excerpts. The triggers are 0034's with the direction copied by the insert trigger and
``direction`` among the columns whose UPDATE writes the row again: no new trigger or statement on an INSERT.
DDL frozen below as it was at this revision (models/derived/coding_places.py holds today's).
"""
import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def _revision_0034() -> ModuleType:
    """0034's module (its frozen DDL, upgrade and downgrade), loaded from its file next to this one."""
    spec = importlib.util.spec_from_file_location("casecoder_migration_0034",
                                                  Path(__file__).with_name("0034_coding_places.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does. The triggers' names are 0034's (so are
# the statements that drop them: 0034's SQLITE_DROP and POSTGRES_DROP).
SQLITE_TRIGGERS = [
    """CREATE TRIGGER coding_places_ai AFTER INSERT ON codings FOR EACH ROW BEGIN
  INSERT INTO coding_places (coding_id, code_id, direction, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.direction, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
END""",
    """CREATE TRIGGER coding_places_ad AFTER DELETE ON codings FOR EACH ROW BEGIN
  DELETE FROM coding_places WHERE coding_id = old.id;
END""",
    """CREATE TRIGGER coding_places_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id, of_record ON codings FOR EACH ROW BEGIN
  DELETE FROM coding_places WHERE coding_id = old.id;
  INSERT INTO coding_places (coding_id, code_id, direction, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.direction, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
END""",
    """CREATE TRIGGER coding_places_excerpts_au AFTER UPDATE OF project_id, case_id, source_id, start_offset ON excerpts FOR EACH ROW WHEN old.project_id <> new.project_id OR old.case_id IS NOT new.case_id OR old.source_id <> new.source_id OR old.start_offset <> new.start_offset BEGIN
  UPDATE coding_places SET project_id = new.project_id, case_id = new.case_id, source_id = new.source_id, start_offset = new.start_offset WHERE excerpt_id = new.id;
END""",
    """CREATE TRIGGER coding_places_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM coding_places WHERE project_id = old.id;
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION coding_places_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO coding_places (coding_id, code_id, direction, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.direction, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
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
  INSERT INTO coding_places (coding_id, code_id, direction, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.direction, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coding_places_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id, of_record ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coding_places_au()""",
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

REBUILD = """INSERT INTO coding_places (coding_id, code_id, direction, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT c.id, c.code_id, c.direction, c.excerpt_id, c.coder_id, c.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where}"""


def upgrade() -> None:
    _revision_0034().downgrade()   # its triggers, indexes and table
    op.create_table('coding_places',
    sa.Column('coding_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('supports', 'contradicts', 'nuances', name='direction', native_enum=False, create_constraint=True, length=11), nullable=False),
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
    before = _revision_0034()
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": before.SQLITE_DROP, "postgresql": before.POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_coding_places_project', table_name='coding_places')
    op.drop_index('ix_coding_places_excerpt', table_name='coding_places')
    op.drop_index('ix_coding_places_code', table_name='coding_places')
    op.drop_table('coding_places')
    before.upgrade()   # 0034's table, triggers and rows
