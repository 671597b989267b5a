"""The project-membership guard: a project is found by slug only for its members (404 otherwise)."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from ..coding.accounts import membership_of
from ..coding.permissions import can
from ..db import get_session
from ..models import Project

F = TypeVar("F", bound=Callable[..., Any])


def project_route(action: str = "view") -> Callable[[F], F]:
    """Load ``slug`` as ``project``; 404 for non-members, 403 when the role may not do ``action``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(slug: str, **kwargs: Any) -> Any:
            session = get_session()
            project = session.scalar(select(Project).where(Project.slug == slug))
            if project is None:
                abort(404)
            membership = membership_of(session, project.id, current_user.id)
            if membership is None:
                abort(404)
            g.project, g.role = project, membership.role
            if not can(membership.role, action):
                abort(403)
            return view(project=project, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def owned(obj: Any, project: Project) -> Any:
    """``obj`` if it exists and belongs to ``project``; else 404 (never reveal other projects' ids)."""
    if obj is None or getattr(obj, "project_id", None) != project.id:
        abort(404)
    return obj
