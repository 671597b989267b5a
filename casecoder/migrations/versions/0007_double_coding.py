"""double coding and reconciliation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Sources in double coding with their coders (``double_codings``, ``double_coding_coders``), the
owner's reconciliation decisions (``reconciliations``) and ``codings.of_record``: the coding of
record that counts use (true unless a reconciliation accepted another coder's version). The column
is added in place with a server default, so existing codings stay of record; rebuilding ``codings``
is not needed.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('codings', sa.Column('of_record', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table('double_codings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('opened', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_double_codings_created_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_double_codings_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_double_codings_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_double_codings')),
    sa.UniqueConstraint('source_id', name=op.f('uq_double_codings_source_id'))
    )
    op.create_index(op.f('ix_double_codings_project_id'), 'double_codings', ['project_id'], unique=False)
    op.create_table('double_coding_coders',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['double_codings.id'], name=op.f('fk_double_coding_coders_assignment_id_double_codings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_double_coding_coders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment_id', 'user_id', name=op.f('pk_double_coding_coders'))
    )
    op.create_index(op.f('ix_double_coding_coders_user_id'), 'double_coding_coders', ['user_id'], unique=False)
    op.create_table('reconciliations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('accept', 'merge', 'note', name='decision', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('chosen_coder_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reconciliations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chosen_coder_id'], ['users.id'], name=op.f('fk_reconciliations_chosen_coder_id_users')),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_reconciliations_code_id_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_reconciliations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_reconciliations_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliations')),
    sa.UniqueConstraint('project_id', 'case_id', 'code_id', name=op.f('uq_reconciliations_project_id_case_id_code_id'))
    )
    op.create_index(op.f('ix_reconciliations_case_id'), 'reconciliations', ['case_id'], unique=False)
    op.create_index(op.f('ix_reconciliations_code_id'), 'reconciliations', ['code_id'], unique=False)
    op.create_index(op.f('ix_reconciliations_project_id'), 'reconciliations', ['project_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reconciliations_project_id'), table_name='reconciliations')
    op.drop_index(op.f('ix_reconciliations_code_id'), table_name='reconciliations')
    op.drop_index(op.f('ix_reconciliations_case_id'), table_name='reconciliations')
    op.drop_table('reconciliations')
    op.drop_index(op.f('ix_double_coding_coders_user_id'), table_name='double_coding_coders')
    op.drop_table('double_coding_coders')
    op.drop_index(op.f('ix_double_codings_project_id'), table_name='double_codings')
    op.drop_table('double_codings')
    op.drop_column('codings', 'of_record')  # SQLite >= 3.35 drops a column in place
