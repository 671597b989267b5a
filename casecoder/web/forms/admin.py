"""Forms of the admin blueprint: a new user, a password reset, deactivate or reactivate a user."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

LANGUAGE_CHOICES = [SelectChoice("da", "Dansk"), SelectChoice("en", "English")]


class NewUserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[Length(max=200)])
    # Plain text: the administrator passes it on, and the page shows it once anyway.
    password = StringField(_l("Password (empty: make one)"), validators=[Optional()])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="da")
    is_admin = BooleanField(_l("Site administrator (creates users and projects)"))


class ResetPasswordForm(FlaskForm):
    password = StringField(_l("New password (empty: make one)"), validators=[Optional()])


class ActiveForm(FlaskForm):
    """Deactivate (``active`` = "0") or reactivate ("1") a user."""
    active = HiddenField(validators=[DataRequired()])
