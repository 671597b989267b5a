"""tally keys: the ids of the cases behind each number of the default tally, kept by triggers (#25)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

``tally_keys`` (project, code, measure) -> the ids of the cases in which the measure holds for the code
under the default direction set, joined by commas: the tally with its case keys (API, exports, a click
on a number) reads a row per code and measure instead of a row per case and code. Triggers on
``case_code_evidence`` append and cut the ids; filled here from ``case_code_evidence``. DDL frozen
below as it was at this revision (models/derived/tally_keys.py holds today's).
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER tally_keys_evidence_ai AFTER INSERT ON case_code_evidence FOR EACH ROW BEGIN
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'family', CAST(new.case_id AS TEXT) WHERE (new.family_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'system', CAST(new.case_id AS TEXT) WHERE (new.system_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'both', CAST(new.case_id AS TEXT) WHERE (new.family_supports > 0 AND new.system_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'either', CAST(new.case_id AS TEXT) WHERE ((new.family_supports > 0 OR new.system_supports > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'contradicts', CAST(new.case_id AS TEXT) WHERE ((new.family_contradicts > 0 OR new.system_contradicts > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'nuances', CAST(new.case_id AS TEXT) WHERE ((new.family_nuances > 0 OR new.system_nuances > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
END""",
    """CREATE TRIGGER tally_keys_evidence_au AFTER UPDATE ON case_code_evidence FOR EACH ROW WHEN ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) BEGIN
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'family' AND (old.family_supports > 0) AND NOT (new.family_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'system' AND (old.system_supports > 0) AND NOT (new.system_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'both' AND (old.family_supports > 0 AND old.system_supports > 0) AND NOT (new.family_supports > 0 AND new.system_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'either' AND ((old.family_supports > 0 OR old.system_supports > 0)) AND NOT ((new.family_supports > 0 OR new.system_supports > 0));
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'contradicts' AND ((old.family_contradicts > 0 OR old.system_contradicts > 0)) AND NOT ((new.family_contradicts > 0 OR new.system_contradicts > 0));
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'nuances' AND ((old.family_nuances > 0 OR old.system_nuances > 0)) AND NOT ((new.family_nuances > 0 OR new.system_nuances > 0));
  DELETE FROM tally_keys WHERE project_id = old.project_id AND code_id = old.code_id AND case_ids = '';
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'family', CAST(new.case_id AS TEXT) WHERE (new.family_supports > 0) AND NOT (old.family_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'system', CAST(new.case_id AS TEXT) WHERE (new.system_supports > 0) AND NOT (old.system_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'both', CAST(new.case_id AS TEXT) WHERE (new.family_supports > 0 AND new.system_supports > 0) AND NOT (old.family_supports > 0 AND old.system_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'either', CAST(new.case_id AS TEXT) WHERE ((new.family_supports > 0 OR new.system_supports > 0)) AND NOT ((old.family_supports > 0 OR old.system_supports > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'contradicts', CAST(new.case_id AS TEXT) WHERE ((new.family_contradicts > 0 OR new.system_contradicts > 0)) AND NOT ((old.family_contradicts > 0 OR old.system_contradicts > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'nuances', CAST(new.case_id AS TEXT) WHERE ((new.family_nuances > 0 OR new.system_nuances > 0)) AND NOT ((old.family_nuances > 0 OR old.system_nuances > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
END""",
    """CREATE TRIGGER tally_keys_evidence_ad AFTER DELETE ON case_code_evidence FOR EACH ROW BEGIN
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'family' AND (old.family_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'system' AND (old.system_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'both' AND (old.family_supports > 0 AND old.system_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'either' AND ((old.family_supports > 0 OR old.system_supports > 0));
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'contradicts' AND ((old.family_contradicts > 0 OR old.system_contradicts > 0));
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'nuances' AND ((old.family_nuances > 0 OR old.system_nuances > 0));
  DELETE FROM tally_keys WHERE project_id = old.project_id AND code_id = old.code_id AND case_ids = '';
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION tally_keys_evidence_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'family', CAST(new.case_id AS TEXT) WHERE (new.family_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'system', CAST(new.case_id AS TEXT) WHERE (new.system_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'both', CAST(new.case_id AS TEXT) WHERE (new.family_supports > 0 AND new.system_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'either', CAST(new.case_id AS TEXT) WHERE ((new.family_supports > 0 OR new.system_supports > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'contradicts', CAST(new.case_id AS TEXT) WHERE ((new.family_contradicts > 0 OR new.system_contradicts > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'nuances', CAST(new.case_id AS TEXT) WHERE ((new.family_nuances > 0 OR new.system_nuances > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER tally_keys_evidence_ai AFTER INSERT ON case_code_evidence FOR EACH ROW EXECUTE FUNCTION tally_keys_evidence_ai()""",
    """CREATE OR REPLACE FUNCTION tally_keys_evidence_au() RETURNS trigger AS $$
BEGIN
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'family' AND (old.family_supports > 0) AND NOT (new.family_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'system' AND (old.system_supports > 0) AND NOT (new.system_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'both' AND (old.family_supports > 0 AND old.system_supports > 0) AND NOT (new.family_supports > 0 AND new.system_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'either' AND ((old.family_supports > 0 OR old.system_supports > 0)) AND NOT ((new.family_supports > 0 OR new.system_supports > 0));
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'contradicts' AND ((old.family_contradicts > 0 OR old.system_contradicts > 0)) AND NOT ((new.family_contradicts > 0 OR new.system_contradicts > 0));
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'nuances' AND ((old.family_nuances > 0 OR old.system_nuances > 0)) AND NOT ((new.family_nuances > 0 OR new.system_nuances > 0));
  DELETE FROM tally_keys WHERE project_id = old.project_id AND code_id = old.code_id AND case_ids = '';
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'family', CAST(new.case_id AS TEXT) WHERE (new.family_supports > 0) AND NOT (old.family_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'system', CAST(new.case_id AS TEXT) WHERE (new.system_supports > 0) AND NOT (old.system_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'both', CAST(new.case_id AS TEXT) WHERE (new.family_supports > 0 AND new.system_supports > 0) AND NOT (old.family_supports > 0 AND old.system_supports > 0) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'either', CAST(new.case_id AS TEXT) WHERE ((new.family_supports > 0 OR new.system_supports > 0)) AND NOT ((old.family_supports > 0 OR old.system_supports > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'contradicts', CAST(new.case_id AS TEXT) WHERE ((new.family_contradicts > 0 OR new.system_contradicts > 0)) AND NOT ((old.family_contradicts > 0 OR old.system_contradicts > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT new.project_id, new.code_id, 'nuances', CAST(new.case_id AS TEXT) WHERE ((new.family_nuances > 0 OR new.system_nuances > 0)) AND NOT ((old.family_nuances > 0 OR old.system_nuances > 0)) ON CONFLICT (project_id, code_id, measure) DO UPDATE SET case_ids = tally_keys.case_ids || ',' || excluded.case_ids;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER tally_keys_evidence_au AFTER UPDATE ON case_code_evidence FOR EACH ROW WHEN (((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END))) EXECUTE FUNCTION tally_keys_evidence_au()""",
    """CREATE OR REPLACE FUNCTION tally_keys_evidence_ad() RETURNS trigger AS $$
BEGIN
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'family' AND (old.family_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'system' AND (old.system_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'both' AND (old.family_supports > 0 AND old.system_supports > 0);
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'either' AND ((old.family_supports > 0 OR old.system_supports > 0));
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'contradicts' AND ((old.family_contradicts > 0 OR old.system_contradicts > 0));
  UPDATE tally_keys SET case_ids = trim(replace(',' || case_ids || ',', ',' || CAST(old.case_id AS TEXT) || ',', ','), ',') WHERE project_id = old.project_id AND code_id = old.code_id AND measure = 'nuances' AND ((old.family_nuances > 0 OR old.system_nuances > 0));
  DELETE FROM tally_keys WHERE project_id = old.project_id AND code_id = old.code_id AND case_ids = '';
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER tally_keys_evidence_ad AFTER DELETE ON case_code_evidence FOR EACH ROW EXECUTE FUNCTION tally_keys_evidence_ad()""",
]

