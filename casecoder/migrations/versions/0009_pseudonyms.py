"""pseudonymisation: key lists, detected hits, project setting

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

``pseudonym_keys`` is a project's key list (real name -> pseudonym; owners only, never exported
but by the owner's key export); ``pseudonym_hits`` holds what detection found in the sources and the
owner's decisions. ``projects.pseudonymised_only`` is added in place with a server default (false),
so existing projects keep exporting; rebuilding ``projects`` on SQLite would cascade deletes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('projects', sa.Column('pseudonymised_only', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('pseudonym_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('real', sa.String(length=200), nullable=False),
    sa.Column('pseudonym', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('name', 'place', 'institution', 'other', name='key_kind', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pseudonym_keys_created_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_pseudonym_keys_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pseudonym_keys')),
    sa.UniqueConstraint('project_id', 'real', name=op.f('uq_pseudonym_keys_project_id_real'))
    )
    op.create_index(op.f('ix_pseudonym_keys_project_id'), 'pseudonym_keys', ['project_id'], unique=False)
    op.create_table('pseudonym_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('start_offset', sa.Integer(), nullable=False),
    sa.Column('end_offset', sa.Integer(), nullable=False),
    sa.Column('found', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('cpr', 'phone', 'email', 'key', name='hit_kind', native_enum=False, create_constraint=True, length=5), nullable=False),
    sa.Column('replacement', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'rejected', 'applied', name='hit_status', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('key_entry_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_pseudonym_hits_decided_by_id_users')),
    sa.ForeignKeyConstraint(['key_entry_id'], ['pseudonym_keys.id'], name=op.f('fk_pseudonym_hits_key_entry_id_pseudonym_keys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_pseudonym_hits_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_pseudonym_hits_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pseudonym_hits'))
    )
    op.create_index(op.f('ix_pseudonym_hits_key_entry_id'), 'pseudonym_hits', ['key_entry_id'], unique=False)
    op.create_index(op.f('ix_pseudonym_hits_project_id'), 'pseudonym_hits', ['project_id'], unique=False)
    op.create_index(op.f('ix_pseudonym_hits_source_id'), 'pseudonym_hits', ['source_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pseudonym_hits_source_id'), table_name='pseudonym_hits')
    op.drop_index(op.f('ix_pseudonym_hits_project_id'), table_name='pseudonym_hits')
    op.drop_index(op.f('ix_pseudonym_hits_key_entry_id'), table_name='pseudonym_hits')
    op.drop_table('pseudonym_hits')
    op.drop_index(op.f('ix_pseudonym_keys_project_id'), table_name='pseudonym_keys')
    op.drop_table('pseudonym_keys')
    op.drop_column('projects', 'pseudonymised_only')  # SQLite >= 3.35 drops a column in place
