"""case_code_coder_evidence: case_code_evidence per coder, kept by triggers (#25)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04

``case_code_coder_evidence`` (project, coder, case, code with its sub-codes) -> how many of the coder's
evidence_summary rows of record stand behind each perspective x direction pair (rows only where one is
above 0): a blind double coder's counts (analysis/blind_counts.py) compare the hidden coders' rows with
case_code_evidence in one range per coder instead of probing and rolling up their summary rows. Triggers
on evidence_summary (insert, delete of rows of record), codes (update of parent, delete) and projects
(delete); on PostgreSQL the AFTER triggers carry the bulk import's pause test of 0021
(models/derived/pause.py) and the tally's project lock. Filled here from evidence_summary and
code_ancestry. DDL frozen below as it was at this revision (models/derived/coder_evidence.py holds today's).
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER coder_evidence_summary_ai AFTER INSERT ON evidence_summary FOR EACH ROW WHEN new.of_record BEGIN
  INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT new.project_id, new.coder_id, new.case_id, a.ancestor_id, (CASE WHEN new.perspective = 'family' AND new.direction = 'supports' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'family' AND new.direction = 'contradicts' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'family' AND new.direction = 'nuances' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'supports' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'contradicts' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'nuances' THEN +1 ELSE 0 END) FROM code_ancestry a WHERE a.code_id = new.code_id ON CONFLICT (project_id, coder_id, case_id, code_id) DO UPDATE SET family_supports = case_code_coder_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_coder_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_coder_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_coder_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_coder_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_coder_evidence.system_nuances + excluded.system_nuances;
END""",
    """CREATE TRIGGER coder_evidence_summary_ad AFTER DELETE ON evidence_summary FOR EACH ROW WHEN old.of_record BEGIN
  INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT old.project_id, old.coder_id, old.case_id, a.ancestor_id, (CASE WHEN old.perspective = 'family' AND old.direction = 'supports' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'family' AND old.direction = 'contradicts' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'family' AND old.direction = 'nuances' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'supports' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'contradicts' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'nuances' THEN -1 ELSE 0 END) FROM code_ancestry a WHERE a.code_id = old.code_id ON CONFLICT (project_id, coder_id, case_id, code_id) DO UPDATE SET family_supports = case_code_coder_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_coder_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_coder_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_coder_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_coder_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_coder_evidence.system_nuances + excluded.system_nuances;
  DELETE FROM case_code_coder_evidence WHERE project_id = old.project_id AND coder_id = old.coder_id AND case_id = old.case_id AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = old.code_id) AND family_supports <= 0 AND family_contradicts <= 0 AND family_nuances <= 0 AND system_supports <= 0 AND system_contradicts <= 0 AND system_nuances <= 0;
END""",
    """CREATE TRIGGER coder_evidence_codes_au AFTER UPDATE OF parent_id ON codes FOR EACH ROW WHEN old.parent_id IS NOT new.parent_id BEGIN
  INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT s.project_id, s.coder_id, s.case_id, up.ancestor_id, sum(CASE WHEN s.perspective = 'family' AND s.direction = 'supports' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'contradicts' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'nuances' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'supports' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'contradicts' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'nuances' THEN -1 ELSE 0 END) FROM evidence_summary s, code_ancestry down, code_ancestry up WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id AND down.ancestor_id = new.id AND up.code_id = old.parent_id GROUP BY s.project_id, s.coder_id, s.case_id, up.ancestor_id ON CONFLICT (project_id, coder_id, case_id, code_id) DO UPDATE SET family_supports = case_code_coder_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_coder_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_coder_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_coder_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_coder_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_coder_evidence.system_nuances + excluded.system_nuances;
  DELETE FROM case_code_coder_evidence WHERE project_id = new.project_id AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = old.parent_id) AND family_supports <= 0 AND family_contradicts <= 0 AND family_nuances <= 0 AND system_supports <= 0 AND system_contradicts <= 0 AND system_nuances <= 0;
  INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT s.project_id, s.coder_id, s.case_id, up.ancestor_id, sum(CASE WHEN s.perspective = 'family' AND s.direction = 'supports' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'contradicts' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'nuances' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'supports' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'contradicts' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'nuances' THEN +1 ELSE 0 END) FROM evidence_summary s, code_ancestry down, code_ancestry up WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id AND down.ancestor_id = new.id AND up.code_id = new.parent_id GROUP BY s.project_id, s.coder_id, s.case_id, up.ancestor_id ON CONFLICT (project_id, coder_id, case_id, code_id) DO UPDATE SET family_supports = case_code_coder_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_coder_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_coder_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_coder_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_coder_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_coder_evidence.system_nuances + excluded.system_nuances;
END""",
    """CREATE TRIGGER coder_evidence_codes_ad AFTER DELETE ON codes FOR EACH ROW BEGIN
  DELETE FROM case_code_coder_evidence WHERE project_id = old.project_id AND code_id = old.id;
END""",
    """CREATE TRIGGER coder_evidence_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM case_code_coder_evidence WHERE project_id = old.id;
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION coder_evidence_summary_ai() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(31001, new.project_id);
  INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT new.project_id, new.coder_id, new.case_id, a.ancestor_id, (CASE WHEN new.perspective = 'family' AND new.direction = 'supports' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'family' AND new.direction = 'contradicts' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'family' AND new.direction = 'nuances' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'supports' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'contradicts' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'nuances' THEN +1 ELSE 0 END) FROM code_ancestry a WHERE a.code_id = new.code_id ON CONFLICT (project_id, coder_id, case_id, code_id) DO UPDATE SET family_supports = case_code_coder_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_coder_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_coder_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_coder_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_coder_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_coder_evidence.system_nuances + excluded.system_nuances;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coder_evidence_summary_ai AFTER INSERT ON evidence_summary FOR EACH ROW WHEN ((new.of_record) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coder_evidence_summary_ai()""",
    """CREATE OR REPLACE FUNCTION coder_evidence_summary_ad() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(31001, old.project_id);
  INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT old.project_id, old.coder_id, old.case_id, a.ancestor_id, (CASE WHEN old.perspective = 'family' AND old.direction = 'supports' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'family' AND old.direction = 'contradicts' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'family' AND old.direction = 'nuances' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'supports' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'contradicts' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'nuances' THEN -1 ELSE 0 END) FROM code_ancestry a WHERE a.code_id = old.code_id ON CONFLICT (project_id, coder_id, case_id, code_id) DO UPDATE SET family_supports = case_code_coder_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_coder_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_coder_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_coder_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_coder_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_coder_evidence.system_nuances + excluded.system_nuances;
  DELETE FROM case_code_coder_evidence WHERE project_id = old.project_id AND coder_id = old.coder_id AND case_id = old.case_id AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = old.code_id) AND family_supports <= 0 AND family_contradicts <= 0 AND family_nuances <= 0 AND system_supports <= 0 AND system_contradicts <= 0 AND system_nuances <= 0;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coder_evidence_summary_ad AFTER DELETE ON evidence_summary FOR EACH ROW WHEN ((old.of_record) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coder_evidence_summary_ad()""",
    """CREATE OR REPLACE FUNCTION coder_evidence_codes_au() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(31001, new.project_id);
  INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT s.project_id, s.coder_id, s.case_id, up.ancestor_id, sum(CASE WHEN s.perspective = 'family' AND s.direction = 'supports' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'contradicts' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'nuances' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'supports' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'contradicts' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'nuances' THEN -1 ELSE 0 END) FROM evidence_summary s, code_ancestry down, code_ancestry up WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id AND down.ancestor_id = new.id AND up.code_id = old.parent_id GROUP BY s.project_id, s.coder_id, s.case_id, up.ancestor_id ON CONFLICT (project_id, coder_id, case_id, code_id) DO UPDATE SET family_supports = case_code_coder_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_coder_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_coder_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_coder_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_coder_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_coder_evidence.system_nuances + excluded.system_nuances;
  DELETE FROM case_code_coder_evidence WHERE project_id = new.project_id AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = old.parent_id) AND family_supports <= 0 AND family_contradicts <= 0 AND family_nuances <= 0 AND system_supports <= 0 AND system_contradicts <= 0 AND system_nuances <= 0;
  INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT s.project_id, s.coder_id, s.case_id, up.ancestor_id, sum(CASE WHEN s.perspective = 'family' AND s.direction = 'supports' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'contradicts' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'nuances' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'supports' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'contradicts' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'nuances' THEN +1 ELSE 0 END) FROM evidence_summary s, code_ancestry down, code_ancestry up WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id AND down.ancestor_id = new.id AND up.code_id = new.parent_id GROUP BY s.project_id, s.coder_id, s.case_id, up.ancestor_id ON CONFLICT (project_id, coder_id, case_id, code_id) DO UPDATE SET family_supports = case_code_coder_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_coder_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_coder_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_coder_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_coder_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_coder_evidence.system_nuances + excluded.system_nuances;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coder_evidence_codes_au AFTER UPDATE OF parent_id ON codes FOR EACH ROW WHEN ((old.parent_id IS DISTINCT FROM new.parent_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coder_evidence_codes_au()""",
    """CREATE OR REPLACE FUNCTION coder_evidence_codes_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM case_code_coder_evidence WHERE project_id = old.project_id AND code_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coder_evidence_codes_ad AFTER DELETE ON codes FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coder_evidence_codes_ad()""",
    """CREATE OR REPLACE FUNCTION coder_evidence_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM case_code_coder_evidence WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coder_evidence_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION coder_evidence_projects_ad()""",
]

