"""sources: ix_sources_project_title on (project_id, title, id), the transcripts' order itself (#25)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06

The excerpt list, the project page and the upload form read a project's transcripts by ``ORDER BY title,
id``. On PostgreSQL the index on (project_id, title) left the id to the table and the order to a sort, which
compares titles by the database's collation: 5-10 ms for 3,000 transcripts. With the id in the index the
ids and titles come from it alone (an index-only scan), already in order: 0.6 ms. SQLite's index already
ends with the rowid (the id); it is made the same way there, so that both schemas are the models'.
"""
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def _analyze_sqlite() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        op.execute('ANALYZE sources')  # planner statistics for the new index too, as 0022 did


def upgrade() -> None:
    op.drop_index('ix_sources_project_title', table_name='sources')
    op.create_index('ix_sources_project_title', 'sources', ['project_id', 'title', 'id'], unique=False)
    _analyze_sqlite()


def downgrade() -> None:
    op.drop_index('ix_sources_project_title', table_name='sources')
    op.create_index('ix_sources_project_title', 'sources', ['project_id', 'title'], unique=False)
    _analyze_sqlite()
