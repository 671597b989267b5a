"""Users, projects and the memberships that give a user a role in a project."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casecoder.kernel.vocabulary import Role
from casecoder.models.base import Base, Timestamp, str_enum, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="da")
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    # Part of the login's id in the session cookie: raised on logout, a new password or deactivation, it
    # ends every session of the user (web/__init__.py's user loader compares it on each request).
    session_generation: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The four members Flask-Login expects, written out so that models need no Flask import.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """The login's id in the session: the user and their session generation ("12:3")."""
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    codebook_name: Mapped[Optional[str]] = mapped_column(String(100))
    codebook_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    # Exports are refused while pseudonymisation hits await review (coding/pseudonymise.py).
    pseudonymised_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="project", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Project {self.slug}>"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))

    project: Mapped[Project] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class LoginFailure(Base):
    """A failed login, kept for the rate limit (coding/accounts.py); old rows are pruned on the next failure."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_at", "username", "at"),
                      Index("ix_login_failures_remote_addr_at", "remote_addr", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
