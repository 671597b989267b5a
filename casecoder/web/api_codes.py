"""JSON for the workbench's "New code" field: a coder adds a code while coding (CSRF token in X-CSRFToken).

Coders may add codes (the issue: "create a new code from the coding panel while coding"); changing or
removing codes stays the owners' (web/codebook.py). A refused code answers 400 with ``error`` (the
message in the user's language) and ``field`` (which input it is about), so the panel shows it there.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from casecoder.coding import codebook_edit
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Code, Project
from casecoder.web.access import project_route

bp = Blueprint("api_codes", __name__, url_prefix="/api")


def code_json(code: Code, depth: int) -> dict[str, Any]:
    """A code as the workbench's code tree holds it (web/coding.py ``codes_json``)."""
    return {"id": code.id, "key": code.key, "depth": depth, "kind": code.kind.value, "label_da": code.label_da,
            "label_en": code.label_en, "color": code.color, "codable": code.codable and not code.archived,
            "parent_id": code.parent_id}


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("{name} must be a text", name, name=name)
    return value


@bp.route("/p/<slug>/codes", methods=["POST"])
@project_route("code")
def create_code(project: Project):  # type: ignore[no-untyped-def]
    """Body: ``key``, ``label`` (or ``label_da``), optional ``label_en``, ``parent_id`` (null: top level), ``kind``."""
    session = get_session()
    try:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise InvalidInput("The request body must be a JSON object")
        parent_id = body.get("parent_id")
        if parent_id in ("", None):
            parent_id = None
        elif isinstance(parent_id, str) and parent_id.isascii() and parent_id.isdigit():
            parent_id = int(parent_id)
        elif isinstance(parent_id, bool) or not isinstance(parent_id, int):
            raise InvalidInput("There is no such parent code in this project", "parent")
        code = codebook_edit.create_code(
            session, project, current_user.id, key=_text(body, "key"),
            label_da=_text(body, "label_da") or _text(body, "label"), label_en=_text(body, "label_en"),
            parent_id=parent_id, kind=_text(body, "kind") or None)
    except InvalidInput as exc:
        session.rollback()
        return jsonify(error=exc.render(_), field=exc.field), 400
    depth, up = 0, code.parent
    while up is not None:
        depth, up = depth + 1, up.parent
    return jsonify(code_json(code, depth)), 201
