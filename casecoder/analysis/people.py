"""The reads of the people pages: every user with the number of projects they belong to (the site
administrator's list) and the active users a project owner may add as members. One query each."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.models import Membership, User


@dataclass(frozen=True)
class UserRow:
    user: User
    projects: int


def users(session: Session) -> list[UserRow]:
    """Every user by user name, with how many projects each is a member of."""
    counts = (select(Membership.user_id, func.count(Membership.id).label("n"))
              .group_by(Membership.user_id).subquery())
    rows = session.execute(select(User, func.coalesce(counts.c.n, 0))
                           .outerjoin(counts, counts.c.user_id == User.id).order_by(User.username)).all()
    return [UserRow(user, int(n)) for user, n in rows]


def member_candidates(session: Session, project_id: int) -> list[str]:
    """The user names of active users who are not yet members of the project, sorted."""
    members = select(Membership.user_id).where(Membership.project_id == project_id)
    return list(session.scalars(select(User.username).where(User.active.is_(True), User.id.not_in(members))
                                .order_by(User.username)))
