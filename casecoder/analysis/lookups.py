"""The small reads the web pages need: a project's cases, sources, codes and members, key → id maps,
the municipalities, the paged audit log and pseudonym hits. One query per need, never one per row."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Row, Select, and_, bindparam, func, select, text
from sqlalchemy.orm import Session, selectinload

from casecoder.models import (
    Case,
    CaseAttribute,
    Chain,
    Code,
    CodeRelation,
    HitStatus,
    Interviewee,
    Membership,
    Project,
    PseudonymHit,
    Role,
    Source,
    User,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows: ``page`` is 1-based, ``pages`` at least 1, ``total`` the rows on every page."""
    rows: list[T]
    page: int
    pages: int
    total: int


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def ping(session: Session) -> None:
    """Raises when the database does not answer (the health check)."""
    session.execute(text("SELECT 1"))


# --- projects and members ---

def membership(session: Session, slug: str, user_id: int) -> tuple[Project, Role] | None:
    """The project with ``slug`` and the user's role in it, or None for a non-member (one query: every request)."""
    return session.execute(
        select(Project, Membership.role).join(Membership, Membership.project_id == Project.id)
        .where(Project.slug == slug, Membership.user_id == user_id)).first()


def _user_with_membership() -> Select[User, Project, Role]:
    users, members, projects = User.__table__, Membership.__table__, Project.__table__
    member_of = members.join(projects, and_(projects.c.id == members.c.project_id,
                                            projects.c.slug == bindparam("slug")))
    return (select(User, Project, Membership.role).select_from(users.outerjoin(member_of, members.c.user_id == users.c.id))
            .where(User.id == bindparam("user_id")))


USER_WITH_MEMBERSHIP = _user_with_membership()  # built once: every request to a project's address runs it


def user_with_membership(session: Session, user_id: int, slug: str) -> tuple[User, Project | None, Role | None] | None:
    """The user, with the project ``slug`` and their role in it (None, None for a non-member), in one query:
    a request to a project's address needs both (web/__init__.py loads the user with it)."""
    row = session.execute(USER_WITH_MEMBERSHIP, {"user_id": user_id, "slug": slug}).first()
    return None if row is None else (row[0], row[1], row[2])


def user_projects(session: Session, user_id: int) -> list[tuple[Project, Role]]:
    """The projects a user is a member of, with the role, by title."""
    return list(session.execute(
        select(Project, Membership.role).join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user_id).order_by(Project.title)).all())


def members(session: Session, project_id: int) -> list[tuple[Membership, User]]:
    """A project's memberships with their users, by user name."""
    return list(session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.project_id == project_id).order_by(User.username)).all())


# --- cases, interviewees and sources ---

def municipalities(session: Session, project_id: int) -> list[str]:
    """The project's municipalities, each once, sorted."""
    return sorted(set(session.scalars(select(Case.municipality).where(Case.project_id == project_id))))


def cases(session: Session, project_id: int) -> Sequence[Row[int, str, str]]:
    """The project's cases by key as (id, key, municipality) rows: the transcript form's choices, without
    loading 1,000 cases as objects (most of the upload form's CPU on the large project)."""
    return session.execute(select(Case.id, Case.key, Case.municipality).where(Case.project_id == project_id)
                           .order_by(Case.key)).all()


def case_choices(session: Session, project_id: int) -> Sequence[Row[int, str]]:
    """The project's cases by key as (id, key) rows: a drop-down's choices, without loading the cases."""
    return session.execute(select(Case.id, Case.key).where(Case.project_id == project_id).order_by(Case.key)).all()


def case_ids(session: Session, project_id: int) -> dict[str, int]:
    """Case key → id."""
    return {key: id_ for key, id_ in session.execute(
        select(Case.key, Case.id).where(Case.project_id == project_id))}


def cases_by_id(session: Session, project_id: int, ids: Collection[int]) -> dict[int, Case]:
    """The project's cases among ``ids``, by id (ids of other projects are absent)."""
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Case).where(Case.project_id == project_id, Case.id.in_(ids)))}


def case_attributes(session: Session, case_id: int) -> list[CaseAttribute]:
    """A case's attribute values in the order of their definitions."""
    rows = session.scalars(select(CaseAttribute).where(CaseAttribute.case_id == case_id)
                           .options(selectinload(CaseAttribute.definition))).all()
    return sorted(rows, key=lambda a: a.definition.position)


