"""Forms of the codebook blueprint: deleting or merging a code (the memo form is shared: forms/__init__.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired


class DeleteCodeForm(FlaskForm):
    merge_into = SelectField(_l("Merge its codings into"), coerce=str)
    confirm = BooleanField(_l("I understand this cannot be undone"), validators=[DataRequired()])
