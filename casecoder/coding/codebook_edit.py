"""Build and change the codebook in the browser: create a code, edit it, move it, reorder siblings.

Every change is audited (``audit.record``). A move changes ``parent_id``; the triggers of
``code_ancestry`` (models/derived/tally_cells.py) move the subtree's evidence, so the counts follow at
once. Keys are stable identifiers: a key in use (archived codes included) or once used by a deleted or
merged code is refused, so old reports and spec files never point at a different meaning. The tree
is at most ``validate.MAX_CODE_DEPTH`` levels deep: a code added or moved deeper is refused.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.coding import audit
from casecoder.kernel import tree, validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.kernel.vocabulary import CodeKind
from casecoder.models import AuditEvent, Code, Project

TEXTS = ("description_da", "description_en", "include_da", "include_en", "exclude_da", "exclude_en")
DEFAULT_COLOR = "#888888"


def full_snapshot(code: Code) -> dict[str, Any]:
    """The audit snapshot plus the texts (descriptions, include/exclude notes) a rename may change."""
    return {**audit.snapshot(code), **{name: getattr(code, name) for name in TEXTS}}


def check_key(session: Session, project_id: int, key: str, code_id: int | None = None) -> str:
    """``key`` cleaned, if no other code of the project has it and no deleted or merged code had it."""
    key = validate.code_key(key)
    other = session.scalar(select(Code).where(Code.project_id == project_id, Code.key == key,
                                              Code.id != (code_id or 0)))
    if other is not None:
        if other.archived:
            raise InvalidInput("The key {key} belongs to an archived code; unarchive it, or choose another key",
                               "key", key=key)
        raise InvalidInput("The key {key} is already used by another code of this project", "key", key=key)
    gone = session.scalars(select(AuditEvent.before).where(
        AuditEvent.project_id == project_id, AuditEvent.entity == "code",
        AuditEvent.action.in_(("delete", "merge")))).all()
    if any(isinstance(before, dict) and before.get("key") == key for before in gone):
        raise InvalidInput("The key {key} belonged to a deleted code; keys are never reused, choose another key",
                           "key", key=key)
    return key


def _parent(session: Session, project_id: int, parent_id: int | None) -> Code | None:
    if parent_id is None:
        return None
    parent = session.get(Code, parent_id)
    if parent is None or parent.project_id != project_id:
        raise InvalidInput("There is no such parent code in this project", "parent")
    return parent


def _parents(session: Session, project_id: int) -> dict[int, int | None]:
    """Code id -> parent id, for every code of the project."""
    return {row.id: row.parent_id for row in session.execute(
        select(Code.id, Code.parent_id).where(Code.project_id == project_id))}


def _next_position(session: Session, project_id: int, parent_id: int | None) -> int:
    last = session.scalar(select(func.max(Code.position)).where(
        Code.project_id == project_id, Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id))
    return 0 if last is None else last + 1


def create_code(session: Session, project: Project, user_id: int | None, *, key: str, label_da: str,
                label_en: str = "", parent_id: int | None = None, kind: str | CodeKind | None = None,
                color: str = "", **texts: str) -> Code:
    """A new code at the end of its siblings (a new top-level hypothesis when ``parent_id`` is None).

    ``label_en`` defaults to the Danish label; ``kind`` to a hypothesis at the top, a mechanism below;
    ``color`` to the parent's colour. ``texts`` are any of ``TEXTS``."""
    unknown = set(texts) - set(TEXTS)
    if unknown:
        raise InvalidInput("These code fields cannot be set here: {fields}", fields=", ".join(sorted(unknown)))
    key = check_key(session, project.id, key)
    parent = _parent(session, project.id, parent_id)
    if parent is not None:
        validate.code_depth(tree.depths(_parents(session, project.id))[parent.id] + 2, key)
    label_da = _label(label_da, "label_da")
    label_en = _label(label_en or label_da, "label_en")
    if kind in (None, ""):
        kind = CodeKind.MECHANISM if parent is not None else CodeKind.HYPOTHESIS
    code = Code(project_id=project.id, key=key, parent_id=parent.id if parent else None,
                kind=validate.choice(CodeKind, kind, N_("Kind")), label_da=label_da, label_en=label_en,
                color=validate.color(color) if color else (parent.color if parent else DEFAULT_COLOR),
                position=_next_position(session, project.id, parent.id if parent else None), codable=True,
                **{name: (texts.get(name) or "").strip() for name in TEXTS})
    session.add(code)
    session.flush()
    audit.record(session, user_id, "create", code, after=full_snapshot(code))
    return code


