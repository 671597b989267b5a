"""JSON endpoints for the pages' scripts. State-changing calls need the CSRF token in X-CSRFToken.

Each coder owns their codings: a delete removes the acting coder's codings and the excerpt only when
nobody else's remain; an owner removes everyone's with ``?everyone=1`` after the page asked the
question ``/removal`` words (who loses which codes). Create, save and delete are each one action of
the audit log (``audit.begin_action``), which ``POST /undo`` reverses exactly (coding/undo.py).

Blind double coding is the domain's: the reads (analysis/double_coding.py) give a blind coder only
what they may see, the writes (coding/double_coding.py) refuse what they may not change."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from casecoder.analysis import double_coding as seen
from casecoder.analysis import lookups
from casecoder.analysis.workbench import codes_by_key, excerpt_json, source_excerpt_rows
from casecoder.coding import audit, excerpt_create, excerpt_known
from casecoder.coding import double_coding as dc
from casecoder.coding import excerpts as excerpt_ops
from casecoder.coding import undo as undo_ops
from casecoder.coding.permissions import MANAGE, can
from casecoder.db import get_session, one_statement
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Case, Code, Excerpt, Project
from casecoder.web import session_expired
from casecoder.web.access import confirm_login, owned, project_route, provisional

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/p/<slug>/codes")
@project_route()
def codes(project: Project):  # type: ignore[no-untyped-def]
    rows = lookups.codes(get_session(), project.id)
    return jsonify([{"id": c.id, "key": c.key, "parent_id": c.parent_id, "kind": c.kind.value,
                     "label_da": c.label_da, "label_en": c.label_en, "color": c.color, "codable": c.codable,
                     "archived": c.archived} for c in rows])


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object")
    return body


def _wanted_keys(body: dict[str, Any], may_be_empty: bool = False) -> tuple[list[str], list[Any]]:
    """The codes asked for, a list of keys or of {"code": key, "direction": ...}: (keys, directions)."""
    wanted = body.get("codes")
    if not isinstance(wanted, list) or not (wanted or may_be_empty):
        raise InvalidInput("Choose at least one code", "codes")
    keys = [item.get("code") if isinstance(item, dict) else item for item in wanted]
    if not all(isinstance(key, str) for key in keys):
        raise InvalidInput("Each code must be a code key or {{\"code\": key, \"direction\": ...}}", "codes")
    return [str(key) for key in keys], [item.get("direction", "supports") if isinstance(item, dict) else "supports" for item in wanted]


def _wanted_codes(project: Project, body: dict[str, Any], may_be_empty: bool = False) -> list[tuple[Code, str]]:
    """The codes asked for as ``Code`` objects with their directions."""
    keys, directions = _wanted_keys(body, may_be_empty)
    by_key = codes_by_key(get_session(), project.id, set(keys))
    pairs = []
    for key, direction in zip(keys, directions):
        if key not in by_key:
            raise InvalidInput("There is no code '{key}' in this project", "codes", key=key)
        pairs.append((by_key[key], direction))
    return pairs


def _case(project: Project, body: dict[str, Any]) -> Case | None:
    return owned(get_session().get(Case, _int(body, "case_id")), project) if body.get("case_id") else None


def _shown(excerpt: Excerpt) -> dict[str, Any]:
    """The excerpt's JSON as the current user may see it."""
    return seen.visible_json(get_session(), current_user, g.get("role"), excerpt.source_id, excerpt_json(excerpt))


@bp.route("/p/<slug>/excerpts", methods=["POST"])
def create_excerpt(slug: str):  # type: ignore[no-untyped-def]
    """One round trip when this coder's last create here read the same source and codes (coding/excerpt_known.py:
    the write checks the login, the membership and those reads itself); otherwise, or when that write refuses,
    the full way (``_create_excerpt``), which answers every refusal."""
    login = provisional()
    if login is not None:
        answer = _create_known(slug, login.id, login.generation)
        if answer is not None:
            return jsonify({**answer, "changed": True}), 201
        if not confirm_login():
            return session_expired()
    return _create_excerpt(slug=slug)


