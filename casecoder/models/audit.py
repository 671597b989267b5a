"""The append-only audit log: who changed which code, excerpt or coding, when, from what to what.

Rows are only ever inserted. Database triggers (SQLite and PostgreSQL) refuse UPDATE and
DELETE; the registry in ``models/derived/__init__.py`` attaches the DDL to ``create_all``
(migration 0001 holds a frozen copy).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from casecoder.models.base import Base, Timestamp, utcnow

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete"]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
                 "DROP FUNCTION IF EXISTS audit_events_append_only()"]


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # the log page: the users and kinds in a project's log by a loose index scan, a user's events in id order
    # (0023); not led by the project, which would draw SQLite away from ix_audit_events_project_id's id order
    __table_args__ = (Index("ix_audit_events_project_user", "user_id", "project_id", "id"),
                      Index("ix_audit_events_project_entity", "entity", "project_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys with cascades: the log must outlive what it describes.
    project_id: Mapped[Optional[int]] = mapped_column(index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # create, update, delete, merge
    entity: Mapped[str] = mapped_column(String(16))  # code, excerpt, coding
    entity_id: Mapped[int]
    before: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    after: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # The rows one user action wrote share this id (coding/undo.py reverses them together); None before 0014.
    action_group: Mapped[Optional[str]] = mapped_column(String(32))

    @classmethod
    def record(cls, *, project_id: int | None, user_id: int | None, action: str, entity: str,
               entity_id: int, before: dict[str, Any] | None = None,
               after: dict[str, Any] | None = None, action_group: str | None = None) -> "AuditEvent":
        return cls(project_id=project_id, user_id=user_id, action=action, entity=entity,
                   entity_id=entity_id, before=before, after=after, action_group=action_group)