def _label(value: str, field: str) -> str:
    try:
        return validate.title(value, N_("Label"))
    except InvalidInput as exc:
        raise InvalidInput(exc.template, field, **exc.params) from None


def edit_code(session: Session, code: Code, user_id: int | None, *, key: str | None = None,
              label_da: str | None = None, label_en: str | None = None, kind: str | CodeKind | None = None,
              color: str | None = None, parent_id: int | None | str = "keep", **texts: str) -> Code:
    """Change any of a code's key, labels, kind, colour, texts and parent (``"keep"``: leave it). One audit row."""
    unknown = set(texts) - set(TEXTS)
    if unknown:
        raise InvalidInput("These code fields cannot be changed here: {fields}", fields=", ".join(sorted(unknown)))
    before = full_snapshot(code)
    if key is not None and key.strip() != code.key:
        code.key = check_key(session, code.project_id, key, code.id)
    if label_da is not None:
        code.label_da = _label(label_da, "label_da")
    if label_en is not None:
        code.label_en = _label(label_en, "label_en")
    if kind not in (None, ""):
        code.kind = validate.choice(CodeKind, kind, N_("Kind"))
    if color not in (None, ""):
        code.color = validate.color(str(color))
    for name, value in texts.items():
        setattr(code, name, (value or "").strip())
    if parent_id != "keep" and parent_id != code.parent_id:
        _reparent(session, code, parent_id if isinstance(parent_id, int) else None)
    session.flush()
    after = full_snapshot(code)
    if after != before:
        audit.record(session, user_id, "update", code, before=before, after=after)
    return code


def _reparent(session: Session, code: Code, parent_id: int | None) -> None:
    """Put ``code`` (with its sub-codes) last under ``parent_id``; refuse a move under itself or a descendant,
    or one that would take its deepest sub-code below ``validate.MAX_CODE_DEPTH``."""
    parent = _parent(session, code.project_id, parent_id)
    if parent is not None:
        parents = _parents(session, code.project_id)
        children: dict[int | None, list[int]] = {}
        for child, up in parents.items():
            children.setdefault(up, []).append(child)
        node: int | None = parent.id
        while node is not None:
            if node == code.id:
                raise InvalidInput("Code {key} cannot be moved under itself or one of its own sub-codes ({parent})",
                                   "parent", key=code.key, parent=parent.key)
            node = parents.get(node)
        validate.code_depth(tree.depths(parents)[parent.id] + 1 + tree.height(children, code.id), code.key)
    code.position = _next_position(session, code.project_id, parent.id if parent else None)
    code.parent_id = parent.id if parent else None


def move_code(session: Session, code: Code, user_id: int | None, parent_id: int | None) -> Code:
    """Move ``code`` and its sub-codes under another parent (None: to the top level)."""
    return edit_code(session, code, user_id, parent_id=parent_id)


def shift_code(session: Session, code: Code, user_id: int | None, step: int) -> Code:
    """Move ``code`` one place up (``step`` -1) or down (+1) among its siblings; positions renumbered 0..n-1."""
    siblings = list(session.scalars(select(Code).where(
        Code.project_id == code.project_id,
        Code.parent_id.is_(None) if code.parent_id is None else Code.parent_id == code.parent_id)
        .order_by(Code.position, Code.id)))
    i = next(n for n, c in enumerate(siblings) if c.id == code.id)
    j = i + (1 if step > 0 else -1)
    if not 0 <= j < len(siblings):
        return code
    before = full_snapshot(code)
    siblings[i], siblings[j] = siblings[j], siblings[i]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    session.flush()
    audit.record(session, user_id, "update", code, before=before, after=full_snapshot(code))
    return code


def set_archived(session: Session, code: Code, user_id: int | None, archived: bool) -> Code:
    """Archive (no new codings; existing ones still count) or unarchive a code."""
    if code.archived != archived:
        before = full_snapshot(code)
        code.archived = archived
        session.flush()
        audit.record(session, user_id, "update", code, before=before, after=full_snapshot(code))
    return code
