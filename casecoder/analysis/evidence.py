"""Which cases have evidence for which code, per perspective and direction: the one place the
counting rules live (docs/counting.md). Every number in casecoder — tallies, matrices,
co-occurrence, chains — is set algebra over the case ids this module returns.

A handful of queries, whatever the size of the codebook or the number of cases:
1. the selected cases (municipality and case-attribute filters);
2. which selected cases have a source of each perspective (the denominators), with the
   source filters (interviewee role, date range) applied;
3. the distinct (code, case, perspective, direction) rows of the codings that pass every
   filter. Sub-codes are rolled up to their ancestors in Python, by set union;
4. the code tree (for the roll-up), the attribute types (for attribute filters) and the coders.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from ..coding.cases import parse_attribute_value
from ..coding.validate import InvalidInput
from ..models import (AttributeDefinition, AttributeType, Case, CaseAttribute, Code, Coding, Direction, Excerpt,
                      Interviewee, Perspective, Source, User, source_cases, source_interviewees)

FAMILY, SYSTEM = Perspective.FAMILY.value, Perspective.SYSTEM.value
PERSPECTIVES = (FAMILY, SYSTEM)
DIRECTIONS = tuple(d.value for d in Direction)
OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge")


@dataclass(frozen=True)
class AttributeCondition:
    """A case-attribute filter such as ``who5_entry le 35`` or ``placed_children eq true``."""
    name: str
    op: str
    value: object


@dataclass(frozen=True)
class CountFilter:
    """What to count. Empty tuples mean "no restriction"."""
    municipalities: tuple[str, ...] = ()
    attributes: tuple[AttributeCondition, ...] = ()
    roles: tuple[str, ...] = ()
    coder_ids: tuple[int, ...] = ()
    directions: frozenset[str] = frozenset({"supports"})
    include_subcodes: bool = True
    date_from: date | None = None
    date_to: date | None = None
    source_ids: tuple[int, ...] = ()   # only these sources (the double-coded material, for agreement)
    independent: bool = False          # every coder's codings, also those a reconciliation set aside


@dataclass
class Evidence:
    """Case sets after every filter. Case ids throughout; ``case_keys`` names them."""
    case_keys: dict[int, str]                      # the selected cases
    municipality: dict[int, str]
    with_source: dict[str, frozenset[int]]         # perspective -> cases with a source of it
    # (code id, perspective, direction) -> cases; sub-codes already rolled up when asked for
    occurs: dict[tuple[int, str, str], set[int]] = field(default_factory=dict)
    coders: tuple[str, ...] = ()

    def cases(self, code_id: int, perspectives: Iterable[str] = PERSPECTIVES,
              directions: Iterable[str] = ("supports",)) -> frozenset[int]:
        """Cases in which the code occurs under any of ``perspectives`` with any of ``directions``."""
        found: set[int] = set()
        for p in perspectives:
            for d in directions:
                found |= self.occurs.get((code_id, p, d), set())
        return frozenset(found)

    def keys(self, case_ids: Iterable[int]) -> tuple[str, ...]:
        return tuple(sorted(self.case_keys[c] for c in case_ids))

    @property
    def any_cases(self) -> frozenset[int]:
        return frozenset(self.case_keys)

    @property
    def both_cases(self) -> frozenset[int]:
        return self.with_source[FAMILY] & self.with_source[SYSTEM]


def selected_cases(session: Session, project_id: int, f: CountFilter) -> Select[tuple[int, str, str]]:
    query = select(Case.id, Case.key, Case.municipality).where(Case.project_id == project_id)
    if f.municipalities:
        query = query.where(Case.municipality.in_(f.municipalities))
    if f.attributes:
        types = dict(session.execute(select(AttributeDefinition.name, AttributeDefinition.type)
                                     .where(AttributeDefinition.project_id == project_id)).all())
        for cond in f.attributes:
            query = query.where(_attribute_clause(cond, types))
    return query


_COLUMNS = {AttributeType.TEXT: CaseAttribute.value_text, AttributeType.INTEGER: CaseAttribute.value_int,
            AttributeType.NUMBER: CaseAttribute.value_number, AttributeType.BOOLEAN: CaseAttribute.value_bool,
            AttributeType.DATE: CaseAttribute.value_date}


def _attribute_clause(cond: AttributeCondition, types: dict[str, AttributeType]):  # type: ignore[no-untyped-def]
    """EXISTS a value of the named attribute satisfying the condition, compared in its own type."""
    if cond.name not in types:
        raise InvalidInput("There is no case attribute '{name}'", "attribute", name=cond.name)
    if cond.op not in OPERATORS:
        raise InvalidInput("'{op}' is not a comparison; use one of: {ops}", "attribute", op=cond.op,
                           ops=", ".join(OPERATORS))
    type_ = types[cond.name]
    if type_ is AttributeType.BOOLEAN and cond.op not in ("eq", "ne"):
        raise InvalidInput("Attribute '{name}' is yes or no; compare it with eq or ne", "attribute", name=cond.name)
    value = parse_attribute_value(type_, cond.value, cond.name)
    column = _COLUMNS[type_]
    compare = getattr(operator, cond.op)(column, value)  # only the asked comparison: `bool < bool` is refused
    return exists().where(CaseAttribute.case_id == Case.id, CaseAttribute.definition_id == AttributeDefinition.id,
                          AttributeDefinition.name == cond.name, compare)


def _source_conditions(f: CountFilter) -> list:  # type: ignore[type-arg]
    conditions = []
    if f.date_from is not None:
        conditions.append(Source.interview_date >= f.date_from)
    if f.date_to is not None:
        conditions.append(Source.interview_date <= f.date_to)
    if f.roles:
        conditions.append(exists().where(source_interviewees.c.source_id == Source.id,
                                         source_interviewees.c.interviewee_id == Interviewee.id,
                                         Interviewee.role.in_(f.roles)))
    if f.source_ids:
        conditions.append(Source.id.in_(f.source_ids))
    return conditions


source_conditions = _source_conditions  # public name: the source filters (role, dates) for other read modules


def ancestor_map(codes: Iterable[tuple[int, int | None]]) -> dict[int, list[int]]:
    """Code id -> its ancestors' ids (parent first), from (id, parent_id) pairs."""
    parent = dict(codes)
    ancestors: dict[int, list[int]] = {}
    for code_id in parent:
        chain, p = [], parent[code_id]
        while p is not None and p not in chain:
            chain.append(p)
            p = parent.get(p)
        ancestors[code_id] = chain
    return ancestors


