"""evidence summary: distinct evidence per case, code, perspective, direction, coder, kept by triggers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

``evidence_summary`` holds what the counts need from codings x excerpts x sources, made distinct,
with ``n`` = the codings behind each row (docs/counting.md). Triggers on codings, excerpts,
sources and projects keep it exact (DDL frozen below as it was at this revision;
models/derived/summary.py holds today's);
the table is filled here from the codings that already exist.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER evidence_summary_codings_ai AFTER INSERT ON codings FOR EACH ROW BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, new.code_id, s.perspective, new.direction, new.coder_id, new.of_record, +1 FROM excerpts e, sources s WHERE e.id = new.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
END""",
    """CREATE TRIGGER evidence_summary_codings_ad AFTER DELETE ON codings FOR EACH ROW BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, old.code_id, s.perspective, old.direction, old.coder_id, old.of_record, -1 FROM excerpts e, sources s WHERE e.id = old.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  DELETE FROM evidence_summary WHERE n <= 0 AND code_id = old.code_id AND project_id = (SELECT e.project_id FROM excerpts e WHERE e.id = old.excerpt_id) AND case_id = (SELECT e.case_id FROM excerpts e WHERE e.id = old.excerpt_id);
END""",
    """CREATE TRIGGER evidence_summary_codings_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id, of_record ON codings FOR EACH ROW WHEN old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.coder_id <> new.coder_id OR old.of_record <> new.of_record BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, old.code_id, s.perspective, old.direction, old.coder_id, old.of_record, -1 FROM excerpts e, sources s WHERE e.id = old.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  DELETE FROM evidence_summary WHERE n <= 0 AND code_id = old.code_id AND project_id = (SELECT e.project_id FROM excerpts e WHERE e.id = old.excerpt_id) AND case_id = (SELECT e.case_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, new.code_id, s.perspective, new.direction, new.coder_id, new.of_record, +1 FROM excerpts e, sources s WHERE e.id = new.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
END""",
    """CREATE TRIGGER evidence_summary_excerpts_bd BEFORE DELETE ON excerpts FOR EACH ROW BEGIN
  DELETE FROM codings WHERE excerpt_id = old.id;
END""",
    """CREATE TRIGGER evidence_summary_excerpts_au AFTER UPDATE OF project_id, source_id, case_id ON excerpts FOR EACH ROW WHEN old.project_id <> new.project_id OR old.source_id <> new.source_id OR old.case_id IS NOT new.case_id BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT old.project_id, old.case_id, c.code_id, s.perspective, c.direction, c.coder_id, c.of_record, -count(*) FROM codings c, sources s WHERE c.excerpt_id = old.id AND s.id = old.source_id AND old.case_id IS NOT NULL GROUP BY c.code_id, s.perspective, c.direction, c.coder_id, c.of_record ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  DELETE FROM evidence_summary WHERE n <= 0 AND project_id = old.project_id AND case_id = old.case_id;
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT new.project_id, new.case_id, c.code_id, s.perspective, c.direction, c.coder_id, c.of_record, +count(*) FROM codings c, sources s WHERE c.excerpt_id = new.id AND s.id = new.source_id AND new.case_id IS NOT NULL GROUP BY c.code_id, s.perspective, c.direction, c.coder_id, c.of_record ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
END""",
    """CREATE TRIGGER evidence_summary_sources_bd BEFORE DELETE ON sources FOR EACH ROW BEGIN
  DELETE FROM excerpts WHERE source_id = old.id;
END""",
    """CREATE TRIGGER evidence_summary_sources_au AFTER UPDATE OF perspective ON sources FOR EACH ROW WHEN old.perspective <> new.perspective BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, c.code_id, old.perspective, c.direction, c.coder_id, c.of_record, -count(*) FROM codings c, excerpts e WHERE e.source_id = old.id AND c.excerpt_id = e.id AND e.case_id IS NOT NULL GROUP BY e.project_id, e.case_id, c.code_id, c.direction, c.coder_id, c.of_record ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  DELETE FROM evidence_summary WHERE n <= 0 AND project_id = old.project_id;
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, c.code_id, new.perspective, c.direction, c.coder_id, c.of_record, +count(*) FROM codings c, excerpts e WHERE e.source_id = new.id AND c.excerpt_id = e.id AND e.case_id IS NOT NULL GROUP BY e.project_id, e.case_id, c.code_id, c.direction, c.coder_id, c.of_record ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
END""",
    """CREATE TRIGGER evidence_summary_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM evidence_summary WHERE project_id = old.id;
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION evidence_summary_codings_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, new.code_id, s.perspective, new.direction, new.coder_id, new.of_record, +1 FROM excerpts e, sources s WHERE e.id = new.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_summary_codings_ai AFTER INSERT ON codings FOR EACH ROW EXECUTE FUNCTION evidence_summary_codings_ai()",
    """CREATE OR REPLACE FUNCTION evidence_summary_codings_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, old.code_id, s.perspective, old.direction, old.coder_id, old.of_record, -1 FROM excerpts e, sources s WHERE e.id = old.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  DELETE FROM evidence_summary WHERE n <= 0 AND code_id = old.code_id AND project_id = (SELECT e.project_id FROM excerpts e WHERE e.id = old.excerpt_id) AND case_id = (SELECT e.case_id FROM excerpts e WHERE e.id = old.excerpt_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_summary_codings_ad AFTER DELETE ON codings FOR EACH ROW EXECUTE FUNCTION evidence_summary_codings_ad()",
    """CREATE OR REPLACE FUNCTION evidence_summary_codings_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, old.code_id, s.perspective, old.direction, old.coder_id, old.of_record, -1 FROM excerpts e, sources s WHERE e.id = old.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  DELETE FROM evidence_summary WHERE n <= 0 AND code_id = old.code_id AND project_id = (SELECT e.project_id FROM excerpts e WHERE e.id = old.excerpt_id) AND case_id = (SELECT e.case_id FROM excerpts e WHERE e.id = old.excerpt_id);
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, new.code_id, s.perspective, new.direction, new.coder_id, new.of_record, +1 FROM excerpts e, sources s WHERE e.id = new.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_summary_codings_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id, of_record ON codings FOR EACH ROW WHEN (old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.coder_id <> new.coder_id OR old.of_record <> new.of_record) EXECUTE FUNCTION evidence_summary_codings_au()",
    """CREATE OR REPLACE FUNCTION evidence_summary_excerpts_bd() RETURNS trigger AS $$
BEGIN
  DELETE FROM codings WHERE excerpt_id = old.id;
  RETURN old;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_summary_excerpts_bd BEFORE DELETE ON excerpts FOR EACH ROW EXECUTE FUNCTION evidence_summary_excerpts_bd()",
    """CREATE OR REPLACE FUNCTION evidence_summary_excerpts_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT old.project_id, old.case_id, c.code_id, s.perspective, c.direction, c.coder_id, c.of_record, -count(*) FROM codings c, sources s WHERE c.excerpt_id = old.id AND s.id = old.source_id AND old.case_id IS NOT NULL GROUP BY c.code_id, s.perspective, c.direction, c.coder_id, c.of_record ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  DELETE FROM evidence_summary WHERE n <= 0 AND project_id = old.project_id AND case_id = old.case_id;
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT new.project_id, new.case_id, c.code_id, s.perspective, c.direction, c.coder_id, c.of_record, +count(*) FROM codings c, sources s WHERE c.excerpt_id = new.id AND s.id = new.source_id AND new.case_id IS NOT NULL GROUP BY c.code_id, s.perspective, c.direction, c.coder_id, c.of_record ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_summary_excerpts_au AFTER UPDATE OF project_id, source_id, case_id ON excerpts FOR EACH ROW WHEN (old.project_id <> new.project_id OR old.source_id <> new.source_id OR old.case_id IS DISTINCT FROM new.case_id) EXECUTE FUNCTION evidence_summary_excerpts_au()",
    """CREATE OR REPLACE FUNCTION evidence_summary_sources_bd() RETURNS trigger AS $$
BEGIN
  DELETE FROM excerpts WHERE source_id = old.id;
  RETURN old;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_summary_sources_bd BEFORE DELETE ON sources FOR EACH ROW EXECUTE FUNCTION evidence_summary_sources_bd()",
    """CREATE OR REPLACE FUNCTION evidence_summary_sources_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, c.code_id, old.perspective, c.direction, c.coder_id, c.of_record, -count(*) FROM codings c, excerpts e WHERE e.source_id = old.id AND c.excerpt_id = e.id AND e.case_id IS NOT NULL GROUP BY e.project_id, e.case_id, c.code_id, c.direction, c.coder_id, c.of_record ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  DELETE FROM evidence_summary WHERE n <= 0 AND project_id = old.project_id;
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, c.code_id, new.perspective, c.direction, c.coder_id, c.of_record, +count(*) FROM codings c, excerpts e WHERE e.source_id = new.id AND c.excerpt_id = e.id AND e.case_id IS NOT NULL GROUP BY e.project_id, e.case_id, c.code_id, c.direction, c.coder_id, c.of_record ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_summary_sources_au AFTER UPDATE OF perspective ON sources FOR EACH ROW WHEN (old.perspective <> new.perspective) EXECUTE FUNCTION evidence_summary_sources_au()",
    """CREATE OR REPLACE FUNCTION evidence_summary_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM evidence_summary WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_summary_projects_ad AFTER DELETE ON projects FOR EACH ROW EXECUTE FUNCTION evidence_summary_projects_ad()",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS evidence_summary_codings_ai",
    "DROP TRIGGER IF EXISTS evidence_summary_codings_ad",
    "DROP TRIGGER IF EXISTS evidence_summary_codings_au",
    "DROP TRIGGER IF EXISTS evidence_summary_excerpts_bd",
    "DROP TRIGGER IF EXISTS evidence_summary_excerpts_au",
    "DROP TRIGGER IF EXISTS evidence_summary_sources_bd",
    "DROP TRIGGER IF EXISTS evidence_summary_sources_au",
    "DROP TRIGGER IF EXISTS evidence_summary_projects_ad",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS evidence_summary_codings_ai ON codings",
    "DROP FUNCTION IF EXISTS evidence_summary_codings_ai()",
    "DROP TRIGGER IF EXISTS evidence_summary_codings_ad ON codings",
    "DROP FUNCTION IF EXISTS evidence_summary_codings_ad()",
    "DROP TRIGGER IF EXISTS evidence_summary_codings_au ON codings",
    "DROP FUNCTION IF EXISTS evidence_summary_codings_au()",
    "DROP TRIGGER IF EXISTS evidence_summary_excerpts_bd ON excerpts",
    "DROP FUNCTION IF EXISTS evidence_summary_excerpts_bd()",
    "DROP TRIGGER IF EXISTS evidence_summary_excerpts_au ON excerpts",
    "DROP FUNCTION IF EXISTS evidence_summary_excerpts_au()",
    "DROP TRIGGER IF EXISTS evidence_summary_sources_bd ON sources",
    "DROP FUNCTION IF EXISTS evidence_summary_sources_bd()",
    "DROP TRIGGER IF EXISTS evidence_summary_sources_au ON sources",
    "DROP FUNCTION IF EXISTS evidence_summary_sources_au()",
    "DROP TRIGGER IF EXISTS evidence_summary_projects_ad ON projects",
    "DROP FUNCTION IF EXISTS evidence_summary_projects_ad()",
]

REBUILD = "INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, c.code_id, s.perspective, c.direction, c.coder_id, c.of_record, count(*) FROM codings c JOIN excerpts e ON e.id = c.excerpt_id JOIN sources s ON s.id = e.source_id WHERE e.case_id IS NOT NULL {where}GROUP BY e.project_id, e.case_id, c.code_id, s.perspective, c.direction, c.coder_id, c.of_record"


def upgrade() -> None:
    op.create_table('evidence_summary',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('perspective', sa.Enum('family', 'system', name='perspective', native_enum=False, create_constraint=True, length=6), nullable=False),
    sa.Column('direction', sa.Enum('supports', 'contradicts', 'nuances', name='direction', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('coder_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('of_record', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'case_id', 'code_id', 'perspective', 'direction', 'coder_id', 'of_record', name=op.f('pk_evidence_summary'))
    )
    op.create_index('ix_evidence_summary_coder', 'evidence_summary', ['project_id', 'coder_id', 'case_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    op.execute(REBUILD.format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_evidence_summary_coder', table_name='evidence_summary')
    op.drop_table('evidence_summary')
