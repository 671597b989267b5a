"""excerpt memos: each coder's own memo on an excerpt (excerpt_memos), replacing excerpts.memo

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

The one shared excerpts.memo let a coder overwrite another's memo. Each non-empty memo moves to
excerpt_memos, attributed to the excerpt's creator (an excerpt without a creator keeps its memo under
the project's first owner; with no owner either, under the lowest user id), then the column goes.
The downgrade puts back one memo per excerpt: its creator's, else the first coder's that has one.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

MOVE = """
INSERT INTO excerpt_memos (excerpt_id, user_id, text, updated_at)
SELECT e.id, COALESCE(e.created_by_id,
                      (SELECT min(m.user_id) FROM memberships m WHERE m.project_id = e.project_id AND m.role = 'owner'),
                      (SELECT min(u.id) FROM users u)),
       e.memo, e.updated_at
FROM excerpts e
WHERE e.memo <> '' AND COALESCE(e.created_by_id, (SELECT min(u.id) FROM users u)) IS NOT NULL
"""

BACK = """
UPDATE excerpts SET memo = COALESCE(
    (SELECT m.text FROM excerpt_memos m WHERE m.excerpt_id = excerpts.id AND m.user_id = excerpts.created_by_id),
    (SELECT m.text FROM excerpt_memos m WHERE m.excerpt_id = excerpts.id ORDER BY m.user_id LIMIT 1), '')
"""


def upgrade() -> None:
    op.create_table('excerpt_memos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('excerpt_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['excerpt_id'], ['excerpts.id'], name=op.f('fk_excerpt_memos_excerpt_id_excerpts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_excerpt_memos_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_excerpt_memos')),
    sa.UniqueConstraint('excerpt_id', 'user_id', name=op.f('uq_excerpt_memos_excerpt_id_user_id'))
    )
    with op.batch_alter_table('excerpt_memos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excerpt_memos_excerpt_id'), ['excerpt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_excerpt_memos_user_id'), ['user_id'], unique=False)
    op.execute(MOVE)
    op.drop_column('excerpts', 'memo')  # SQLite 3.35+: a plain DROP COLUMN keeps the triggers on excerpts


def downgrade() -> None:
    op.add_column('excerpts', sa.Column('memo', sa.Text(), nullable=False, server_default=''))
    op.execute(BACK)
    with op.batch_alter_table('excerpt_memos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_excerpt_memos_user_id'))
        batch_op.drop_index(batch_op.f('ix_excerpt_memos_excerpt_id'))
    op.drop_table('excerpt_memos')
