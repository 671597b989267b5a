"""tally cells: code ancestry, evidence per case and code with its sub-codes, cases per evidence mix, case sources

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

The tally's numbers kept by triggers (casecoder/models/tally_cells.py, the same DDL as create_all):
``code_ancestry`` (the sub-code roll-up), ``case_code_evidence`` (per case and code, the evidence
rows of record per perspective x direction) and ``tally_cells`` (cases per code and evidence mask), ``tally_default`` (the six measures per code
for the default direction set).
All three are filled here from the codes and ``evidence_summary`` that already exist. Also
``case_sources`` (family and system sources per case, for the denominators; models/case_sources.py),
filled from the sources, and an index on sources (project, perspective) for the keyed tally.
"""
from alembic import op
import sqlalchemy as sa

from casecoder.models.derived import case_sources
from casecoder.models.derived.tally_cells import COLUMNS, DEFAULT_MEASURES, POSTGRES_DROP, POSTGRES_TRIGGERS, REBUILD, SQLITE_DROP, SQLITE_TRIGGERS


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


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
    triggers = {"sqlite": SQLITE_TRIGGERS + case_sources.SQLITE_TRIGGERS,
                "postgresql": POSTGRES_TRIGGERS + case_sources.POSTGRES_TRIGGERS}
    for sql in triggers.get(dialect, []):
        op.execute(sql)
    for sql in REBUILD:
        op.execute(sql.format(where="", plain=""))
    op.execute(case_sources.REBUILD.format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drops = {"sqlite": SQLITE_DROP + case_sources.SQLITE_DROP, "postgresql": POSTGRES_DROP + case_sources.POSTGRES_DROP}
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
