"""The project-membership guard: a project is found by slug only for its members (404 otherwise)."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort, g
from flask_login import current_user

from casecoder.analysis.lookups import membership
from casecoder.coding.permissions import can
from casecoder.db import get_session
from casecoder.models import Project

F = TypeVar("F", bound=Callable[..., Any])


def project_route(action: str = "view") -> Callable[[F], F]:
    """Load ``slug`` as ``project``; 404 for non-members, 403 when the role may not do ``action``."""

    def decorator(view: F) -> F:
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

        return wrapper  # type: ignore[return-value]

    return decorator


def owned(obj: Any, project: Project) -> Any:
    """``obj`` if it exists and belongs to ``project``; else 404 (never reveal other projects' ids)."""
    if obj is None or getattr(obj, "project_id", None) != project.id:
        abort(404)
    return obj
