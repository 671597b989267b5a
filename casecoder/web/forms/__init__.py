"""Flask-WTF forms. Labels are lazy-translated; rules that need no database live in kernel/validate.py."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    MultipleFileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from casecoder.web.labels import ROLE_LABELS


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10)])
    repeat = PasswordField(_l("Repeat new password"), validators=[EqualTo("new", message=_l("The passwords differ"))])


class LanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Short name (slug)"), validators=[DataRequired(), Length(max=63)])
    codebook = SelectField(_l("Codebook"))
    description = TextAreaField(_l("Description"))


class MemberForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()])


class DeleteCodeForm(FlaskForm):
    merge_into = SelectField(_l("Merge its codings into"), coerce=str)
    confirm = BooleanField(_l("I understand this cannot be undone"), validators=[DataRequired()])


class TranscriptForm(FlaskForm):
    """Metadata given once for every file of an upload batch."""
    title = StringField(_l("Title (empty: the file name)"), validators=[Length(max=300)])
    perspective = SelectField(_l("Perspective"), validators=[DataRequired()])
    cases = SelectMultipleField(_l("Cases"), coerce=int)
    interviewees = SelectMultipleField(_l("Interviewees"), coerce=int)
    mode = SelectField(_l("Interview"), default="")
    interview_date = DateField(_l("Date"), validators=[Optional()])
    allow_duplicate = BooleanField(_l("Import a file even if it was imported before"))
    files = MultipleFileField(_l("Files (.txt, .docx, .odt, .pdf, .rtf)"))


class TranscriptTextForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[DataRequired()])


class MemoForm(FlaskForm):
    memo = TextAreaField(_l("Memo"))
