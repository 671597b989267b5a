"""source_coder_spans: each coder's codings per source, code, direction and span, kept by triggers (#25)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04

``source_coder_spans`` (source, coder, code, direction, start, end) -> the number of codings (rows only
above 0), with the project: the agreement at segment level reads the spans of the chosen coders'
codings on the double-coded material from it (one primary-key range per source and coder, from the
index alone) instead of joining the material's codings to their excerpts. Triggers on codings (insert,
delete, update of excerpt/code/direction/coder), excerpts (update of project/source/start/end) and
projects (delete); on PostgreSQL the AFTER triggers carry the bulk import's pause test of 0021
(models/derived/pause.py). Filled here from the codings. DDL frozen below as it was at this revision
(models/derived/source_coder_spans.py holds today's).
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER source_coder_spans_ai AFTER INSERT ON codings FOR EACH ROW BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, new.direction, e.start_offset, e.end_offset, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_coder_spans_ad AFTER DELETE ON codings FOR EACH ROW BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, old.coder_id, old.code_id, old.direction, e.start_offset, e.end_offset, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_spans WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
END""",
    """CREATE TRIGGER source_coder_spans_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id ON codings FOR EACH ROW WHEN old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.coder_id <> new.coder_id BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, old.coder_id, old.code_id, old.direction, e.start_offset, e.end_offset, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_spans WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, new.direction, e.start_offset, e.end_offset, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_coder_spans_excerpts_au AFTER UPDATE OF project_id, source_id, start_offset, end_offset ON excerpts FOR EACH ROW WHEN old.project_id <> new.project_id OR old.source_id <> new.source_id OR old.start_offset <> new.start_offset OR old.end_offset <> new.end_offset BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT old.source_id, c.coder_id, c.code_id, c.direction, old.start_offset, old.end_offset, old.project_id, -count(*) FROM codings c WHERE c.excerpt_id = old.id GROUP BY c.coder_id, c.code_id, c.direction ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_spans WHERE codings <= 0 AND source_id = old.source_id;
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT new.source_id, c.coder_id, c.code_id, c.direction, new.start_offset, new.end_offset, new.project_id, +count(*) FROM codings c WHERE c.excerpt_id = new.id GROUP BY c.coder_id, c.code_id, c.direction ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_coder_spans_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM source_coder_spans WHERE project_id = old.id;
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION source_coder_spans_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, new.direction, e.start_offset, e.end_offset, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_spans_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_spans_ai()""",
    """CREATE OR REPLACE FUNCTION source_coder_spans_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, old.coder_id, old.code_id, old.direction, e.start_offset, e.end_offset, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_spans WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_spans_ad AFTER DELETE ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_spans_ad()""",
    """CREATE OR REPLACE FUNCTION source_coder_spans_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, old.coder_id, old.code_id, old.direction, e.start_offset, e.end_offset, e.project_id, -1 FROM excerpts e WHERE e.id = old.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_spans WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, new.direction, e.start_offset, e.end_offset, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_spans_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id ON codings FOR EACH ROW WHEN ((old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.coder_id <> new.coder_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_spans_au()""",
    """CREATE OR REPLACE FUNCTION source_coder_spans_excerpts_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT old.source_id, c.coder_id, c.code_id, c.direction, old.start_offset, old.end_offset, old.project_id, -count(*) FROM codings c WHERE c.excerpt_id = old.id GROUP BY c.coder_id, c.code_id, c.direction ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  DELETE FROM source_coder_spans WHERE codings <= 0 AND source_id = old.source_id;
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT new.source_id, c.coder_id, c.code_id, c.direction, new.start_offset, new.end_offset, new.project_id, +count(*) FROM codings c WHERE c.excerpt_id = new.id GROUP BY c.coder_id, c.code_id, c.direction ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_spans_excerpts_au AFTER UPDATE OF project_id, source_id, start_offset, end_offset ON excerpts FOR EACH ROW WHEN ((old.project_id <> new.project_id OR old.source_id <> new.source_id OR old.start_offset <> new.start_offset OR old.end_offset <> new.end_offset) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_spans_excerpts_au()""",
    """CREATE OR REPLACE FUNCTION source_coder_spans_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM source_coder_spans WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_spans_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_spans_projects_ad()""",
]

SQLITE_DROP = [
    """DROP TRIGGER IF EXISTS source_coder_spans_ai""",
    """DROP TRIGGER IF EXISTS source_coder_spans_ad""",
    """DROP TRIGGER IF EXISTS source_coder_spans_au""",
    """DROP TRIGGER IF EXISTS source_coder_spans_excerpts_au""",
    """DROP TRIGGER IF EXISTS source_coder_spans_projects_ad""",
]

POSTGRES_DROP = [
    """DROP TRIGGER IF EXISTS source_coder_spans_ai ON codings""",
    """DROP FUNCTION IF EXISTS source_coder_spans_ai()""",
    """DROP TRIGGER IF EXISTS source_coder_spans_ad ON codings""",
    """DROP FUNCTION IF EXISTS source_coder_spans_ad()""",
    """DROP TRIGGER IF EXISTS source_coder_spans_au ON codings""",
    """DROP FUNCTION IF EXISTS source_coder_spans_au()""",
    """DROP TRIGGER IF EXISTS source_coder_spans_excerpts_au ON excerpts""",
    """DROP FUNCTION IF EXISTS source_coder_spans_excerpts_au()""",
    """DROP TRIGGER IF EXISTS source_coder_spans_projects_ad ON projects""",
    """DROP FUNCTION IF EXISTS source_coder_spans_projects_ad()""",
]

REBUILD = """INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset, min(e.project_id), count(*) FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} GROUP BY e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset"""


def upgrade() -> None:
    op.create_table('source_coder_spans',
    sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('coder_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('direction', sa.Enum('supports', 'contradicts', 'nuances', name='direction', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('start_offset', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('end_offset', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('codings', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source_id', 'coder_id', 'code_id', 'direction', 'start_offset', 'end_offset', name=op.f('pk_source_coder_spans'))
    )
    op.create_index('ix_source_coder_spans_project', 'source_coder_spans', ['project_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    op.execute(REBUILD.format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_source_coder_spans_project', table_name='source_coder_spans')
    op.drop_table('source_coder_spans')
