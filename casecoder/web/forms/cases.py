"""Forms of the cases blueprint: a case (key, municipality, a field per attribute of the project, a new
attribute), the cases list's filter, an interviewee, and the delete confirmations."""
from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from casecoder.models import AttributeDefinition, AttributeType
from casecoder.web.labels import LABELS

TYPE_LABELS = {AttributeType.INTEGER: _l("integer (whole number)"), AttributeType.NUMBER: _l("number (decimals)"),
               AttributeType.BOOLEAN: _l("yes/no"), AttributeType.DATE: _l("date"), AttributeType.TEXT: _l("text")}
YES_NO = [SelectChoice("", "—"), SelectChoice("yes", _l("yes")), SelectChoice("no", _l("no"))]


class CaseForm(FlaskForm):
    """The fixed fields; ``case_form`` adds ``attr_<id>`` for each attribute of the project."""
    key = StringField(_l("Case key"))
    municipality = StringField(_l("Municipality"))
    new_name = StringField(_l("New attribute: name"))
    new_type = SelectField(_l("Type"), default=AttributeType.TEXT.value,
                           choices=[SelectChoice(t.value, text) for t, text in TYPE_LABELS.items()])
    new_value = StringField(_l("Value for this case"))

    definitions: Sequence[AttributeDefinition] = ()

    def attribute_fields(self) -> list[tuple[AttributeDefinition, Any]]:
        """(definition, field) for each attribute of the project, in their order."""
        return [(d, self[f"attr_{d.id}"]) for d in self.definitions]

    def attribute_values(self) -> dict[int, str]:
        return {d.id: field.data or "" for d, field in self.attribute_fields()}

    def new_attribute(self) -> tuple[str, str, str]:
        return self.new_name.data or "", self.new_type.data or "", self.new_value.data or ""


def case_form(definitions: Sequence[AttributeDefinition], values: dict[int, Any] | None = None,
              **data: Any) -> CaseForm:
    """A CaseForm with a field per attribute (typed input hints; every value is checked by the core), filled from
    the request on POST, else from ``data`` and ``values`` (definition id -> stored value)."""
    fields: dict[str, Any] = {}
    for d in definitions:
        name = f"{d.name} ({TYPE_LABELS[d.type]})"
        fields[f"attr_{d.id}"] = SelectField(name, choices=YES_NO, validate_choice=False) \
            if d.type is AttributeType.BOOLEAN else StringField(name)
    class ProjectCaseForm(CaseForm):
        pass

    for name_, field in fields.items():
        setattr(ProjectCaseForm, name_, field)
    ProjectCaseForm.definitions = tuple(definitions)
    for d in definitions:
        if values and values.get(d.id) is not None:
            data[f"attr_{d.id}"] = shown(values[d.id])
    form: CaseForm = ProjectCaseForm(data=data)
    return form


def shown(value: Any) -> str:
    """A stored attribute value as it is typed in a form (yes/no, YYYY-MM-DD, 2.5, 3)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


INPUT = {AttributeType.INTEGER: {"inputmode": "numeric"}, AttributeType.NUMBER: {"inputmode": "decimal"},
         AttributeType.DATE: {"type": "date"}, AttributeType.BOOLEAN: {}, AttributeType.TEXT: {}}


class CaseFilterForm(Form):
    """The cases list's filter and sort (a GET form: no CSRF)."""
    municipality = SelectField(_l("Municipality"), validate_choice=False)
    q = StringField(_l("Key contains"))
    sort = StringField()
    desc = StringField()


class IntervieweeForm(FlaskForm):
    key = StringField(_l("Interviewee key"))
    role = StringField(_l("Role"))
    perspective = SelectField(_l("Perspective"), choices=[SelectChoice("system", LABELS["system"]),
                                                          SelectChoice("family", LABELS["family"])],
                              validate_choice=False)
    municipality = StringField(_l("Municipality (optional)"))


class ConfirmForm(FlaskForm):
    """A delete's confirmation: the CSRF token is all it carries."""
