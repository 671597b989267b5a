"""sources: an index on (project_id, title) for the project's transcripts in title order (#25)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03

The excerpt list's transcript drop-down and its title order read every transcript's id and title; the
source rows hold the whole text, so without it SQLite reads a page of each row and sorts them (10 ms for
3,000 transcripts). With it the ids and titles come from the index, already in order.
"""
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sources_project_title', 'sources', ['project_id', 'title'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        # a database with planner statistics gets them for the new index too: without them SQLite takes
        # it as selective and prefers it to ix_sources_project_perspective, reading every transcript's row
        op.execute('ANALYZE sources')


def downgrade() -> None:
    op.drop_index('ix_sources_project_title', table_name='sources')
