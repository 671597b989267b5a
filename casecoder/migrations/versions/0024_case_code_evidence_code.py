"""case_code_evidence: an index on (project_id, code_id) for the rows of some codes (#25)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03

A saved chain, the statement graph and the hypothesis overview read the occurrences of their own codes
(4, 18 and 13 of 54 on the large benchmark project) from case_code_evidence, whose primary key leads with
the case: PostgreSQL scanned all 45,400 rows for a chain's 2,800 (90 ms on a loaded machine, 4 ms with
this index), SQLite probed the key once per case and code (chain 4.8 -> 2.2 ms, statement graph 15.5 ->
9.2 ms CPU). SQLite's grouped reads of every code (the tally with case keys) come from it in code order
without sorting (33 -> 26 ms).
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_case_code_evidence_code', 'case_code_evidence', ['project_id', 'code_id'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        # a database with planner statistics gets them for the new index too (as in 0022): SQLite takes
        # an index without statistics as selective
        op.execute('ANALYZE case_code_evidence')


def downgrade() -> None:
    op.drop_index('ix_case_code_evidence_code', table_name='case_code_evidence')
