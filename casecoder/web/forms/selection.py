"""Forms of the selection blueprint: the register upload and the selection criteria (the rules themselves
live in coding/registrations.py, kernel/selection_criteria.py and analysis/selection.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField


class RegistrationsForm(FlaskForm):
    file = FileField(_l("Register (.csv)"), validators=[
        FileRequired(_l("Choose a .csv file.")), FileAllowed(["csv", "txt"], _l("The register must be a .csv file."))])


class CriteriaForm(FlaskForm):
    """The criteria shown on the selection page, posted to save them or to create cases from them."""
    min_weeks = HiddenField()
    require_not_employed = HiddenField()
    window_from = HiddenField()
    window_to = HiddenField()
