"""registrations and selection criteria

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

The project's register (one row per adult; casecoder/coding/registrations.py) and the saved
criteria that select success cases from it (casecoder/analysis/selection.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('adult_id', sa.String(length=64), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('employed_at_entry', sa.Boolean(), nullable=False),
    sa.Column('employment_weeks', sa.Integer(), nullable=False),
    sa.Column('last_registration', sa.Date(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_registrations_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('project_id', 'adult_id', name=op.f('uq_registrations_project_id_adult_id'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_project_id'), ['project_id'], unique=False)

    op.create_table('selection_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('min_weeks', sa.Integer(), nullable=False),
    sa.Column('require_not_employed', sa.Boolean(), nullable=False),
    sa.Column('window_from', sa.Date(), nullable=False),
    sa.Column('window_to', sa.Date(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_selection_criteria_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_selection_criteria_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_criteria')),
    sa.UniqueConstraint('project_id', name=op.f('uq_selection_criteria_project_id'))
    )


def downgrade() -> None:
    op.drop_table('selection_criteria')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_project_id'))

    op.drop_table('registrations')
