"""source_coder_span_versions: a random version per source and coder of source_coder_spans, kept by triggers (#25)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05

``source_coder_span_versions`` (source, coder) -> the project and a random version, a row only while the coder
has rows of the source in ``source_coder_spans``: triggers on that table and on ``source_case_codings`` (insert;
update of a row's span or case, code, direction, coder, source or project, not of its count alone; delete) give
the pair a new version and delete it with the pair's last row of source_coder_spans. The agreement keeps each
pair's spans and case-level presence per process under its version (analysis/segment_spans.py,
case_presence.py) and reads only the pairs whose version changed. On
PostgreSQL the AFTER triggers carry the bulk import's pause test of 0021 (models/derived/pause.py). Filled here
from source_coder_spans. DDL frozen below as it was at this revision (models/derived/source_coder_spans.py
holds today's).
"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER source_coder_span_versions_ai AFTER INSERT ON source_coder_spans FOR EACH ROW BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
END""",
    """CREATE TRIGGER source_coder_span_versions_au AFTER UPDATE ON source_coder_spans FOR EACH ROW WHEN old.source_id <> new.source_id OR old.coder_id <> new.coder_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.project_id <> new.project_id OR old.start_offset <> new.start_offset OR old.end_offset <> new.end_offset BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (old.source_id, old.coder_id, old.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = old.source_id AND coder_id = old.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = old.source_id AND s.coder_id = old.coder_id);
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
END""",
    """CREATE TRIGGER source_coder_span_versions_ad AFTER DELETE ON source_coder_spans FOR EACH ROW BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (old.source_id, old.coder_id, old.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = old.source_id AND coder_id = old.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = old.source_id AND s.coder_id = old.coder_id);
END""",
    """CREATE TRIGGER source_case_span_versions_ai AFTER INSERT ON source_case_codings FOR EACH ROW BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
END""",
    """CREATE TRIGGER source_case_span_versions_au AFTER UPDATE ON source_case_codings FOR EACH ROW WHEN old.source_id <> new.source_id OR old.coder_id <> new.coder_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.project_id <> new.project_id OR old.case_id <> new.case_id BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (old.source_id, old.coder_id, old.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = old.source_id AND coder_id = old.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = old.source_id AND s.coder_id = old.coder_id);
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
END""",
    """CREATE TRIGGER source_case_span_versions_ad AFTER DELETE ON source_case_codings FOR EACH ROW BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (old.source_id, old.coder_id, old.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = old.source_id AND coder_id = old.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = old.source_id AND s.coder_id = old.coder_id);
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION source_coder_span_versions_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_span_versions_ai AFTER INSERT ON source_coder_spans FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_span_versions_ai()""",
    """CREATE OR REPLACE FUNCTION source_coder_span_versions_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (old.source_id, old.coder_id, old.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = old.source_id AND coder_id = old.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = old.source_id AND s.coder_id = old.coder_id);
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_span_versions_au AFTER UPDATE ON source_coder_spans FOR EACH ROW WHEN ((old.source_id <> new.source_id OR old.coder_id <> new.coder_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.project_id <> new.project_id OR old.start_offset <> new.start_offset OR old.end_offset <> new.end_offset) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_span_versions_au()""",
    """CREATE OR REPLACE FUNCTION source_coder_span_versions_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (old.source_id, old.coder_id, old.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = old.source_id AND coder_id = old.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = old.source_id AND s.coder_id = old.coder_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_span_versions_ad AFTER DELETE ON source_coder_spans FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_span_versions_ad()""",
    """CREATE OR REPLACE FUNCTION source_case_span_versions_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_span_versions_ai AFTER INSERT ON source_case_codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_span_versions_ai()""",
    """CREATE OR REPLACE FUNCTION source_case_span_versions_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (old.source_id, old.coder_id, old.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = old.source_id AND coder_id = old.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = old.source_id AND s.coder_id = old.coder_id);
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_span_versions_au AFTER UPDATE ON source_case_codings FOR EACH ROW WHEN ((old.source_id <> new.source_id OR old.coder_id <> new.coder_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.project_id <> new.project_id OR old.case_id <> new.case_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_span_versions_au()""",
    """CREATE OR REPLACE FUNCTION source_case_span_versions_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (old.source_id, old.coder_id, old.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = old.source_id AND coder_id = old.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = old.source_id AND s.coder_id = old.coder_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_span_versions_ad AFTER DELETE ON source_case_codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_span_versions_ad()""",
]

SQLITE_DROP = [
    """DROP TRIGGER IF EXISTS source_coder_span_versions_ai""",
    """DROP TRIGGER IF EXISTS source_coder_span_versions_au""",
    """DROP TRIGGER IF EXISTS source_coder_span_versions_ad""",
    """DROP TRIGGER IF EXISTS source_case_span_versions_ai""",
    """DROP TRIGGER IF EXISTS source_case_span_versions_au""",
    """DROP TRIGGER IF EXISTS source_case_span_versions_ad""",
]

POSTGRES_DROP = [
    """DROP TRIGGER IF EXISTS source_coder_span_versions_ai ON source_coder_spans""",
    """DROP FUNCTION IF EXISTS source_coder_span_versions_ai()""",
    """DROP TRIGGER IF EXISTS source_coder_span_versions_au ON source_coder_spans""",
    """DROP FUNCTION IF EXISTS source_coder_span_versions_au()""",
    """DROP TRIGGER IF EXISTS source_coder_span_versions_ad ON source_coder_spans""",
    """DROP FUNCTION IF EXISTS source_coder_span_versions_ad()""",
    """DROP TRIGGER IF EXISTS source_case_span_versions_ai ON source_case_codings""",
    """DROP FUNCTION IF EXISTS source_case_span_versions_ai()""",
    """DROP TRIGGER IF EXISTS source_case_span_versions_au ON source_case_codings""",
    """DROP FUNCTION IF EXISTS source_case_span_versions_au()""",
    """DROP TRIGGER IF EXISTS source_case_span_versions_ad ON source_case_codings""",
    """DROP FUNCTION IF EXISTS source_case_span_versions_ad()""",
]

FILL = {
    "sqlite": """INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) SELECT source_id, coder_id, min(project_id), (((random() >> 2) & 4611686018427387903) + 1) FROM source_coder_spans  GROUP BY source_id, coder_id""",
    "postgresql": """INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) SELECT source_id, coder_id, min(project_id), (floor(random() * 4611686018427387903)::bigint + 1) FROM source_coder_spans  GROUP BY source_id, coder_id""",
}


def upgrade() -> None:
    op.create_table('source_coder_span_versions',
    sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('coder_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source_id', 'coder_id', name=op.f('pk_source_coder_span_versions'))
    )
    op.create_index('ix_source_coder_span_versions_project', 'source_coder_span_versions', ['project_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    if dialect in FILL:
        op.execute(FILL[dialect])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_source_coder_span_versions_project', table_name='source_coder_span_versions')
    op.drop_table('source_coder_span_versions')
