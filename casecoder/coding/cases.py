"""Cases with typed attributes, interviewees and sources (transcripts)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Mapping, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casecoder.coding import audit
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    CaseAttribute,
    Excerpt,
    Interviewee,
    InterviewMode,
    Perspective,
    Project,
    Source,
    User,
    source_interviewees,
)

T = TypeVar("T")

_COLUMN = {
    AttributeType.TEXT: "value_text",
    AttributeType.INTEGER: "value_int",
    AttributeType.NUMBER: "value_number",
    AttributeType.BOOLEAN: "value_bool",
    AttributeType.DATE: "value_date",
}


def create_case(session: Session, project: Project, key: str, municipality: str, memo: str = "") -> Case:
    key = validate.case_key(key)
    municipality = validate.title(municipality, N_("Municipality"), 100)
    if session.scalar(select(Case.id).where(Case.project_id == project.id, Case.key == key)) is not None:
        raise InvalidInput("Case '{key}' already exists in this project", "key", key=key)
    case = Case(project_id=project.id, key=key, municipality=municipality, memo=memo)
    session.add(case)
    session.flush()
    return case


def set_case_memo(case: Case, memo: str) -> None:
    case.memo = validate.memo(memo)


def define_attribute(session: Session, project: Project, name: str, type_: AttributeType | str) -> AttributeDefinition:
    type_ = validate.choice(AttributeType, type_, N_("Attribute type"))
    name = validate.code_key(name)
    found = session.scalar(select(AttributeDefinition).where(
        AttributeDefinition.project_id == project.id, AttributeDefinition.name == name))
    if found is not None:
        if found.type != type_:
            raise InvalidInput("Attribute '{name}' is already defined as {old}, not {new}", name=name,
                               old=found.type.value, new=type_.value)
        return found
    count = len(session.scalars(select(AttributeDefinition.id).where(
        AttributeDefinition.project_id == project.id)).all())
    definition = AttributeDefinition(project_id=project.id, name=name, type=type_, position=count)
    session.add(definition)
    session.flush()
    return definition


def set_attribute(session: Session, case: Case, definition: AttributeDefinition, value: object) -> CaseAttribute:
    parsed = validate.attribute_value(definition.type, value, definition.name)
    row = session.scalar(select(CaseAttribute).where(
        CaseAttribute.case_id == case.id, CaseAttribute.definition_id == definition.id))
    if row is None:
        row = CaseAttribute(case_id=case.id, definition_id=definition.id)
        session.add(row)
    for column in _COLUMN.values():
        setattr(row, column, None)
    setattr(row, _COLUMN[definition.type], parsed)
    session.flush()
    return row


def infer_attribute_type(value: object) -> AttributeType:
    if isinstance(value, bool):
        return AttributeType.BOOLEAN
    if isinstance(value, int):
        return AttributeType.INTEGER
    if isinstance(value, float):
        return AttributeType.NUMBER
    if isinstance(value, date):
        return AttributeType.DATE
    return AttributeType.TEXT


def create_interviewee(session: Session, project: Project, key: str, role: str,
                       perspective: Perspective | str, municipality: str = "") -> Interviewee:
    key = validate.code_key(key)
    if session.scalar(select(Interviewee.id).where(
            Interviewee.project_id == project.id, Interviewee.key == key)) is not None:
        raise InvalidInput("Interviewee '{key}' already exists in this project", "key", key=key)
    person = Interviewee(project_id=project.id, key=key, role=validate.title(role, N_("Role"), 64),
                         perspective=validate.choice(Perspective, perspective, N_("Perspective")),
                         municipality=municipality.strip())
    session.add(person)
    session.flush()
    return person


def create_source(session: Session, project: Project, *, title: str, text: str, perspective: Perspective | str,
                  cases: Iterable[Case] = (), interviewees: Iterable[Interviewee] = (),
                  mode: InterviewMode | str | None = None, interview_date: date | str | None = None,
                  original_filename: str = "", raw: bytes | None = None, created_by: User | None = None,
                  sha256: str | None = None) -> Source:
    """Store a transcript. ``sha256`` is of the original file bytes when given, else of the text."""
    if not text.strip():
        raise InvalidInput("The transcript '{name}' has no text", "text", name=original_filename or title)
    cases, interviewees = list(cases), list(interviewees)
    if any(item.project_id != project.id for item in cases) or any(
            item.project_id != project.id for item in interviewees):
        raise InvalidInput("Cases and interviewees of a source must belong to the same project")
    source = Source(
        project_id=project.id, title=validate.title(title, N_("Title"), 300), text=text,
        perspective=validate.choice(Perspective, perspective, N_("Perspective")),
        mode=validate.choice(InterviewMode, mode, N_("Mode")) if mode else None,
        interview_date=validate.iso_date(interview_date) if interview_date else None,
        original_filename=original_filename,
        sha256=sha256 or hashlib.sha256(raw if raw is not None else text.encode("utf-8")).hexdigest(),
        created_by_id=created_by.id if created_by else None,
        cases=cases, interviewees=interviewees,
    )
    session.add(source)
    session.flush()
    return source


# ---- editing in the browser (issue #20): audited create, update and delete of cases and interviewees ----

def _as(field: str, check: Callable[..., T], *args: Any) -> T:
    """``check(*args)``, its InvalidInput reported on ``field`` (the form field the user typed it in)."""
    try:
        return check(*args)
    except InvalidInput as exc:
        exc.field = field
        raise


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def case_snapshot(session: Session, case: Case) -> dict[str, Any]:
    """A case's fields for the audit log: key, municipality and its attribute values by name."""
    rows = session.execute(select(AttributeDefinition, CaseAttribute).join(
        CaseAttribute, CaseAttribute.definition_id == AttributeDefinition.id).where(
        CaseAttribute.case_id == case.id).order_by(AttributeDefinition.position, AttributeDefinition.id)).all()
    values = {d.name: _json(getattr(a, _COLUMN[d.type])) for d, a in rows}
    return {"key": case.key, "municipality": case.municipality,
            "attributes": {name: value for name, value in values.items() if value is not None}}


