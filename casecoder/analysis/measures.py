"""The six measures as queries and set algebra, generated from their one declaration (kernel/measures.py).

Three ways to a measure's n, each built from ``MEASURES`` (tests/analysis/test_measures.py holds them
to the declaration and to each other):

* ``cells_query`` + ``cell_params``: per code, the cases of ``tally_cells`` summed over the masks that
  satisfy each measure (a bind parameter per group of pairs, so one statement serves every direction
  set); ``default_query_columns`` reads ``tally_default``, the same measures for the default set;
* ``keys_query`` + ``measures_of_masks``: ``tally_cells`` with the cases' keys, from ``case_code_evidence``
  (one row per case and code, sub-codes rolled up), for the case-key tally that ``tally_cells``
  would serve; ``case_keys_query`` gives the denominators' keys, ``occurs_query`` the cases of each
  code and pair (the chains and the statement graph);
* ``pair_mask`` + ``measures_of_masks``: the case-key query (``case_masks.measure_keys``) computes the
  mask of each (case, code) from ``evidence_summary``; the measures of a mask are looked up;
* ``measure_cases``: set algebra over collected evidence (``evidence.collect``), for the filters
  only the codings can answer, the matrix, co-occurrence and chains.

The denominators likewise: ``denominator_cases`` over collected evidence, ``denominators_query``
over ``case_sources``.
"""
from __future__ import annotations

from typing import Any, Iterable, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    func,
    literal_column,
    select,
)
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.elements import KeyedColumnElement

from casecoder.kernel.measures import (
    BITS,
    BY_NAME,
    DENOMINATORS,
    MEASURES,
    NAMES,
    Measure,
    measures_of_masks,
)
from casecoder.models import Case, CaseCodeEvidence, CaseSources, TallyCell, TallyDefault
from casecoder.models.derived.tally_cells import COLUMNS, DEFAULT_MEASURES  # n_family, ... in NAMES order

__all__ = ["NAMES", "MEASURES", "measures_of_masks", "measure_cases", "measure_case_sets", "denominator_cases",
           "denominator_sets", "cells_query", "cell_params", "default_query_columns", "denominators_query",
           "pair_mask", "keys_query", "case_keys_query", "occurs_query", "KEYS_SEP"]


class CollectedEvidence(Protocol):
    """What set algebra needs of ``evidence.Evidence``."""
    with_source: dict[str, frozenset[int]]

    def cases(self, code_id: int, perspectives: Iterable[str] = ..., directions: Iterable[str] = ...
              ) -> frozenset[int]: ...

    @property
    def any_cases(self) -> frozenset[int]: ...


# --------------------------------------------------------------------------------------------
# set algebra over collected evidence


def measure_cases(ev: CollectedEvidence, code_id: int, measure: Measure | str,
                  chosen: Iterable[str]) -> frozenset[int]:
    """The cases in which ``measure`` holds for the code: those with evidence of every group."""
    m = BY_NAME[measure] if isinstance(measure, str) else measure
    directions = m.directions_for(chosen)
    return frozenset.intersection(*(ev.cases(code_id, group, directions) for group in m.perspective_groups()))


def measure_case_sets(ev: CollectedEvidence, code_id: int, chosen: Iterable[str]) -> dict[str, frozenset[int]]:
    """Every measure's cases for the code, in ``NAMES`` order."""
    chosen = tuple(chosen)
    return {m.name: measure_cases(ev, code_id, m, chosen) for m in MEASURES}


def denominator_cases(ev: CollectedEvidence, name: str) -> frozenset[int]:
    """The selected cases with a source of every perspective the denominator needs (none: all of them)."""
    needs = DENOMINATORS[name]
    if not needs:
        return ev.any_cases
    return frozenset.intersection(*(ev.with_source[p] for p in needs))


def denominator_sets(ev: CollectedEvidence) -> dict[str, frozenset[int]]:
    """Every denominator's cases: family, system, both, any."""
    return {name: denominator_cases(ev, name) for name in DENOMINATORS}


# --------------------------------------------------------------------------------------------
# tally_cells, tally_default and case_sources (the counts-only tally)


def _param(measure: Measure, group: int) -> str:
    return f"{measure.name}_{group}"


def cells_query() -> Select:
    """Per code, the cases summed over the masks that satisfy each measure (in ``NAMES`` order): a mask
    satisfies it when it has a bit of every group (the groups' bits are parameters, ``cell_params``)."""
    sums = []
    for m in MEASURES:
        hit = and_(*[TallyCell.mask.op("&")(bindparam(_param(m, i), type_=Integer)) != 0
                     for i in range(len(m.perspective_groups()))])
        sums.append(func.sum(case((hit, TallyCell.cases), else_=0)))
    return (select(TallyCell.code_id, *sums).where(TallyCell.project_id == bindparam("project_id"))
            .group_by(TallyCell.code_id))


