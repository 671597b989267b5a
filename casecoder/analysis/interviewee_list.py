"""The interviewees page: one page of the interviewees, each with the transcripts they appear in, and the roles
in use (offered when a role is typed). Three queries for the list (the count, the page, its transcripts), one
for the roles."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.analysis.lookups import Page, page_count
from casecoder.models import Interviewee, Source, source_interviewees

PAGE = 100   # interviewees per page


@dataclass(frozen=True)
class IntervieweeRow:
    person: Interviewee
    sources: list[tuple[int, str]]   # (id, title) of the transcripts the interviewee appears in, by title


def interviewee_list(session: Session, project_id: int, page: int = 1, per_page: int = PAGE) -> Page[IntervieweeRow]:
    """One page of the project's interviewees by key, each with their transcripts (read for the page only)."""
    total = session.scalar(select(func.count(Interviewee.id)).where(Interviewee.project_id == project_id)) or 0
    pages = page_count(total, per_page)
    page = min(max(1, page), pages)
    people = session.scalars(select(Interviewee).where(Interviewee.project_id == project_id)
                             .order_by(Interviewee.key, Interviewee.id)
                             .limit(per_page).offset((page - 1) * per_page)).all()
    sources: dict[int, list[tuple[int, str]]] = {}
    if people:
        for person_id, source_id, title in session.execute(
                select(source_interviewees.c.interviewee_id, Source.id, Source.title)
                .join(Source, Source.id == source_interviewees.c.source_id)
                .where(source_interviewees.c.interviewee_id.in_([p.id for p in people]))
                .order_by(Source.title, Source.id)):
            sources.setdefault(person_id, []).append((source_id, title))
    return Page([IntervieweeRow(person, sources.get(person.id, [])) for person in people], page, pages, total)


def interviewee_sources(session: Session, person_id: int) -> list[tuple[int, str]]:
    """(id, title) of the transcripts one interviewee appears in (the delete confirmation)."""
    return [(id_, title) for id_, title in session.execute(
        select(Source.id, Source.title).join(source_interviewees, source_interviewees.c.source_id == Source.id)
        .where(source_interviewees.c.interviewee_id == person_id).order_by(Source.title, Source.id))]


def roles_in_use(session: Session, project_id: int) -> list[str]:
    """The roles written for the project's interviewees, each once, most used first, then by name."""
    rows = session.execute(select(Interviewee.role, func.count(Interviewee.id))
                           .where(Interviewee.project_id == project_id).group_by(Interviewee.role)).all()
    return [role for role, _n in sorted(rows, key=lambda r: (-r[1], r[0].casefold(), r[0]))]
