"""The cases page: every case with its municipality, attribute values, transcripts per perspective and
coded excerpts, filtered by municipality and key text and sorted; and what deleting a case takes with it.

Grouped queries: the cases, their attribute values, transcripts per case and perspective, coded excerpts
per case — never one query per case.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from casecoder.analysis.lookups import page_count
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    CaseAttribute,
    CaseSources,
    Coding,
    Excerpt,
    Reconciliation,
    Source,
    source_cases,
)

PAGE = 100   # cases per page
_COLUMN = {
    AttributeType.TEXT: CaseAttribute.value_text,
    AttributeType.INTEGER: CaseAttribute.value_int,
    AttributeType.NUMBER: CaseAttribute.value_number,
    AttributeType.BOOLEAN: CaseAttribute.value_bool,
    AttributeType.DATE: CaseAttribute.value_date,
}
SORTS = ("key", "municipality", "family", "system", "excerpts")  # and "attr-<definition id>"


@dataclass(frozen=True)
class CaseRow:
    id: int
    key: str
    municipality: str
    attributes: dict[int, Any]   # definition id -> value (absent: no value)
    family: int                  # transcripts of the family perspective linked to the case
    system: int                  # ... of the system perspective
    coded_excerpts: int          # excerpts about the case with at least one coding


@dataclass
class CaseList:
    definitions: list[AttributeDefinition]
    rows: list[CaseRow]          # one page of the matching cases, sorted
    municipalities: list[str]    # every municipality of the project's cases (the filter's choices)
    total: int                   # cases in the project, before the filter
    sort: str = "key"
    descending: bool = False
    filtered: bool = field(default=False)
    page: int = 1                # the page shown (1-based) of ``pages``
    pages: int = 1
    matched: int = 0             # cases that pass the filter (``rows`` is one page of them)


def definitions(session: Session, project_id: int) -> list[AttributeDefinition]:
    """The project's case attributes in their order."""
    return list(session.scalars(select(AttributeDefinition).where(AttributeDefinition.project_id == project_id)
                                .order_by(AttributeDefinition.position, AttributeDefinition.id)))


def attribute_values(session: Session, case_ids: list[int] | None, project_id: int) -> dict[int, dict[int, Any]]:
    """Case id -> definition id -> value, for ``case_ids`` (None: every case of the project)."""
    query = (select(CaseAttribute.case_id, AttributeDefinition.id, AttributeDefinition.type, *_COLUMN.values())
             .join(AttributeDefinition, AttributeDefinition.id == CaseAttribute.definition_id)
             .where(AttributeDefinition.project_id == project_id))
    if case_ids is not None:
        query = query.where(CaseAttribute.case_id.in_(case_ids))
    values: dict[int, dict[int, Any]] = {}
    for case_id, definition_id, type_, *columns in session.execute(query):
        value = dict(zip(_COLUMN, columns))[type_]
        if value is not None:
            values.setdefault(case_id, {})[definition_id] = value
    return values


def _sort_key(sort: str, row: CaseRow) -> tuple[Any, ...]:
    if sort.startswith("attr-"):
        value = row.attributes.get(int(sort[5:]) if sort[5:].isascii() and sort[5:].isdigit() else -1)
        if value is None:
            return (1, 0, row.key.casefold())
        if isinstance(value, str):
            value = value.casefold()
        elif isinstance(value, date):
            value = value.toordinal()
        return (0, value, row.key.casefold())
    value = {"municipality": row.municipality.casefold(), "family": row.family, "system": row.system,
             "excerpts": row.coded_excerpts}.get(sort, row.key.casefold())
    return (0, value, row.key.casefold())