def _create_known(slug: str, user_id: int, generation: int) -> dict[str, Any] | None:
    """``excerpt_known.create`` on the request's body; None (nothing written) for anything but a plain success."""
    session = get_session()
    try:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None
        keys, directions = _wanted_keys(body)
        asked = excerpt_known.Asked(_int(body, "source_id"), _int(body, "start"), _int(body, "end"),
                                    list(zip(keys, directions)), _int(body, "case_id") if body.get("case_id") else None,
                                    str(body.get("memo") or ""))
        audit.begin_action(session)
        return excerpt_known.create(session, slug, user_id, generation, asked)
    except Exception:  # a refusal or an error: the full way meets it again and answers it
        session.rollback()
        return None


@project_route("code")
def _create_excerpt(project: Project):  # type: ignore[no-untyped-def]
    """Plain columns in, one write out (coding/excerpt_create.py: one statement on PostgreSQL). Every coding
    and memo of a new excerpt is its creator's, so a blind coder may see all of it: no double-coding query."""
    session = get_session()
    body = _body()
    source_id = _int(body, "source_id")
    try:
        keys, directions = _wanted_keys(body)
        refused = None
    except InvalidInput as exc:  # answered after the source's 404, as before
        keys, directions, refused = [], [], exc
    # one query; every code of the project, for the next creates (coding/excerpt_known.py)
    source, by_key = excerpt_create.source_and_codes(session, source_id, project.id, keys, every_code=True)
    if source is None or source.project_id != project.id:
        abort(404)
    if refused is not None:
        raise refused
    for key in keys:
        if key not in by_key:
            raise InvalidInput("There is no code '{key}' in this project", "codes", key=key)
    audit.begin_action(session)
    answer = excerpt_create.create(session, current_user.id, current_user.username, source, _int(body, "start"),
                                   _int(body, "end"), [(by_key[key], d) for key, d in zip(keys, directions)],
                                   case=_case(project, body), memo=str(body.get("memo") or ""))
    assert answer is not None  # only a create with ``verify`` writes nothing
    excerpt_known.remember(session, project.slug, project.id, current_user.id, current_user.username, source, by_key)
    return jsonify({**answer, "changed": True}), 201


