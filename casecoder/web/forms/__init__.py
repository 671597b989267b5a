"""Flask-WTF forms, one module per blueprint (``forms/projects.py`` for ``web/projects.py`` ...); this module
holds only what several blueprints share. Labels are lazy-translated; rules that need no database live in
kernel/validate.py."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms.widgets import Select, html_params

_SPECIAL = re.compile("[&<>'\"]")


def _escape(text: str) -> str:
    """markupsafe's escape as a plain string (the same five characters, the same entities)."""
    if not _SPECIAL.search(text):
        return text
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


class ManyOptions(Select):
    """WTForms' select (single or multiple) writing the same HTML in one pass: a project's thousand cases or
    two thousand interviewees through ``html_params`` and a Markup per option cost a third of the search
    page and most of the transcript upload and properties pages. Options whose value and label are plain
    strings or integers and that have no ``render_kw`` take the quick way; any other option, and grouped
    choices, WTForms' own."""

    def __call__(self, field, **kwargs):  # type: ignore[no-untyped-def]
        if field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        options = []
        for choice in field._iter_choices_normalized():
            value, label = choice.value, choice.label or choice.value
            if choice.render_kw or type(value) not in (str, int) or type(label) not in (str, int):
                options.append(str(self.render_option(choice)))  # Markup, lazy texts, booleans: WTForms' way
                continue
            selected = "selected " if choice.selected else ""
            options.append(f'<option {selected}value="{_escape(str(value))}">{_escape(str(label))}</option>')
        return Markup(f'<select {html_params(name=field.name, **kwargs)}>{"".join(options)}</select>')


class MemoForm(FlaskForm):
    """The memo of a code (codebook) or a case (projects)."""
    memo = TextAreaField(_l("Memo"))
