"""A background import (issue #25): its state, progress and outcome in the database, so any worker
process can answer the page that follows it. Written by ``coding/jobs.py`` in its own transactions.
``pid``/``host`` name the process running it and ``heartbeat_at`` is renewed while it runs (where the
database lets another transaction write: PostgreSQL), so a job whose worker died shows as stopped."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casecoder.models.base import Base, Timestamp, utcnow


class ImportJob(Base):
    """One import run by ``user_id``: ``state`` running, done or failed; ``done`` of ``total`` excerpts."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[Optional[int]] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # bundle, qdpx
    filename: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")  # the summary, or every problem, in the user's language
    pid: Mapped[Optional[int]] = mapped_column()  # the process running the import
    host: Mapped[Optional[str]] = mapped_column(String(255))  # ... on this host (socket.gethostname())
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(Timestamp())  # None: no heartbeat (SQLite)
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow, onupdate=utcnow)
