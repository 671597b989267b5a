"""Cases with typed attributes, interviewees and sources (transcripts)."""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    CaseAttribute,
    Interviewee,
    InterviewMode,
    Perspective,
    Project,
    Source,
    User,
)

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
    case.memo = memo.strip()


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
