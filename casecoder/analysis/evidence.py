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

Query 3 and the coders come from ``evidence_summary`` (models/derived/summary.py: the same distinct
rows, kept exact by database triggers) unless a source filter (role, dates, source ids) needs the
codings themselves. ``case_masks.measure_keys`` goes further for the tally: one grouped query gives the mask
of (perspective, direction) pairs per (case, code) (kernel/measures.py), rolled up to the ancestors
in Python, walking the cases in key order so that no list of case keys needs sorting; the measures
of each mask come from their declaration.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Collection, Iterable, Sequence, Unpack

from sqlalchemy import ColumnElement, ScalarSelect, Select, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from casecoder.kernel import validate
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.measures import (
    DEFAULT_DIRECTIONS,
    DIRECTIONS,
    FAMILY,
    PERSPECTIVES,
    SYSTEM,
)
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    CaseAttribute,
    CaseSources,
    Code,
    Coding,
    EvidenceSummary,
    Excerpt,
    Interviewee,
    Source,
    User,
    source_cases,
    source_interviewees,
)

__all__ = ["FAMILY", "SYSTEM", "PERSPECTIVES", "DIRECTIONS", "AttributeCondition", "CountFilter", "Evidence",
           "OPERATORS", "collect", "collect_per_coder", "selected_cases", "source_conditions", "summary_serves",
           "ancestor_map"]
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
    directions: frozenset[str] = DEFAULT_DIRECTIONS   # the measures' chosen direction set (kernel/measures.py)
    include_subcodes: bool = True
    date_from: date | None = None
    date_to: date | None = None
    source_ids: tuple[int, ...] = ()   # only these sources (the double-coded material, for agreement)
    independent: bool = False          # every coder's codings, also those a reconciliation set aside
    # blind double coding (analysis/double_coding.Blindness.count_filter): on these sources only the
    # viewer's own codings count, so no number shows another coder's work before the comparison opens
    blind_source_ids: tuple[int, ...] = ()
    viewer_id: int | None = None


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
              directions: Iterable[str] = DEFAULT_DIRECTIONS) -> frozenset[int]:
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


def selected_cases(session: Session, project_id: int, f: CountFilter) -> Select[int, str, str]:
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
    value = validate.attribute_value(type_, cond.value, cond.name)
    column = _COLUMNS[type_]
    compare = getattr(operator, cond.op)(column, value)  # only the asked comparison: `bool < bool` is refused
    return exists().where(CaseAttribute.case_id == Case.id, CaseAttribute.definition_id == AttributeDefinition.id,
                          AttributeDefinition.name == cond.name, compare)


