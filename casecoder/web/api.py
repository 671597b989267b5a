"""JSON endpoints for the pages' scripts. State-changing calls need the CSRF token in X-CSRFToken."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from ..coding import excerpts as excerpt_ops
from ..coding.validate import InvalidInput
from ..db import get_session
from ..models import Case, Code, Excerpt, Project, Source
from .access import owned, project_route

bp = Blueprint("api", __name__, url_prefix="/api")


def excerpt_json(excerpt: Excerpt) -> dict[str, Any]:
    return {
        "id": excerpt.id, "source_id": excerpt.source_id, "start": excerpt.start_offset, "end": excerpt.end_offset,
        "text": excerpt.text, "memo": excerpt.memo, "case": excerpt.case.key if excerpt.case else None,
        "codings": [{"id": c.id, "code": c.code.key, "coder": c.coder.username, "direction": c.direction.value}
                    for c in excerpt.codings],
    }


@bp.route("/p/<slug>/codes")
@project_route()
def codes(project: Project):  # type: ignore[no-untyped-def]
    rows = get_session().scalars(select(Code).where(Code.project_id == project.id).order_by(Code.position, Code.id))
    return jsonify([{"id": c.id, "key": c.key, "parent_id": c.parent_id, "kind": c.kind.value,
                     "label_da": c.label_da, "label_en": c.label_en, "color": c.color, "codable": c.codable,
                     "archived": c.archived} for c in rows])


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object")
    return body


@bp.route("/p/<slug>/excerpts", methods=["POST"])
@project_route("code")
def create_excerpt(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    body = _body()
    source = owned(session.get(Source, _int(body, "source_id")), project)
    case = owned(session.get(Case, _int(body, "case_id")), project) if body.get("case_id") else None
    wanted = body.get("codes") or []
    if not isinstance(wanted, list) or not wanted:
        raise InvalidInput("Choose at least one code")
    by_key = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    pairs = []
    for item in wanted:
        key = item.get("code") if isinstance(item, dict) else item
        if key not in by_key:
            raise InvalidInput("There is no code '{key}' in this project", key=key)
        pairs.append((by_key[key], item.get("direction", "supports") if isinstance(item, dict) else "supports"))
    excerpt = excerpt_ops.create_excerpt(session, current_user, source, _int(body, "start"), _int(body, "end"),
                                         pairs, case=case, memo=str(body.get("memo") or ""))
    return jsonify(excerpt_json(excerpt)), 201


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>", methods=["GET"])
@project_route()
def get_excerpt(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    return jsonify(excerpt_json(owned(get_session().get(Excerpt, excerpt_id), project)))


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>", methods=["DELETE"])
@project_route("code")
def delete_excerpt(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    excerpt_ops.delete_excerpt(session, current_user, owned(session.get(Excerpt, excerpt_id), project))
    return jsonify(deleted=excerpt_id)


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("{name} must be a whole number", name=name)
    return value
