"""``coding_places``: every coding (its code, direction, coder, of record) with its excerpt's place (project,
case, source, start), kept by database triggers.

The report chapter's quote candidates (``analysis/quote_candidates.py``) rank every excerpt coded with a
hypothesis's sub-mechanisms by its place; on the large project (190,000 excerpts) that was ~9,600 probes of
``ix_excerpts_id_place``, one per excerpt, after the codings were read (issue #25). Here the codings of one
code are one range of ``ix_coding_places_code`` that carries the place. One row per coding (``coding_id``).

* codings: INSERT adds the row with its excerpt's place, DELETE removes it, UPDATE of excerpt, code, direction,
  coder or of_record writes it again;
* excerpts: UPDATE of project, case, source or start moves the place of its codings' rows (deleted
  excerpts delete their codings one by one, which remove their rows: ``summary.py``);
* projects: AFTER DELETE drops the project's rows.

``rebuild_coding_places`` recomputes the rows (one project, or all); migration 0034 filled them, 0035 again
with the direction (the reads of some directions only: ``quote_candidates._kept_places``).
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel.vocabulary import Direction
from casecoder.models.base import Base, str_enum
from casecoder.models.derived.per_source import rebuild
from casecoder.models.derived.summary import (
    CodingAdded,
    drop_triggers,
    postgres_triggers,
    sqlite_triggers,
    without_codings_insert,
)

TABLE = "coding_places"


class CodingPlace(Base):
    """One coding (``coding_id``) with its excerpt's project, case, source and start offset."""

    __tablename__ = TABLE
    __table_args__ = (
        # a code's codings with their places in one range (of record or all), read from the index alone
        Index("ix_coding_places_code", "code_id", "project_id", "of_record", "excerpt_id", "coder_id",
              "case_id", "source_id", "start_offset"),
        Index("ix_coding_places_excerpt", "excerpt_id"),   # an excerpt's codings (its place moved)
        Index("ix_coding_places_project", "project_id"))

    # No foreign keys: rows follow their codings through the triggers, not through cascades.
    coding_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int]
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "direction"))
    excerpt_id: Mapped[int]
    coder_id: Mapped[int]
    of_record: Mapped[bool]
    project_id: Mapped[int]
    case_id: Mapped[Optional[int]]
    source_id: Mapped[int]
    start_offset: Mapped[int]


COLUMNS = ("coding_id, code_id, direction, excerpt_id, coder_id, of_record, project_id, case_id, source_id, "
           "start_offset")


def _coding(row: str) -> str:
    """The row of coding ``new`` (its excerpt as ``e``)."""
    return (f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {row}.id, {row}.code_id, {row}.direction, {row}.excerpt_id, "
            f"{row}.coder_id, {row}.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM excerpts e "
            f"WHERE e.id = {row}.excerpt_id")


_GONE = f"DELETE FROM {TABLE} WHERE coding_id = old.id"
_MOVED = ("old.project_id <> new.project_id OR old.case_id IS NOT new.case_id OR old.source_id <> new.source_id "
          "OR old.start_offset <> new.start_offset")
_PLACE = (f"UPDATE {TABLE} SET project_id = new.project_id, case_id = new.case_id, source_id = new.source_id, "
          "start_offset = new.start_offset WHERE excerpt_id = new.id")

_TRIGGERS = [
    ("coding_places_ai", "AFTER INSERT", "codings", None, [_coding("new")]),
    ("coding_places_ad", "AFTER DELETE", "codings", None, [_GONE]),
    ("coding_places_au", "AFTER UPDATE OF excerpt_id, code_id, direction, coder_id, of_record", "codings", None,
     [_GONE, _coding("new")]),
    ("coding_places_excerpts_au", "AFTER UPDATE OF project_id, case_id, source_id, start_offset", "excerpts",
     _MOVED, [_PLACE]),
    ("coding_places_projects_ad", "AFTER DELETE", "projects", None, [f"DELETE FROM {TABLE} WHERE project_id = old.id"]),
]

SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(without_codings_insert(_TRIGGERS))
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)[0], drop_triggers(without_codings_insert(_TRIGGERS))[1]
# coding_places_ai on PostgreSQL (its excerpt as the record ``e``): codings_insert.py
POSTGRES_CODING_ADDED = CodingAdded(
    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (new.id, new.code_id, new.direction, new.excerpt_id, new.coder_id, "
    "new.of_record, e.project_id, e.case_id, e.source_id, e.start_offset)")

# Every row from the codings and their excerpts (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} ({COLUMNS}) SELECT c.id, c.code_id, c.direction, c.excerpt_id, c.coder_id, "
           "c.of_record, e.project_id, e.case_id, e.source_id, e.start_offset FROM codings c JOIN excerpts e ON e.id = c.excerpt_id "
           "WHERE 1 = 1 {where}")


def rebuild_coding_places(session: Session, project_id: int | None = None) -> int:
    """Recompute the rows (one project, or all) from the codings and their excerpts; returns the rows written."""
    return rebuild(session, TABLE, REBUILD, project_id)
