"""Forms of the transcripts blueprint: the upload (page and one-file API) and editing a transcript's text."""
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


class TranscriptUploadForm(TranscriptForm):
    """One file of a batch sent by the page's script (static/upload.js); ``batch`` is "1" when the batch has
    several files (each then takes its file name as title)."""
    batch = HiddenField()


class TranscriptTextForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[DataRequired()])
