"""The project's excerpt list: one filtered, paged query (filters combine with AND).

The code, coder and direction filters apply to the same coding: "excerpts that coder X coded
with code Y (or a sub-code) as contradicting" is one condition, not three.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from casecoder.models import (
    Case,
    Code,
    Coding,
    Direction,
    Excerpt,
    ExcerptMemo,
    Interviewee,
    Perspective,
    Source,
    source_interviewees,
)


@dataclass
class ExcerptFilter:
    """Empty tuples mean "any". The tally pages link here with the exact filters behind a number."""
    code_id: int | None = None
    include_subcodes: bool = True
    case_ids: tuple[int, ...] = ()
    municipalities: tuple[str, ...] = ()
    perspective: Perspective | None = None
    roles: tuple[str, ...] = ()
    coder_ids: tuple[int, ...] = ()
    directions: tuple[Direction, ...] = ()
    text: str | None = None
    source_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    blind_source_ids: frozenset[int] = frozenset()   # blind double coding: on these sources the viewer
    viewer_id: int | None = None                      # sees only excerpts and codings of their own


@dataclass
class ExcerptPage:
    excerpts: list[Excerpt]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def code_and_descendants(session: Session, code_id: int) -> list[int]:
    """The code and every code below it, in one recursive query."""
    tree = select(Code.id).where(Code.id == code_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Code.id).join(tree, Code.parent_id == tree.c.id))
    return list(session.scalars(select(tree.c.id)))


def excerpt_query(session: Session, project_id: int, f: ExcerptFilter) -> Select[Excerpt]:
    query = select(Excerpt).join(Source, Source.id == Excerpt.source_id).where(Excerpt.project_id == project_id)
    coding_conditions: list[ColumnElement[bool]] = []
    if f.code_id is not None:
        ids = code_and_descendants(session, f.code_id) if f.include_subcodes else [f.code_id]
        coding_conditions.append(Coding.code_id.in_(ids))
    if f.coder_ids:
        coding_conditions.append(Coding.coder_id.in_(f.coder_ids))
    if f.directions:
        coding_conditions.append(Coding.direction.in_(f.directions))
    blind = f.blind_source_ids and f.viewer_id is not None
    if blind:  # another coder's codings on a blind source must neither show nor select
        if coding_conditions:
            coding_conditions.append(or_(Excerpt.source_id.not_in(f.blind_source_ids),
                                         Coding.coder_id == f.viewer_id))
        query = query.where(or_(Excerpt.source_id.not_in(f.blind_source_ids), Excerpt.created_by_id == f.viewer_id,
                                exists().where(Coding.excerpt_id == Excerpt.id, Coding.coder_id == f.viewer_id)))
    if coding_conditions:
        query = query.where(exists().where(Coding.excerpt_id == Excerpt.id, *coding_conditions))
    if f.case_ids:
        query = query.where(Excerpt.case_id.in_(f.case_ids))
    if f.municipalities:
        query = query.where(Excerpt.case_id.in_(select(Case.id).where(Case.municipality.in_(f.municipalities))))
    if f.perspective is not None:
        query = query.where(Source.perspective == f.perspective)
    if f.roles:
        query = query.where(exists().where(and_(
            source_interviewees.c.source_id == Excerpt.source_id,
            source_interviewees.c.interviewee_id == Interviewee.id, Interviewee.role.in_(f.roles))))
    if f.date_from is not None:
        query = query.where(Source.interview_date >= f.date_from)
    if f.date_to is not None:
        query = query.where(Source.interview_date <= f.date_to)
    if f.source_id is not None:
        query = query.where(Excerpt.source_id == f.source_id)
    if f.text and f.text.strip():
        pattern = f"%{_escape_like(f.text.strip().lower())}%"
        memo = exists().where(ExcerptMemo.excerpt_id == Excerpt.id,
                              func.lower(ExcerptMemo.text).like(pattern, escape="\\"))
        if f.blind_source_ids:  # on a source coded blind only the viewer's own memo is searched
            memo = memo.where(or_(Excerpt.source_id.not_in(f.blind_source_ids),
                                  ExcerptMemo.user_id == f.viewer_id))
        query = query.where(or_(func.lower(Excerpt.text).like(pattern, escape="\\"), memo))
    return query


def list_excerpts(session: Session, project_id: int, f: ExcerptFilter, page: int = 1,
                  per_page: int = 50) -> ExcerptPage:
    query = excerpt_query(session, project_id, f)
    page = max(1, page)
    # one grouped pass gives the total and the transcript titles the page falls in (the list is in
    # title order); the page itself then reads only those transcripts' excerpts instead of sorting all
    per_title = session.execute(query.with_only_columns(Source.title, func.count()).group_by(Source.title)
                                .order_by(Source.title)).all()
    total, skip, before, titles = 0, (page - 1) * per_page, 0, list[str]()
    for title, n in per_title:
        if total + n > skip and total < skip + per_page:
            before = before if titles else total
            titles.append(title)
        total += n
    rows = [] if not titles else session.scalars(
        query.where(Source.title.in_(titles)).options(selectinload(Excerpt.codings).selectinload(Coding.code),
                      selectinload(Excerpt.codings).selectinload(Coding.coder),
                      selectinload(Excerpt.memos).selectinload(ExcerptMemo.user),
                      selectinload(Excerpt.source).load_only(Source.title, Source.perspective),  # no text
                      selectinload(Excerpt.case))
        .order_by(Source.title, Excerpt.start_offset, Excerpt.id)
        .limit(per_page).offset(skip - before)).all()
    return ExcerptPage(list(rows), total, page, per_page)


def filter_choices(session: Session, project_id: int) -> dict[str, list]:
    """The values the filter form offers: municipalities, interviewee roles, coders."""
    from casecoder.models import User
    return {
        "municipalities": list(session.scalars(select(Case.municipality).where(Case.project_id == project_id)
                                               .distinct().order_by(Case.municipality))),
        "roles": list(session.scalars(select(Interviewee.role).where(Interviewee.project_id == project_id)
                                      .distinct().order_by(Interviewee.role))),
        "coders": list(session.execute(  # a probe per user (stops at the first coding), not every coding
            select(User.id, User.username).where(exists().where(  # the excerpt looked up by its key: SQLite
                Coding.coder_id == User.id,                         # would otherwise scan the project's excerpts
                select(Excerpt.project_id).where(Excerpt.id == Coding.excerpt_id).scalar_subquery() == project_id))
            .order_by(User.username)).all()),
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
