"""codings: index on (code_id, excerpt_id, coder_id) in place of ix_codings_code_id (#25)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04

The excerpt list filtered by a code reads the excerpt ids of the code's codings (73,000 for the large
benchmark project's most used code). With the code alone indexed each of them was a row of codings read
for its excerpt id; ``ix_codings_code_excerpt`` holds the excerpt id itself, so the set (and the count)
comes from the index only, and with the coder the blind coder's own codings of the code too (her list
on blind transcripts). It covers every use of ix_codings_code_id (its first column), which goes.
"""
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_codings_code_excerpt', 'codings', ['code_id', 'excerpt_id', 'coder_id'], unique=False)
    op.drop_index('ix_codings_code_id', table_name='codings')
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        # a database with planner statistics gets them for the new index too (as in 0022, 0023)
        op.execute('ANALYZE codings')


def downgrade() -> None:
    op.create_index('ix_codings_code_id', 'codings', ['code_id'], unique=False)
    op.drop_index('ix_codings_code_excerpt', table_name='codings')
