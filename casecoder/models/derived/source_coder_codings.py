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

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.models.base import Base
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers

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


_UPSERT = (f"ON CONFLICT (source_id, user_id) DO UPDATE SET codings = {TABLE}.codings + excluded.codings, "
           "project_id = excluded.project_id")


def _coding(row: str, sign: str) -> str:
    """Add (sign '+') or take away ('-') one coding, ``old`` or ``new``."""
    return (f"INSERT INTO {TABLE} (source_id, user_id, project_id, codings) "
            f"SELECT e.source_id, {row}.coder_id, e.project_id, {sign}1 FROM excerpts e "
            f"WHERE e.id = {row}.excerpt_id {_UPSERT}")


_CODING_ZERO = (f"DELETE FROM {TABLE} WHERE codings <= 0 AND user_id = old.coder_id "
                "AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id)")


def _excerpt(row: str, sign: str) -> str:
    """Add or take away every coding of excerpt ``old``/``new`` (its project and source as in ``row``)."""
    return (f"INSERT INTO {TABLE} (source_id, user_id, project_id, codings) "
            f"SELECT {row}.source_id, c.coder_id, {row}.project_id, {sign}count(*) FROM codings c "
            f"WHERE c.excerpt_id = {row}.id GROUP BY c.coder_id {_UPSERT}")


_EXCERPT_ZERO = f"DELETE FROM {TABLE} WHERE codings <= 0 AND source_id = old.source_id"
_CODING_CHANGED = "old.excerpt_id <> new.excerpt_id OR old.coder_id <> new.coder_id"
_EXCERPT_CHANGED = "old.project_id <> new.project_id OR old.source_id <> new.source_id"

# (name, timing and event, table, condition or None, statements) — as in summary.py
_TRIGGERS = [
    ("source_coder_codings_ai", "AFTER INSERT", "codings", None, [_coding("new", "+")]),
    ("source_coder_codings_ad", "AFTER DELETE", "codings", None, [_coding("old", "-"), _CODING_ZERO]),
    ("source_coder_codings_au", "AFTER UPDATE OF excerpt_id, coder_id", "codings", _CODING_CHANGED,
     [_coding("old", "-"), _CODING_ZERO, _coding("new", "+")]),
    ("source_coder_excerpts_au", "AFTER UPDATE OF project_id, source_id", "excerpts", _EXCERPT_CHANGED,
     [_excerpt("old", "-"), _EXCERPT_ZERO, _excerpt("new", "+")]),
    ("source_coder_projects_ad", "AFTER DELETE", "projects", None, [f"DELETE FROM {TABLE} WHERE project_id = old.id"]),
]
SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(_TRIGGERS)
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)

# Every row from the codings themselves (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} (source_id, user_id, project_id, codings) "
           "SELECT e.source_id, c.coder_id, min(e.project_id), count(*) "
           "FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} "
           "GROUP BY e.source_id, c.coder_id")


def rebuild_source_coder_codings(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from the codings; returns the rows written."""
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text(f"DELETE FROM {TABLE}" + (" WHERE project_id = :p" if one else "")), params)
    return session.connection().execute(text(REBUILD.format(where="AND e.project_id = :p" if one else "")),
                                        params).rowcount
