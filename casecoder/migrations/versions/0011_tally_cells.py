"""tally cells: code ancestry, evidence per case and code with its sub-codes, cases per evidence mix, case sources

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

The tally's numbers kept by triggers (DDL frozen below as it was at this revision;
models/derived/tally_cells.py holds today's):
``code_ancestry`` (the sub-code roll-up), ``case_code_evidence`` (per case and code, the evidence
rows of record per perspective x direction) and ``tally_cells`` (cases per code and evidence mask), ``tally_default`` (the six measures per code
for the default direction set).
All three are filled here from the codes and ``evidence_summary`` that already exist. Also
``case_sources`` (family and system sources per case, for the denominators; models/derived/case_sources.py),
filled from the sources, and an index on sources (project, perspective) for the keyed tally.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
COLUMNS = ['family_supports', 'family_contradicts', 'family_nuances', 'system_supports', 'system_contradicts', 'system_nuances']

DEFAULT_MEASURES = ['n_family', 'n_system', 'n_both', 'n_either', 'n_contradicts', 'n_nuances']

SQLITE_TRIGGERS = [
    """CREATE TRIGGER tally_codes_ai AFTER INSERT ON codes FOR EACH ROW BEGIN
  INSERT INTO code_ancestry (ancestor_id, code_id, project_id) SELECT new.id, new.id, new.project_id WHERE true UNION ALL SELECT a.ancestor_id, new.id, new.project_id FROM code_ancestry a WHERE a.code_id = new.parent_id;
END""",
    """CREATE TRIGGER tally_codes_au AFTER UPDATE OF parent_id ON codes FOR EACH ROW WHEN old.parent_id IS NOT new.parent_id BEGIN
  INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT s.project_id, s.case_id, up.ancestor_id, sum(CASE WHEN s.perspective = 'family' AND s.direction = 'supports' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'contradicts' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'nuances' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'supports' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'contradicts' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'nuances' THEN -1 ELSE 0 END) FROM evidence_summary s, code_ancestry down, code_ancestry up WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id AND down.ancestor_id = new.id AND up.code_id = new.id AND up.ancestor_id <> new.id GROUP BY s.project_id, s.case_id, up.ancestor_id ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET family_supports = case_code_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_evidence.system_nuances + excluded.system_nuances;
  DELETE FROM case_code_evidence WHERE project_id = new.project_id AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = new.id AND a.ancestor_id <> new.id) AND family_supports <= 0 AND family_contradicts <= 0 AND family_nuances <= 0 AND system_supports <= 0 AND system_contradicts <= 0 AND system_nuances <= 0;
  DELETE FROM code_ancestry WHERE code_id IN (SELECT d.code_id FROM code_ancestry d WHERE d.ancestor_id = new.id) AND ancestor_id IN (SELECT u.ancestor_id FROM code_ancestry u WHERE u.code_id = new.id AND u.ancestor_id <> new.id);
  INSERT INTO code_ancestry (ancestor_id, code_id, project_id) SELECT up.ancestor_id, down.code_id, new.project_id FROM code_ancestry up, code_ancestry down WHERE up.code_id = new.parent_id AND down.ancestor_id = new.id;
  INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT s.project_id, s.case_id, up.ancestor_id, sum(CASE WHEN s.perspective = 'family' AND s.direction = 'supports' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'contradicts' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'nuances' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'supports' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'contradicts' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'nuances' THEN +1 ELSE 0 END) FROM evidence_summary s, code_ancestry down, code_ancestry up WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id AND down.ancestor_id = new.id AND up.code_id = new.id AND up.ancestor_id <> new.id GROUP BY s.project_id, s.case_id, up.ancestor_id ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET family_supports = case_code_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_evidence.system_nuances + excluded.system_nuances;
END""",
    """CREATE TRIGGER tally_codes_ad AFTER DELETE ON codes FOR EACH ROW BEGIN
  DELETE FROM case_code_evidence WHERE project_id = old.project_id AND code_id = old.id;
  DELETE FROM tally_cells WHERE project_id = old.project_id AND code_id = old.id;
  DELETE FROM tally_default WHERE project_id = old.project_id AND code_id = old.id;
  DELETE FROM code_ancestry WHERE code_id = old.id OR ancestor_id = old.id;
END""",
    """CREATE TRIGGER tally_summary_ai AFTER INSERT ON evidence_summary FOR EACH ROW WHEN new.of_record BEGIN
  INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT new.project_id, new.case_id, a.ancestor_id, (CASE WHEN new.perspective = 'family' AND new.direction = 'supports' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'family' AND new.direction = 'contradicts' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'family' AND new.direction = 'nuances' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'supports' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'contradicts' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'nuances' THEN +1 ELSE 0 END) FROM code_ancestry a WHERE a.code_id = new.code_id ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET family_supports = case_code_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_evidence.system_nuances + excluded.system_nuances;