SQLITE_DROP = [
    """DROP TRIGGER IF EXISTS coder_evidence_summary_ai""",
    """DROP TRIGGER IF EXISTS coder_evidence_summary_ad""",
    """DROP TRIGGER IF EXISTS coder_evidence_codes_au""",
    """DROP TRIGGER IF EXISTS coder_evidence_codes_ad""",
    """DROP TRIGGER IF EXISTS coder_evidence_projects_ad""",
]

POSTGRES_DROP = [
    """DROP TRIGGER IF EXISTS coder_evidence_summary_ai ON evidence_summary""",
    """DROP FUNCTION IF EXISTS coder_evidence_summary_ai()""",
    """DROP TRIGGER IF EXISTS coder_evidence_summary_ad ON evidence_summary""",
    """DROP FUNCTION IF EXISTS coder_evidence_summary_ad()""",
    """DROP TRIGGER IF EXISTS coder_evidence_codes_au ON codes""",
    """DROP FUNCTION IF EXISTS coder_evidence_codes_au()""",
    """DROP TRIGGER IF EXISTS coder_evidence_codes_ad ON codes""",
    """DROP FUNCTION IF EXISTS coder_evidence_codes_ad()""",
    """DROP TRIGGER IF EXISTS coder_evidence_projects_ad ON projects""",
    """DROP FUNCTION IF EXISTS coder_evidence_projects_ad()""",
]

