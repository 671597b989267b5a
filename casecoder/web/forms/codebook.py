"""Forms of the codebook blueprint: a code's fields (new or edited), deleting or merging a code, and the
one-button actions (move up/down, archive) that carry only the CSRF token. The memo form is shared
(forms/__init__.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired


class DeleteCodeForm(FlaskForm):
    merge_into = SelectField(_l("Merge its codings into"), coerce=str)
    confirm = BooleanField(_l("I understand this cannot be undone"), validators=[DataRequired()])


class CodeForm(FlaskForm):
    """A code's fields; the rules are the domain's (coding/codebook_edit.py), its messages land on the field."""
    key = StringField(_l("Key"))
    label_da = StringField(_l("Label (Danish)"))
    label_en = StringField(_l("Label (English)"))
    parent = SelectField(_l("Parent"), coerce=str, validate_choice=False)
    kind = SelectField(_l("Kind"), coerce=str, validate_choice=False)
    color = StringField(_l("Colour"))
    description_da = TextAreaField(_l("Description (Danish)"))
    description_en = TextAreaField(_l("Description (English)"))
    include_da = TextAreaField(_l("Code when (Danish)"))
    include_en = TextAreaField(_l("Code when (English)"))
    exclude_da = TextAreaField(_l("Do not code when (Danish)"))
    exclude_en = TextAreaField(_l("Do not code when (English)"))


class ActionForm(FlaskForm):
    """A button that changes one thing (move up, move down, archive): only the CSRF token."""
