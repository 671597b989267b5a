"""Forms of the chapter page (web/chapter.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class NoteForm(FlaskForm):
    """The analysis note of a hypothesis or sub-mechanism."""
    note = TextAreaField(_l("Analysis note"))


class QuoteActionForm(FlaskForm):
    """CSRF only: the button says what happens to the quote (mark, remove, move up or down)."""