REBUILD = """INSERT INTO case_code_coder_evidence (project_id, coder_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT x.project_id, x.coder_id, x.case_id, a.ancestor_id, sum(CASE WHEN x.perspective = 'family' AND x.direction = 'supports' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'family' AND x.direction = 'contradicts' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'family' AND x.direction = 'nuances' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'system' AND x.direction = 'supports' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'system' AND x.direction = 'contradicts' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'system' AND x.direction = 'nuances' THEN 1 ELSE 0 END) FROM evidence_summary x JOIN code_ancestry a ON a.code_id = x.code_id WHERE x.of_record {where} GROUP BY x.project_id, x.coder_id, x.case_id, a.ancestor_id"""


def upgrade() -> None:
    op.create_table('case_code_coder_evidence',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('coder_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('family_supports', sa.Integer(), nullable=False),
    sa.Column('family_contradicts', sa.Integer(), nullable=False),
    sa.Column('family_nuances', sa.Integer(), nullable=False),
    sa.Column('system_supports', sa.Integer(), nullable=False),
    sa.Column('system_contradicts', sa.Integer(), nullable=False),
    sa.Column('system_nuances', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'coder_id', 'case_id', 'code_id', name=op.f('pk_case_code_coder_evidence'))
    )
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    op.execute(REBUILD.format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_table('case_code_coder_evidence')
