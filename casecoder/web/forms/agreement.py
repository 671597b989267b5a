"""Forms of the agreement blueprint (double coding and reconciliation). The templates write the fields
by hand with these names; a form is read as posted (the rules are coding/double_coding.py's), and
CSRF is checked for every POST by the app."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField


class IdsField(Field):
    """Repeated whole numbers (checkbox values); anything else is ignored."""

    data: list[int]

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [int(v) for v in valuelist if isinstance(v, str) and v.isascii() and v.isdigit()]

    def _value(self) -> str:
        return ",".join(map(str, self.data or []))


class MarkForm(FlaskForm):
    """Put the ticked transcripts and every transcript of the ticked cases in double coding."""
    coder = IdsField(default=list)
    source = IdsField(default=list)
    case = IdsField(default=list)


class OpenForm(FlaskForm):
    """Open ("1", the default) or close ("0") a comparison."""
    opened = HiddenField(default="1")


class ReconcileForm(FlaskForm):
    """A decision on one case x code of the disagreement list; ``next`` is the page to return to."""
    case_id = IntegerField()
    code_id = IntegerField()
    decision = HiddenField(default="")
    coder = HiddenField(default="")
    note = HiddenField(default="")
    next = HiddenField(default="")
