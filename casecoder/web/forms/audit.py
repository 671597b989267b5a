"""The audit log's filter (read from the query string, no CSRF: it changes nothing)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError


class AuditFilterForm(FlaskForm):
    """Who, which kind, from and to which date (inclusive). The view sets the choices."""

    class Meta:
        csrf = False

    user = SelectField(_l("Who"), default="", validate_choice=True)
    kind = SelectField(_l("Kind"), default="", validate_choice=True)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field: Any) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
