"""The search page's form: the words and the filters (read from the query string, no CSRF: it changes nothing)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.fields.choices import SelectChoice

from casecoder.web.forms import ManyOptions
from casecoder.web.labels import LABELS

CODED_CHOICES = [SelectChoice("", _l("(all hits)")), SelectChoice("coded", _l("coded")),
                 SelectChoice("uncoded", _l("not coded"))]


class SearchForm(FlaskForm):
    """Words and "phrases in quotation marks"; perspective, case and coded/uncoded. The view sets the cases."""

    class Meta:
        csrf = False

    q = SearchField(_l("Words"), description=_l('Put a phrase in quotation marks: "ringede tilbage"'))
    perspective = SelectField(_l("Perspective"), default="", validate_choice=True,
                              choices=[SelectChoice("", _l("(any)")), SelectChoice("family", LABELS["family"]),
                                       SelectChoice("system", LABELS["system"])])
    case = SelectField(_l("Case"), default="", validate_choice=True, widget=ManyOptions())
    coded = SelectField(_l("Coded"), default="", validate_choice=True, choices=CODED_CHOICES)
