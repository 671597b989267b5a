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

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel.vocabulary import Direction
from casecoder.models.base import Base, str_enum
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers

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


_UPSERT = (f"ON CONFLICT ({KEY}) DO UPDATE SET codings = {TABLE}.codings + excluded.codings, "
           "project_id = excluded.project_id")


def _coding(row: str, sign: str) -> str:
    """Add (sign '+') or take away ('-') one coding, ``old`` or ``new``."""
    return (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
            f"SELECT e.source_id, {row}.coder_id, {row}.code_id, e.case_id, {row}.direction, e.project_id, {sign}1 "
            f"FROM excerpts e WHERE e.id = {row}.excerpt_id AND e.case_id IS NOT NULL {_UPSERT}")


_CODING_ZERO = (f"DELETE FROM {TABLE} WHERE codings <= 0 AND coder_id = old.coder_id AND code_id = old.code_id "
                "AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id)")


def _excerpt(row: str, sign: str) -> str:
    """Add or take away every coding of excerpt ``old``/``new`` (its project, source and case as in ``row``)."""
    return (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
            f"SELECT {row}.source_id, c.coder_id, c.code_id, {row}.case_id, c.direction, {row}.project_id, "
            f"{sign}count(*) FROM codings c WHERE c.excerpt_id = {row}.id AND {row}.case_id IS NOT NULL "
            f"GROUP BY c.coder_id, c.code_id, c.direction {_UPSERT}")


_EXCERPT_ZERO = f"DELETE FROM {TABLE} WHERE codings <= 0 AND source_id = old.source_id"
_CODING_CHANGED = ("old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction "
                   "OR old.coder_id <> new.coder_id")
_EXCERPT_CHANGED = ("old.project_id <> new.project_id OR old.source_id <> new.source_id "
                    "OR old.case_id IS NOT new.case_id")

# (name, timing and event, table, condition or None, statements) — as in summary.py
_TRIGGERS = [
    ("source_case_codings_ai", "AFTER INSERT", "codings", None, [_coding("new", "+")]),
    ("source_case_codings_ad", "AFTER DELETE", "codings", None, [_coding("old", "-"), _CODING_ZERO]),
    ("source_case_codings_au", "AFTER UPDATE OF excerpt_id, code_id, direction, coder_id", "codings", _CODING_CHANGED,
     [_coding("old", "-"), _CODING_ZERO, _coding("new", "+")]),
    ("source_case_excerpts_au", "AFTER UPDATE OF project_id, source_id, case_id", "excerpts", _EXCERPT_CHANGED,
     [_excerpt("old", "-"), _EXCERPT_ZERO, _excerpt("new", "+")]),
    ("source_case_projects_ad", "AFTER DELETE", "projects", None, [f"DELETE FROM {TABLE} WHERE project_id = old.id"]),
]
SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(_TRIGGERS)
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)

# Every row from the codings themselves (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
           "SELECT e.source_id, c.coder_id, c.code_id, e.case_id, c.direction, min(e.project_id), count(*) "
           "FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE e.case_id IS NOT NULL {where} "
           "GROUP BY e.source_id, c.coder_id, c.code_id, e.case_id, c.direction")


def rebuild_source_case_codings(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from the codings; returns the rows written."""
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text(f"DELETE FROM {TABLE}" + (" WHERE project_id = :p" if one else "")), params)
    return session.connection().execute(text(REBUILD.format(where="AND e.project_id = :p" if one else "")),
                                        params).rowcount
