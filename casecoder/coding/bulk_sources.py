"""Many cases (with their attribute values), interviewees and sources written at once, for the imports
(issue #25): the rows ``cases.create_case``, ``set_attribute``, ``create_interviewee`` and ``create_source``
would write, each table in one multi-row ``INSERT ... RETURNING`` (ids in the given order) instead of an
ORM flush per row, with the same checks (the same ``InvalidInput`` messages, raised before anything is
written) and, like them, no audit rows. The triggers keep the derived tables and the full-text index as on
any insert. Flush, never commit.

Use: build ``NewCase`` / ``NewInterviewee`` / ``NewSource`` objects (a source's ``cases`` and
``interviewees`` may mix existing ORM rows and new objects), then ``write(session, project, cases=...,
interviewees=..., sources=..., attributes=...)``; afterwards every new object's ``id`` is set. Attribute
definitions are few: ``attributes`` maps a name to its existing ``AttributeDefinition`` (or call
``cases.define_attribute`` first). A problem names the object's position
so the caller can point at its row: ``InvalidInput.index`` and ``.item`` (the object).
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Iterable, Iterator, Mapping, Sequence, cast

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from casecoder.coding.bulk_copy import pg_ids
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
    source_cases,
    source_interviewees,
)
from casecoder.models.base import utcnow
from casecoder.models.cases import new_text_version
from casecoder.models.derived import search_later

COLUMN = {AttributeType.TEXT: "value_text", AttributeType.INTEGER: "value_int", AttributeType.NUMBER: "value_number",
          AttributeType.BOOLEAN: "value_bool", AttributeType.DATE: "value_date"}


@dataclass(eq=False)
class NewCase:
    """A case to write; ``attributes``: attribute name -> value (text or parsed), as ``set_attribute`` takes it."""

    key: str
    municipality: str
    memo: str = ""
    attributes: dict[str, object] = field(default_factory=dict)
    id: int | None = None


@dataclass(eq=False)
class NewInterviewee:
    key: str
    role: str
    perspective: Perspective | str
    municipality: str = ""
    id: int | None = None


@dataclass(eq=False)
class NewSource:
    """A transcript to write (``create_source``'s arguments); ``sha256`` of the original file, else of ``raw``,
    else of the text. ``key``, ``memo`` and ``created_at`` (kept from another tool's file) are optional."""

    title: str
    text: str
    perspective: Perspective | str
    cases: Sequence[Case | NewCase] = ()
    interviewees: Sequence[Interviewee | NewInterviewee] = ()
    mode: InterviewMode | str | None = None
    interview_date: date | str | None = None
    original_filename: str = ""
    raw: bytes | None = None
    sha256: str | None = None
    created_by: User | None = None
    key: str | None = None
    memo: str = ""
    created_at: datetime | None = None
    id: int | None = None
    text_version: int | None = None


@contextmanager
def naming(index: int, item: object) -> Iterator[None]:
    """An InvalidInput raised inside gets ``index`` (the object's position in its list) and ``item`` (it)."""
    try:
        yield
    except InvalidInput as exc:
        exc.index, exc.item = index, item  # type: ignore[attr-defined]
        raise


def _ids(session: Session, entity: type, values: list[dict[str, object]]) -> list[int]:
    if not values:
        return []
    if session.get_bind().dialect.name == "postgresql":  # COPY: no statement with a parameter per cell
        return _copy(session, entity.__tablename__, values)  # type: ignore[attr-defined]
    statement = insert(entity).returning(entity.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return list(session.scalars(statement, values).all())


def _copy(session: Session, table: str, values: list[dict[str, object]]) -> list[int]:
    """PostgreSQL: ids from the table's sequence in one query, then the rows by COPY (in this transaction).
    New sources inside a pause leave their search vectors to a second connection (``search_later``)."""
    ids = pg_ids(session, table, len(values))
    later = table == "sources" and search_later.enabled(session)
    if later:
        search_later.start(session, ids, [cast(str, row["text"]) for row in values])
        search_later.set_later(session, True)
    columns = list(values[0])
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} (id, {', '.join(columns)}) FROM STDIN") as copy:
        for id_, row in zip(ids, values, strict=True):
            copy.write_row((id_, *(v.value if isinstance(v, Enum) else v for v in row.values())))
    if later:
        search_later.set_later(session, False)
    return ids


def _taken(session: Session, entity: type, project_id: int, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` the project has already (all its keys read: one parameter, not one per key)."""
    return set(keys) & set(session.scalars(select(entity.key).where(entity.project_id == project_id)))  # type: ignore[attr-defined]


def check_cases(session: Session, project: Project, cases: Sequence[NewCase],
                attributes: Mapping[str, AttributeDefinition]) -> list[dict[str, object]]:
    """The case rows ``create_case`` would write (key and municipality checked, a key taken refused), with
    each case's attribute values checked (``set_attribute``'s check); raises the first problem."""
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for i, case in enumerate(cases):
        with naming(i, case):
            key = validate.case_key(case.key)
            municipality = validate.title(case.municipality, N_("Municipality"), 100)
            if key in seen:
                raise InvalidInput("Case '{key}' already exists in this project", "key", key=key)
            seen.add(key)
            for name, value in case.attributes.items():
                definition = attributes[name]
                validate.attribute_value(definition.type, value, definition.name)
        rows.append({"project_id": project.id, "key": key, "municipality": municipality, "memo": case.memo})
    taken = _taken(session, Case, project.id, seen)
    for i, (case, row) in enumerate(zip(cases, rows)):
        with naming(i, case):
            if row["key"] in taken:
                raise InvalidInput("Case '{key}' already exists in this project", "key", key=row["key"])
    return rows


def check_interviewees(session: Session, project: Project,
                       people: Sequence[NewInterviewee]) -> list[dict[str, object]]:
    """The interviewee rows ``create_interviewee`` would write; raises the first problem."""
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for i, person in enumerate(people):
        with naming(i, person):
            key = validate.code_key(person.key)
            if key in seen:
                raise InvalidInput("Interviewee '{key}' already exists in this project", "key", key=key)
            seen.add(key)
            rows.append({"project_id": project.id, "key": key, "role": validate.title(person.role, N_("Role"), 64),
                         "perspective": validate.choice(Perspective, person.perspective, N_("Perspective")),
                         "municipality": person.municipality.strip()})
    taken = _taken(session, Interviewee, project.id, seen)
    for i, (person, row) in enumerate(zip(people, rows)):
        with naming(i, person):
            if row["key"] in taken:
                raise InvalidInput("Interviewee '{key}' already exists in this project", "key", key=row["key"])
    return rows


def check_sources(project: Project, sources: Sequence[NewSource]) -> list[dict[str, object]]:
    """The source rows ``create_source`` would write; raises the first problem."""
    rows: list[dict[str, object]] = []
    now = utcnow()
    for i, s in enumerate(sources):
        with naming(i, s):
            if not s.text.strip():
                raise InvalidInput("The transcript '{name}' has no text", "text", name=s.original_filename or s.title)
            if any(getattr(item, "project_id", project.id) != project.id for item in [*s.cases, *s.interviewees]):
                raise InvalidInput("Cases and interviewees of a source must belong to the same project")
            rows.append({
                "project_id": project.id, "key": s.key, "title": validate.title(s.title, N_("Title"), 300),
                "text": s.text, "perspective": validate.choice(Perspective, s.perspective, N_("Perspective")),
                "mode": validate.choice(InterviewMode, s.mode, N_("Mode")) if s.mode else None,
                "interview_date": validate.iso_date(s.interview_date) if s.interview_date else None,
                "original_filename": s.original_filename, "memo": s.memo, "created_at": s.created_at or now,
                "sha256": s.sha256 or hashlib.sha256(s.raw if s.raw is not None else s.text.encode("utf-8")).hexdigest(),
                "created_by_id": s.created_by.id if s.created_by else None, "text_version": new_text_version()})
    return rows


def write(session: Session, project: Project, *, cases: Sequence[NewCase] = (),
          interviewees: Sequence[NewInterviewee] = (), sources: Sequence[NewSource] = (),
          attributes: Mapping[str, AttributeDefinition] | None = None) -> None:
    """Check everything, then write the cases with their attribute values, the interviewees and the sources
    with their links to cases and interviewees; sets each object's ``id`` (and a source's ``text_version``).
    Raises InvalidInput (with ``.index`` and ``.item``) before anything is written."""
    attributes = attributes or {}
    case_rows = check_cases(session, project, cases, attributes)
    person_rows = check_interviewees(session, project, interviewees)
    source_rows = check_sources(project, sources)
    now = utcnow()
    for case_row in case_rows:
        case_row["created_at"] = now
    for case, id_ in zip(cases, _ids(session, Case, case_rows), strict=True):
        case.id = id_
    values = []
    for case in cases:
        for name, value in case.attributes.items():
            definition = attributes[name]
            value_row: dict[str, object] = {"case_id": case.id, "definition_id": definition.id,
                                            **dict.fromkeys(COLUMN.values())}
            value_row[COLUMN[definition.type]] = validate.attribute_value(definition.type, value, definition.name)
            values.append(value_row)
    if values:
        session.execute(insert(CaseAttribute), values)
    for person, id_ in zip(interviewees, _ids(session, Interviewee, person_rows), strict=True):
        person.id = id_
    for source, id_, row in zip(sources, _ids(session, Source, source_rows), source_rows, strict=True):
        source.id, source.text_version = id_, row["text_version"]  # type: ignore[assignment]
    links = [{"source_id": s.id, "case_id": c.id} for s in sources for c in s.cases]
    if links:
        session.execute(insert(source_cases), links)
    people = [{"source_id": s.id, "interviewee_id": p.id} for s in sources for p in s.interviewees]
    if people:
        session.execute(insert(source_interviewees), people)
