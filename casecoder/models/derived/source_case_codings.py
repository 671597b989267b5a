"""``source_case_codings``: how many codings each coder has of each code about each case on each source, in
each direction, kept by database triggers.

The agreement at case level (issue #25) needs the distinct (code, case, coder) of the chosen coders'
codings on the double-coded material (``analysis/agreement.py``): reading them from codings x excerpts
meant 100,000 codings and two table lookups each on the large project. This table holds them already
grouped per source (the material is a set of sources, and the source filters are per source) and per
direction (the direction filter), so the read is one range of the primary key per (source, coder).
Codings of excerpts without a case give no rows, as in ``evidence_summary``. Triggers on SQLite and
PostgreSQL:

* codings: INSERT adds 1, DELETE takes it away, UPDATE of excerpt/code/direction/coder moves it;
* excerpts: UPDATE of project/source/case moves the excerpt's codings (their BEFORE DELETE, and the
  sources' and projects' cascades, already delete the codings one by one: ``summary.py``);
* projects: AFTER DELETE drops the project's rows.

A row whose count falls to 0 is deleted. ``rebuild_source_case_codings`` recomputes the table (one
project, or all); migration 0027 filled it.
"""
from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel.vocabulary import Direction
from casecoder.models.base import Base, str_enum
from casecoder.models.derived.per_source import PerSource, rebuild

TABLE = "source_case_codings"
KEY = "source_id, coder_id, code_id, case_id, direction"


class SourceCaseCodings(Base):
    """The number of ``coder_id``'s codings of ``code_id`` in ``direction`` on excerpts of ``source_id`` about
    ``case_id`` (rows only where it is above 0)."""

    __tablename__ = TABLE
    __table_args__ = (Index("ix_source_case_codings_project", "project_id"),)  # a project's rows: rebuild, delete

    # No foreign keys: rows follow their codings through the triggers, not through cascades.
    # The key's order serves the agreement's read: the material's sources, the chosen coders.
    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    coder_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "direction"), primary_key=True)
    project_id: Mapped[int]
    codings: Mapped[int]


_COUNTS = PerSource(
    TABLE, KEY, from_coding="e.source_id, {row}.coder_id, {row}.code_id, e.case_id, {row}.direction",
    from_excerpt="{row}.source_id, c.coder_id, c.code_id, {row}.case_id, c.direction",
    group_by="c.coder_id, c.code_id, c.direction", zero="coder_id = old.coder_id AND code_id = old.code_id",
    coding_update="excerpt_id, code_id, direction, coder_id",
    coding_changed=("old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction "
                    "OR old.coder_id <> new.coder_id"),
    excerpt_update="project_id, source_id, case_id",
    excerpt_changed="old.project_id <> new.project_id OR old.source_id <> new.source_id OR old.case_id IS NOT new.case_id",
    names=("source_case_codings_ai", "source_case_codings_ad", "source_case_codings_au", "source_case_excerpts_au",
           "source_case_projects_ad"),
    with_case_only=True)
SQLITE_TRIGGERS, POSTGRES_TRIGGERS, SQLITE_DROP, POSTGRES_DROP = _COUNTS.ddl()
POSTGRES_CODING_ADDED = _COUNTS.coding_added()  # its AFTER INSERT on codings on PostgreSQL: codings_insert.py

# Every row from the codings themselves (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
           "SELECT e.source_id, c.coder_id, c.code_id, e.case_id, c.direction, min(e.project_id), count(*) "
           "FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE e.case_id IS NOT NULL {where} "
           "GROUP BY e.source_id, c.coder_id, c.code_id, e.case_id, c.direction")


def rebuild_source_case_codings(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from the codings; returns the rows written."""
    return rebuild(session, TABLE, REBUILD, project_id)