END""",
    """CREATE TRIGGER tally_summary_ad AFTER DELETE ON evidence_summary FOR EACH ROW WHEN old.of_record BEGIN
  INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT old.project_id, old.case_id, a.ancestor_id, (CASE WHEN old.perspective = 'family' AND old.direction = 'supports' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'family' AND old.direction = 'contradicts' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'family' AND old.direction = 'nuances' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'supports' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'contradicts' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'nuances' THEN -1 ELSE 0 END) FROM code_ancestry a WHERE a.code_id = old.code_id ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET family_supports = case_code_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_evidence.system_nuances + excluded.system_nuances;
  DELETE FROM case_code_evidence WHERE project_id = old.project_id AND case_id = old.case_id AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = old.code_id) AND family_supports <= 0 AND family_contradicts <= 0 AND family_nuances <= 0 AND system_supports <= 0 AND system_contradicts <= 0 AND system_nuances <= 0;
END""",
    """CREATE TRIGGER tally_evidence_ai AFTER INSERT ON case_code_evidence FOR EACH ROW BEGIN
  INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT new.project_id, new.code_id, ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)), +1 WHERE ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases;
  INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT new.project_id, new.code_id, +(CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN new.system_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN new.family_supports > 0 AND new.system_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN (new.family_supports > 0 OR new.system_supports > 0) THEN 1 ELSE 0 END), +(CASE WHEN (new.family_contradicts > 0 OR new.system_contradicts > 0) THEN 1 ELSE 0 END), +(CASE WHEN (new.family_nuances > 0 OR new.system_nuances > 0) THEN 1 ELSE 0 END) WHERE ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id) DO UPDATE SET n_family = tally_default.n_family + excluded.n_family, n_system = tally_default.n_system + excluded.n_system, n_both = tally_default.n_both + excluded.n_both, n_either = tally_default.n_either + excluded.n_either, n_contradicts = tally_default.n_contradicts + excluded.n_contradicts, n_nuances = tally_default.n_nuances + excluded.n_nuances;
END""",
    """CREATE TRIGGER tally_evidence_au AFTER UPDATE ON case_code_evidence FOR EACH ROW WHEN ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) BEGIN
  INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT old.project_id, old.code_id, ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)), -1 WHERE ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases;
  DELETE FROM tally_cells WHERE project_id = old.project_id AND code_id = old.code_id AND cases <= 0;
  INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT new.project_id, new.code_id, ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)), +1 WHERE ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases;
  INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT old.project_id, old.code_id, -(CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN old.system_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN old.family_supports > 0 AND old.system_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN (old.family_supports > 0 OR old.system_supports > 0) THEN 1 ELSE 0 END), -(CASE WHEN (old.family_contradicts > 0 OR old.system_contradicts > 0) THEN 1 ELSE 0 END), -(CASE WHEN (old.family_nuances > 0 OR old.system_nuances > 0) THEN 1 ELSE 0 END) WHERE ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id) DO UPDATE SET n_family = tally_default.n_family + excluded.n_family, n_system = tally_default.n_system + excluded.n_system, n_both = tally_default.n_both + excluded.n_both, n_either = tally_default.n_either + excluded.n_either, n_contradicts = tally_default.n_contradicts + excluded.n_contradicts, n_nuances = tally_default.n_nuances + excluded.n_nuances;
  INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT new.project_id, new.code_id, +(CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN new.system_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN new.family_supports > 0 AND new.system_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN (new.family_supports > 0 OR new.system_supports > 0) THEN 1 ELSE 0 END), +(CASE WHEN (new.family_contradicts > 0 OR new.system_contradicts > 0) THEN 1 ELSE 0 END), +(CASE WHEN (new.family_nuances > 0 OR new.system_nuances > 0) THEN 1 ELSE 0 END) WHERE ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id) DO UPDATE SET n_family = tally_default.n_family + excluded.n_family, n_system = tally_default.n_system + excluded.n_system, n_both = tally_default.n_both + excluded.n_both, n_either = tally_default.n_either + excluded.n_either, n_contradicts = tally_default.n_contradicts + excluded.n_contradicts, n_nuances = tally_default.n_nuances + excluded.n_nuances;
  DELETE FROM tally_default WHERE project_id = old.project_id AND code_id = old.code_id AND n_family <= 0 AND n_system <= 0 AND n_both <= 0 AND n_either <= 0 AND n_contradicts <= 0 AND n_nuances <= 0;
