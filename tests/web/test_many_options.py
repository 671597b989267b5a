"""forms.ManyOptions writes the same HTML as WTForms' own select (single and multiple, with attributes, selected
options, characters to escape, integer values, lazy labels and render_kw falling back to WTForms)."""
from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Form, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from casecoder.web.forms import ManyOptions

CHOICES = [SelectChoice("", "—"), SelectChoice(1, "F0001 (Nordby)"), SelectChoice(2, 'A & B <"x"> \'y\''),
           SelectChoice("a&b", ""), SelectChoice(3, Markup("<b>bold</b>")), SelectChoice(4, _l("Cases")),
           SelectChoice(5, "with kw", render_kw={"disabled": True}), SelectChoice(True, "yes")]


def pair(multiple: bool, **field_kw):  # type: ignore[no-untyped-def]
    base = SelectMultipleField if multiple else SelectField

    class Plain(Form):
        f = base("F", validate_choice=False, **field_kw)

    class Quick(Form):
        f = base("F", validate_choice=False, widget=ManyOptions(multiple=multiple), **field_kw)

    return Plain(), Quick()


@pytest.mark.parametrize("multiple", [False, True])
@pytest.mark.parametrize("data", [None, 1, "a&b", [1, 2]])
@pytest.mark.parametrize("kwargs", [{}, {"size": 6}, {"class_": "wide", "data_x": 'q"q'}])
def test_same_html_as_wtforms(multiple, data, kwargs):  # type: ignore[no-untyped-def]
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        for required in (False, True):
            plain, quick = pair(multiple, validators=[DataRequired()] if required else [])
            for form in (plain, quick):
                form.f.choices = CHOICES
                form.f.data = data if not multiple else (data if isinstance(data, list) else [data])
            assert str(quick.f(**kwargs)) == str(plain.f(**kwargs))


def test_groups_are_wtforms_own():  # type: ignore[no-untyped-def]
    plain, quick = pair(False)
    for form in (plain, quick):
        form.f.choices = {"G1": [("1", "one")], "G2": [("2", "two")]}
    assert str(quick.f()) == str(plain.f()) and "<optgroup" in str(quick.f())
