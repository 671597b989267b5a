"""Snapshots for the audit log and the one place audit rows are written: ``log`` for any entity,
``record`` for a code, excerpt, coding or excerpt memo (its entity, id and project taken from the object).
``begin_action`` starts a user action: the rows written after it share its ``action_group`` (undo.py).
``record_created`` writes the rows of several new objects in one INSERT (the create request's path)."""
from __future__ import annotations

from typing import Any, Sequence
from uuid import uuid4

from sqlalchemy import insert
from sqlalchemy.orm import Session

from casecoder.models import AuditEvent, Code, Coding, Excerpt, ExcerptMemo, User
from casecoder.models.base import utcnow


def snapshot(obj: Code | Excerpt | Coding | ExcerptMemo) -> dict[str, Any]:
    """The fields of a code, excerpt, coding or coder's memo that a reader of the log needs."""
    if isinstance(obj, Code):
        return {"key": obj.key, "kind": obj.kind.value, "label_da": obj.label_da, "label_en": obj.label_en,
                "parent_id": obj.parent_id, "color": obj.color, "codable": obj.codable,
                "archived": obj.archived, "position": obj.position}
    if isinstance(obj, Excerpt):
        return {"source_id": obj.source_id, "case_id": obj.case_id, "start": obj.start_offset,
                "end": obj.end_offset, "text": obj.text, "created_by_id": obj.created_by_id}
    if isinstance(obj, ExcerptMemo):
        return {"excerpt_id": obj.excerpt_id, "user_id": obj.user_id, "memo": obj.text}
    return {"excerpt_id": obj.excerpt_id, "code_id": obj.code_id, "coder_id": obj.coder_id,
            "direction": obj.direction.value, "of_record": obj.of_record}


def begin_action(session: Session) -> str:
    """Start one user action on ``session``: every audit row written from now on carries this group id."""
    group = session.info["action_group"] = uuid4().hex
    return group


ENTITY = {Code: "code", Excerpt: "excerpt", Coding: "coding", ExcerptMemo: "excerpt_memo"}


def log(session: Session, user: User | int | None, action: str, entity: str, entity_id: int, *,
        project_id: int | None, before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None) -> AuditEvent:
    """Append one audit row: ``user`` (a User, a user id, or None for the system) did ``action`` to
    ``entity`` #``entity_id`` of ``project_id``, with the state ``before`` and ``after``."""
    user_id = user.id if isinstance(user, User) else user
    row = AuditEvent.record(project_id=project_id, user_id=user_id, action=action, entity=entity,
                            entity_id=entity_id, before=before, after=after,
                            action_group=session.info.get("action_group"))
    session.add(row)
    return row


def record(session: Session, user_id: int | None, action: str, obj: Code | Excerpt | Coding | ExcerptMemo,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           project_id: int | None = None) -> AuditEvent:
    """Append one audit row. ``obj`` must have its id (flush first)."""
    if project_id is None:
        project_id = obj.excerpt.project_id if isinstance(obj, (Coding, ExcerptMemo)) else obj.project_id
    return log(session, user_id, action, ENTITY[type(obj)], obj.id, project_id=project_id, before=before, after=after)


def record_created(session: Session, user_id: int | None, objs: Sequence[Code | Excerpt | Coding | ExcerptMemo],
                   project_id: int) -> None:
    """The "create" rows of ``objs`` (flushed, all of ``project_id``), as ``record`` writes them, in one
    INSERT sent at once (one round trip, no ORM objects; pending rows are flushed first, so the order holds)."""
    if not objs:
        return
    group, at = session.info.get("action_group"), utcnow()
    session.execute(insert(AuditEvent), [
        {"project_id": project_id, "user_id": user_id, "at": at, "action": "create", "entity": ENTITY[type(obj)],
         "entity_id": obj.id, "before": None, "after": snapshot(obj), "action_group": group} for obj in objs])