END""",
    """CREATE TRIGGER tally_evidence_ad AFTER DELETE ON case_code_evidence FOR EACH ROW BEGIN
  INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT old.project_id, old.code_id, ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)), -1 WHERE ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases;
  DELETE FROM tally_cells WHERE project_id = old.project_id AND code_id = old.code_id AND cases <= 0;
  INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT old.project_id, old.code_id, -(CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN old.system_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN old.family_supports > 0 AND old.system_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN (old.family_supports > 0 OR old.system_supports > 0) THEN 1 ELSE 0 END), -(CASE WHEN (old.family_contradicts > 0 OR old.system_contradicts > 0) THEN 1 ELSE 0 END), -(CASE WHEN (old.family_nuances > 0 OR old.system_nuances > 0) THEN 1 ELSE 0 END) WHERE ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id) DO UPDATE SET n_family = tally_default.n_family + excluded.n_family, n_system = tally_default.n_system + excluded.n_system, n_both = tally_default.n_both + excluded.n_both, n_either = tally_default.n_either + excluded.n_either, n_contradicts = tally_default.n_contradicts + excluded.n_contradicts, n_nuances = tally_default.n_nuances + excluded.n_nuances;
  DELETE FROM tally_default WHERE project_id = old.project_id AND code_id = old.code_id AND n_family <= 0 AND n_system <= 0 AND n_both <= 0 AND n_either <= 0 AND n_contradicts <= 0 AND n_nuances <= 0;
END""",
    """CREATE TRIGGER tally_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM tally_cells WHERE project_id = old.id;
  DELETE FROM tally_default WHERE project_id = old.id;
  DELETE FROM case_code_evidence WHERE project_id = old.id;
  DELETE FROM code_ancestry WHERE project_id = old.id;
