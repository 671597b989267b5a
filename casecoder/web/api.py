"""JSON endpoints for the pages' scripts. State-changing calls need the CSRF token in X-CSRFToken."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer

from casecoder.coding import excerpts as excerpt_ops
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Case, Code, Coding, Excerpt, Project, Source, User
from casecoder.web import blind
from casecoder.web.access import owned, project_route

bp = Blueprint("api", __name__, url_prefix="/api")


def excerpt_json(excerpt: Excerpt) -> dict[str, Any]:
    return {
        "id": excerpt.id, "source_id": excerpt.source_id, "start": excerpt.start_offset, "end": excerpt.end_offset,
        "text": excerpt.text, "memo": excerpt.memo, "case": excerpt.case.key if excerpt.case else None,
        "case_id": excerpt.case_id, "version": excerpt.version,
        "codings": [{"id": c.id, "code": c.code.key, "code_id": c.code_id, "color": c.code.color,
                     "coder": c.coder.username, "direction": c.direction.value}
                    for c in sorted(excerpt.codings, key=lambda c: (c.code.position, c.code.key, c.coder_id))],
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


def _wanted_codes(project: Project, body: dict[str, Any]) -> list[tuple[Code, str]]:
    """The codes asked for: a list of keys, or of {"code": key, "direction": ...}."""
    wanted = body.get("codes")
    if not isinstance(wanted, list) or not wanted:
        raise InvalidInput("Choose at least one code", "codes")
    keys = [item.get("code") if isinstance(item, dict) else item for item in wanted]
    if not all(isinstance(key, str) for key in keys):
        raise InvalidInput("Each code must be a code key or {{\"code\": key, \"direction\": ...}}", "codes")
    query = select(Code).where(Code.project_id == project.id)
    asked = set(keys)
    if len(asked) <= 100:  # only the codes asked for (a codebook can have thousands); else all, in one query
        query = query.where(Code.key.in_(asked))
    by_key = {c.key: c for c in get_session().scalars(query)}
    pairs = []
    for item, key in zip(wanted, keys):
        if key not in by_key:
            raise InvalidInput("There is no code '{key}' in this project", "codes", key=key)
        pairs.append((by_key[key], item.get("direction", "supports") if isinstance(item, dict) else "supports"))
    return pairs


def _case(project: Project, body: dict[str, Any]) -> Case | None:
    return owned(get_session().get(Case, _int(body, "case_id")), project) if body.get("case_id") else None


@bp.route("/p/<slug>/excerpts", methods=["POST"])
@project_route("code")
def create_excerpt(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    body = _body()
    # not the transcript's text: create_excerpt fetches only the span (a 200-page text is 600,000 characters)
    source = owned(session.get(Source, _int(body, "source_id"), options=[defer(Source.text)]), project)
    # held in a local until the answer is built: the session keeps objects by weak reference, and
    # without this the answer's coding.code would load the codes again
    wanted = _wanted_codes(project, body)
    excerpt = excerpt_ops.create_excerpt(session, current_user, source, _int(body, "start"), _int(body, "end"),
                                         wanted, case=_case(project, body), memo=str(body.get("memo") or ""))
    return jsonify(blind.as_json(excerpt, excerpt_json)), 201


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>", methods=["PATCH"])
@project_route("code")
def update_excerpt(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    """Change any of: start and end, case_id, memo, and the acting coder's codes (with directions).

    With ``version`` (the excerpt's version as read), a save over someone else's newer save is a 409 conflict.
    """
    session = get_session()
    excerpt = blind.guard(owned(session.get(Excerpt, excerpt_id), project))
    body = _body()
    if any(k in body for k in ("start", "end", "case_id")) and blind.others_coded(excerpt):
        raise InvalidInput("This excerpt is also coded by others in blind double coding; its span and case stay")
    if any(k in body for k in ("start", "end", "case_id", "memo")):
        excerpt_ops.update_excerpt(
            session, current_user, excerpt,
            start=_int(body, "start") if "start" in body else None,
            end=_int(body, "end") if "end" in body else None,
            case=_case(project, body), memo=str(body["memo"]) if "memo" in body else None,
            version=_int(body, "version") if "version" in body else None)
    if "codes" in body:
        excerpt_ops.set_codings(session, current_user, excerpt, _wanted_codes(project, body))
    session.refresh(excerpt)
    return jsonify(blind.as_json(excerpt, excerpt_json))


@bp.route("/p/<slug>/sources/<int:source_id>/excerpts")
@project_route()
def source_excerpts(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    source = owned(get_session().get(Source, source_id), project)
    return jsonify(blind.listing(source.id, source_excerpt_rows(source.id)))


def source_excerpt_rows(source_id: int) -> list[tuple[int | None, dict[str, Any]]]:
    """(created_by_id, ``excerpt_json``) of every excerpt of the source, in text order.

    Two plain-column queries (excerpts with their case; codings with code and coder) instead of ORM
    objects: the workbench page and the excerpt list of a transcript with 1,000 excerpts are hot paths.
    The dicts are the same as ``excerpt_json`` gives (codings in code position, key, coder order).
    """
    session = get_session()
    rows: list[tuple[int | None, dict[str, Any]]] = []
    by_id: dict[int, dict[str, Any]] = {}
    for (id_, start, end, text, memo, case_key, case_id, version, created_by_id) in session.execute(
            select(Excerpt.id, Excerpt.start_offset, Excerpt.end_offset, Excerpt.text, Excerpt.memo, Case.key,
                   Excerpt.case_id, Excerpt.version, Excerpt.created_by_id)
            .outerjoin(Case, Case.id == Excerpt.case_id).where(Excerpt.source_id == source_id)
            .order_by(Excerpt.start_offset, Excerpt.id)):
        data = {"id": id_, "source_id": source_id, "start": start, "end": end, "text": text, "memo": memo,
                "case": case_key, "case_id": case_id, "version": version, "codings": []}
        by_id[id_] = data
        rows.append((created_by_id, data))
    for (id_, excerpt_id, key, code_id, color, username, direction) in session.execute(
            select(Coding.id, Coding.excerpt_id, Code.key, Coding.code_id, Code.color, User.username,
                   Coding.direction)
            .join(Excerpt, Excerpt.id == Coding.excerpt_id).join(Code, Code.id == Coding.code_id)
            .join(User, User.id == Coding.coder_id).where(Excerpt.source_id == source_id)
            .order_by(Code.position, Code.key, Coding.coder_id)):
        by_id[excerpt_id]["codings"].append({"id": id_, "code": key, "code_id": code_id, "color": color,
                                             "coder": username, "direction": direction.value})
    return rows


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>", methods=["GET"])
@project_route()
def get_excerpt(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    return jsonify(blind.as_json(blind.guard(owned(get_session().get(Excerpt, excerpt_id), project)), excerpt_json))


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>", methods=["DELETE"])
@project_route("code")
def delete_excerpt(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    excerpt = blind.guard(owned(session.get(Excerpt, excerpt_id), project))
    if blind.others_coded(excerpt):  # blind: only the user's own codings go; the others' excerpt stays
        for coding in [c for c in excerpt.codings if c.coder_id == current_user.id]:
            excerpt_ops.remove_coding(session, current_user, coding)
    else:
        excerpt_ops.delete_excerpt(session, current_user, excerpt)
    return jsonify(deleted=excerpt_id)


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("{name} must be a whole number", name=name)
    return value