def _definitions(session: Session, project_id: int) -> dict[int, AttributeDefinition]:
    return {d.id: d for d in session.scalars(select(AttributeDefinition).where(
        AttributeDefinition.project_id == project_id))}


def _parse_values(definitions: dict[int, AttributeDefinition], values: Mapping[int, object]) -> dict[int, object]:
    """Attribute values typed in a form (definition id → text) parsed by their types; empty → None (cleared)."""
    parsed: dict[int, object] = {}
    for definition_id, raw in values.items():
        definition, field = definitions.get(definition_id), f"attr_{definition_id}"
        if definition is None:
            raise InvalidInput("Unknown attribute", field)
        text = raw.strip() if isinstance(raw, str) else raw
        parsed[definition_id] = None if text in ("", None) else _as(
            field, validate.attribute_value, definition.type, text, definition.name)
    return parsed


def _check_new_attribute(definitions: dict[int, AttributeDefinition],
                         new: tuple[str, AttributeType | str, object] | None) -> tuple[str, AttributeType, object] | None:
    """A new attribute (name, type, value typed) checked; None when no name was given."""
    if new is None or not str(new[0] or "").strip():
        return None
    name = validate.key(str(new[0]), N_("Attribute name"), field="new_name")
    if any(d.name == name for d in definitions.values()):
        raise InvalidInput("The attribute '{name}' exists already: fill in its own field", "new_name", name=name)
    type_ = _as("new_type", validate.choice, AttributeType, new[1], N_("Attribute type"))
    raw = new[2].strip() if isinstance(new[2], str) else new[2]
    value = None if raw in ("", None) else _as("new_value", validate.attribute_value, type_, raw, name)
    return name, type_, value


def _store_values(session: Session, case: Case, definitions: dict[int, AttributeDefinition],
                  parsed: dict[int, object]) -> None:
    for definition_id, value in parsed.items():
        if value is None:
            found = session.scalar(select(CaseAttribute).where(
                CaseAttribute.case_id == case.id, CaseAttribute.definition_id == definition_id))
            if found is not None:
                session.delete(found)
        else:
            set_attribute(session, case, definitions[definition_id], value)


def _check_case_key(session: Session, project_id: int, key: str, case_id: int | None = None) -> str:
    key = validate.case_key(key)
    other = session.scalar(select(Case.id).where(Case.project_id == project_id, Case.key == key))
    if other is not None and other != case_id:
        raise InvalidInput("Case '{key}' already exists in this project", "key", key=key)
    return key


def add_case(session: Session, user: User | int | None, project: Project, key: str, municipality: str,
             values: Mapping[int, object] | None = None,
             new_attribute: tuple[str, AttributeType | str, object] | None = None) -> Case:
    """A new case with attribute values (definition id → text typed) and perhaps a new attribute; audited.
    Everything is checked before anything is written."""
    key = _check_case_key(session, project.id, key)
    municipality = _as("municipality", validate.title, municipality, N_("Municipality"), 100)
    definitions = _definitions(session, project.id)
    parsed = _parse_values(definitions, values or {})
    new = _check_new_attribute(definitions, new_attribute)
    case = create_case(session, project, key, municipality)
    _store_new(session, project, case, definitions, parsed, new)
    audit.log(session, user, "create", "case", case.id, project_id=project.id, after=case_snapshot(session, case))
    return case


def _store_new(session: Session, project: Project, case: Case, definitions: dict[int, AttributeDefinition],
               parsed: dict[int, object], new: tuple[str, AttributeType, object] | None) -> None:
    _store_values(session, case, definitions, parsed)
    if new is not None:
        definition = define_attribute(session, project, new[0], new[1])
        if new[2] is not None:
            set_attribute(session, case, definition, new[2])
    session.flush()