END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION tally_codes_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO code_ancestry (ancestor_id, code_id, project_id) SELECT new.id, new.id, new.project_id WHERE true UNION ALL SELECT a.ancestor_id, new.id, new.project_id FROM code_ancestry a WHERE a.code_id = new.parent_id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_codes_ai AFTER INSERT ON codes FOR EACH ROW EXECUTE FUNCTION tally_codes_ai()",
    """CREATE OR REPLACE FUNCTION tally_codes_au() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(31001, new.project_id);
  INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT s.project_id, s.case_id, up.ancestor_id, sum(CASE WHEN s.perspective = 'family' AND s.direction = 'supports' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'contradicts' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'nuances' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'supports' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'contradicts' THEN -1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'nuances' THEN -1 ELSE 0 END) FROM evidence_summary s, code_ancestry down, code_ancestry up WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id AND down.ancestor_id = new.id AND up.code_id = new.id AND up.ancestor_id <> new.id GROUP BY s.project_id, s.case_id, up.ancestor_id ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET family_supports = case_code_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_evidence.system_nuances + excluded.system_nuances;
  DELETE FROM case_code_evidence WHERE project_id = new.project_id AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = new.id AND a.ancestor_id <> new.id) AND family_supports <= 0 AND family_contradicts <= 0 AND family_nuances <= 0 AND system_supports <= 0 AND system_contradicts <= 0 AND system_nuances <= 0;
  DELETE FROM code_ancestry WHERE code_id IN (SELECT d.code_id FROM code_ancestry d WHERE d.ancestor_id = new.id) AND ancestor_id IN (SELECT u.ancestor_id FROM code_ancestry u WHERE u.code_id = new.id AND u.ancestor_id <> new.id);
  INSERT INTO code_ancestry (ancestor_id, code_id, project_id) SELECT up.ancestor_id, down.code_id, new.project_id FROM code_ancestry up, code_ancestry down WHERE up.code_id = new.parent_id AND down.ancestor_id = new.id;
  INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT s.project_id, s.case_id, up.ancestor_id, sum(CASE WHEN s.perspective = 'family' AND s.direction = 'supports' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'contradicts' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'family' AND s.direction = 'nuances' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'supports' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'contradicts' THEN +1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' AND s.direction = 'nuances' THEN +1 ELSE 0 END) FROM evidence_summary s, code_ancestry down, code_ancestry up WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id AND down.ancestor_id = new.id AND up.code_id = new.id AND up.ancestor_id <> new.id GROUP BY s.project_id, s.case_id, up.ancestor_id ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET family_supports = case_code_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_evidence.system_nuances + excluded.system_nuances;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_codes_au AFTER UPDATE OF parent_id ON codes FOR EACH ROW WHEN (old.parent_id IS DISTINCT FROM new.parent_id) EXECUTE FUNCTION tally_codes_au()",
    """CREATE OR REPLACE FUNCTION tally_codes_ad() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(31001, old.project_id);
  DELETE FROM case_code_evidence WHERE project_id = old.project_id AND code_id = old.id;
  DELETE FROM tally_cells WHERE project_id = old.project_id AND code_id = old.id;
  DELETE FROM tally_default WHERE project_id = old.project_id AND code_id = old.id;
  DELETE FROM code_ancestry WHERE code_id = old.id OR ancestor_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_codes_ad AFTER DELETE ON codes FOR EACH ROW EXECUTE FUNCTION tally_codes_ad()",
    """CREATE OR REPLACE FUNCTION tally_summary_ai() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(31001, new.project_id);
  INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT new.project_id, new.case_id, a.ancestor_id, (CASE WHEN new.perspective = 'family' AND new.direction = 'supports' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'family' AND new.direction = 'contradicts' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'family' AND new.direction = 'nuances' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'supports' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'contradicts' THEN +1 ELSE 0 END), (CASE WHEN new.perspective = 'system' AND new.direction = 'nuances' THEN +1 ELSE 0 END) FROM code_ancestry a WHERE a.code_id = new.code_id ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET family_supports = case_code_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_evidence.system_nuances + excluded.system_nuances;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_summary_ai AFTER INSERT ON evidence_summary FOR EACH ROW WHEN (new.of_record) EXECUTE FUNCTION tally_summary_ai()",
    """CREATE OR REPLACE FUNCTION tally_summary_ad() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(31001, old.project_id);
  INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT old.project_id, old.case_id, a.ancestor_id, (CASE WHEN old.perspective = 'family' AND old.direction = 'supports' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'family' AND old.direction = 'contradicts' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'family' AND old.direction = 'nuances' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'supports' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'contradicts' THEN -1 ELSE 0 END), (CASE WHEN old.perspective = 'system' AND old.direction = 'nuances' THEN -1 ELSE 0 END) FROM code_ancestry a WHERE a.code_id = old.code_id ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET family_supports = case_code_evidence.family_supports + excluded.family_supports, family_contradicts = case_code_evidence.family_contradicts + excluded.family_contradicts, family_nuances = case_code_evidence.family_nuances + excluded.family_nuances, system_supports = case_code_evidence.system_supports + excluded.system_supports, system_contradicts = case_code_evidence.system_contradicts + excluded.system_contradicts, system_nuances = case_code_evidence.system_nuances + excluded.system_nuances;
  DELETE FROM case_code_evidence WHERE project_id = old.project_id AND case_id = old.case_id AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = old.code_id) AND family_supports <= 0 AND family_contradicts <= 0 AND family_nuances <= 0 AND system_supports <= 0 AND system_contradicts <= 0 AND system_nuances <= 0;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_summary_ad AFTER DELETE ON evidence_summary FOR EACH ROW WHEN (old.of_record) EXECUTE FUNCTION tally_summary_ad()",
    """CREATE OR REPLACE FUNCTION tally_evidence_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT new.project_id, new.code_id, ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)), +1 WHERE ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases;
  INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT new.project_id, new.code_id, +(CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN new.system_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN new.family_supports > 0 AND new.system_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN (new.family_supports > 0 OR new.system_supports > 0) THEN 1 ELSE 0 END), +(CASE WHEN (new.family_contradicts > 0 OR new.system_contradicts > 0) THEN 1 ELSE 0 END), +(CASE WHEN (new.family_nuances > 0 OR new.system_nuances > 0) THEN 1 ELSE 0 END) WHERE ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id) DO UPDATE SET n_family = tally_default.n_family + excluded.n_family, n_system = tally_default.n_system + excluded.n_system, n_both = tally_default.n_both + excluded.n_both, n_either = tally_default.n_either + excluded.n_either, n_contradicts = tally_default.n_contradicts + excluded.n_contradicts, n_nuances = tally_default.n_nuances + excluded.n_nuances;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_evidence_ai AFTER INSERT ON case_code_evidence FOR EACH ROW EXECUTE FUNCTION tally_evidence_ai()",
    """CREATE OR REPLACE FUNCTION tally_evidence_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT old.project_id, old.code_id, ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)), -1 WHERE ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases;
  DELETE FROM tally_cells WHERE project_id = old.project_id AND code_id = old.code_id AND cases <= 0;
  INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT new.project_id, new.code_id, ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)), +1 WHERE ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases;
  INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT old.project_id, old.code_id, -(CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN old.system_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN old.family_supports > 0 AND old.system_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN (old.family_supports > 0 OR old.system_supports > 0) THEN 1 ELSE 0 END), -(CASE WHEN (old.family_contradicts > 0 OR old.system_contradicts > 0) THEN 1 ELSE 0 END), -(CASE WHEN (old.family_nuances > 0 OR old.system_nuances > 0) THEN 1 ELSE 0 END) WHERE ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id) DO UPDATE SET n_family = tally_default.n_family + excluded.n_family, n_system = tally_default.n_system + excluded.n_system, n_both = tally_default.n_both + excluded.n_both, n_either = tally_default.n_either + excluded.n_either, n_contradicts = tally_default.n_contradicts + excluded.n_contradicts, n_nuances = tally_default.n_nuances + excluded.n_nuances;
  INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT new.project_id, new.code_id, +(CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN new.system_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN new.family_supports > 0 AND new.system_supports > 0 THEN 1 ELSE 0 END), +(CASE WHEN (new.family_supports > 0 OR new.system_supports > 0) THEN 1 ELSE 0 END), +(CASE WHEN (new.family_contradicts > 0 OR new.system_contradicts > 0) THEN 1 ELSE 0 END), +(CASE WHEN (new.family_nuances > 0 OR new.system_nuances > 0) THEN 1 ELSE 0 END) WHERE ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id) DO UPDATE SET n_family = tally_default.n_family + excluded.n_family, n_system = tally_default.n_system + excluded.n_system, n_both = tally_default.n_both + excluded.n_both, n_either = tally_default.n_either + excluded.n_either, n_contradicts = tally_default.n_contradicts + excluded.n_contradicts, n_nuances = tally_default.n_nuances + excluded.n_nuances;
  DELETE FROM tally_default WHERE project_id = old.project_id AND code_id = old.code_id AND n_family <= 0 AND n_system <= 0 AND n_both <= 0 AND n_either <= 0 AND n_contradicts <= 0 AND n_nuances <= 0;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_evidence_au AFTER UPDATE ON case_code_evidence FOR EACH ROW WHEN (((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END))) EXECUTE FUNCTION tally_evidence_au()",
    """CREATE OR REPLACE FUNCTION tally_evidence_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT old.project_id, old.code_id, ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)), -1 WHERE ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases;
  DELETE FROM tally_cells WHERE project_id = old.project_id AND code_id = old.code_id AND cases <= 0;
  INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT old.project_id, old.code_id, -(CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN old.system_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN old.family_supports > 0 AND old.system_supports > 0 THEN 1 ELSE 0 END), -(CASE WHEN (old.family_supports > 0 OR old.system_supports > 0) THEN 1 ELSE 0 END), -(CASE WHEN (old.family_contradicts > 0 OR old.system_contradicts > 0) THEN 1 ELSE 0 END), -(CASE WHEN (old.family_nuances > 0 OR old.system_nuances > 0) THEN 1 ELSE 0 END) WHERE ((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> 0 ON CONFLICT (project_id, code_id) DO UPDATE SET n_family = tally_default.n_family + excluded.n_family, n_system = tally_default.n_system + excluded.n_system, n_both = tally_default.n_both + excluded.n_both, n_either = tally_default.n_either + excluded.n_either, n_contradicts = tally_default.n_contradicts + excluded.n_contradicts, n_nuances = tally_default.n_nuances + excluded.n_nuances;
  DELETE FROM tally_default WHERE project_id = old.project_id AND code_id = old.code_id AND n_family <= 0 AND n_system <= 0 AND n_both <= 0 AND n_either <= 0 AND n_contradicts <= 0 AND n_nuances <= 0;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_evidence_ad AFTER DELETE ON case_code_evidence FOR EACH ROW EXECUTE FUNCTION tally_evidence_ad()",
    """CREATE OR REPLACE FUNCTION tally_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM tally_cells WHERE project_id = old.id;
  DELETE FROM tally_default WHERE project_id = old.id;
  DELETE FROM case_code_evidence WHERE project_id = old.id;
  DELETE FROM code_ancestry WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tally_projects_ad AFTER DELETE ON projects FOR EACH ROW EXECUTE FUNCTION tally_projects_ad()",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tally_codes_ai",
    "DROP TRIGGER IF EXISTS tally_codes_au",
    "DROP TRIGGER IF EXISTS tally_codes_ad",
    "DROP TRIGGER IF EXISTS tally_summary_ai",
    "DROP TRIGGER IF EXISTS tally_summary_ad",
    "DROP TRIGGER IF EXISTS tally_evidence_ai",
    "DROP TRIGGER IF EXISTS tally_evidence_au",
    "DROP TRIGGER IF EXISTS tally_evidence_ad",
    "DROP TRIGGER IF EXISTS tally_projects_ad",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS tally_codes_ai ON codes",
    "DROP FUNCTION IF EXISTS tally_codes_ai()",
    "DROP TRIGGER IF EXISTS tally_codes_au ON codes",
    "DROP FUNCTION IF EXISTS tally_codes_au()",
    "DROP TRIGGER IF EXISTS tally_codes_ad ON codes",
    "DROP FUNCTION IF EXISTS tally_codes_ad()",
    "DROP TRIGGER IF EXISTS tally_summary_ai ON evidence_summary",
    "DROP FUNCTION IF EXISTS tally_summary_ai()",
    "DROP TRIGGER IF EXISTS tally_summary_ad ON evidence_summary",
    "DROP FUNCTION IF EXISTS tally_summary_ad()",
    "DROP TRIGGER IF EXISTS tally_evidence_ai ON case_code_evidence",
    "DROP FUNCTION IF EXISTS tally_evidence_ai()",
    "DROP TRIGGER IF EXISTS tally_evidence_au ON case_code_evidence",
    "DROP FUNCTION IF EXISTS tally_evidence_au()",
    "DROP TRIGGER IF EXISTS tally_evidence_ad ON case_code_evidence",
    "DROP FUNCTION IF EXISTS tally_evidence_ad()",
    "DROP TRIGGER IF EXISTS tally_projects_ad ON projects",
    "DROP FUNCTION IF EXISTS tally_projects_ad()",
]

