"""Double coding, the read side: which sources are double-coded, the codings a reconciliation decision
governs, the owner's overview of the assignments, and who sees what in blind double coding (the rules:
kernel/double_coding.py; the writes: coding/double_coding.py).

A blind coder gets only what they may see: the excerpts of the source they created or have a coding
on, each with only their own codings (``visible_rows``, ``visible_json``); any other excerpt of the
source is None for them (the web answers 404). ``Blindness`` carries the same rule to the reads that
gather many sources at once (the quote bank, project bundle and .qdpx exports, agreement).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Collection, Iterable, Sequence, cast

from sqlalchemy import ColumnElement, exists, func, or_, select, true
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.lookups import Page, page_count
from casecoder.kernel.double_coding import code_and_below, codes_blind, double_coded, may_see
from casecoder.models import (
    Case,
    Code,
    Coding,
    DoubleCoding,
    Excerpt,
    Membership,
    Role,
    Source,
    User,
    double_coding_coders,
    source_cases,
)
from casecoder.models.derived.source_coder_codings import SourceCoderCodings


def double_coded_source_ids(session: Session, project_id: int, among: Collection[int] | None = None) -> set[int]:
    """Sources in double coding, plus sources coded by two or more coders (e.g. from a project bundle);
    ``among``: only these sources are asked about. Who coded where: ``source_coder_codings`` (kept by
    triggers, a row per source and coder with codings), not the codings."""
    marked = set(session.scalars(select(DoubleCoding.source_id).where(DoubleCoding.project_id == project_id)))
    if among is not None:
        marked &= set(among)
    T = SourceCoderCodings
    query = select(T.source_id, func.count()).where(T.project_id == project_id, T.codings > 0)
    if among is not None:
        query = query.where(T.source_id.in_(sorted(set(among) - marked)))
    coders = session.execute(query.group_by(T.source_id))
    return marked | {s for s, n in coders if double_coded(s in marked, n)}


def reconciliation_codings(session: Session, project_id: int, case_id: int, code_id: int) -> list[Coding]:
    """The codings a decision on (case, code) governs: of the code or a sub-code, on excerpts about the
    case in its double-coded sources."""
    codes = code_and_below(code_id, session.execute(
        select(Code.id, Code.parent_id).where(Code.project_id == project_id)))
    sources = double_coded_source_ids(session, project_id) & set(session.scalars(
        select(source_cases.c.source_id).where(source_cases.c.case_id == case_id)))
    return list(session.scalars(
        select(Coding).join(Excerpt, Excerpt.id == Coding.excerpt_id)
        .where(Excerpt.case_id == case_id, Excerpt.source_id.in_(sources), Coding.code_id.in_(codes))
        .order_by(Coding.id)))


# -- the owner's page ------------------------------------------------------------------------------

PAGE = 100   # transcripts per page of the double-coding page, and assignments per page of its list


@dataclass(frozen=True)
class SourceLine:
    id: int
    title: str
    cases: tuple[str, ...]    # case keys, by key


@dataclass(frozen=True)
class CaseItem:
    id: int
    key: str


@dataclass(frozen=True)
class AssignmentLine:
    source_id: int
    title: str                # the source's
    opened: bool
    coders: tuple[str, ...]   # user names, sorted


@dataclass(frozen=True)
class Overview:
    """The double-coding page in plain columns, the long lists one page each: the sources (title, case keys),
    the assignments of those and one page of all assignments, the cases, the coders (3,000 ORM sources with
    their cases loaded, all rendered, took most of the page's time)."""
    sources: Page[SourceLine]
    assignments: dict[int, AssignmentLine]   # source id -> its double coding (the sources on the page)
    assigned: Page[AssignmentLine]           # every double coding, by title
    cases: Sequence[CaseItem]
    coders: list[User]


def project_coders(session: Session, project_id: int, roles: Collection[Role]) -> list[User]:
    """The members with one of ``roles`` (those that may code: ``coding.permissions``), by user name."""
    return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.project_id == project_id, Membership.role.in_(roles))
                                .order_by(User.username)))


