"""codings_derived_ai: on PostgreSQL one AFTER INSERT trigger on codings instead of five; no _gone after an insert (#25)

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06

PostgreSQL: the AFTER INSERT triggers on codings of ``coding_places`` (0034/0035), ``evidence_summary`` (0010),
``source_case_codings`` (0027), ``source_coder_codings`` (0025) and ``source_coder_spans`` (0029), each a
PL/pgSQL function that read the coding's excerpt again, are replaced by one trigger and function,
``codings_derived_ai``: it reads the excerpt's project, case, source and span once and writes the same rows
to the five tables in the order the five triggers fired (by name), the two that count only codings with a case
under one IF. Same WHEN (the bulk import's pause test of 0021). The triggers of delete and update, those on
excerpts and projects and ``source_code_excerpts_bi`` are unchanged.

Both databases: the AFTER INSERT triggers of ``source_coder_span_versions`` (0033, on source_coder_spans and
source_case_codings) no longer delete the pair's version when it has no row of source_coder_spans right after
bumping it: after any insert the pair has one (the same coding's row), at once or at the end of that coding's
triggers; the update and delete triggers keep that delete. No rows change. DDL frozen below as it was at this
revision (models/derived/codings_insert.py, summary.py, per_source.py, coding_places.py and
source_coder_spans.py hold today's); the downgrade restores 0037's.
"""
from alembic import op

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
FIVE = ["coding_places_ai", "evidence_summary_codings_ai", "source_case_codings_ai", "source_coder_codings_ai",
        "source_coder_spans_ai"]

POSTGRES_MERGED = [
    """CREATE OR REPLACE FUNCTION codings_derived_ai() RETURNS trigger AS $$
DECLARE
  e record;
BEGIN
  SELECT x.project_id, x.case_id, x.source_id, x.start_offset, x.end_offset INTO e FROM excerpts x WHERE x.id = new.excerpt_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  INSERT INTO coding_places (coding_id, code_id, direction, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) VALUES (new.id, new.code_id, new.direction, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset);
  IF e.case_id IS NOT NULL THEN
    INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, new.code_id, s.perspective, new.direction, new.coder_id, new.of_record, 1 FROM sources s WHERE s.id = e.source_id ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
    INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) VALUES (e.source_id, new.coder_id, new.code_id, e.case_id, new.direction, e.project_id, 1) ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  END IF;
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) VALUES (e.source_id, new.coder_id, e.project_id, 1) ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) VALUES (e.source_id, new.coder_id, new.code_id, new.direction, e.start_offset, e.end_offset, e.project_id, 1) ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER codings_derived_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION codings_derived_ai()""",
]

POSTGRES_VERSIONS_AI = [
    """CREATE OR REPLACE FUNCTION source_coder_span_versions_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION source_case_span_versions_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
]

SQLITE_VERSIONS_AI = [
    """CREATE TRIGGER source_coder_span_versions_ai AFTER INSERT ON source_coder_spans FOR EACH ROW BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
END""",
    """CREATE TRIGGER source_case_span_versions_ai AFTER INSERT ON source_case_codings FOR EACH ROW BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
END""",
]

# 0037's: the five triggers (0010, 0025, 0027, 0029, 0035) and the versions' insert triggers (0033)
POSTGRES_FIVE_0037 = [
    """CREATE OR REPLACE FUNCTION coding_places_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO coding_places (coding_id, code_id, direction, excerpt_id, coder_id, of_record, project_id, case_id, source_id, start_offset) SELECT new.id, new.code_id, new.direction, new.excerpt_id, new.coder_id, new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e WHERE e.id = new.excerpt_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coding_places_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coding_places_ai()""",
    """CREATE OR REPLACE FUNCTION evidence_summary_codings_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO evidence_summary (project_id, case_id, code_id, perspective, direction, coder_id, of_record, n) SELECT e.project_id, e.case_id, new.code_id, s.perspective, new.direction, new.coder_id, new.of_record, +1 FROM excerpts e, sources s WHERE e.id = new.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL ON CONFLICT (project_id, case_id, code_id, perspective, direction, coder_id, of_record) DO UPDATE SET n = evidence_summary.n + excluded.n;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER evidence_summary_codings_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION evidence_summary_codings_ai()""",
    """CREATE OR REPLACE FUNCTION source_case_codings_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_case_codings (source_id, coder_id, code_id, case_id, direction, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, e.case_id, new.direction, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id AND e.case_id IS NOT NULL ON CONFLICT (source_id, coder_id, code_id, case_id, direction) DO UPDATE SET codings = source_case_codings.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_case_codings_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_case_codings_ai()""",
    """CREATE OR REPLACE FUNCTION source_coder_codings_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_codings (source_id, user_id, project_id, codings) SELECT e.source_id, new.coder_id, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, user_id) DO UPDATE SET codings = source_coder_codings.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_codings_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_codings_ai()""",
    """CREATE OR REPLACE FUNCTION source_coder_spans_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_spans (source_id, coder_id, code_id, direction, start_offset, end_offset, project_id, codings) SELECT e.source_id, new.coder_id, new.code_id, new.direction, e.start_offset, e.end_offset, e.project_id, +1 FROM excerpts e WHERE e.id = new.excerpt_id ON CONFLICT (source_id, coder_id, code_id, direction, start_offset, end_offset) DO UPDATE SET codings = source_coder_spans.codings + excluded.codings, project_id = excluded.project_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER source_coder_spans_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION source_coder_spans_ai()""",
]

POSTGRES_VERSIONS_AI_0037 = [
    """CREATE OR REPLACE FUNCTION source_coder_span_versions_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION source_case_span_versions_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (floor(random() * 4611686018427387903)::bigint + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
]

SQLITE_VERSIONS_AI_0037 = [
    """CREATE TRIGGER source_coder_span_versions_ai AFTER INSERT ON source_coder_spans FOR EACH ROW BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
END""",
    """CREATE TRIGGER source_case_span_versions_ai AFTER INSERT ON source_case_codings FOR EACH ROW BEGIN
  INSERT INTO source_coder_span_versions (source_id, coder_id, project_id, version) VALUES (new.source_id, new.coder_id, new.project_id, (((random() >> 2) & 4611686018427387903) + 1)) ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id;
  DELETE FROM source_coder_span_versions WHERE source_id = new.source_id AND coder_id = new.coder_id AND NOT EXISTS (SELECT 1 FROM source_coder_spans s WHERE s.source_id = new.source_id AND s.coder_id = new.coder_id);
END""",
]

SQLITE_VERSIONS_DROP = ["DROP TRIGGER IF EXISTS source_coder_span_versions_ai",
                        "DROP TRIGGER IF EXISTS source_case_span_versions_ai"]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run([sql for name in FIVE for sql in (f"DROP TRIGGER IF EXISTS {name} ON codings",
                                               f"DROP FUNCTION IF EXISTS {name}()")])
        _run(POSTGRES_MERGED + POSTGRES_VERSIONS_AI)
    else:
        _run(SQLITE_VERSIONS_DROP + SQLITE_VERSIONS_AI)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(["DROP TRIGGER IF EXISTS codings_derived_ai ON codings", "DROP FUNCTION IF EXISTS codings_derived_ai()"])
        _run(POSTGRES_FIVE_0037 + POSTGRES_VERSIONS_AI_0037)
    else:
        _run(SQLITE_VERSIONS_DROP + SQLITE_VERSIONS_AI_0037)
