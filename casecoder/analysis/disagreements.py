"""The disagreement list of double coding: per case and code, which coders' codings put the code in
the case and which did not (case-level presence, ``agreement.case_matrices``), with the excerpts behind
it and the owner's reconciliation decision so far."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casecoder.analysis.agreement import agreement_codes, case_matrices, coder_users
from casecoder.analysis.double_coding import double_coded_source_ids
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.sql_helpers import among, driver_rows
from casecoder.kernel.double_coding import code_and_below
from casecoder.models import Case, Code, Coding, Excerpt, Project, Reconciliation, Source, source_cases


@dataclass(frozen=True)
class ExcerptLine:
    excerpt_id: int
    source_id: int
    source_title: str
    text: str
    start: int
    end: int
    coder: str
    code: str
    direction: str
    of_record: bool


@dataclass(slots=True)
class Disagreement:
    case_id: int
    case_key: str
    code_id: int
    code_key: str
    coded: tuple[str, ...]          # coders whose codings put the code in the case
    not_coded: tuple[str, ...]      # coders who took part but whose codings did not
    excerpts: list[ExcerptLine] = field(default_factory=list)
    decision: Reconciliation | None = None


def disagreements(session: Session, project: Project, coder_names: Sequence[str], code_keys: Sequence[str] = (),
                  hypothesis: str | None = None, f: CountFilter = CountFilter()) -> list[Disagreement]:
    """Every case x code on which the chosen coders' presence values differ, by case then code, each with
    its excerpts."""
    found = find_disagreements(session, project, coder_names, code_keys, hypothesis, f)
    add_excerpts(session, project.id, found, coder_names)
    return found


def find_disagreements(session: Session, project: Project, coder_names: Sequence[str], code_keys: Sequence[str] = (),
                       hypothesis: str | None = None, f: CountFilter = CountFilter()) -> list[Disagreement]:
    """``disagreements`` without their excerpts (``add_excerpts`` reads them for one page of them)."""
    coders = coder_users(session, coder_names)
    codes = agreement_codes(session, project, code_keys, hypothesis)
    keys, matrices = case_matrices(session, project, coders, codes, f)
    case_ids = dict(session.execute(select(Case.key, Case.id).where(Case.project_id == project.id)).all())
    names = [u.username for u in coders]
    base3 = 3 ** np.arange(len(names), dtype=np.int64)
    decisions = {(r.case_id, r.code_id): r for r in session.scalars(
        select(Reconciliation).where(Reconciliation.project_id == project.id))}
    # a 1 and a 0 among those who took part; by case key (the matrices' cases are in key order), then code
    split = ((matrices == 1).any(axis=1) & (matrices == 0).any(axis=1)).T
    at_case, at_code = np.nonzero(split)
    values = matrices[at_code, :, at_case]                    # disagreements x coders
    patterns = np.where(np.isnan(values), 2, values).astype(np.int64) @ base3
    sides: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # a column's values in base 3 -> who is on each side
    for pattern, row in zip(patterns.tolist(), values.tolist()):
        if pattern not in sides:
            sides[pattern] = (tuple(n for n, v in zip(names, row) if v == 1), tuple(n for n, v in zip(names, row) if v == 0))
    code_of = [(code.id, code.key) for code in codes]
    found: list[Disagreement] = []
    for j, t, pattern in zip(at_case.tolist(), at_code.tolist(), patterns.tolist()):
        code_id, code_key = code_of[t]
        case_id = case_ids[keys[j]]
        found.append(Disagreement(case_id, keys[j], code_id, code_key, *sides[pattern],
                                  decision=decisions.get((case_id, code_id))))
    return found


def add_excerpts(session: Session, project_id: int, found: list[Disagreement], coder_names: Sequence[str]) -> None:
    """Each disagreement's excerpts: the chosen coders' codings a decision on it governs
    (``double_coding.reconciliation_codings``: of the code or a sub-code, on excerpts about the case in
    its double-coded sources), read for every disagreement in one query instead of four per disagreement."""
    if not found:
        return
    coders = {u.id: u.username for u in coder_users(session, coder_names)}
    tree = session.execute(select(Code.id, Code.parent_id, Code.key).where(Code.project_id == project_id)).all()
    parents = [(code_id, parent_id) for code_id, parent_id, _ in tree]
    key_of = {code_id: key for code_id, _, key in tree}
    below = {code_id: set(code_and_below(code_id, parents)) for code_id in {d.code_id for d in found}}
    case_ids = {d.case_id for d in found}
    about = driver_rows(session, select(source_cases.c.source_id).where(source_cases.c.case_id.in_(case_ids)))
    double = double_coded_source_ids(session, project_id, {s for s, in about})  # only these sources
    if not double:
        return
    # Two small reads instead of one join: the excerpts about the cases in their double-coded sources (a few
    # hundred), then those excerpts' codings by the chosen coders. As one join PostgreSQL misjudged the
    # coders' codings (15 rows for 73,000) and read all ~290,000 of them for a hash join (~45 ms).
    def about_cases(*columns: Any) -> Select[Any]:
        return (select(*columns).join(source_cases, (source_cases.c.source_id == Excerpt.source_id)
                                      & (source_cases.c.case_id == Excerpt.case_id))
                .where(Excerpt.source_id.in_(sorted(double)), Excerpt.case_id.in_(case_ids)))
    excerpts = {row[0]: row[1:] for row in driver_rows(session, about_cases(
        Excerpt.id, Excerpt.case_id, Excerpt.source_id, Excerpt.text, Excerpt.start_offset, Excerpt.end_offset))}
    if not excerpts:
        return
    # their ids as one array on PostgreSQL; on SQLite (a parameter per id, thousands for every disagreement) as
    # the same query again
    postgres = session.connection().dialect.name == "postgresql"
    of_excerpts = among(session, Coding.excerpt_id, excerpts) if postgres else Coding.excerpt_id.in_(about_cases(Excerpt.id))
    titles = dict(driver_rows(session, select(Source.id, Source.title).where(Source.id.in_(sorted(double)))))
    wanted = set().union(*below.values())
    by_case: dict[int, list[tuple[int, ExcerptLine]]] = {}
    query = (select(Coding.excerpt_id, Coding.code_id, Coding.coder_id, Coding.direction, Coding.of_record)
             .where(of_excerpts, Coding.coder_id.in_(sorted(coders)))
             .order_by(Coding.id))  # the codes are picked below: as a condition, SQLite probed code by code
    for excerpt_id, code_id, coder_id, direction, of_record in driver_rows(session, query):
        if code_id in wanted:  # the driver's values: direction as stored, of_record 0/1 on SQLite
            case_id, source_id, text, start, end = excerpts[excerpt_id]
            by_case.setdefault(case_id, []).append((code_id, ExcerptLine(
                excerpt_id, source_id, titles[source_id], text, start, end, coders[coder_id], key_of[code_id],
                direction, bool(of_record))))
    for d in found:
        codes = below[d.code_id]
        d.excerpts = [line for code_id, line in by_case.get(d.case_id, ()) if code_id in codes]
        d.excerpts.sort(key=lambda x: (x.source_title, x.start, x.coder))
