"""excerpt versions and failed logins

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

``excerpts.version`` counts saves of an excerpt; a save that names an older version is refused as a
conflict instead of silently overwriting another coder's change. Added in place with a server
default, so existing excerpts start at 1. ``login_failures`` keeps recent failed logins per user
name and address, so that every worker of a team server sees the same rate limit.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('excerpts', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    op.create_index('ix_login_failures_username_at', 'login_failures', ['username', 'at'], unique=False)
    op.create_index('ix_login_failures_remote_addr_at', 'login_failures', ['remote_addr', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_failures_remote_addr_at', table_name='login_failures')
    op.drop_index('ix_login_failures_username_at', table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_column('excerpts', 'version')