REBUILD = [
    "INSERT INTO code_ancestry (ancestor_id, code_id, project_id) WITH RECURSIVE up(ancestor_id, code_id, project_id) AS (SELECT x.id, x.id, x.project_id FROM codes x WHERE 1 = 1 {where} UNION ALL SELECT c.parent_id, up.code_id, up.project_id FROM up JOIN codes c ON c.id = up.ancestor_id WHERE c.parent_id IS NOT NULL) SELECT ancestor_id, code_id, project_id FROM up",
    "INSERT INTO case_code_evidence (project_id, case_id, code_id, family_supports, family_contradicts, family_nuances, system_supports, system_contradicts, system_nuances) SELECT x.project_id, x.case_id, a.ancestor_id, sum(CASE WHEN x.perspective = 'family' AND x.direction = 'supports' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'family' AND x.direction = 'contradicts' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'family' AND x.direction = 'nuances' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'system' AND x.direction = 'supports' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'system' AND x.direction = 'contradicts' THEN 1 ELSE 0 END), sum(CASE WHEN x.perspective = 'system' AND x.direction = 'nuances' THEN 1 ELSE 0 END) FROM evidence_summary x JOIN code_ancestry a ON a.code_id = x.code_id WHERE x.of_record {where} GROUP BY x.project_id, x.case_id, a.ancestor_id",
    "DELETE FROM tally_cells {plain}",
    "INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT x.project_id, x.code_id, ((CASE WHEN x.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN x.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN x.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN x.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN x.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN x.system_nuances > 0 THEN 32 ELSE 0 END)), count(*) FROM case_code_evidence x WHERE 1 = 1 {where} GROUP BY x.project_id, x.code_id, ((CASE WHEN x.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN x.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN x.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN x.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN x.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN x.system_nuances > 0 THEN 32 ELSE 0 END))",
    "DELETE FROM tally_default {plain}",
    "INSERT INTO tally_default (project_id, code_id, n_family, n_system, n_both, n_either, n_contradicts, n_nuances) SELECT x.project_id, x.code_id, sum(CASE WHEN x.family_supports > 0 THEN 1 ELSE 0 END), sum(CASE WHEN x.system_supports > 0 THEN 1 ELSE 0 END), sum(CASE WHEN x.family_supports > 0 AND x.system_supports > 0 THEN 1 ELSE 0 END), sum(CASE WHEN (x.family_supports > 0 OR x.system_supports > 0) THEN 1 ELSE 0 END), sum(CASE WHEN (x.family_contradicts > 0 OR x.system_contradicts > 0) THEN 1 ELSE 0 END), sum(CASE WHEN (x.family_nuances > 0 OR x.system_nuances > 0) THEN 1 ELSE 0 END) FROM case_code_evidence x WHERE 1 = 1 {where} GROUP BY x.project_id, x.code_id",
]