one_statement("api.create_excerpt")  # PostgreSQL: no BEGIN and COMMIT round trips (casecoder/db.py)


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>", methods=["PATCH"])
@project_route("code")
def update_excerpt(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    """Change any of: start and end, case_id, memo, and the acting coder's codes (with directions).

    With ``version`` (the excerpt's version as read), a save over someone else's newer save is a 409 conflict.
    ``codes`` may be left out (the memo alone changes on any excerpt the user may code), or be empty
    when other coders' codings remain on the excerpt. The memo is the acting coder's own (each coder
    has theirs). ``changed`` in the answer: whether the save changed anything (Undo reverses it then).
    """
    session = get_session()
    excerpt = owned(session.get(Excerpt, excerpt_id), project)
    rights = dc.blind_edit(session, current_user, g.get("role"), excerpt)  # 404 for an excerpt hidden from a blind coder
    body = _body()
    group = audit.begin_action(session)
    if any(k in body for k in ("start", "end", "case_id")):
        rights.check_span_or_case()
    if any(k in body for k in ("start", "end", "case_id", "memo")):
        excerpt_ops.update_excerpt(
            session, current_user, excerpt,
            start=_int(body, "start") if "start" in body else None,
            end=_int(body, "end") if "end" in body else None,
            case=_case(project, body), memo=str(body["memo"]) if "memo" in body else None,
            version=_int(body, "version") if "version" in body else None)
    if "codes" in body:
        others = any(c.coder_id != current_user.id for c in excerpt.codings)
        excerpt_ops.set_codings(session, current_user, excerpt, _wanted_codes(project, body, may_be_empty=others))
    session.refresh(excerpt)
    return jsonify({**_shown(excerpt), "changed": undo_ops.changed(session, group)})


@bp.route("/p/<slug>/sources/<int:source_id>/excerpts")
@project_route()
def source_excerpts(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    if lookups.source_project_id(session, source_id) != project.id:   # checked without loading the text
        abort(404)
    return jsonify(seen.visible_rows(session, current_user, g.get("role"), source_id,
                                     source_excerpt_rows(session, source_id)))


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>", methods=["GET"])
@project_route()
def get_excerpt(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    excerpt = seen.visible_excerpt(session, current_user, g.get("role"), owned(session.get(Excerpt, excerpt_id), project))
    if excerpt is None:
        abort(404)
    return jsonify(_shown(excerpt))


def _lost_words(lost: dict[str, list[str]], writers: list[str]) -> str:
    """'anna loses H1.2, her memo; bo loses ST.4': each coder's codings and memo that go."""
    return "; ".join(_("%(coder)s loses %(codes)s", coder=coder, codes=", ".join(
        lost.get(coder, []) + ([_("their memo")] if coder in writers else [])))
        for coder in sorted(set(lost) | set(writers)))


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>/removal")
@project_route("code")
def removal(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    """Who would lose which codings: ``mine`` (a plain delete) and ``everyone`` (an owner's), with the questions."""
    session = get_session()
    excerpt = owned(session.get(Excerpt, excerpt_id), project)
    rights = dc.blind_edit(session, current_user, g.get("role"), excerpt)  # 404 for an excerpt hidden from a blind coder
    mine = excerpt_ops.who_loses(excerpt, current_user, everyone=False)
    everyone = excerpt_ops.who_loses(excerpt, current_user, everyone=True)
    writers = excerpt_ops.memo_writers(excerpt)  # others' memos keep the excerpt too
    others = [] if rights.blind else sorted((set(everyone) | set(writers)) - {current_user.username})
    may = can(g.get("role"), MANAGE) and bool(others)
    return jsonify(
        mine=mine, everyone=everyone if may else None, others=others, may_remove_others=may,
        question_mine=(_("Remove your codings (%(codes)s)? The excerpt stays for %(others)s.",
                         codes=", ".join(mine.get(current_user.username, [])), others=", ".join(others))
                       if others else _("Remove your codings (%(codes)s)?",
                                         codes=", ".join(mine.get(current_user.username, [])))
                       if rights.others_coded else _("Delete this excerpt?")),
        question_everyone=(_("Delete this excerpt with everyone's codings? %(lost)s.", lost=_lost_words(everyone, writers))
                           if may else None))


@bp.route("/p/<slug>/excerpts/<int:excerpt_id>", methods=["DELETE"])
@project_route("code")
def delete_excerpt(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    """Remove the acting coder's codings, and the excerpt when nobody else's remain; an owner's
    ``?everyone=1`` removes it with every coder's codings. A blind coder's other excerpts are a 404."""
    session = get_session()
    excerpt = owned(session.get(Excerpt, excerpt_id), project)
    dc.blind_edit(session, current_user, g.get("role"), excerpt)
    audit.begin_action(session)
    gone = excerpt_ops.delete_for(session, current_user, excerpt, everyone=request.args.get("everyone") == "1",
                                  may_remove_others=can(g.get("role"), MANAGE))
    if gone:
        return jsonify(deleted=excerpt_id)
    session.refresh(excerpt)
    return jsonify(deleted=None, excerpt=_shown(excerpt))


UNDONE = {"create": _l("Undone: the new excerpt is gone again."), "update": _l("Undone: the excerpt is back as it was."),
          "delete": _l("Undone: the excerpt is back with its codings.")}


@bp.route("/p/<slug>/undo", methods=["POST"])
@project_route("code")
def undo(project: Project):  # type: ignore[no-untyped-def]
    """Undo the current user's last action on excerpts in this project, exactly (409 if someone changed it since)."""
    session = get_session()
    done = undo_ops.undo_last(session, current_user, project)
    shown = []
    for excerpt_id in done.excerpt_ids:
        excerpt = session.get(Excerpt, excerpt_id)
        if excerpt is not None:
            session.refresh(excerpt)
            shown.append(_shown(excerpt))
    return jsonify(message=str(UNDONE[done.kind]), action=done.kind, excerpts=shown, removed=done.removed_ids)


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("{name} must be a whole number", name=name)
    return value
