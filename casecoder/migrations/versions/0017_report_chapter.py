"""report chapter: excerpts marked "use in the report" (report_quotes) and analysis notes per code

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

report_quotes names its excerpt by id without a foreign key (with the sha256 and start of the text it
was marked on), so a mark outlives a deleted excerpt and the chapter can say so (#24).
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('excerpt_id', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('preview', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_report_quotes_marked_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_report_quotes_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_quotes')),
    sa.UniqueConstraint('project_id', 'excerpt_id', name=op.f('uq_report_quotes_project_id_excerpt_id'))
    )
    with op.batch_alter_table('report_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_quotes_project_id'), ['project_id'], unique=False)
    op.create_table('analysis_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_analysis_notes_code_id_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_analysis_notes_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_notes')),
    sa.UniqueConstraint('code_id', name=op.f('uq_analysis_notes_code_id'))
    )


def downgrade() -> None:
    op.drop_table('analysis_notes')
    with op.batch_alter_table('report_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_quotes_project_id'))
    op.drop_table('report_quotes')
