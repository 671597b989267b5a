"""derived tables: a bulk import pauses their AFTER row triggers in its own transaction (PostgreSQL) (#25)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03

Each AFTER row trigger that keeps a derived table with rows (evidence_summary, the tally's tables,
tally_keys, case_sources) gets ``current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on'`` in its WHEN: a bulk import sets that
setting for its own transaction only and rebuilds its project's rows once before it commits
(models/derived/pause.py). The trigger functions are unchanged. SQLite needs no change (pause.py drops
and recreates the triggers inside the import's write transaction: SQLite has one writer at a time).
"""
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

NOT_PAUSED = "current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on'"

# Frozen DDL (name, table, CREATE TRIGGER with the pause test), as it was at this revision.
TRIGGERS = [
    ('evidence_summary_codings_ai', 'codings',
     "CREATE TRIGGER evidence_summary_codings_ai AFTER INSERT ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION evidence_summary_codings_ai()"),
    ('evidence_summary_codings_ad', 'codings',
     "CREATE TRIGGER evidence_summary_codings_ad AFTER DELETE ON codings FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION evidence_summary_codings_ad()"),
    ('evidence_summary_codings_au', 'codings',
     "CREATE TRIGGER evidence_summary_codings_au AFTER UPDATE OF excerpt_id, code_id, direction, coder_id, of_record ON codings FOR EACH ROW WHEN ((old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction OR old.coder_id <> new.coder_id OR old.of_record <> new.of_record) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION evidence_summary_codings_au()"),
    ('evidence_summary_excerpts_au', 'excerpts',
     "CREATE TRIGGER evidence_summary_excerpts_au AFTER UPDATE OF project_id, source_id, case_id ON excerpts FOR EACH ROW WHEN ((old.project_id <> new.project_id OR old.source_id <> new.source_id OR old.case_id IS DISTINCT FROM new.case_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION evidence_summary_excerpts_au()"),
    ('evidence_summary_sources_au', 'sources',
     "CREATE TRIGGER evidence_summary_sources_au AFTER UPDATE OF perspective ON sources FOR EACH ROW WHEN ((old.perspective <> new.perspective) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION evidence_summary_sources_au()"),
    ('evidence_summary_projects_ad', 'projects',
     "CREATE TRIGGER evidence_summary_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION evidence_summary_projects_ad()"),
    ('tally_codes_ai', 'codes',
     "CREATE TRIGGER tally_codes_ai AFTER INSERT ON codes FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_codes_ai()"),
    ('tally_codes_au', 'codes',
     "CREATE TRIGGER tally_codes_au AFTER UPDATE OF parent_id ON codes FOR EACH ROW WHEN ((old.parent_id IS DISTINCT FROM new.parent_id) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_codes_au()"),
    ('tally_codes_ad', 'codes',
     "CREATE TRIGGER tally_codes_ad AFTER DELETE ON codes FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_codes_ad()"),
    ('tally_summary_ai', 'evidence_summary',
     "CREATE TRIGGER tally_summary_ai AFTER INSERT ON evidence_summary FOR EACH ROW WHEN ((new.of_record) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_summary_ai()"),
    ('tally_summary_ad', 'evidence_summary',
     "CREATE TRIGGER tally_summary_ad AFTER DELETE ON evidence_summary FOR EACH ROW WHEN ((old.of_record) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_summary_ad()"),
    ('tally_evidence_ai', 'case_code_evidence',
     "CREATE TRIGGER tally_evidence_ai AFTER INSERT ON case_code_evidence FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_evidence_ai()"),
    ('tally_evidence_au', 'case_code_evidence',
     "CREATE TRIGGER tally_evidence_au AFTER UPDATE ON case_code_evidence FOR EACH ROW WHEN ((((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END))) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_evidence_au()"),
    ('tally_evidence_ad', 'case_code_evidence',
     "CREATE TRIGGER tally_evidence_ad AFTER DELETE ON case_code_evidence FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_evidence_ad()"),
    ('tally_projects_ad', 'projects',
     "CREATE TRIGGER tally_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_projects_ad()"),
    ('tally_keys_evidence_ai', 'case_code_evidence',
     "CREATE TRIGGER tally_keys_evidence_ai AFTER INSERT ON case_code_evidence FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_keys_evidence_ai()"),
    ('tally_keys_evidence_au', 'case_code_evidence',
     "CREATE TRIGGER tally_keys_evidence_au AFTER UPDATE ON case_code_evidence FOR EACH ROW WHEN ((((CASE WHEN old.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN old.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN old.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN old.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN old.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN old.system_nuances > 0 THEN 32 ELSE 0 END)) <> ((CASE WHEN new.family_supports > 0 THEN 1 ELSE 0 END) + (CASE WHEN new.family_contradicts > 0 THEN 2 ELSE 0 END) + (CASE WHEN new.family_nuances > 0 THEN 4 ELSE 0 END) + (CASE WHEN new.system_supports > 0 THEN 8 ELSE 0 END) + (CASE WHEN new.system_contradicts > 0 THEN 16 ELSE 0 END) + (CASE WHEN new.system_nuances > 0 THEN 32 ELSE 0 END))) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_keys_evidence_au()"),
    ('tally_keys_evidence_ad', 'case_code_evidence',
     "CREATE TRIGGER tally_keys_evidence_ad AFTER DELETE ON case_code_evidence FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION tally_keys_evidence_ad()"),
    ('case_sources_links_ai', 'source_cases',
     "CREATE TRIGGER case_sources_links_ai AFTER INSERT ON source_cases FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION case_sources_links_ai()"),
    ('case_sources_links_ad', 'source_cases',
     "CREATE TRIGGER case_sources_links_ad AFTER DELETE ON source_cases FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION case_sources_links_ad()"),
    ('case_sources_links_au', 'source_cases',
     "CREATE TRIGGER case_sources_links_au AFTER UPDATE ON source_cases FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION case_sources_links_au()"),
    ('case_sources_sources_au', 'sources',
     "CREATE TRIGGER case_sources_sources_au AFTER UPDATE OF perspective ON sources FOR EACH ROW WHEN ((old.perspective <> new.perspective) AND current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION case_sources_sources_au()"),
    ('case_sources_cases_ad', 'cases',
     "CREATE TRIGGER case_sources_cases_ad AFTER DELETE ON cases FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION case_sources_cases_ad()"),
    ('case_sources_projects_ad', 'projects',
     "CREATE TRIGGER case_sources_projects_ad AFTER DELETE ON projects FOR EACH ROW WHEN (current_setting('casecoder.derived_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION case_sources_projects_ad()"),
]


def _without_pause(sql: str) -> str:
    """The statement as it was before this revision: the pause test taken out of its WHEN."""
    if f" WHEN ({NOT_PAUSED}) " in sql:
        return sql.replace(f" WHEN ({NOT_PAUSED}) ", " ")
    return sql.replace(" WHEN ((", " WHEN (", 1).replace(f") AND {NOT_PAUSED}) ", ") ", 1)


def _recreate(new: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, sql in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(sql if new else _without_pause(sql))


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