CASE_SOURCES_SQLITE_TRIGGERS = [
    """CREATE TRIGGER case_sources_links_ai AFTER INSERT ON source_cases FOR EACH ROW BEGIN
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, new.case_id, (CASE WHEN s.perspective = 'family' THEN +1 ELSE 0 END), (CASE WHEN s.perspective = 'system' THEN +1 ELSE 0 END) FROM sources s WHERE s.id = new.source_id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
END""",
    """CREATE TRIGGER case_sources_links_ad AFTER DELETE ON source_cases FOR EACH ROW BEGIN
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, old.case_id, (CASE WHEN s.perspective = 'family' THEN -1 ELSE 0 END), (CASE WHEN s.perspective = 'system' THEN -1 ELSE 0 END) FROM sources s WHERE s.id = old.source_id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
  DELETE FROM case_sources WHERE case_id = old.case_id AND family <= 0 AND system <= 0;
END""",
    """CREATE TRIGGER case_sources_links_au AFTER UPDATE ON source_cases FOR EACH ROW BEGIN
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, old.case_id, (CASE WHEN s.perspective = 'family' THEN -1 ELSE 0 END), (CASE WHEN s.perspective = 'system' THEN -1 ELSE 0 END) FROM sources s WHERE s.id = old.source_id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
  DELETE FROM case_sources WHERE case_id = old.case_id AND family <= 0 AND system <= 0;
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, new.case_id, (CASE WHEN s.perspective = 'family' THEN +1 ELSE 0 END), (CASE WHEN s.perspective = 'system' THEN +1 ELSE 0 END) FROM sources s WHERE s.id = new.source_id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
END""",
    """CREATE TRIGGER case_sources_sources_au AFTER UPDATE OF perspective ON sources FOR EACH ROW WHEN old.perspective <> new.perspective BEGIN
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT new.project_id, l.case_id, CASE WHEN new.perspective = 'family' THEN 1 ELSE 0 END - CASE WHEN old.perspective = 'family' THEN 1 ELSE 0 END, CASE WHEN new.perspective = 'system' THEN 1 ELSE 0 END - CASE WHEN old.perspective = 'system' THEN 1 ELSE 0 END FROM source_cases l WHERE l.source_id = new.id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
  DELETE FROM case_sources WHERE project_id = new.project_id AND family <= 0 AND system <= 0;
END""",
    """CREATE TRIGGER case_sources_sources_bd BEFORE DELETE ON sources FOR EACH ROW BEGIN
  DELETE FROM source_cases WHERE source_id = old.id;
END""",
    """CREATE TRIGGER case_sources_cases_ad AFTER DELETE ON cases FOR EACH ROW BEGIN
  DELETE FROM case_sources WHERE case_id = old.id;
END""",
    """CREATE TRIGGER case_sources_projects_ad AFTER DELETE ON projects FOR EACH ROW BEGIN
  DELETE FROM case_sources WHERE project_id = old.id;
END""",
]

