"""The interviewees page: each interviewee with the transcripts they appear in, and the roles in use (offered
when a role is typed). Two queries for the list, one for the roles."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.models import Interviewee, Source, source_interviewees


@dataclass(frozen=True)
class IntervieweeRow:
    person: Interviewee
    sources: list[tuple[int, str]]   # (id, title) of the transcripts the interviewee appears in, by title


def interviewee_list(session: Session, project_id: int) -> list[IntervieweeRow]:
    """The project's interviewees by key, each with their transcripts."""
    people = session.scalars(select(Interviewee).where(Interviewee.project_id == project_id)
                             .order_by(Interviewee.key)).all()
    sources: dict[int, list[tuple[int, str]]] = {}
    for person_id, source_id, title in session.execute(
            select(source_interviewees.c.interviewee_id, Source.id, Source.title)
            .join(Source, Source.id == source_interviewees.c.source_id)
            .where(Source.project_id == project_id).order_by(Source.title, Source.id)):
        sources.setdefault(person_id, []).append((source_id, title))
    return [IntervieweeRow(person, sources.get(person.id, [])) for person in people]


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