KEYS_SEP = "\x1f"   # between the case keys ``keys_query`` gathers (a key is letters, digits, '.', '_', '-')


def keys_query(ordered: bool = False) -> Select:
    """Per code with evidence (``case_code_evidence``: of record, sub-codes rolled up), the keys of its
    cases and the mask of each, as two strings joined by ``KEYS_SEP`` in the same order (the
    caller picks each measure's cases with ``measures_of_masks``, for any direction set). The bits
    are written into the SQL, as in the triggers. ``ordered``: in code point order of the keys
    (PostgreSQL; SQLite learnt ORDER BY in an aggregate only in 3.44), else in no particular order."""
    E = CaseCodeEvidence.__table__.c
    zero: ColumnElement[int] = literal_column("0")
    mask = sum((case((E[column] > zero, literal_column(str(BITS[pair]))), else_=zero)
                for pair, column in zip(BITS, COLUMNS)), start=zero)
    aggregates: list[ColumnElement[str]] = [func.aggregate_strings(Case.key, KEYS_SEP),
                                            func.aggregate_strings(cast(mask, String), KEYS_SEP)]
    if ordered:
        aggregates = [agg.aggregate_order_by(Case.key.collate("C")) for agg in aggregates]
    keys, masks = aggregates
    return (select(E.code_id, keys, masks).join(Case, Case.id == E.case_id)
            .where(E.project_id == bindparam("project_id")).group_by(E.code_id))


def occurs_query() -> Select:
    """Per code with evidence (``case_code_evidence``: of record, sub-codes rolled up), for each pair
    (``BITS`` order) the ids of the cases with evidence of it joined by ``KEYS_SEP`` (NULL: none): what
    ``evidence.collect`` gathers into ``Evidence.occurs``, in one row per code."""
    E = CaseCodeEvidence.__table__.c
    zero: ColumnElement[int] = literal_column("0")
    return (select(E.code_id, *[func.aggregate_strings(case((E[column] > zero, cast(E.case_id, String))), KEYS_SEP)
                                for column in COLUMNS])
            .where(E.project_id == bindparam("project_id")).group_by(E.code_id))


def case_keys_query() -> Select:
    """Every case of the project: its key and how many family and system sources it has (``case_sources``)."""
    C = CaseSources
    return (select(Case.key, func.coalesce(C.family, 0), func.coalesce(C.system, 0))
            .outerjoin(C, and_(C.project_id == Case.project_id, C.case_id == Case.id))
            .where(Case.project_id == bindparam("project_id")))


def cell_params(chosen: Iterable[str]) -> dict[str, int]:
    """The bind parameters of ``cells_query`` for a direction set: each group's bits."""
    chosen = tuple(chosen)
    return {_param(m, i): bits for m in MEASURES for i, bits in enumerate(m.bit_groups(chosen))}


def default_query_columns() -> list[KeyedColumnElement[int]]:
    """``tally_default``'s columns of the measures, in ``NAMES`` order (the default direction set)."""
    return [TallyDefault.__table__.c[column] for column in DEFAULT_MEASURES]


def denominators_query() -> Select:
    """Every denominator (in ``DENOMINATORS`` order) over the project's ``case_sources``: the cases with
    a source of each perspective it needs, or every case of the project when it needs none."""
    C = CaseSources
    columns: list[ColumnElement[int]] = []
    for needs in DENOMINATORS.values():
        if needs:
            has = and_(*[C.__table__.c[p] > 0 for p in needs])
            columns.append(func.coalesce(func.sum(case((has, 1), else_=0)), 0))
        else:
            columns.append(select(func.count()).select_from(Case)
                           .where(Case.project_id == bindparam("project_id")).scalar_subquery())
    return select(*columns).where(C.project_id == bindparam("project_id"))


# --------------------------------------------------------------------------------------------
# evidence_summary (the case keys)


def pair_mask(summary: ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]) -> ColumnElement[int]:
    """The mask of the pairs the grouped rows of ``summary`` (``evidence_summary``'s columns) have: the sum of
    the distinct bits of the rows (each pair's bit a distinct power of two, so their distinct sum is their
    ``|``; ``bit_or`` is not portable), the bit picked by perspective, then direction."""
    by_perspective: dict[str, list[tuple[ColumnElement[str], ColumnElement[int]]]] = {}
    for (perspective, direction), bit in BITS.items():   # written into the SQL, as in the triggers
        by_perspective.setdefault(perspective, []).append((literal_column(f"'{direction}'"), literal_column(str(bit))))
    bit_of_row = case(*[(literal_column(f"'{p}'"), case(*bits, value=summary.direction))
                        for p, bits in by_perspective.items()], value=summary.perspective)
    return func.sum(distinct(bit_of_row))