CASE_SOURCES_POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION case_sources_links_ai() RETURNS trigger AS $$
BEGIN
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, new.case_id, (CASE WHEN s.perspective = 'family' THEN +1 ELSE 0 END), (CASE WHEN s.perspective = 'system' THEN +1 ELSE 0 END) FROM sources s WHERE s.id = new.source_id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER case_sources_links_ai AFTER INSERT ON source_cases FOR EACH ROW EXECUTE FUNCTION case_sources_links_ai()",
    """CREATE OR REPLACE FUNCTION case_sources_links_ad() RETURNS trigger AS $$
BEGIN
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, old.case_id, (CASE WHEN s.perspective = 'family' THEN -1 ELSE 0 END), (CASE WHEN s.perspective = 'system' THEN -1 ELSE 0 END) FROM sources s WHERE s.id = old.source_id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
  DELETE FROM case_sources WHERE case_id = old.case_id AND family <= 0 AND system <= 0;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER case_sources_links_ad AFTER DELETE ON source_cases FOR EACH ROW EXECUTE FUNCTION case_sources_links_ad()",
    """CREATE OR REPLACE FUNCTION case_sources_links_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, old.case_id, (CASE WHEN s.perspective = 'family' THEN -1 ELSE 0 END), (CASE WHEN s.perspective = 'system' THEN -1 ELSE 0 END) FROM sources s WHERE s.id = old.source_id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
  DELETE FROM case_sources WHERE case_id = old.case_id AND family <= 0 AND system <= 0;
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, new.case_id, (CASE WHEN s.perspective = 'family' THEN +1 ELSE 0 END), (CASE WHEN s.perspective = 'system' THEN +1 ELSE 0 END) FROM sources s WHERE s.id = new.source_id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER case_sources_links_au AFTER UPDATE ON source_cases FOR EACH ROW EXECUTE FUNCTION case_sources_links_au()",
    """CREATE OR REPLACE FUNCTION case_sources_sources_au() RETURNS trigger AS $$
BEGIN
  INSERT INTO case_sources (project_id, case_id, family, system) SELECT new.project_id, l.case_id, CASE WHEN new.perspective = 'family' THEN 1 ELSE 0 END - CASE WHEN old.perspective = 'family' THEN 1 ELSE 0 END, CASE WHEN new.perspective = 'system' THEN 1 ELSE 0 END - CASE WHEN old.perspective = 'system' THEN 1 ELSE 0 END FROM source_cases l WHERE l.source_id = new.id ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, system = case_sources.system + excluded.system;
  DELETE FROM case_sources WHERE project_id = new.project_id AND family <= 0 AND system <= 0;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER case_sources_sources_au AFTER UPDATE OF perspective ON sources FOR EACH ROW WHEN (old.perspective <> new.perspective) EXECUTE FUNCTION case_sources_sources_au()",
    """CREATE OR REPLACE FUNCTION case_sources_sources_bd() RETURNS trigger AS $$
BEGIN
  DELETE FROM source_cases WHERE source_id = old.id;
  RETURN old;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER case_sources_sources_bd BEFORE DELETE ON sources FOR EACH ROW EXECUTE FUNCTION case_sources_sources_bd()",
    """CREATE OR REPLACE FUNCTION case_sources_cases_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM case_sources WHERE case_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER case_sources_cases_ad AFTER DELETE ON cases FOR EACH ROW EXECUTE FUNCTION case_sources_cases_ad()",
    """CREATE OR REPLACE FUNCTION case_sources_projects_ad() RETURNS trigger AS $$
