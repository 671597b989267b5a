"""``source_coder_spans``: how many codings each coder has of each code in each direction on each span
[start, end) of each source, kept by database triggers.

The agreement at segment level (issue #25) needs the spans of the chosen coders' codings on the
double-coded material (``analysis/agreement_segments.py``): joining the material's ~85,000 codings to
their excerpts for the offsets took ~200 ms of server time on PostgreSQL (a hash join over every coding
of the project) on the large project. Here they are per source and coder already, so the read is one
range of the primary key per (source, coder), from the index alone. Triggers on SQLite and PostgreSQL:

* codings: INSERT adds 1, DELETE takes it away, UPDATE of excerpt/code/direction/coder moves it;
* excerpts: UPDATE of project/source/start/end moves the excerpt's codings (their BEFORE DELETE, and the
  sources' and projects' cascades, already delete the codings one by one: ``summary.py``);
* projects: AFTER DELETE drops the project's rows.

A row whose count falls to 0 is deleted. ``rebuild_source_coder_spans`` recomputes the table (one
project, or all); migration 0029 filled it.
"""
from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel.vocabulary import Direction
from casecoder.models.base import Base, str_enum
from casecoder.models.derived.per_source import PerSource, rebuild

TABLE = "source_coder_spans"
KEY = "source_id, coder_id, code_id, direction, start_offset, end_offset"


class SourceCoderSpans(Base):
    """The number of ``coder_id``'s codings of ``code_id`` in ``direction`` on excerpts of ``source_id`` spanning
    [``start_offset``, ``end_offset``) (rows only where it is above 0)."""

    __tablename__ = TABLE
    __table_args__ = (Index("ix_source_coder_spans_project", "project_id"),)  # a project's rows: rebuild, delete

    # No foreign keys: rows follow their codings through the triggers, not through cascades.
    # The key's order serves the agreement's read: the material's sources, the chosen coders.
    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    coder_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "direction"), primary_key=True)
    start_offset: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    end_offset: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    project_id: Mapped[int]
    codings: Mapped[int]


_COUNTS = PerSource(
    TABLE, KEY, from_coding="e.source_id, {row}.coder_id, {row}.code_id, {row}.direction, e.start_offset, e.end_offset",
    from_excerpt="{row}.source_id, c.coder_id, c.code_id, c.direction, {row}.start_offset, {row}.end_offset",
    group_by="c.coder_id, c.code_id, c.direction", zero="coder_id = old.coder_id AND code_id = old.code_id",
    coding_update="excerpt_id, code_id, direction, coder_id",
    coding_changed=("old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction "
                    "OR old.coder_id <> new.coder_id"),
    excerpt_update="project_id, source_id, start_offset, end_offset",
    excerpt_changed=("old.project_id <> new.project_id OR old.source_id <> new.source_id "
                     "OR old.start_offset <> new.start_offset OR old.end_offset <> new.end_offset"),
    names=("source_coder_spans_ai", "source_coder_spans_ad", "source_coder_spans_au", "source_coder_spans_excerpts_au",
           "source_coder_spans_projects_ad"))
SQLITE_TRIGGERS, POSTGRES_TRIGGERS, SQLITE_DROP, POSTGRES_DROP = _COUNTS.ddl()

# Every row from the codings themselves (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
           "SELECT e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset, min(e.project_id), "
           "count(*) FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} "
           "GROUP BY e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset")


def rebuild_source_coder_spans(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from the codings; returns the rows written."""
    return rebuild(session, TABLE, REBUILD, project_id)
