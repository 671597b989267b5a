"""statement chains

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('scope', sa.Enum('family', 'system', 'pooled', name='chain_scope', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_chains_created_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_chains_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chains')),
    sa.UniqueConstraint('project_id', 'title', name=op.f('uq_chains_project_id_title'))
    )
    with op.batch_alter_table('chains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chains_project_id'), ['project_id'], unique=False)

    op.create_table('chain_nodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('arrow', sa.Enum('both-and', 'and-or', name='arrow', native_enum=False, create_constraint=True), nullable=True),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_chain_nodes_chain_id_chains'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_chain_nodes_code_id_codes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_nodes')),
    sa.UniqueConstraint('chain_id', 'position', name=op.f('uq_chain_nodes_chain_id_position'))
    )
    with op.batch_alter_table('chain_nodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_nodes_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chain_nodes_code_id'), ['code_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('chain_nodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_nodes_code_id'))
        batch_op.drop_index(batch_op.f('ix_chain_nodes_chain_id'))

    op.drop_table('chain_nodes')
    with op.batch_alter_table('chains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chains_project_id'))

    op.drop_table('chains')