def update_case(session: Session, user: User | int | None, case: Case, *, key: str, municipality: str,
                values: Mapping[int, object] | None = None,
                new_attribute: tuple[str, AttributeType | str, object] | None = None) -> Case:
    """Change a case's key, municipality and attribute values (an empty value clears it), perhaps adding a new
    attribute to the project; audited with the state before and after. All checked before anything changes."""
    project = session.get(Project, case.project_id)
    assert project is not None
    key = _check_case_key(session, case.project_id, key, case.id)
    municipality = _as("municipality", validate.title, municipality, N_("Municipality"), 100)
    definitions = _definitions(session, case.project_id)
    parsed = _parse_values(definitions, values or {})
    new = _check_new_attribute(definitions, new_attribute)
    before = case_snapshot(session, case)
    case.key, case.municipality = key, municipality
    _store_new(session, project, case, definitions, parsed, new)
    after = case_snapshot(session, case)
    if after != before:
        audit.log(session, user, "update", "case", case.id, project_id=case.project_id, before=before, after=after)
    return case


@dataclass(frozen=True)
class CaseDeleted:
    """What went with a deleted case."""
    key: str
    sources_unlinked: int   # transcripts that were linked to the case: they stay, without this case
    excerpts: int           # excerpts about the case: deleted
    codings: int            # their codings: deleted


def delete_case(session: Session, user: User, case: Case) -> CaseDeleted:
    """Delete a case, its attribute values and the excerpts about it (``excerpts.case_id``) with their codings;
    its links to transcripts go, the transcripts stay (with their other cases, and other cases' excerpts).
    Reconciliation decisions about the case go with it (database cascade). Audited: each excerpt and coding,
    then the case with what went with it."""
    excerpts = session.scalars(select(Excerpt).where(Excerpt.case_id == case.id)
                               .options(selectinload(Excerpt.codings)).order_by(Excerpt.id)).all()
    n_codings = 0
    for excerpt in excerpts:
        for coding in excerpt.codings:
            audit.record(session, user.id, "delete", coding, before=audit.snapshot(coding),
                         project_id=excerpt.project_id)
            n_codings += 1
        audit.record(session, user.id, "delete", excerpt, before=audit.snapshot(excerpt))
        session.delete(excerpt)
    session.flush()
    before = case_snapshot(session, case)
    sources = [s.id for s in case.sources]
    before.update(sources=sources, excerpts=len(excerpts), codings=n_codings)
    audit.log(session, user, "delete", "case", case.id, project_id=case.project_id, before=before)
    session.delete(case)
    session.flush()
    return CaseDeleted(before["key"], len(sources), len(excerpts), n_codings)


def interviewee_snapshot(person: Interviewee) -> dict[str, Any]:
    return {"key": person.key, "role": person.role, "perspective": person.perspective.value,
            "municipality": person.municipality}


def _check_interviewee(session: Session, project_id: int, key: str, role: str, perspective: Perspective | str,
                       municipality: str, person_id: int | None = None) -> tuple[str, str, Perspective, str]:
    key = validate.key(key, N_("Interviewee key"))
    other = session.scalar(select(Interviewee.id).where(Interviewee.project_id == project_id,
                                                         Interviewee.key == key))
    if other is not None and other != person_id:
        raise InvalidInput("Interviewee '{key}' already exists in this project", "key", key=key)
    role = _as("role", validate.title, role, N_("Role"), 64)
    checked = _as("perspective", validate.choice, Perspective, perspective, N_("Perspective"))
    municipality = (municipality or "").strip()
    if len(municipality) > 100:
        raise InvalidInput("{what} is {n} characters long; at most {max_len} are allowed", "municipality",
                           what=N_("Municipality"), n=len(municipality), max_len=100)
    return key, role, checked, municipality


def add_interviewee(session: Session, user: User | int | None, project: Project, key: str, role: str,
                    perspective: Perspective | str, municipality: str = "") -> Interviewee:
    """A new interviewee, audited; a problem names its field (key, role, perspective, municipality)."""
    key, role, perspective, municipality = _check_interviewee(session, project.id, key, role, perspective,
                                                              municipality)
    person = create_interviewee(session, project, key, role, perspective, municipality)
    audit.log(session, user, "create", "interviewee", person.id, project_id=project.id,
              after=interviewee_snapshot(person))
    return person


def update_interviewee(session: Session, user: User | int | None, person: Interviewee, *, key: str, role: str,
                       perspective: Perspective | str, municipality: str = "") -> Interviewee:
    """Change an interviewee's key, role, perspective and municipality; audited."""
    checked = _check_interviewee(session, person.project_id, key, role, perspective, municipality, person.id)
    before = interviewee_snapshot(person)
    person.key, person.role, person.perspective, person.municipality = checked
    session.flush()
    after = interviewee_snapshot(person)
    if after != before:
        audit.log(session, user, "update", "interviewee", person.id, project_id=person.project_id,
                  before=before, after=after)
    return person


def delete_interviewee(session: Session, user: User | int | None, person: Interviewee) -> int:
    """Delete an interviewee; the transcripts stay, without this interviewee. Audited with the transcripts it
    was linked to. Returns their number."""
    sources = list(session.scalars(select(source_interviewees.c.source_id).where(
        source_interviewees.c.interviewee_id == person.id).order_by(source_interviewees.c.source_id)))
    audit.log(session, user, "delete", "interviewee", person.id, project_id=person.project_id,
              before={**interviewee_snapshot(person), "sources": sources})
    session.delete(person)
    session.flush()
    return len(sources)