def _source_conditions(f: CountFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
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


def _ancestors(session: Session, project_id: int, f: CountFilter) -> dict[int, list[int]]:
    """The roll-up: each code's ancestors when sub-codes are included, else nothing."""
    if not f.include_subcodes:
        return {}
    return ancestor_map(session.execute(select(Code.id, Code.parent_id).where(Code.project_id == project_id)).all())


def summary_serves(f: CountFilter) -> bool:
    """Whether ``evidence_summary`` can answer ``f``: it knows no source-level filter (role, dates, sources)."""
    return not (f.roles or f.date_from or f.date_to or f.source_ids or f.blind_source_ids)


def _summary_conditions(project_id: int, selection: ScalarSelect[int], f: CountFilter) -> list[ColumnElement[bool]]:
    S = EvidenceSummary
    conditions = [S.project_id == project_id, S.case_id.in_(selection)]  # no rows at n = 0
    if f.coder_ids:
        conditions.append(S.coder_id.in_(f.coder_ids))
    return conditions


def _blind_only(f: CountFilter) -> bool:
    """Whether blindness is ``f``'s only source-level restriction: ``evidence_summary`` less the codings
    the viewer may not see answers it (``_blind_evidence``)."""
    return bool(f.blind_source_ids) and not (f.roles or f.date_from or f.date_to or f.source_ids)


def _not_indexed(column: Any) -> ColumnElement[int]:
    """``column + 0``: the same values, but SQLite no longer takes the column's index for ``IN (selection)``,
    which made it probe the index once per selected case and read every excerpt of the project."""
    return column + 0


def _excerpt_sources(f: CountFilter) -> list[ColumnElement[bool]]:
    """``Excerpt.source_id IN (f.source_ids)`` as well: the excerpts found by their sources' index."""
    return [Excerpt.source_id.in_(f.source_ids)] if f.source_ids else []


def _blind_evidence(session: Session, project_id: int, selection: ScalarSelect[int], f: CountFilter
                    ) -> list[tuple[int, int, str, str, int, bool]]:
    """What ``_coding_rows`` gives for a blind viewer, from ``evidence_summary``: a row of another coder
    counts only while it has more codings (``n``) than that coder has under the same key on the viewer's
    blind sources (one grouped query over those sources' codings); the viewer's own rows all count."""
    S = EvidenceSummary.__table__.c
    summary = select(S.code_id, S.case_id, S.perspective, S.direction, S.coder_id, S.of_record, S.n).where(
        S.project_id == project_id, S.case_id.in_(selection),
        *([S.coder_id.in_(f.coder_ids)] if f.coder_ids else []))
    others = [] if f.viewer_id is None else [Coding.coder_id != f.viewer_id]
    key = (Coding.code_id, Excerpt.case_id, Source.perspective, Coding.direction, Coding.coder_id, Coding.of_record)
    hidden_query = (
        select(*key, func.count()).join(Excerpt, Excerpt.id == Coding.excerpt_id)
        .join(Source, Source.id == Excerpt.source_id)
        .where(Excerpt.project_id == project_id, Excerpt.source_id.in_(f.blind_source_ids),
               Excerpt.case_id.is_not(None), *others, *([Coding.coder_id.in_(f.coder_ids)] if f.coder_ids else []))
        .group_by(*key))
    hidden = {(code, case, p, d, coder, bool(rec)): n for code, case, p, d, coder, rec, n
              in _driver_rows(session, hidden_query)}
    rows = []
    for code, case, p, d, coder, rec, n in _driver_rows(session, summary):
        row = (code, case, p, d, coder, bool(rec))
        if coder == f.viewer_id or n > hidden.get(row, 0):
            rows.append(row)
    return rows


def _driver_rows(session: Session, query: Select[Unpack[tuple[Any, ...]]]) -> list[Any]:
    """The driver's own tuples (no row objects, no enum conversion)."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


def _seen(f: CountFilter) -> ColumnElement[bool]:
    """A coding the viewer may count: not on a source they code blind, or their own."""
    return or_(Excerpt.source_id.not_in(f.blind_source_ids), Coding.coder_id == f.viewer_id)


def collect(session: Session, project_id: int, f: CountFilter, *, occurs: bool = True) -> Evidence:
    """Run the queries and build the case sets (``occurs=False``: cases, denominators and coders only)."""
    ev, selection = _base(session, project_id, f)
    S = EvidenceSummary
    if summary_serves(f):
        if occurs:
            evidence_query = select(S.code_id, S.case_id, S.perspective, S.direction).distinct().where(
                *_summary_conditions(project_id, selection, f))
            if not f.independent:  # the coding of record (docs/counting.md, "Agreement")
                evidence_query = evidence_query.where(S.of_record.is_(True))
            ev.occurs = _occurs(_driver_rows(session, evidence_query), _ancestors(session, project_id, f))
        # per user, one probe of ix_evidence_summary_coder: LIMIT 1 keeps it from becoming a semi-join
        # over the whole table, ORDER BY the index's next column makes the planner use the index
        probe = (select(literal(1)).where(S.coder_id == User.id, *_summary_conditions(project_id, selection, f))
                 .order_by(S.case_id).limit(1).scalar_subquery())
        ev.coders = tuple(sorted(session.scalars(select(User.username).where(probe.is_not(None)))))
        return ev
    # (code, case, perspective, direction, coder, of record): the coders count every coding, the evidence
    # only those of record unless ``independent``
    rows = (_blind_evidence if _blind_only(f) else _coding_rows)(session, project_id, selection, f)
    if occurs:
        ev.occurs = _occurs([r[:4] for r in rows if f.independent or r[5]], _ancestors(session, project_id, f))
    ev.coders = _usernames(session, {r[4] for r in rows})
    return ev


def collect_per_coder(session: Session, project_id: int, f: CountFilter, coder_ids: Sequence[int]
                      ) -> list[Evidence]:
    """``collect(replace(f, coder_ids=(k,)))`` for each ``k`` of ``coder_ids`` (agreement), the codings
    read once for all of them where a source filter needs the codings themselves."""
    if summary_serves(f) or _blind_only(f):
        return [collect(session, project_id, replace(f, coder_ids=(k,))) for k in coder_ids]
    ev, selection = _base(session, project_id, replace(f, coder_ids=tuple(coder_ids)))
    rows = _coding_rows(session, project_id, selection, replace(f, coder_ids=tuple(coder_ids)))
    ancestors, names = _ancestors(session, project_id, f), _usernames(session, set(coder_ids), ordered=False)
    out = []
    for k in coder_ids:
        mine = [r for r in rows if r[4] == k]
        out.append(replace(ev, occurs=_occurs([r[:4] for r in mine if f.independent or r[5]], ancestors),
                           coders=(names[k],) if mine and k in names else ()))
    return out


def _base(session: Session, project_id: int, f: CountFilter) -> tuple[Evidence, ScalarSelect[int]]:
    """The selected cases and which of them have a source of each perspective (the denominators), with
    no occurrences yet; and the selection as a subquery."""
    cases_query = selected_cases(session, project_id, f)
    rows = session.execute(cases_query).all()
    case_keys = {r.id: r.key for r in rows}
    municipality = {r.id: r.municipality for r in rows}
    selection = cases_query.with_only_columns(Case.id).scalar_subquery()
    with_source: dict[str, set[int]] = {p: set() for p in PERSPECTIVES}
    if summary_serves(f) or _blind_only(f):   # no source filter: the sources per case kept by triggers
        C = CaseSources
        for case_id, family, system in session.execute(
                select(C.case_id, C.family, C.system).where(C.project_id == project_id, C.case_id.in_(selection))):
            for perspective, n in ((FAMILY, family), (SYSTEM, system)):
                if n > 0:
                    with_source[perspective].add(case_id)
    else:
        for case_id, perspective in session.execute(
                select(source_cases.c.case_id, Source.perspective).distinct()
                .join(Source, Source.id == source_cases.c.source_id)
                .where(Source.project_id == project_id, _not_indexed(source_cases.c.case_id).in_(selection),
                       *_source_conditions(f))):
            with_source[perspective.value].add(case_id)
    return Evidence(case_keys=case_keys, municipality=municipality,
                    with_source={p: frozenset(s) for p, s in with_source.items()}), selection


def _coding_rows(session: Session, project_id: int, selection: ScalarSelect[int], f: CountFilter
                 ) -> list[tuple[int, int, str, str, int, bool]]:
    """The distinct (code, case, perspective, direction, coder, of record) of the codings that pass ``f``'s
    case, source, coder and blindness filters, read once (plain driver rows: enum values as text)."""
    query = (select(Coding.code_id, Excerpt.case_id, Source.perspective, Coding.direction, Coding.coder_id,
                    Coding.of_record).distinct()
             .join(Excerpt, Excerpt.id == Coding.excerpt_id).join(Source, Source.id == Excerpt.source_id)
             .where(Excerpt.project_id == project_id, _not_indexed(Excerpt.case_id).in_(selection),
                    *_source_conditions(f), *_excerpt_sources(f)))
    if f.coder_ids:
        query = query.where(Coding.coder_id.in_(f.coder_ids))
    if f.blind_source_ids:
        query = query.where(_seen(f))
    return [(code, case, p, d, coder, bool(rec)) for code, case, p, d, coder, rec in _driver_rows(session, query)]


def _occurs(rows: Iterable[Sequence[Any]], ancestors: dict[int, list[int]]) -> dict[tuple[int, str, str], set[int]]:
    """(code, perspective, direction) -> cases, from (code, case, perspective, direction) rows, each code's
    evidence also counted for its ancestors (``ancestors`` is empty without sub-codes)."""
    found: dict[tuple[int, str, str], set[int]] = {}
    for code_id, case_id, perspective, direction in rows:
        for target in (code_id, *ancestors.get(code_id, ())):
            found.setdefault((target, perspective, direction), set()).add(case_id)
    return found


def _usernames(session: Session, user_ids: Collection[int], ordered: bool = True) -> Any:
    """The users' names, sorted (``ordered=False``: user id -> name)."""
    if not user_ids:
        return () if ordered else {}
    names: dict[int, str] = {uid: name for uid, name in session.execute(
        select(User.id, User.username).where(User.id.in_(user_ids)))}
    return tuple(sorted(names.values())) if ordered else names