def interviewees(session: Session, project_id: int) -> Sequence[Row[int, str, str]]:
    """The project's interviewees by key as (id, key, role) rows (the transcript form's choices, as ``cases``)."""
    return session.execute(select(Interviewee.id, Interviewee.key, Interviewee.role)
                           .where(Interviewee.project_id == project_id).order_by(Interviewee.key)).all()


def interviewees_by_id(session: Session, project_id: int, ids: Collection[int]) -> dict[int, Interviewee]:
    """The project's interviewees among ``ids``, by id (ids of other projects are absent)."""
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Interviewee).where(Interviewee.project_id == project_id,
                                                                       Interviewee.id.in_(ids)))}


def sources(session: Session, project_id: int) -> Sequence[Source]:
    """The project's sources by title."""
    return session.scalars(select(Source).where(Source.project_id == project_id).order_by(Source.title)).all()


def source_project_id(session: Session, source_id: int) -> int | None:
    """The project a source belongs to (None: no such source), without loading its text."""
    return session.scalar(select(Source.project_id).where(Source.id == source_id))


def source_choices(session: Session, project_id: int) -> Sequence[Row[int, str]]:
    """The project's sources by title as (id, title) rows: a drop-down's choices, without the texts (read from
    ix_sources_project_title alone)."""
    return session.execute(select(Source.id, Source.title).where(Source.project_id == project_id)
                           .order_by(Source.title, Source.id)).all()


def source_texts(session: Session, source_ids: Collection[int]) -> dict[int, str]:
    """Source id → its text."""
    if not source_ids:
        return {}
    return {id_: text_ for id_, text_ in session.execute(
        select(Source.id, Source.text).where(Source.id.in_(source_ids)))}


# --- codes and chains ---

def codes(session: Session, project_id: int) -> list[Code]:
    """The project's codes in codebook order (position, then id)."""
    return list(session.scalars(select(Code).where(Code.project_id == project_id).order_by(Code.position, Code.id)))


def codable_codes(session: Session, project_id: int) -> Sequence[Code]:
    """The codes that can be applied to excerpts, in codebook order."""
    return session.scalars(select(Code).where(Code.project_id == project_id, Code.codable.is_(True))
                           .order_by(Code.position, Code.id)).all()


def top_codes(session: Session, project_id: int) -> Sequence[Code]:
    """The codes without a parent (the hypotheses), by position."""
    return session.scalars(select(Code).where(Code.project_id == project_id, Code.parent_id.is_(None))
                           .order_by(Code.position)).all()


def code_by_key(session: Session, project_id: int, key: str) -> Code | None:
    return session.scalar(select(Code).where(Code.project_id == project_id, Code.key == key))


def analysis_note(session: Session, code_id: int) -> str:
    """The analyst's note of a code for the report chapter ("" when none)."""
    from casecoder.models.report import AnalysisNote
    return session.scalar(select(AnalysisNote.text).where(AnalysisNote.code_id == code_id)) or ""


def code_relations(session: Session, code_id: int) -> Sequence[CodeRelation]:
    """The relations from or to a code."""
    return session.scalars(select(CodeRelation).where(
        (CodeRelation.source_code_id == code_id) | (CodeRelation.target_code_id == code_id))).all()


def chain_titles(session: Session, project_id: int) -> set[str]:
    """The titles of the project's saved chains."""
    return set(session.scalars(select(Chain.title).where(Chain.project_id == project_id)))


# --- pseudonymisation ---

def hit_page(session: Session, project_id: int, status: HitStatus | None, page: int,
             per_page: int) -> Page[tuple[PseudonymHit, Source]]:
    """The pseudonym hits with their sources (by source title, then place), of one status (None: all);
    ``page`` is clamped to the pages there are."""
    query = select(PseudonymHit, Source).join(Source, Source.id == PseudonymHit.source_id).where(
        PseudonymHit.project_id == project_id)
    if status is not None:
        query = query.where(PseudonymHit.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = page_count(total, per_page)
    page = min(max(1, page), pages)
    rows = session.execute(query.order_by(Source.title, Source.id, PseudonymHit.start_offset)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), page, pages, total)