def overview(session: Session, project_id: int, coder_roles: Collection[Role], page: int = 1,
             assigned_page: int = 1, per_page: int = PAGE) -> Overview:
    total = session.scalar(select(func.count(Source.id)).where(Source.project_id == project_id)) or 0
    page = min(max(1, page), page_count(total, per_page))
    rows = session.execute(select(Source.id, Source.title).where(Source.project_id == project_id)
                           .order_by(Source.title, Source.id).limit(per_page).offset((page - 1) * per_page)).all()
    keys: dict[int, list[str]] = {}
    if rows:
        for source_id, key in session.execute(
                select(source_cases.c.source_id, Case.key).join(Case, Case.id == source_cases.c.case_id)
                .where(source_cases.c.source_id.in_([r[0] for r in rows])).order_by(Case.key)):
            keys.setdefault(source_id, []).append(key)
    sources = Page([SourceLine(id_, title, tuple(keys.get(id_, ()))) for id_, title in rows], page,
                   page_count(total, per_page), total)
    assigned = _assignments(session, project_id, assigned_page, per_page)
    on_page = {r[0] for r in rows}
    assignments = {a.source_id: a for a in assigned.rows if a.source_id in on_page}
    missing = on_page - set(assignments)   # on the page, not on the list's page: read them (if in double coding)
    if missing:
        assignments |= {a.source_id: a for a in _assignment_lines(session, project_id, missing)}
    cases = [CaseItem(id_, key) for id_, key in session.execute(
        select(Case.id, Case.key).where(Case.project_id == project_id).order_by(Case.key))]
    return Overview(sources, assignments, assigned, cases, project_coders(session, project_id, coder_roles))


def _assignments(session: Session, project_id: int, page: int, per_page: int) -> Page[AssignmentLine]:
    """One page of the project's double codings, by their source's title."""
    total = session.scalar(select(func.count(DoubleCoding.id)).where(DoubleCoding.project_id == project_id)) or 0
    page = min(max(1, page), page_count(total, per_page))
    ids = list(session.scalars(
        select(DoubleCoding.source_id).join(Source, Source.id == DoubleCoding.source_id)
        .where(DoubleCoding.project_id == project_id).order_by(Source.title, Source.id)
        .limit(per_page).offset((page - 1) * per_page)))
    return Page(_assignment_lines(session, project_id, ids), page, page_count(total, per_page), total)


def _assignment_lines(session: Session, project_id: int, source_ids: Collection[int]) -> list[AssignmentLine]:
    """The double codings of ``source_ids`` with their coders' names, by their source's title."""
    if not source_ids:
        return []
    names: dict[int, list[str]] = {}
    for source_id, username in session.execute(
            select(DoubleCoding.source_id, User.username)
            .join(double_coding_coders, double_coding_coders.c.assignment_id == DoubleCoding.id)
            .join(User, User.id == double_coding_coders.c.user_id)
            .where(DoubleCoding.source_id.in_(source_ids)).order_by(User.username)):
        names.setdefault(source_id, []).append(username)
    return [AssignmentLine(source_id, title, bool(opened), tuple(names.get(source_id, ())))
            for source_id, title, opened in session.execute(
                select(DoubleCoding.source_id, Source.title, DoubleCoding.opened)
                .join(Source, Source.id == DoubleCoding.source_id)
                .where(DoubleCoding.project_id == project_id, DoubleCoding.source_id.in_(source_ids))
                .order_by(Source.title, Source.id))]


def assignment_of(session: Session, source_id: int) -> DoubleCoding | None:
    return session.scalar(select(DoubleCoding).where(DoubleCoding.source_id == source_id))


