"""evidence summary: distinct evidence per case, code, perspective, direction, coder, kept by triggers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

``evidence_summary`` holds what the counts need from codings x excerpts x sources, made distinct,
with ``n`` = the codings behind each row (docs/counting.md). Triggers on codings, excerpts,
sources and projects keep it exact (DDL in casecoder/models/summary.py, the same as create_all);
the table is filled here from the codings that already exist.
"""
from alembic import op
import sqlalchemy as sa

from casecoder.models.derived.summary import POSTGRES_DROP, POSTGRES_TRIGGERS, REBUILD, SQLITE_DROP, SQLITE_TRIGGERS


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_summary',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('perspective', sa.Enum('family', 'system', name='perspective', native_enum=False, create_constraint=True, length=6), nullable=False),
    sa.Column('direction', sa.Enum('supports', 'contradicts', 'nuances', name='direction', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('coder_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('of_record', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'case_id', 'code_id', 'perspective', 'direction', 'coder_id', 'of_record', name=op.f('pk_evidence_summary'))
    )
    op.create_index('ix_evidence_summary_coder', 'evidence_summary', ['project_id', 'coder_id', 'case_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(sql)
    op.execute(REBUILD.format(where=""))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, []):
        op.execute(sql)
    op.drop_index('ix_evidence_summary_coder', table_name='evidence_summary')
    op.drop_table('evidence_summary')
