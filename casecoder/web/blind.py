"""Blind double coding in the web layer: while a source is in double coding and its comparison is not
opened, each of its assigned coders (not owners) sees only their own codings on it — on the workbench
page and in every JSON answer about its excerpts (coding/double_coding.py ``is_blind``).

An excerpt is visible to a blind coder when they created it or have a coding on it; other excerpts
of the source answer 404.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import abort, g
from flask_login import current_user

from casecoder.coding.double_coding import is_blind
from casecoder.db import get_session
from casecoder.models import Excerpt


def blind(source_id: int) -> bool:
    """Does the current user code ``source_id`` blind?"""
    cache = g.setdefault("blind_sources", {})
    if source_id not in cache:
        cache[source_id] = is_blind(get_session(), source_id, current_user, getattr(g, "role", None))
    return bool(cache[source_id])


def visible(excerpt: Excerpt) -> bool:
    return (excerpt.created_by_id == current_user.id
            or any(c.coder_id == current_user.id for c in excerpt.codings))


def guard(excerpt: Excerpt) -> Excerpt:
    """404 for an excerpt a blind coder may not see."""
    if blind(excerpt.source_id) and not visible(excerpt):
        abort(404)
    return excerpt


def others_coded(excerpt: Excerpt) -> bool:
    """True when a blind coder's excerpt carries other coders' codings (they must not move or vanish)."""
    return blind(excerpt.source_id) and any(c.coder_id != current_user.id for c in excerpt.codings)


def as_json(excerpt: Excerpt, to_json: Callable[[Excerpt], dict[str, Any]]) -> dict[str, Any]:
    """``to_json(excerpt)`` with only the current user's codings when the source is blind."""
    data = to_json(excerpt)
    if blind(excerpt.source_id):
        data["codings"] = [c for c in data["codings"] if c["coder"] == current_user.username]
    return data


def listing(source_id: int, rows: list[tuple[int | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The JSON of the source's excerpts the current user may see, from ``api.source_excerpt_rows``
    ((created_by_id, excerpt JSON) pairs): when blind, only the excerpts they created or have a coding
    on, each with only their own codings."""
    if not blind(source_id):
        return [data for _, data in rows]
    me = current_user.username
    shown = []
    for created_by_id, data in rows:
        mine = [c for c in data["codings"] if c["coder"] == me]
        if created_by_id == current_user.id or mine:
            shown.append({**data, "codings": mine})
    return shown
