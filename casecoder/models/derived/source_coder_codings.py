"""``source_coder_codings``: how many codings each user has on each source, kept by database triggers.

Who coded on which transcripts (issue #25) without reading the codings: the agreement's material (an
unmarked source coded by two chosen coders counts; ``analysis/agreement.py``) and a blind viewer's
correction (which other coders code on the blind transcripts, and which of them code anywhere else;
``analysis/blind_counts.py``) read a row per (source, coder). Every coding counts, with or without a
case, of record or not. Triggers on SQLite and PostgreSQL:

* codings: INSERT adds 1 under its excerpt's source, DELETE takes it away, UPDATE of excerpt/coder moves it;
* excerpts: UPDATE of project/source moves the excerpt's codings (their BEFORE DELETE, and the sources'
  and projects' cascades, already delete the codings one by one: ``summary.py``);
* projects: AFTER DELETE drops the project's rows.

A row whose count falls to 0 is deleted. ``rebuild_source_coder_codings`` recomputes the table;
migration 0025 filled it.
"""
from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.models.base import Base
from casecoder.models.derived.per_source import PerSource, rebuild

TABLE = "source_coder_codings"


class SourceCoderCodings(Base):
    """The number of codings ``user_id`` has on ``source_id`` (rows only where it is above 0)."""

    __tablename__ = TABLE
    # a project's coders (agreement material, blind coders): one range per user
    __table_args__ = (Index("ix_source_coder_codings_user", "project_id", "user_id"),)

    # No foreign keys: rows follow their codings through the triggers, not through cascades.
    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    project_id: Mapped[int]
    codings: Mapped[int]


_COUNTS = PerSource(
    TABLE, "source_id, user_id", from_coding="e.source_id, {row}.coder_id", from_excerpt="{row}.source_id, c.coder_id",
    group_by="c.coder_id", zero="user_id = old.coder_id",
    coding_update="excerpt_id, coder_id", coding_changed="old.excerpt_id <> new.excerpt_id OR old.coder_id <> new.coder_id",
    excerpt_update="project_id, source_id",
    excerpt_changed="old.project_id <> new.project_id OR old.source_id <> new.source_id",
    names=("source_coder_codings_ai", "source_coder_codings_ad", "source_coder_codings_au", "source_coder_excerpts_au",
           "source_coder_projects_ad"))
SQLITE_TRIGGERS, POSTGRES_TRIGGERS, SQLITE_DROP, POSTGRES_DROP = _COUNTS.ddl()
POSTGRES_CODING_ADDED = _COUNTS.coding_added()  # its AFTER INSERT on codings on PostgreSQL: codings_insert.py

# Every row from the codings themselves (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} (source_id, user_id, project_id, codings) "
           "SELECT e.source_id, c.coder_id, min(e.project_id), count(*) "
           "FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} "
           "GROUP BY e.source_id, c.coder_id")


def rebuild_source_coder_codings(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from the codings; returns the rows written."""
    return rebuild(session, TABLE, REBUILD, project_id)