SQLITE_DROP = [
    """DROP TRIGGER IF EXISTS tally_keys_evidence_ai""",
    """DROP TRIGGER IF EXISTS tally_keys_evidence_au""",
    """DROP TRIGGER IF EXISTS tally_keys_evidence_ad""",
]

POSTGRES_DROP = [
    """DROP TRIGGER IF EXISTS tally_keys_evidence_ai ON case_code_evidence""",
    """DROP FUNCTION IF EXISTS tally_keys_evidence_ai()""",
    """DROP TRIGGER IF EXISTS tally_keys_evidence_au ON case_code_evidence""",
    """DROP FUNCTION IF EXISTS tally_keys_evidence_au()""",
    """DROP TRIGGER IF EXISTS tally_keys_evidence_ad ON case_code_evidence""",
    """DROP FUNCTION IF EXISTS tally_keys_evidence_ad()""",
]

REBUILD = {
    "sqlite": """INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT project_id, code_id, measure, group_concat(case_id, ',') FROM (SELECT x.project_id AS project_id, x.code_id AS code_id, 'family' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE (x.family_supports > 0) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'system' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE (x.system_supports > 0) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'both' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE (x.family_supports > 0 AND x.system_supports > 0) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'either' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE ((x.family_supports > 0 OR x.system_supports > 0)) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'contradicts' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE ((x.family_contradicts > 0 OR x.system_contradicts > 0)) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'nuances' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE ((x.family_nuances > 0 OR x.system_nuances > 0)) {where} ORDER BY project_id, code_id, measure, case_key) GROUP BY project_id, code_id, measure""",
    "postgresql": """INSERT INTO tally_keys (project_id, code_id, measure, case_ids) SELECT project_id, code_id, measure, string_agg(CAST(case_id AS TEXT), ',' ORDER BY case_key COLLATE "C") FROM (SELECT x.project_id AS project_id, x.code_id AS code_id, 'family' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE (x.family_supports > 0) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'system' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE (x.system_supports > 0) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'both' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE (x.family_supports > 0 AND x.system_supports > 0) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'either' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE ((x.family_supports > 0 OR x.system_supports > 0)) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'contradicts' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE ((x.family_contradicts > 0 OR x.system_contradicts > 0)) {where} UNION ALL SELECT x.project_id AS project_id, x.code_id AS code_id, 'nuances' AS measure, x.case_id AS case_id, c.key AS case_key FROM case_code_evidence x JOIN cases c ON c.id = x.case_id WHERE ((x.family_nuances > 0 OR x.system_nuances > 0)) {where}) k GROUP BY project_id, code_id, measure""",
}


def upgrade() -> None:
    op.create_table('tally_keys',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('case_ids', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'code_id', 'measure', name=op.f('pk_tally_keys'))
    )
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    if dialect in REBUILD:
        op.execute(REBUILD[dialect].format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_table('tally_keys')
