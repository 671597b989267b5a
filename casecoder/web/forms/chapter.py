"""Forms of the chapter page (web/chapter.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import TextAreaField


class NoteForm(FlaskForm):
    """The analysis note of a hypothesis or sub-mechanism."""
    note = TextAreaField(_l("Analysis note"))


class QuoteActionForm(FlaskForm):
    """CSRF only: the button says what happens to the quote (mark, remove, move up or down)."""


class TemplateForm(FlaskForm):
    """The organisation's Word template the chapter is written into."""
    template = FileField(_l("Word template (.docx)"), validators=[
        FileRequired(_l("Choose a .docx file.")), FileAllowed(["docx"], _l("The template must be a .docx file."))])
