"""source_case_codings: each coder's codings per source, case, code and direction, kept by triggers (#25)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04

``source_case_codings`` (source, coder, code, case, direction) -> the number of codings (rows only above
0), with the project: the agreement at case level reads the distinct (code, case, coder) of the chosen
coders' codings on the double-coded material from it (one primary-key range per source and coder)
instead of joining the material's codings to their excerpts. Codings of excerpts without a case give no
rows. Triggers on codings (insert, delete, update of excerpt/code/direction/coder), excerpts (update of
project/source/case) and projects (delete); on PostgreSQL the AFTER triggers carry the bulk import's
pause test of 0021 (models/derived/pause.py). Filled here from the codings. DDL frozen below as it was at
this revision (models/derived/source_case_codings.py holds today's).
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER source_case_codings_ai AFTER INSERT ON codings FOR EACH ROW BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, e.case_id, new.direction, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_case_codings_ad AFTER DELETE ON codings FOR EACH ROW BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, old.coder_id, old.code_id, e.case_id, old.direction, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_case_codings WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
END""",
    """CREATE TRIGGER source_case_codings_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id ON codings FOR EACH ROW WHEN old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.coder_id <> new.coder_id BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, old.coder_id, old.code_id, e.case_id, old.direction, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_case_codings WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, e.case_id, new.direction, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_case_excerpts_au AFTER UPDATE OF project_id, source_id, case_id ON excerpts FOR EACH ROW WHEN old.project_id <> new.project_id OR old.source_id <> new.source_id OR old.case_id IS NOT new.case_id BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT old.source_id, c.coder_id, c.code_id, old.case_id, c.direction, old.project_id, -count(*) FROM codings c WHERE c.excerpt_id = old.id AND old.case_id IS NOT NULL GROUP BY c.coder_id, c.code_id, c.direction ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_case_codings WHERE codings <= 0 AND source_id = old.source_id;
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT new.source_id, c.coder_id, c.code_id, new.case_id, c.direction, new.project_id, +count(*) FROM codings c WHERE c.excerpt_id = new.id AND new.case_id IS NOT NULL GROUP BY c.coder_id, c.code_id, c.direction ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_case_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM source_case_codings WHERE project_id = old.id;
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION source_case_codings_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, e.case_id, new.direction, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_codings_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_codings_ai()""",
    """CREATE OR REPLACE FUNCTION source_case_codings_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, old.coder_id, old.code_id, e.case_id, old.direction, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_case_codings WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_codings_ad AFTER DELETE ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_codings_ad()""",
    """CREATE OR REPLACE FUNCTION source_case_codings_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, old.coder_id, old.code_id, e.case_id, old.direction, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_case_codings WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, e.case_id, new.direction, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_codings_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id ON codings FOR EACH ROW WHEN ((old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.coder_id <> new.coder_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_codings_au()""",
    """CREATE OR REPLACE FUNCTION source_case_excerpts_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT old.source_id, c.coder_id, c.code_id, old.case_id, c.direction, old.project_id, -count(*) FROM codings c WHERE c.excerpt_id = old.id AND old.case_id IS NOT NULL GROUP BY c.coder_id, c.code_id, c.direction ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_case_codings WHERE codings <= 0 AND source_id = old.source_id;
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT new.source_id, c.coder_id, c.code_id, new.case_id, c.direction, new.project_id, +count(*) FROM codings c WHERE c.excerpt_id = new.id AND new.case_id IS NOT NULL GROUP BY c.coder_id, c.code_id, c.direction ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_excerpts_au AFTER UPDATE OF project_id, source_id, case_id ON excerpts FOR EACH ROW WHEN ((old.project_id <> new.project_id OR old.source_id <> new.source_id OR old.case_id IS DISTINCT FROM new.case_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_excerpts_au()""",
    """CREATE OR REPLACE FUNCTION source_case_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM source_case_codings WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_projects_ad()""",
]

SQLITE_DROP = [
    """DROP TRIGGER IF EXISTS source_case_codings_ai""",
    """DROP TRIGGER IF EXISTS source_case_codings_ad""",
    """DROP TRIGGER IF EXISTS source_case_codings_au""",
    """DROP TRIGGER IF EXISTS source_case_excerpts_au""",
    """DROP TRIGGER IF EXISTS source_case_projects_ad""",
]

POSTGRES_DROP = [
    """DROP TRIGGER IF EXISTS source_case_codings_ai ON codings""",
    """DROP FUNCTION IF EXISTS source_case_codings_ai()""",
    """DROP TRIGGER IF EXISTS source_case_codings_ad ON codings""",
    """DROP FUNCTION IF EXISTS source_case_codings_ad()""",
    """DROP TRIGGER IF EXISTS source_case_codings_au ON codings""",
    """DROP FUNCTION IF EXISTS source_case_codings_au()""",
    """DROP TRIGGER IF EXISTS source_case_excerpts_au ON excerpts""",
    """DROP FUNCTION IF EXISTS source_case_excerpts_au()""",
    """DROP TRIGGER IF EXISTS source_case_projects_ad ON projects""",
    """DROP FUNCTION IF EXISTS source_case_projects_ad()""",
]

REBUILD = """INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, c.coder_id, c.code_id, e.case_id, c.direction, min(e.project_id), count(*) FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE e.case_id IS NOT NULL {where} GROUP BY e.source_id, c.coder_id, c.code_id, e.case_id, c.direction"""


def upgrade() -> None:
    op.create_table('source_case_codings',
    sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('coder_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('direction', sa.Enum('supports', 'contradicts', 'nuances', name='direction', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('codings', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source_id', 'coder_id', 'code_id', 'case_id', 'direction', name=op.f('pk_source_case_codings'))
    )
    op.create_index('ix_source_case_codings_project', 'source_case_codings', ['project_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    op.execute(REBUILD.format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_source_case_codings_project', table_name='source_case_codings')
    op.drop_table('source_case_codings')
