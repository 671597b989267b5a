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

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel.vocabulary import Direction
from casecoder.models.base import Base, str_enum
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers

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


_UPSERT = (f"ON CONFLICT ({KEY}) DO UPDATE SET codings = {TABLE}.codings + excluded.codings, "
           "project_id = excluded.project_id")


def _coding(row: str, sign: str) -> str:
    """Add (sign '+') or take away ('-') one coding, ``old`` or ``new``."""
    return (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
            f"SELECT e.source_id, {row}.coder_id, {row}.code_id, {row}.direction, e.start_offset, e.end_offset, "
            f"e.project_id, {sign}1 FROM excerpts e WHERE e.id = {row}.excerpt_id {_UPSERT}")


_CODING_ZERO = (f"DELETE FROM {TABLE} WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id "
                "AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id)")


def _excerpt(row: str, sign: str) -> str:
    """Add or take away every coding of excerpt ``old``/``new`` (its project, source and span as in ``row``)."""
    return (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
            f"SELECT {row}.source_id, c.coder_id, c.code_id, c.direction, {row}.start_offset, {row}.end_offset, "
            f"{row}.project_id, {sign}count(*) FROM codings c WHERE c.excerpt_id = {row}.id "
            f"GROUP BY c.coder_id, c.code_id, c.direction {_UPSERT}")


_EXCERPT_ZERO = f"DELETE FROM {TABLE} WHERE codings <= 0 AND source_id = old.source_id"
_CODING_CHANGED = ("old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction "
                   "OR old.coder_id <> new.coder_id")
_EXCERPT_CHANGED = ("old.project_id <> new.project_id OR old.source_id <> new.source_id "
                    "OR old.start_offset <> new.start_offset OR old.end_offset <> new.end_offset")

# (name, timing and event, table, condition or None, statements) — as in summary.py
_TRIGGERS = [
    ("source_coder_spans_ai", "AFTER INSERT", "codings", None, [_coding("new", "+")]),
    ("source_coder_spans_ad", "AFTER DELETE", "codings", None, [_coding("old", "-"), _CODING_ZERO]),
    ("source_coder_spans_au", "AFTER UPDATE OF excerpt_id, code_id, direction, coder_id", "codings", _CODING_CHANGED,
     [_coding("old", "-"), _CODING_ZERO, _coding("new", "+")]),
    ("source_coder_spans_excerpts_au", "AFTER UPDATE OF project_id, source_id, start_offset, end_offset", "excerpts",
     _EXCERPT_CHANGED, [_excerpt("old", "-"), _EXCERPT_ZERO, _excerpt("new", "+")]),
    ("source_coder_spans_projects_ad", "AFTER DELETE", "projects", None,
     [f"DELETE FROM {TABLE} WHERE project_id = old.id"]),
]
SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(_TRIGGERS)
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)

# Every row from the codings themselves (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
           "SELECT e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset, min(e.project_id), "
           "count(*) FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} "
           "GROUP BY e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset")


def rebuild_source_coder_spans(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from the codings; returns the rows written."""
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text(f"DELETE FROM {TABLE}" + (" WHERE project_id = :p" if one else "")), params)
    return session.connection().execute(text(REBUILD.format(where="AND e.project_id = :p" if one else "")),
                                        params).rowcount
