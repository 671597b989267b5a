"""Flask-WTF forms, one module per blueprint (``forms/projects.py`` for ``web/projects.py`` ...); this module
holds only what several blueprints share. Labels are lazy-translated; rules that need no database live in
kernel/validate.py."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class MemoForm(FlaskForm):
    """The memo of a code (codebook) or a case (projects)."""
    memo = TextAreaField(_l("Memo"))
