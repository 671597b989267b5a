"""``case_sources``: per case, how many family and system sources it has, kept by database triggers.

The tally's denominators (N family, N system, N both; docs/counting.md) read one small row per
case instead of joining every source to its cases. Triggers on SQLite and PostgreSQL:

* source_cases: INSERT adds 1 under the source's perspective, DELETE takes it away, UPDATE moves it;
* sources: UPDATE of perspective moves each of its cases' 1; BEFORE DELETE deletes the source's
  links first, so that their trigger still sees the source (a cascade runs after the row is gone);
* cases: AFTER DELETE drops the case's row; projects: AFTER DELETE drops the project's rows.

A row whose counts are both 0 is deleted. ``rebuild_case_sources`` recomputes the table.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.models.base import Base
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers


class CaseSources(Base):
    """The number of family and of system sources about a case (rows only for cases with a source)."""

    __tablename__ = "case_sources"

    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    family: Mapped[int]
    system: Mapped[int]


def _counts(perspective: str, sign: str, aggregate: str = "") -> str:
    return ", ".join(f"{aggregate}(CASE WHEN {perspective} = '{p}' THEN {sign}1 ELSE 0 END)" for p in ("family", "system"))


_UPSERT = ("ON CONFLICT (project_id, case_id) DO UPDATE SET family = case_sources.family + excluded.family, "
           "system = case_sources.system + excluded.system")
_ZERO = "DELETE FROM case_sources WHERE case_id = {row}.case_id AND family <= 0 AND system <= 0"


def _link(row: str, sign: str) -> list[str]:
    """Add or take away one source_cases row ``row`` (its source still exists)."""
    statements = [f"INSERT INTO case_sources (project_id, case_id, family, system) SELECT s.project_id, "
                  f"{row}.case_id, {_counts('s.perspective', sign)} FROM sources s WHERE s.id = {row}.source_id "
                  f"{_UPSERT}"]
    return statements + ([_ZERO.format(row=row)] if sign == "-" else [])


_MOVE_PERSPECTIVE = [
    f"INSERT INTO case_sources (project_id, case_id, family, system) SELECT new.project_id, l.case_id, "
    f"CASE WHEN new.perspective = 'family' THEN 1 ELSE 0 END - CASE WHEN old.perspective = 'family' THEN 1 ELSE 0 END, "
    f"CASE WHEN new.perspective = 'system' THEN 1 ELSE 0 END - CASE WHEN old.perspective = 'system' THEN 1 ELSE 0 END "
    f"FROM source_cases l WHERE l.source_id = new.id {_UPSERT}",
    "DELETE FROM case_sources WHERE project_id = new.project_id AND family <= 0 AND system <= 0",
]

# (name, timing and event, table, condition or None, statements) — as in summary.py
_TRIGGERS = [
    ("case_sources_links_ai", "AFTER INSERT", "source_cases", None, _link("new", "+")),
    ("case_sources_links_ad", "AFTER DELETE", "source_cases", None, _link("old", "-")),
    ("case_sources_links_au", "AFTER UPDATE", "source_cases", None, _link("old", "-") + _link("new", "+")),
    ("case_sources_sources_au", "AFTER UPDATE OF perspective", "sources", "old.perspective <> new.perspective",
     _MOVE_PERSPECTIVE),
    ("case_sources_sources_bd", "BEFORE DELETE", "sources", None, ["DELETE FROM source_cases WHERE source_id = old.id"]),
    ("case_sources_cases_ad", "AFTER DELETE", "cases", None, ["DELETE FROM case_sources WHERE case_id = old.id"]),
    ("case_sources_projects_ad", "AFTER DELETE", "projects", None,
     ["DELETE FROM case_sources WHERE project_id = old.id"]),
]

SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(_TRIGGERS)
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)

# every row from the links themselves (one project with ``{where}`` = "AND s.project_id = :p")
REBUILD = ("INSERT INTO case_sources (project_id, case_id, family, system) "
           f"SELECT s.project_id, l.case_id, {_counts('s.perspective', '', 'sum')} "
           "FROM source_cases l JOIN sources s ON s.id = l.source_id WHERE 1 = 1 {where} "
           "GROUP BY s.project_id, l.case_id")


def rebuild_case_sources(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from the sources and their cases; returns the rows."""
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text("DELETE FROM case_sources" + (" WHERE project_id = :p" if one else "")), params)
    return session.connection().execute(text(REBUILD.format(where="AND s.project_id = :p" if one else "")), params).rowcount