def collect(session: Session, project_id: int, f: CountFilter) -> Evidence:
    """Run the three queries and build the case sets."""
    cases_query = selected_cases(session, project_id, f)
    rows = session.execute(cases_query).all()
    case_keys = {r.id: r.key for r in rows}
    municipality = {r.id: r.municipality for r in rows}
    selection = cases_query.with_only_columns(Case.id).scalar_subquery()

    with_source: dict[str, set[int]] = {p: set() for p in PERSPECTIVES}
    for case_id, perspective in session.execute(
            select(source_cases.c.case_id, Source.perspective).distinct()
            .join(Source, Source.id == source_cases.c.source_id)
            .where(Source.project_id == project_id, source_cases.c.case_id.in_(selection),
                   *_source_conditions(f))):
        with_source[perspective.value].add(case_id)

    evidence_query = (
        select(Coding.code_id, Excerpt.case_id, Source.perspective, Coding.direction).distinct()
        .join(Excerpt, Excerpt.id == Coding.excerpt_id).join(Source, Source.id == Excerpt.source_id)
        .where(Excerpt.project_id == project_id, Excerpt.case_id.in_(selection), *_source_conditions(f)))
    if f.coder_ids:
        evidence_query = evidence_query.where(Coding.coder_id.in_(f.coder_ids))
    if not f.independent:  # the coding of record (docs/counting.md, "Agreement")
        evidence_query = evidence_query.where(Coding.of_record.is_(True))
    ancestors = ancestor_map(session.execute(select(Code.id, Code.parent_id).where(Code.project_id == project_id))
                            .all()) if f.include_subcodes else {}
    occurs: dict[tuple[int, str, str], set[int]] = {}
    for code_id, case_id, perspective, direction in session.execute(evidence_query):
        for target in (code_id, *ancestors.get(code_id, ())):
            occurs.setdefault((target, perspective.value, direction.value), set()).add(case_id)

    coder_query = (select(User.username).distinct().join(Coding, Coding.coder_id == User.id)
                   .join(Excerpt, Excerpt.id == Coding.excerpt_id).join(Source, Source.id == Excerpt.source_id)
                   .where(Excerpt.project_id == project_id, Excerpt.case_id.in_(selection), *_source_conditions(f)))
    if f.coder_ids:
        coder_query = coder_query.where(User.id.in_(f.coder_ids))
    coders = tuple(sorted(session.scalars(coder_query)))
    return Evidence(case_keys=case_keys, municipality=municipality,
                    with_source={p: frozenset(s) for p, s in with_source.items()}, occurs=occurs, coders=coders)
