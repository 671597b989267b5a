"""The project overview page's two tables in plain columns: every case with the perspectives of its
transcripts, every transcript with its case keys, interviewee roles and excerpt count.

Grouped queries over the link tables instead of ORM objects with their relationships loaded: a project of
1,000 cases and 3,000 transcripts loaded every transcript's whole text twice (about 90 MB on the large
benchmark project) for a page that shows titles.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.models import Case, Excerpt, Interviewee, Perspective, Source, source_cases, source_interviewees


@dataclass(frozen=True)
class CaseLine:
    id: int
    key: str
    municipality: str
    memo: str
    perspectives: tuple[str, ...]   # the perspective values of its transcripts, sorted, each once


@dataclass(frozen=True)
class SourceLine:
    id: int
    title: str
    perspective: Perspective
    interview_date: date | None
    cases: tuple[str, ...]          # case keys, by key
    roles: tuple[str, ...]          # the interviewees' roles, by interviewee key
    excerpts: int


def overview_cases(session: Session, project_id: int) -> list[CaseLine]:
    """The project's cases by municipality and key."""
    perspectives: dict[int, set[str]] = {}
    for case_id, perspective in session.execute(
            select(source_cases.c.case_id, Source.perspective).distinct()
            .join(Source, Source.id == source_cases.c.source_id).where(Source.project_id == project_id)):
        perspectives.setdefault(case_id, set()).add(perspective.value)
    return [CaseLine(id_, key, municipality, memo or "", tuple(sorted(perspectives.get(id_, ()))))
            for id_, key, municipality, memo in session.execute(
                select(Case.id, Case.key, Case.municipality, Case.memo).where(Case.project_id == project_id)
                .order_by(Case.municipality, Case.key))]


def overview_sources(session: Session, project_id: int) -> list[SourceLine]:
    """The project's transcripts by title, without their texts."""
    cases: dict[int, list[str]] = {}
    for source_id, key in session.execute(
            select(source_cases.c.source_id, Case.key).join(Case, Case.id == source_cases.c.case_id)
            .where(Case.project_id == project_id).order_by(Case.key)):
        cases.setdefault(source_id, []).append(key)
    roles: dict[int, list[str]] = {}
    for source_id, role in session.execute(
            select(source_interviewees.c.source_id, Interviewee.role)
            .join(Interviewee, Interviewee.id == source_interviewees.c.interviewee_id)
            .where(Interviewee.project_id == project_id).order_by(Interviewee.key)):
        roles.setdefault(source_id, []).append(role)
    excerpts = (select(func.count(Excerpt.id)).where(Excerpt.source_id == Source.id)  # per transcript: its index
                .correlate(Source).scalar_subquery())
    return [SourceLine(id_, title, perspective, interview_date, tuple(cases.get(id_, ())), tuple(roles.get(id_, ())),
                       n or 0)
            for id_, title, perspective, interview_date, n in session.execute(
                select(Source.id, Source.title, Source.perspective, Source.interview_date, excerpts)
                .where(Source.project_id == project_id).order_by(Source.title, Source.id))]
