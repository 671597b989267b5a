"""The disagreement list of double coding: per case and code, which coders' codings put the code in
the case and which did not (case-level presence, ``agreement.case_level``), with the excerpts behind
it and the owner's reconciliation decision so far."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casecoder.analysis.agreement import agreement_codes, case_level, coder_users
from casecoder.analysis.double_coding import reconciliation_codings
from casecoder.analysis.evidence import CountFilter
from casecoder.models import Case, Code, Excerpt, Project, Reconciliation, Source


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


@dataclass
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
    """Every case x code on which the chosen coders' presence values differ, by case then code."""
    coders = coder_users(session, coder_names)
    codes = agreement_codes(session, project, code_keys, hypothesis)
    rows, _ = case_level(session, project, coders, codes, f)
    case_ids = dict(session.execute(select(Case.key, Case.id).where(Case.project_id == project.id)).all())
    code_ids = {c.key: c.id for c in codes}
    found: list[Disagreement] = []
    for row in rows:
        for j, case_key in enumerate(row.unit_keys):
            values = [(u.username, row.matrix[i][j]) for i, u in enumerate(coders) if not math.isnan(row.matrix[i][j])]
            if len({v for _, v in values}) > 1:
                found.append(Disagreement(case_ids[case_key], case_key, code_ids[row.key], row.key,
                                          tuple(n for n, v in values if v == 1), tuple(n for n, v in values if v == 0)))
    found.sort(key=lambda d: d.case_key)
    decisions = {(r.case_id, r.code_id): r for r in session.scalars(
        select(Reconciliation).where(Reconciliation.project_id == project.id))}
    names = {u.id for u in coders}
    for d in found:
        d.decision = decisions.get((d.case_id, d.code_id))
        codings = [c for c in reconciliation_codings(session, project.id, d.case_id, d.code_id) if c.coder_id in names]
        loaded = {e.id: e for e in session.scalars(
            select(Excerpt).where(Excerpt.id.in_({c.excerpt_id for c in codings}))
            .options(selectinload(Excerpt.source).load_only(Source.title)))}
        for c in codings:
            e = loaded[c.excerpt_id]
            d.excerpts.append(ExcerptLine(e.id, e.source_id, e.source.title, e.text, e.start_offset, e.end_offset,
                                          c.coder.username, session.get(Code, c.code_id).key,  # type: ignore[union-attr]
                                          c.direction.value, c.of_record))
        d.excerpts.sort(key=lambda x: (x.source_title, x.start, x.coder))
    return found


