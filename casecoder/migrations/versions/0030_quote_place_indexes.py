"""excerpts: a covering index of each excerpt's place; evidence_summary: an index of the set-aside rows (#25)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04

The report chapter page's other quotes (``analysis/quotes.first_quotes``) read, for each coding of the
hypothesis's sub-mechanisms (11,300 on the large benchmark project), its excerpt's case, source and start.
The excerpt rows hold the text, so each was a lookup of a table page; ``ix_excerpts_id_place`` holds those
columns by id (on the large project 4 MB against the table's 29 MB on SQLite, 7.6 against 31 MB on PostgreSQL),
so the same values come from the index (SQLite: a covering index; PostgreSQL: index-only scans).

``ix_evidence_summary_set_aside`` holds only the rows of set-aside codings (``of_record`` false, rare: a
reconciliation's), so "has any coding of these codes been set aside?" is one probe instead of a scan of every
row of the project (100,000 on the large project).
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_excerpts_id_place', 'excerpts',
                    ['id', 'project_id', 'case_id', 'source_id', 'start_offset'], unique=False)
    op.create_index('ix_evidence_summary_set_aside', 'evidence_summary', ['project_id', 'code_id'], unique=False,
                    sqlite_where=sa.text('of_record = 0'), postgresql_where=sa.text('of_record = false'))
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        # a database with planner statistics gets them for the new indexes too (as in 0022, 0023, 0026)
        op.execute('ANALYZE excerpts')
        op.execute('ANALYZE evidence_summary')


def downgrade() -> None:
    op.drop_index('ix_evidence_summary_set_aside', table_name='evidence_summary')
    op.drop_index('ix_excerpts_id_place', table_name='excerpts')
