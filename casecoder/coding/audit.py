"""Snapshots for the audit log and the one place audit rows are written: ``log`` for any entity,
``record`` for a code, excerpt, coding or excerpt memo (its entity, id and project taken from the object).
``begin_action`` starts a user action: the rows written after it share its ``action_group`` (undo.py).
``record_created`` writes the rows of several new objects in one INSERT; ``write_created`` and
``created_rows_cte`` the same rows from plain values (coding/excerpt_create.py: the create request's path)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Sequence, cast
from uuid import uuid4

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from casecoder.models import AuditEvent, Code, Coding, Direction, Excerpt, ExcerptMemo, User
from casecoder.models.base import utcnow


def snapshot(obj: Code | Excerpt | Coding | ExcerptMemo) -> dict[str, Any]:
    """The fields of a code, excerpt, coding or coder's memo that a reader of the log needs."""
    if isinstance(obj, Code):
        return {"key": obj.key, "kind": obj.kind.value, "label_da": obj.label_da, "label_en": obj.label_en,
                "parent_id": obj.parent_id, "color": obj.color, "codable": obj.codable,
                "archived": obj.archived, "position": obj.position}
    if isinstance(obj, Excerpt):
        return excerpt_snapshot(obj.source_id, obj.case_id, obj.start_offset, obj.end_offset, obj.text,
                                obj.created_by_id)
    if isinstance(obj, ExcerptMemo):
        return memo_snapshot(obj.excerpt_id, obj.user_id, obj.text)
    return coding_snapshot(obj.excerpt_id, obj.code_id, obj.coder_id, obj.direction, obj.of_record)


def excerpt_snapshot(source_id: int, case_id: int | None, start: int, end: int, text: str,
                     created_by_id: int | None) -> dict[str, Any]:
    return {"source_id": source_id, "case_id": case_id, "start": start, "end": end, "text": text,
            "created_by_id": created_by_id}


def coding_snapshot(excerpt_id: int, code_id: int, coder_id: int, direction: Direction,
                    of_record: bool) -> dict[str, Any]:
    return {"excerpt_id": excerpt_id, "code_id": code_id, "coder_id": coder_id, "direction": direction.value,
            "of_record": of_record}


def memo_snapshot(excerpt_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {"excerpt_id": excerpt_id, "user_id": user_id, "memo": text}


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
    write_created(session, user_id, project_id, [(ENTITY[type(obj)], obj.id, snapshot(obj)) for obj in objs], utcnow())


INSERT_AUDIT = insert(cast(Table, AuditEvent.__table__))


def write_created(session: Session, user_id: int | None, project_id: int,
                  entries: Sequence[tuple[str, int, dict[str, Any]]], at: datetime) -> None:
    """The "create" rows of (entity, id, snapshot) ``entries``, in that order, in one INSERT."""
    if not entries:
        return
    group = session.info.get("action_group")
    session.flush()  # rows pending in the session first, so the ids keep the order (nothing to do when clean)
    session.connection().execute(INSERT_AUDIT, [
        {"project_id": project_id, "user_id": user_id, "at": at, "action": "create", "entity": entity,
         "entity_id": entity_id, "before": None, "after": after, "action_group": group}
        for entity, entity_id, after in entries])


# --- the same rows inside one PostgreSQL statement (coding/excerpt_create.py) ---

EXCERPT_ID_HEAD = '{"excerpt_id": '  # a snapshot's JSON up to its excerpt id (not known before the INSERT)


def dumps(after: dict[str, Any]) -> str:
    """A snapshot's JSON text exactly as the JSON column stores it (json.dumps, the drivers' default)."""
    return json.dumps(after)


def tail_after_excerpt_id(after: dict[str, Any]) -> str:
    """``dumps(after)`` after its excerpt id (``after`` starts with ``excerpt_id`` = 0): the statement puts
    ``EXCERPT_ID_HEAD``, the new id and this together."""
    text = dumps(after)
    assert text.startswith(EXCERPT_ID_HEAD + "0")
    return text[len(EXCERPT_ID_HEAD) + 1:]


def created_params(user_id: int | None, project_id: int, at: datetime, session: Session) -> dict[str, Any]:
    return {"audit_project_id": project_id, "audit_user_id": user_id, "audit_at": at,
            "audit_group": session.info.get("action_group")}


def created_rows_cte(name: str, parts: Sequence[tuple[str, str, str, str, str]]) -> str:
    """A data-modifying CTE ``name`` inserting the "create" rows of ``write_created``, one row per part's
    (entity, entity id, after JSON text, order, FROM) expressions, in order (parameters: ``created_params``)."""
    rows = " UNION ALL ".join(f"SELECT {entity} AS entity, {entity_id} AS entity_id, {after} AS after, "
                              f"{order} AS ord FROM {source}" for entity, entity_id, after, order, source in parts)
    return (f"{name} AS (INSERT INTO audit_events (project_id, user_id, at, action, entity, entity_id, before, after, "
            f"action_group) SELECT CAST(:audit_project_id AS INTEGER), CAST(:audit_user_id AS INTEGER), "
            f"CAST(:audit_at AS TIMESTAMPTZ), 'create', x.entity, x.entity_id, CAST('null' AS JSON), "
            f"CAST(x.after AS JSON), CAST(:audit_group AS VARCHAR) FROM ({rows}) AS x ORDER BY x.ord)")
