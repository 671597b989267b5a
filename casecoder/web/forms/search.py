"""The search page's form: the words and the filters (read from the query string, no CSRF: it changes nothing)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from casecoder.web.labels import LABELS

_SPECIAL = re.compile("[&<>'\"]")

CODED_CHOICES = [SelectChoice("", _l("(all hits)")), SelectChoice("coded", _l("coded")),
                 SelectChoice("uncoded", _l("not coded"))]


def _escape(text: str) -> str:
    """markupsafe's escape as a plain string (the same five characters, the same entities)."""
    if not _SPECIAL.search(text):
        return text
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


class ManyOptions(Select):
    """WTForms' select writing the same HTML in one pass: a project's thousand cases through
    ``html_params`` and a Markup per option cost a third of the search page."""

    def __call__(self, field, **kwargs):  # type: ignore[no-untyped-def]
        if self.multiple or kwargs or field.has_groups() or getattr(field.flags, "required", False) \
                or getattr(field.flags, "disabled", False):
            return super().__call__(field, **kwargs)
        options = []
        for choice in field._iter_choices_normalized():
            if choice.render_kw or not isinstance(choice.value, str):
                options.append(str(self.render_option(choice)))
                continue
            selected = "selected " if choice.selected else ""
            options.append(f'<option {selected}value="{_escape(choice.value)}">'
                           f'{_escape(str(choice.label or choice.value))}</option>')
        return Markup(f'<select id="{_escape(field.id)}" name="{_escape(field.name)}">{"".join(options)}</select>')


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
