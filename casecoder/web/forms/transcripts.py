"""Forms of the transcripts blueprint: the upload (page and one-file API), editing a transcript's text, its
properties, and deleting it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from casecoder.web.forms import ManyOptions


class SourceFieldsForm(FlaskForm):
    """A transcript's perspective, cases, interviewees, mode and date (the view fills the choices). A case or
    interviewee id that is not the project's is answered with 404 by the view, so choices are not checked here."""
    perspective = SelectField(_l("Perspective"), validators=[DataRequired()])
    cases = SelectMultipleField(_l("Cases"), coerce=int, validate_choice=False, widget=ManyOptions(multiple=True))
    interviewees = SelectMultipleField(_l("Interviewees"), coerce=int, validate_choice=False,
                                       widget=ManyOptions(multiple=True))
    mode = SelectField(_l("Interview"), default="")
    interview_date = DateField(_l("Date"), validators=[Optional()])


class TranscriptForm(SourceFieldsForm):
    """Metadata given once for every file of an upload batch, and optionally a new case and a new interviewee
    (created in the same request and attached)."""
    title = StringField(_l("Title (empty: the file name)"), validators=[Length(max=300)])
    allow_duplicate = BooleanField(_l("Import a file even if it was imported before"))
    files = MultipleFileField(_l("Files (.txt, .docx, .odt, .pdf, .rtf)"))
    new_case_key = StringField(_l("New case: key"), validators=[Length(max=32)])
    new_case_municipality = StringField(_l("New case: municipality"), validators=[Length(max=100)])
    new_interviewee_key = StringField(_l("New interviewee: key"), validators=[Length(max=64)])
    new_interviewee_role = StringField(_l("New interviewee: role"), validators=[Length(max=64)])
    new_interviewee_perspective = SelectField(_l("New interviewee: perspective"), default="")


class TranscriptUploadForm(TranscriptForm):
    """One file of a batch sent by the page's script (static/upload.js); ``batch`` is "1" when the batch has
    several files (each then takes its file name as title)."""
    batch = HiddenField()


class TranscriptTextForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[DataRequired()])


class SourcePropertiesForm(SourceFieldsForm):
    """A transcript's properties, changed after import."""
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])


class DeleteSourceForm(FlaskForm):
    """Deleting a transcript: the CSRF token only (the page asks first, with the counts)."""
