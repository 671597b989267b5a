"""Forms of the pseudonyms blueprint: a key list entry, deleting one, the "pseudonymised only" setting and the
review's decision buttons. The buttons without data (detect, apply) post ``ActionForm`` (CSRF only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from casecoder.web.labels import KIND_LABELS


class KeyForm(FlaskForm):
    entry_id = HiddenField()
    real = StringField(_l("Real name, place or institution"), validators=[DataRequired(), Length(max=200)])
    pseudonym = StringField(_l("Pseudonym"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])


class DeleteKeyForm(FlaskForm):
    """The delete button of one key list entry."""
    entry_id = HiddenField()


class ActionForm(FlaskForm):
    """CSRF only: the buttons say what to do."""


class SettingForm(FlaskForm):
    pseudonymised_only = BooleanField(_l("Pseudonymised only: refuse exports while hits await review"))


class DecideForm(FlaskForm):
    """The review page's buttons: ``accept``/``reject``/``undo`` carry a hit's id, ``all`` "accepted" or
    "rejected" for every pending hit; ``status`` and ``page`` say where to go back to."""
    status = HiddenField()
    page = HiddenField()
    all = HiddenField()
    accept = HiddenField()
    reject = HiddenField()
    undo = HiddenField()
