"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23

The audit table gets triggers that refuse UPDATE and DELETE (append-only).
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# Frozen DDL: the text as it was when this revision was written, copied here so that later changes
# to casecoder/models/ never change what this migration does.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
]


def upgrade() -> None:
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('codebook_name', sa.String(length=100), nullable=True),
    sa.Column('codebook_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('slug', name=op.f('uq_projects_slug'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('attribute_definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('type', sa.Enum('text', 'integer', 'number', 'boolean', 'date', name='attribute_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_attribute_definitions_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attribute_definitions')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_attribute_definitions_project_id_name'))
    )
    with op.batch_alter_table('attribute_definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attribute_definitions_project_id'), ['project_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_project_id'), ['project_id'], unique=False)
    triggers = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}
    for sql in triggers.get(op.get_bind().dialect.name, []):
        op.execute(sql)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_cases_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('project_id', 'key', name=op.f('uq_cases_project_id_key'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_municipality'), ['municipality'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_project_id'), ['project_id'], unique=False)

    op.create_table('codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('hypothesis', 'mechanism', 'condition', 'statement', 'event', 'barrier', 'theme', name='code_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('label_da', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('description_da', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('include_da', sa.Text(), nullable=False),
    sa.Column('include_en', sa.Text(), nullable=False),
    sa.Column('exclude_da', sa.Text(), nullable=False),
    sa.Column('exclude_en', sa.Text(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=False),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('codable', sa.Boolean(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['codes.id'], name=op.f('fk_codes_parent_id_codes')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_codes_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codes')),
    sa.UniqueConstraint('project_id', 'key', name=op.f('uq_codes_project_id_key'))
    )
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_codes_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_codes_project_id'), ['project_id'], unique=False)

    op.create_table('interviewees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=False),
    sa.Column('perspective', sa.Enum('family', 'system', name='perspective', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_interviewees_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interviewees')),
    sa.UniqueConstraint('project_id', 'key', name=op.f('uq_interviewees_project_id_key'))
    )
    with op.batch_alter_table('interviewees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interviewees_project_id'), ['project_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('owner', 'coder', 'analyst', 'reader', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_memberships_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('project_id', 'user_id', name=op.f('uq_memberships_project_id_user_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('perspective', sa.Enum('family', 'system', name='perspective', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('mode', sa.Enum('visit', 'phone', name='interview_mode', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('interview_date', sa.Date(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sources_created_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_sources_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources'))
    )
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sources_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sources_sha256'), ['sha256'], unique=False)

    op.create_table('case_attributes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_int', sa.Integer(), nullable=True),
    sa.Column('value_number', sa.Numeric(asdecimal=False), nullable=True),
    sa.Column('value_bool', sa.Boolean(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_attributes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['definition_id'], ['attribute_definitions.id'], name=op.f('fk_case_attributes_definition_id_attribute_definitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_attributes')),
    sa.UniqueConstraint('case_id', 'definition_id', name=op.f('uq_case_attributes_case_id_definition_id'))
    )
    with op.batch_alter_table('case_attributes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_attributes_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_attributes_definition_id'), ['definition_id'], unique=False)

    op.create_table('code_relations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source_code_id', sa.Integer(), nullable=False),
    sa.Column('target_code_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Enum('leads_to', 'associated_with', name='relation_type', native_enum=False, create_constraint=True), nullable=False),
    sa.CheckConstraint('source_code_id <> target_code_id', name=op.f('ck_code_relations_no_self_loop')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_code_relations_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_code_id'], ['codes.id'], name=op.f('fk_code_relations_source_code_id_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_code_id'], ['codes.id'], name=op.f('fk_code_relations_target_code_id_codes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_relations')),
    sa.UniqueConstraint('source_code_id', 'target_code_id', 'type', name=op.f('uq_code_relations_source_code_id_target_code_id_type'))
    )
    with op.batch_alter_table('code_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_relations_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_code_relations_source_code_id'), ['source_code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_code_relations_target_code_id'), ['target_code_id'], unique=False)

    op.create_table('excerpts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('start_offset', sa.Integer(), nullable=False),
    sa.Column('end_offset', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start_offset >= 0 AND end_offset > start_offset', name=op.f('ck_excerpts_span')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_excerpts_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_excerpts_created_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_excerpts_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_excerpts_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_excerpts'))
    )
    with op.batch_alter_table('excerpts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excerpts_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_excerpts_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_excerpts_source_id'), ['source_id'], unique=False)

    op.create_table('source_cases',
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_source_cases_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_cases_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source_id', 'case_id', name=op.f('pk_source_cases'))
    )
    with op.batch_alter_table('source_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_cases_case_id'), ['case_id'], unique=False)

    op.create_table('source_interviewees',
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('interviewee_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interviewee_id'], ['interviewees.id'], name=op.f('fk_source_interviewees_interviewee_id_interviewees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_interviewees_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source_id', 'interviewee_id', name=op.f('pk_source_interviewees'))
    )
    with op.batch_alter_table('source_interviewees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_interviewees_interviewee_id'), ['interviewee_id'], unique=False)

    op.create_table('codings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('excerpt_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('supports', 'contradicts', 'nuances', name='direction', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_codings_code_id_codes')),
    sa.ForeignKeyConstraint(['coder_id'], ['users.id'], name=op.f('fk_codings_coder_id_users')),
    sa.ForeignKeyConstraint(['excerpt_id'], ['excerpts.id'], name=op.f('fk_codings_excerpt_id_excerpts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codings')),
    sa.UniqueConstraint('excerpt_id', 'code_id', 'coder_id', name=op.f('uq_codings_excerpt_id_code_id_coder_id'))
    )
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_codings_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_codings_coder_id'), ['coder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_codings_excerpt_id'), ['excerpt_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_codings_excerpt_id'))
        batch_op.drop_index(batch_op.f('ix_codings_coder_id'))
        batch_op.drop_index(batch_op.f('ix_codings_code_id'))

    op.drop_table('codings')
    with op.batch_alter_table('source_interviewees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_interviewees_interviewee_id'))

    op.drop_table('source_interviewees')
    with op.batch_alter_table('source_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_cases_case_id'))

    op.drop_table('source_cases')
    with op.batch_alter_table('excerpts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_excerpts_source_id'))
        batch_op.drop_index(batch_op.f('ix_excerpts_project_id'))
        batch_op.drop_index(batch_op.f('ix_excerpts_case_id'))

    op.drop_table('excerpts')
    with op.batch_alter_table('code_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_relations_target_code_id'))
        batch_op.drop_index(batch_op.f('ix_code_relations_source_code_id'))
        batch_op.drop_index(batch_op.f('ix_code_relations_project_id'))

    op.drop_table('code_relations')
    with op.batch_alter_table('case_attributes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_attributes_definition_id'))
        batch_op.drop_index(batch_op.f('ix_case_attributes_case_id'))

    op.drop_table('case_attributes')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sources_sha256'))
        batch_op.drop_index(batch_op.f('ix_sources_project_id'))

    op.drop_table('sources')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_project_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('interviewees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interviewees_project_id'))

    op.drop_table('interviewees')
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_codes_project_id'))
        batch_op.drop_index(batch_op.f('ix_codes_parent_id'))

    op.drop_table('codes')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_project_id'))
        batch_op.drop_index(batch_op.f('ix_cases_municipality'))

    op.drop_table('cases')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_project_id'))

    op.drop_table('audit_events')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table('attribute_definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attribute_definitions_project_id'))

    op.drop_table('attribute_definitions')
    op.drop_table('users')
    op.drop_table('projects')
