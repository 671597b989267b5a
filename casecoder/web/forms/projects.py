"""Forms of the projects blueprint: a new project, adding, changing and removing a member (the memo form is
shared: forms/__init__.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from casecoder.web.labels import ROLE_LABELS


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Short name (slug)"), validators=[Optional(), Length(max=63)])  # empty: from the title
    codebook = SelectField(_l("Codebook"))
    description = TextAreaField(_l("Description"))


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in ROLE_LABELS.items()]


class MemberForm(FlaskForm):
    """Add a member (or give an existing one a new role); *coder* is offered first."""
    username = StringField(_l("User name"), validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=_role_choices(), default="coder")


class MemberRoleForm(FlaskForm):
    """A member's new role (one small form per row of the members table)."""
    role = SelectField(_l("Role"), choices=_role_choices())


class RemoveMemberForm(FlaskForm):
    """Take a member out of the project (only the CSRF token; the page asks first)."""