BEGIN
  DELETE FROM case_sources WHERE project_id = old.id;
  RETURN NULL;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER case_sources_projects_ad AFTER DELETE ON projects FOR EACH ROW EXECUTE FUNCTION case_sources_projects_ad()",
]

CASE_SOURCES_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS case_sources_links_ai",
    "DROP TRIGGER IF EXISTS case_sources_links_ad",
    "DROP TRIGGER IF EXISTS case_sources_links_au",
    "DROP TRIGGER IF EXISTS case_sources_sources_au",
    "DROP TRIGGER IF EXISTS case_sources_sources_bd",
    "DROP TRIGGER IF EXISTS case_sources_cases_ad",
    "DROP TRIGGER IF EXISTS case_sources_projects_ad",
]

CASE_SOURCES_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS case_sources_links_ai ON source_cases",
    "DROP FUNCTION IF EXISTS case_sources_links_ai()",
    "DROP TRIGGER IF EXISTS case_sources_links_ad ON source_cases",
    "DROP FUNCTION IF EXISTS case_sources_links_ad()",
    "DROP TRIGGER IF EXISTS case_sources_links_au ON source_cases",
    "DROP FUNCTION IF EXISTS case_sources_links_au()",
    "DROP TRIGGER IF EXISTS case_sources_sources_au ON sources",
    "DROP FUNCTION IF EXISTS case_sources_sources_au()",
    "DROP TRIGGER IF EXISTS case_sources_sources_bd ON sources",
    "DROP FUNCTION IF EXISTS case_sources_sources_bd()",
    "DROP TRIGGER IF EXISTS case_sources_cases_ad ON cases",
    "DROP FUNCTION IF EXISTS case_sources_cases_ad()",
    "DROP TRIGGER IF EXISTS case_sources_projects_ad ON projects",
    "DROP FUNCTION IF EXISTS case_sources_projects_ad()",
]

CASE_SOURCES_REBUILD = "INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, l.case_id, sum(CASE WHEN s.perspective = 'family' THEN 1 ELSE 0 END), sum(CASE WHEN s.perspective = 'system' THEN 1 ELSE 0 END) FROM source_cases l JOIN sources s ON s.id = l.source_id WHERE 1 = 1 {where} GROUP BY s.project_id, l.case_id"


def upgrade() -> None:
    op.create_table('code_ancestry',
    sa.Column('ancestor_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('ancestor_id', 'code_id', name=op.f('pk_code_ancestry'))
    )
    op.create_index('ix_code_ancestry_code', 'code_ancestry', ['code_id', 'ancestor_id'], unique=False)
    op.create_index(op.f('ix_code_ancestry_project_id'), 'code_ancestry', ['project_id'], unique=False)
    op.create_table('case_code_evidence',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COLUMNS],
    sa.PrimaryKeyConstraint('project_id', 'case_id', 'code_id', name=op.f('pk_case_code_evidence'))
    )
    op.create_table('tally_cells',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('mask', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'code_id', 'mask', name=op.f('pk_tally_cells'))
    )
    op.create_table('tally_default',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in DEFAULT_MEASURES],
    sa.PrimaryKeyConstraint('project_id', 'code_id', name=op.f('pk_tally_default'))
    )
    op.create_table('case_sources',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('family', sa.Integer(), nullable=False),
    sa.Column('system', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'case_id', name=op.f('pk_case_sources'))
    )
    # the keyed tally's denominators read (project, perspective) of each source without its text
    op.create_index('ix_sources_project_perspective', 'sources', ['project_id', 'perspective'], unique=False)
    dialect = op.get_bind().dialect.name
    triggers = {"sqlite": SQLITE_TRIGGERS + CASE_SOURCES_SQLITE_TRIGGERS,
                "postgresql": POSTGRES_TRIGGERS + CASE_SOURCES_POSTGRES_TRIGGERS}
    for sql in triggers.get(dialect, []):
        op.execute(sql)
    for sql in REBUILD:
        op.execute(sql.format(where="", plain=""))
    op.execute(CASE_SOURCES_REBUILD.format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drops = {"sqlite": SQLITE_DROP + CASE_SOURCES_SQLITE_DROP, "postgresql": POSTGRES_DROP + CASE_SOURCES_POSTGRES_DROP}
    for sql in drops.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_sources_project_perspective', table_name='sources')
    op.drop_table('case_sources')
    op.drop_table('tally_default')
    op.drop_table('tally_cells')
    op.drop_table('case_code_evidence')
    op.drop_index(op.f('ix_code_ancestry_project_id'), table_name='code_ancestry')
    op.drop_index('ix_code_ancestry_code', table_name='code_ancestry')
    op.drop_table('code_ancestry')
