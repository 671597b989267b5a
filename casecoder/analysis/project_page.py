"""The project overview page's two tables in plain columns, one page of rows each: cases with the
perspectives of their transcripts, transcripts with their case keys, interviewee roles and excerpt count.

Grouped queries over the link tables for the rows of the page only (``PAGE`` rows, exact totals): a project
of 1,000 cases and 3,000 transcripts rendered 4,000 rows and counted every excerpt for a page that shows
titles.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.analysis.lookups import Page, page_count
from casecoder.models import (
    Case,
    CaseSources,
    Interviewee,
    Perspective,
    Source,
    source_cases,
    source_interviewees,
)
from casecoder.models.derived.source_excerpts import SourceExcerpts

PAGE = 100   # rows per page of each table


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


def clamp(page: int, total: int, per_page: int = PAGE) -> tuple[int, int]:
    """(page, pages): ``page`` brought within 1..pages."""
    pages = page_count(total, per_page)
    return min(max(1, page), pages), pages


def overview_cases(session: Session, project_id: int, page: int = 1, per_page: int = PAGE) -> Page[CaseLine]:
    """One page of the project's cases by municipality and key."""
    total = session.scalar(select(func.count(Case.id)).where(Case.project_id == project_id)) or 0
    page, pages = clamp(page, total, per_page)
    cases = session.execute(select(Case.id, Case.key, Case.municipality, Case.memo)
                            .where(Case.project_id == project_id).order_by(Case.municipality, Case.key, Case.id)
                            .limit(per_page).offset((page - 1) * per_page)).all()
    perspectives: dict[int, tuple[str, ...]] = {}
    if cases:
        for case_id, family, system in session.execute(  # the trigger-kept counts per case (rows with a source)
                select(CaseSources.case_id, CaseSources.family, CaseSources.system)
                .where(CaseSources.project_id == project_id, CaseSources.case_id.in_([c.id for c in cases]))):
            perspectives[case_id] = tuple(sorted(
                p.value for p, n in ((Perspective.FAMILY, family), (Perspective.SYSTEM, system)) if n))
    return Page([CaseLine(id_, key, municipality, memo or "", perspectives.get(id_, ()))
                 for id_, key, municipality, memo in cases], page, pages, total)


def overview_sources(session: Session, project_id: int, page: int = 1, per_page: int = PAGE) -> Page[SourceLine]:
    """One page of the project's transcripts by title, without their texts."""
    total = session.scalar(select(func.count(Source.id)).where(Source.project_id == project_id)) or 0
    page, pages = clamp(page, total, per_page)
    rows = session.execute(select(Source.id, Source.title, Source.perspective, Source.interview_date)
                           .where(Source.project_id == project_id).order_by(Source.title, Source.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [r[0] for r in rows]
    cases: dict[int, list[str]] = {}
    roles: dict[int, list[str]] = {}
    excerpts: dict[int, int] = {}
    if ids:   # for the page's transcripts only (a count in the select list was also made for the rows skipped)
        # the trigger-kept count of each (models/derived/source_excerpts.py): a row per transcript, not a count
        # of its excerpts (the large project's page of 100 transcripts: 6,400 index entries, 2.9 ms on PostgreSQL)
        excerpts = dict(session.execute(select(SourceExcerpts.source_id, SourceExcerpts.excerpts)
                                        .where(SourceExcerpts.source_id.in_(ids))).all())
        for source_id, key in session.execute(
                select(source_cases.c.source_id, Case.key).join(Case, Case.id == source_cases.c.case_id)
                .where(source_cases.c.source_id.in_(ids)).order_by(Case.key)):
            cases.setdefault(source_id, []).append(key)
        for source_id, role in session.execute(
                select(source_interviewees.c.source_id, Interviewee.role)
                .join(Interviewee, Interviewee.id == source_interviewees.c.interviewee_id)
                .where(source_interviewees.c.source_id.in_(ids)).order_by(Interviewee.key)):
            roles.setdefault(source_id, []).append(role)
    return Page([SourceLine(id_, title, perspective, interview_date, tuple(cases.get(id_, ())),
                            tuple(roles.get(id_, ())), excerpts.get(id_, 0))
                 for id_, title, perspective, interview_date in rows], page, pages, total)