def user_named(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


# -- blind coding: what a coder sees ---------------------------------------------------------------

def is_blind(session: Session, source_id: int, user: User, role: Role | None) -> bool:
    """Does ``user`` code the source blind (``kernel.double_coding.codes_blind``)?"""
    if role is Role.OWNER:
        return False
    assignment = assignment_of(session, source_id)
    return assignment is not None and codes_blind(role, assignment.opened, {u.id for u in assignment.coders}, user.id)


def blind_source_ids(session: Session, project_id: int, user: User, role: Role | None) -> frozenset[int]:
    """The sources of the project ``user`` codes blind (``is_blind`` for all of them in one query)."""
    if role is Role.OWNER:
        return frozenset()
    return frozenset(session.scalars(
        select(DoubleCoding.source_id).join(double_coding_coders,
                                            double_coding_coders.c.assignment_id == DoubleCoding.id)
        .where(DoubleCoding.project_id == project_id, DoubleCoding.opened.is_(False),
               double_coding_coders.c.user_id == user.id)))


def visible_excerpt(session: Session, user: User, role: Role | None, excerpt: Excerpt) -> Excerpt | None:
    """``excerpt``, or None when ``user`` codes its source blind and may not see it."""
    if is_blind(session, excerpt.source_id, user, role) and not may_see(
            user.id, excerpt.created_by_id, [c.coder_id for c in excerpt.codings]):
        return None
    return excerpt


def own_codings(data: dict[str, Any], username: str) -> dict[str, Any]:
    """An excerpt's JSON with only ``username``'s codings and memo."""
    return {**data, "codings": [c for c in data["codings"] if c["coder"] == username],
            "memos": [m for m in data.get("memos", []) if m["user"] == username]}


def visible_json(session: Session, user: User, role: Role | None, source_id: int,
                 data: dict[str, Any]) -> dict[str, Any]:
    """An excerpt's JSON as ``user`` may see it: with only their own codings when they code blind."""
    return own_codings(data, user.username) if is_blind(session, source_id, user, role) else data


def visible_rows(session: Session, user: User, role: Role | None, source_id: int,
                 rows: list[tuple[int | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The JSON of the source's excerpts ``user`` may see, from (created_by_id, excerpt JSON) pairs
    (``workbench.source_excerpt_rows``)."""
    return rows_seen(user, is_blind(session, source_id, user, role), rows)


def rows_seen(user: User, blind: bool, rows: list[tuple[int | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``visible_rows`` when ``blind`` (``is_blind``) is known: a blind coder sees only the excerpts they
    created or have a coding on, each with only their own codings."""
    if not blind:
        return [data for _, data in rows]
    shown = []
    for created_by_id, data in rows:
        mine = own_codings(data, user.username)
        if created_by_id == user.id or mine["codings"]:
            shown.append(mine)
    return shown


@dataclass(frozen=True)
class Blindness:
    """What one viewer may not see, for reads over many sources: on ``source_ids`` (those the viewer
    codes blind, ``blind_source_ids``) only the excerpts they created or have a coding on, each with
    only their own codings. The default hides nothing (an owner, the CLI)."""
    viewer_id: int | None = None
    source_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return self.viewer_id is not None and bool(self.source_ids)

    def sees_excerpt(self, source_id: int, created_by_id: int | None, coder_ids: Iterable[int]) -> bool:
        return not self or source_id not in self.source_ids or may_see(cast(int, self.viewer_id), created_by_id,
                                                                       coder_ids)

    def count_filter(self, f: CountFilter) -> CountFilter:
        """``f`` counting, on the viewer's blind sources, only the viewer's own codings."""
        return replace(f, blind_source_ids=tuple(sorted(self.source_ids)), viewer_id=self.viewer_id) if self else f

    def sees_coding(self, source_id: int, coder_id: int) -> bool:
        return not self or source_id not in self.source_ids or coder_id == self.viewer_id

    def codings_of(self, excerpt: Excerpt) -> list[Coding]:
        """The excerpt's codings the viewer may see."""
        return [c for c in excerpt.codings if self.sees_coding(excerpt.source_id, c.coder_id)]

    def excerpts(self, excerpts: Iterable[Excerpt]) -> list[Excerpt]:
        """The excerpts the viewer may see (their codings loaded)."""
        return [e for e in excerpts if self.sees_excerpt(e.source_id, e.created_by_id, [c.coder_id for c in e.codings])]

    def coding_seen(self) -> ColumnElement[bool]:
        """SQL: a ``Coding`` (joined to its ``Excerpt``) the viewer may see."""
        if not self:
            return true()
        return or_(Excerpt.source_id.not_in(self.source_ids), Coding.coder_id == self.viewer_id)

    def excerpt_seen(self) -> ColumnElement[bool]:
        """SQL: an ``Excerpt`` the viewer may see."""
        if not self:
            return true()
        return or_(Excerpt.source_id.not_in(self.source_ids), Excerpt.created_by_id == self.viewer_id,
                   exists().where(Coding.excerpt_id == Excerpt.id, Coding.coder_id == self.viewer_id))


NOT_BLIND = Blindness()


def blindness(session: Session, project_id: int, user: User | None, role: Role | None) -> Blindness:
    """What ``user`` (None: nobody in particular, e.g. the CLI) may not see in the project."""
    if user is None or getattr(user, "id", None) is None:
        return NOT_BLIND
    return Blindness(user.id, blind_source_ids(session, project_id, user, role))
