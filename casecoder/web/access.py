"""The project-membership guard: a project is found by slug only for its members (404 otherwise).

``ProvisionalLogin``: for the endpoints in ``PROVISIONAL`` (the workbench's create), once the CSRF token is
valid, the user loader (web/__init__.py) hands the view the session's login id unchecked; the view's one
write checks the user, generation and membership itself (coding/excerpt_known.py), or calls ``confirm_login``
first, which loads the user as for any other request (the view answers 401 when there is none)."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import abort, current_app, g
from flask_login import current_user

from casecoder.analysis.lookups import membership
from casecoder.coding.permissions import can
from casecoder.db import get_session
from casecoder.models import Project

PROVISIONAL = {"api.create_excerpt"}  # views whose write checks the login itself


class ProvisionalLogin:
    """A session's login id, not yet checked against the database: only the view's own write may rely on it."""

    is_authenticated, is_active, is_anonymous = True, True, False

    def __init__(self, user_id: int, generation: int) -> None:
        self.id, self.generation = user_id, generation

    def get_id(self) -> str:
        return f"{self.id}:{self.generation}"


def provisional() -> ProvisionalLogin | None:
    """The request's login if it is still unchecked (``ProvisionalLogin``)."""
    user = current_user._get_current_object()
    return user if isinstance(user, ProvisionalLogin) else None


def confirm_login() -> bool:
    """Load the request's user as for any request (no ``ProvisionalLogin``): whether there is one."""
    g.confirm_login = True
    g.pop("_login_user", None)
    current_app.login_manager._load_user()  # type: ignore[attr-defined]
    return bool(current_user.is_authenticated)


def project_route(action: str = "view") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Load ``slug`` as ``project``; 404 for non-members, 403 when the role may not do ``action``."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(slug: str, **kwargs: Any) -> Any:
            user_id = current_user.id  # loading the user read the membership with it (web/__init__.py)
            known = g.pop("membership", None)
            if known is not None and known[0] == slug and known[1] == user_id:
                found = known[2]
            else:  # one query: this runs on every request
                found = membership(get_session(), slug, user_id)
            if found is None:
                abort(404)
            project, role = found
            g.project, g.role = project, role
            if not can(role, action):
                abort(403)
            return view(project=project, **kwargs)

        return wrapper

    return decorator


def owned(obj: Any, project: Project) -> Any:
    """``obj`` if it exists and belongs to ``project``; else 404 (never reveal other projects' ids)."""
    if obj is None or getattr(obj, "project_id", None) != project.id:
        abort(404)
    return obj
