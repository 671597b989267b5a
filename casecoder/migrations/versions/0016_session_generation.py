"""session generation: users.session_generation, part of the login id in the session cookie

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

Raised on logout, a password change and deactivation, it ends every session of the user: a cookie
carrying an older generation no longer logs anyone in (#22). Existing users start at 0.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_generation", sa.Integer(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    op.drop_column("users", "session_generation")  # SQLite 3.35+: a plain DROP COLUMN