def case_list(session: Session, project_id: int, *, municipality: str = "", text: str = "", sort: str = "key",
              descending: bool = False, page: int = 1, per_page: int = PAGE) -> CaseList:
    """One page of the project's cases for the cases page: only those of ``municipality`` (when given) whose key
    contains ``text`` (ignoring case), sorted by ``sort`` (one of SORTS or "attr-<id>"); ``matched`` counts them
    all. What the sort needs is read for every matching case, the rest for the page's rows only."""
    query = select(Case.id, Case.key, Case.municipality).where(Case.project_id == project_id)
    if municipality:
        query = query.where(Case.municipality == municipality)
    if text.strip():
        query = query.where(func.lower(Case.key).contains(text.strip().lower(), autoescape=True))
    cases = session.execute(query).all()
    filtered = bool(municipality or text.strip())
    if sort not in SORTS and not sort.startswith("attr-"):
        sort = "key"
    # every case of the project when not filtered: no list of 1,000 ids (SQLite then probes per id: 20x slower)
    everything = None if not filtered else [c.id for c in cases]
    sources = _sources_per_case(session, project_id, everything) if cases else {}
    values = attribute_values(session, everything, project_id) if cases and sort.startswith("attr-") else {}
    coded = _coded(session, project_id, everything) if cases and sort == "excerpts" else {}
    rows = [CaseRow(c.id, c.key, c.municipality, values.get(c.id, {}), *sources.get(c.id, (0, 0)),
                    coded.get(c.id, 0)) for c in cases]
    keyed = [(_sort_key(sort, row), row) for row in rows]
    present = sorted((k for k in keyed if k[0][0] == 0), key=lambda k: k[0], reverse=descending)
    missing = sorted((k for k in keyed if k[0][0] == 1), key=lambda k: k[0])  # no value: last either way
    rows = [row for _k, row in present + missing]
    page, pages = min(max(1, page), page_count(len(rows), per_page)), page_count(len(rows), per_page)
    shown = rows[(page - 1) * per_page:page * per_page]
    if shown and not sort.startswith("attr-"):
        values = attribute_values(session, [r.id for r in shown], project_id)
    if shown and sort != "excerpts":
        coded = _coded(session, project_id, [r.id for r in shown])
    shown = [replace(r, attributes=values.get(r.id, {}), coded_excerpts=coded.get(r.id, 0)) for r in shown]
    total, all_municipalities = _project_cases(session, project_id)
    return CaseList(definitions(session, project_id), shown, all_municipalities, total, sort, descending, filtered,
                    page, pages, len(rows))


def _sources_per_case(session: Session, project_id: int, ids: list[int] | None) -> dict[int, tuple[int, int]]:
    """Case id -> (family, system) transcripts linked to it: the trigger-kept ``case_sources`` rows."""
    query = select(CaseSources.case_id, CaseSources.family, CaseSources.system).where(
        CaseSources.project_id == project_id)
    if ids is not None:
        query = query.where(CaseSources.case_id.in_(ids))
    return {case_id: (family, system) for case_id, family, system in session.execute(query)}


def _coded(session: Session, project_id: int, ids: list[int] | None) -> dict[int, int]:
    """Case id -> excerpts about it with at least one coding (a semi-join), for ``ids`` (None: every case)."""
    return {case_id or 0: n for case_id, n in session.execute(
        select(Excerpt.case_id, func.count(Excerpt.id))
        .where(Excerpt.project_id == project_id, *([Excerpt.case_id.in_(ids)] if ids is not None else []),
               exists().where(Coding.excerpt_id == Excerpt.id))
        .group_by(Excerpt.case_id))}


def _project_cases(session: Session, project_id: int) -> tuple[int, list[str]]:
    rows = session.execute(select(Case.municipality, func.count(Case.id)).where(Case.project_id == project_id)
                           .group_by(Case.municipality)).all()
    return sum(n for _m, n in rows), sorted((m for m, _n in rows), key=lambda m: (m.casefold(), m))


@dataclass(frozen=True)
class CaseImpact:
    """What deleting a case takes with it (the confirmation page says so)."""
    sources: list[tuple[int, str]]   # (id, title) of the transcripts linked to it: they stay, unlinked
    sources_left_without_case: int   # of those, how many have no other case
    excerpts: int                    # excerpts about the case: deleted
    codings: int                     # their codings: deleted
    reconciliations: int             # reconciliation decisions about the case: deleted

    @property
    def anything(self) -> bool:
        return bool(self.sources or self.excerpts or self.reconciliations)


def case_impact(session: Session, case: Case) -> CaseImpact:
    sources = [(id_, title) for id_, title in session.execute(
        select(Source.id, Source.title).join(source_cases, source_cases.c.source_id == Source.id)
        .where(source_cases.c.case_id == case.id).order_by(Source.title, Source.id))]
    others = {source_id for (source_id,) in session.execute(
        select(source_cases.c.source_id).where(source_cases.c.source_id.in_([s for s, _t in sources]),
                                               source_cases.c.case_id != case.id))} if sources else set()
    excerpts, codings = session.execute(
        select(func.count(func.distinct(Excerpt.id)), func.count(Coding.id))
        .select_from(Excerpt).outerjoin(Coding, Coding.excerpt_id == Excerpt.id)
        .where(Excerpt.case_id == case.id)).one()
    reconciliations = session.scalar(select(func.count(Reconciliation.id))
                                     .where(Reconciliation.case_id == case.id)) or 0
    return CaseImpact(sources, sum(1 for s, _t in sources if s not in others), excerpts or 0, codings or 0,
                      reconciliations)
