"""audit_events: indexes on (user_id, project_id, id) and (entity, project_id, id) for the audit log page (#25)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03

The log page offers the users and kinds that occur in a project's log and filters and pages by user. On
the large benchmark project (485,000 events) each of those read the whole table (SQLite scanned it for
every DISTINCT and for a user's count and page: 60-75 ms each). With these the distinct values are one
index probe each (a loose index scan) and a user's events come from the index in id order. The project
is not their first column: SQLite would take them for the unfiltered log too and sort every event for a
page, where ix_audit_events_project_id gives them in id order.
"""
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_events_project_user', 'audit_events', ['user_id', 'project_id', 'id'], unique=False)
    op.create_index('ix_audit_events_project_entity', 'audit_events', ['entity', 'project_id', 'id'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        # a database with planner statistics gets them for the new index too (as in 0022): SQLite takes
        # an index without statistics as selective
        op.execute('ANALYZE audit_events')


def downgrade() -> None:
    op.drop_index('ix_audit_events_project_entity', table_name='audit_events')
    op.drop_index('ix_audit_events_project_user', table_name='audit_events')
