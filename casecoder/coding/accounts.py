"""Users and memberships: create, set passwords (scrypt, kernel/passwords.py), deactivate, grant and take roles.

A new password, deactivation and logging out end the user's sessions (``end_sessions``). Every failed
login costs one password hash check, whether the user exists, has no login or is deactivated.

What a site administrator or a project owner does on screen is audited (``audit.log``): users as entity
"user" (no project), memberships as entity "membership" with the user and role before and after.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.coding import audit
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.kernel.passwords import hash_password, password_matches
from casecoder.models import Membership, Project, Role, User

NO_LOGIN = "!"  # a password hash no password matches (kernel/passwords.py)


class NoActor:
    """The audit actor of an import run without a user (the command line without --user)."""
    id = None
    username = "(command line)"


def user_without_login(username: str, display_name: str = "") -> User:
    """A coder known from imported data: keeps their codings, cannot log in (not flushed here)."""
    return User(username=username, display_name=(display_name or username)[:200], password_hash=NO_LOGIN)


def create_user(session: Session, username: str, password: str, *, display_name: str = "",
                is_admin: bool = False, language: str = "da") -> User:
    username = validate.username(username)
    validate.password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput("A user named '{username}' already exists", "username", username=username)
    user = User(username=username, display_name=display_name.strip() or username,
                password_hash=hash_password(password),
                is_admin=is_admin, language=language)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """A new password; every session of the user ends (the current one is logged in again by the caller)."""
    validate.password(password)
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Every session cookie of ``user`` stops logging them in (their login id carries the old generation)."""
    user.session_generation = (user.session_generation or 0) + 1


def set_language(user: User, language: str) -> None:
    """The user's UI language (a code of config.LANGUAGES, checked by the caller)."""
    user.language = language


def login_name(raw: str | None) -> str:
    """The user name a login form means: stripped, at most a column's 64 characters. The one rule for the
    login, its rate limit and the change-password limit (``" eva"`` is eva and counts as eva)."""
    return (raw or "").strip()[:64]


_dummy_hash: list[str] = []


def _dummy() -> str:
    """A hash of a random password made like a real one: checked when there is no real one to check."""
    if not _dummy_hash:
        _dummy_hash.append(hash_password(secrets.token_hex(16)))
    return _dummy_hash[0]


def check_password(user: User | None, password: str) -> bool:
    """Exactly one password hash check, whether or not there is a user, an active one, or one who can log
    in at all (imported coders: NO_LOGIN), so a failed login's time tells nothing about the user name."""
    stored = user.password_hash if user is not None else ""
    if "$" not in stored:  # no user, or NO_LOGIN (hashes are method$salt$hash): a dummy's work
        password_matches(_dummy(), password or "")
        return False
    matches = password_matches(stored, password or "")
    return user is not None and user.active and matches


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == login_name(username)))
    return user if check_password(user, password or "") else None


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInput("There is no user named '{username}'", "username", username=username)
    return user


def add_member(session: Session, project: Project, user: User, role: Role | str, *,
               actor: User | None = None) -> Membership:
    """Give ``user`` a role in ``project``; an existing membership gets the new role (audited, done by
    ``actor``; None is the system). The project's last owner keeps the role."""
    role = validate.choice(Role, role, N_("Role"))
    membership = membership_of(session, project.id, user.id)
    if membership is None:
        membership = Membership(project_id=project.id, user_id=user.id, role=role)
        session.add(membership)
        session.flush()
        audit.log(session, actor, "create", "membership", membership.id, project_id=project.id,
                  after=membership_snapshot(membership, user))
    elif membership.role != role:
        if membership.role is Role.OWNER:
            _keep_an_owner(session, project, user)
        before = membership_snapshot(membership, user)
        membership.role = role
        session.flush()
        audit.log(session, actor, "update", "membership", membership.id, project_id=project.id,
                  before=before, after=membership_snapshot(membership, user))
    return membership


def change_role(session: Session, project: Project, user: User, role: Role | str, *,
                actor: User | None = None) -> Membership:
    """A member's new role; refused for a user who is not a member, and for the last owner."""
    if membership_of(session, project.id, user.id) is None:
        raise InvalidInput("'{username}' is not a member of this project", "username", username=user.username)
    return add_member(session, project, user, role, actor=actor)


def remove_member(session: Session, project: Project, user: User, *, actor: User | None = None) -> None:
    """Take ``user`` out of ``project`` (their codings stay theirs); the last owner stays."""
    membership = membership_of(session, project.id, user.id)
    if membership is None:
        raise InvalidInput("'{username}' is not a member of this project", "username", username=user.username)
    if membership.role is Role.OWNER:
        _keep_an_owner(session, project, user)
    audit.log(session, actor, "delete", "membership", membership.id, project_id=project.id,
              before=membership_snapshot(membership, user))
    session.delete(membership)
    session.flush()


def membership_snapshot(membership: Membership, user: User) -> dict[str, Any]:
    """A membership as the audit log keeps it: who and which role."""
    return {"user_id": user.id, "username": user.username, "role": membership.role.value}


def _keep_an_owner(session: Session, project: Project, user: User) -> None:
    owners = session.scalar(select(func.count(Membership.id)).where(
        Membership.project_id == project.id, Membership.role == Role.OWNER)) or 0
    if owners <= 1:
        raise InvalidInput("'{username}' is the project's only owner and cannot be removed or demoted: "
                           "make another member owner first", "role", username=user.username)


def membership_of(session: Session, project_id: int, user_id: int) -> Membership | None:
    return session.scalar(select(Membership).where(
        Membership.project_id == project_id, Membership.user_id == user_id))


# --- what a site administrator does on screen ---

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I
GENERATED_LENGTH = 14


def generate_password() -> str:
    """A new random password a person can read aloud and type: 14 letters and digits without look-alikes."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_LENGTH))


def user_snapshot(user: User) -> dict[str, Any]:
    """A user as the audit log keeps it (never the password hash)."""
    return {"username": user.username, "display_name": user.display_name, "is_admin": user.is_admin,
            "active": user.active, "language": user.language}


def add_user(session: Session, actor: User | None, username: str, password: str = "", *, display_name: str = "",
             is_admin: bool = False, language: str = "da") -> tuple[User, str]:
    """A new user created by ``actor``; an empty ``password`` is generated. Returns the user and the
    password (to be shown once; only its hash is stored)."""
    password = password or generate_password()
    user = create_user(session, username, password, display_name=display_name, is_admin=is_admin,
                       language=language)
    audit.log(session, actor, "create", "user", user.id, project_id=None, after=user_snapshot(user))
    return user, password


def reset_password(session: Session, actor: User | None, user: User, password: str = "") -> str:
    """A new password for ``user`` set by ``actor`` (generated when empty); returns it to be shown once."""
    password = password or generate_password()
    set_password(user, password)
    session.flush()
    audit.log(session, actor, "password", "user", user.id, project_id=None, after={"username": user.username})
    return password


def set_active(session: Session, actor: User | None, user: User, active: bool) -> None:
    """Deactivate (cannot log in; codings and memberships stay) or reactivate ``user``. Nobody deactivates
    themselves (the last administrator would lock everyone out)."""
    if actor is not None and actor.id == user.id and not active:
        raise InvalidInput("You cannot deactivate yourself", "active")
    if user.active == active:
        return
    before = user_snapshot(user)
    user.active = active
    if not active:
        end_sessions(user)  # a reactivation must not bring old cookies back
    session.flush()
    audit.log(session, actor, "update", "user", user.id, project_id=None, before=before, after=user_snapshot(user))
