"""Users and memberships: create, set passwords (scrypt via werkzeug), grant roles."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Membership, Project, Role, User

PASSWORD_METHOD = "scrypt"
NO_LOGIN = "!"  # a password hash no password matches: werkzeug's check_password_hash answers False


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
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                is_admin=is_admin, language=language)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    validate.password(password)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)


def set_language(user: User, language: str) -> None:
    """The user's UI language (a code of config.LANGUAGES, checked by the caller)."""
    user.language = language


def check_password(user: User, password: str) -> bool:
    return user.active and check_password_hash(user.password_hash, password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        # Same work as a real check, so timing does not tell which user names exist.
        check_password_hash(generate_password_hash("x", method=PASSWORD_METHOD), password or "")
        return None
    return user if check_password(user, password or "") else None


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInput("There is no user named '{username}'", "username", username=username)
    return user


def add_member(session: Session, project: Project, user: User, role: Role | str) -> Membership:
    """Give ``user`` a role in ``project``; an existing membership gets the new role."""
    role = validate.choice(Role, role, N_("Role"))
    membership = session.scalar(select(Membership).where(
        Membership.project_id == project.id, Membership.user_id == user.id))
    if membership is None:
        membership = Membership(project_id=project.id, user_id=user.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def membership_of(session: Session, project_id: int, user_id: int) -> Membership | None:
    return session.scalar(select(Membership).where(
        Membership.project_id == project_id, Membership.user_id == user_id))
