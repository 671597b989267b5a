"""The one shape of the tables that count codings per source (``source_coder_codings``,
``source_case_codings``, ``source_coder_spans``): their triggers and their rebuild, the columns apart.

Each such table holds, per key (a source and some of a coding's and its excerpt's columns), the number of
codings, and ``project_id``. Triggers on SQLite and PostgreSQL:

* codings: INSERT adds 1 under its excerpt's key, DELETE takes it away, UPDATE of the key's coding columns
  moves it;
* excerpts: UPDATE of the key's excerpt columns moves the excerpt's codings (their BEFORE DELETE, and the
  sources' and projects' cascades, already delete the codings one by one: ``summary.py``);
* projects: AFTER DELETE drops the project's rows.

A row whose count falls to 0 is deleted.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from casecoder.models.derived.summary import (
    CodingAdded,
    drop_triggers,
    postgres_triggers,
    sqlite_triggers,
    without_codings_insert,
)


@dataclass(frozen=True)
class PerSource:
    """What one table counts. ``{row}`` in the SQL parts stands for ``old`` or ``new``."""

    table: str
    key: str  # the key columns, in the table's order
    from_coding: str  # the key's values of one coding {row}, its excerpt as ``e``
    from_excerpt: str  # the key's values of the codings ``c`` of excerpt {row}
    group_by: str  # the columns of ``c`` the codings of one excerpt are grouped by
    zero: str  # which rows a deleted coding ``old`` may have brought to 0 (with its source)
    coding_update: str  # the coding columns whose UPDATE moves a coding, and the condition it moved
    coding_changed: str
    excerpt_update: str  # the same for the excerpt's columns
    excerpt_changed: str
    names: tuple[str, str, str, str, str]  # the triggers: codings ai, ad, au; excerpts au; projects ad
    with_case_only: bool = False  # codings of excerpts without a case give no rows

    def _upsert(self) -> str:
        return (f"ON CONFLICT ({self.key}) DO UPDATE SET codings = {self.table}.codings + excluded.codings, "
                "project_id = excluded.project_id")

    def _coding(self, row: str, sign: str) -> str:
        """Add (sign '+') or take away ('-') one coding, ``old`` or ``new``."""
        only = " AND e.case_id IS NOT NULL" if self.with_case_only else ""
        return (f"INSERT INTO {self.table} ({self.key}, project_id, codings) "
                f"SELECT {self.from_coding.format(row=row)}, e.project_id, {sign}1 "
                f"FROM excerpts e WHERE e.id = {row}.excerpt_id{only} {self._upsert()}")

    def _excerpt(self, row: str, sign: str) -> str:
        """Add or take away every coding of excerpt ``old``/``new`` (its key columns as in ``row``)."""
        only = f" AND {row}.case_id IS NOT NULL" if self.with_case_only else ""
        return (f"INSERT INTO {self.table} ({self.key}, project_id, codings) "
                f"SELECT {self.from_excerpt.format(row=row)}, {row}.project_id, {sign}count(*) "
                f"FROM codings c WHERE c.excerpt_id = {row}.id{only} GROUP BY {self.group_by} {self._upsert()}")

    def triggers(self) -> list[tuple[str, str, str, str | None, list[str]]]:
        """(name, timing and event, table, condition or None, statements), as ``summary.py``'s."""
        coding_zero = (f"DELETE FROM {self.table} WHERE codings <= 0 AND {self.zero} "
                       "AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id)")
        excerpt_zero = f"DELETE FROM {self.table} WHERE codings <= 0 AND source_id = old.source_id"
        ai, ad, au, excerpts_au, projects_ad = self.names
        return [
            (ai, "AFTER INSERT", "codings", None, [self._coding("new", "+")]),
            (ad, "AFTER DELETE", "codings", None, [self._coding("old", "-"), coding_zero]),
            (au, f"AFTER UPDATE OF {self.coding_update}", "codings", self.coding_changed,
             [self._coding("old", "-"), coding_zero, self._coding("new", "+")]),
            (excerpts_au, f"AFTER UPDATE OF {self.excerpt_update}", "excerpts", self.excerpt_changed,
             [self._excerpt("old", "-"), excerpt_zero, self._excerpt("new", "+")]),
            (projects_ad, "AFTER DELETE", "projects", None, [f"DELETE FROM {self.table} WHERE project_id = old.id"]),
        ]

    def ddl(self) -> tuple[list[str], list[str], list[str], list[str]]:
        """CREATE for SQLite and PostgreSQL, then DROP for both (PostgreSQL without the AFTER INSERT on codings:
        ``coding_added``)."""
        spec = self.triggers()
        pg = without_codings_insert(spec)
        return sqlite_triggers(spec), postgres_triggers(pg), drop_triggers(spec)[0], drop_triggers(pg)[1]

    def coding_added(self) -> CodingAdded:
        """The AFTER INSERT trigger on codings on PostgreSQL, as part of ``codings_insert.py``'s one trigger: the
        coding ``new`` added, its excerpt's columns from the record ``e``."""
        return CodingAdded(f"INSERT INTO {self.table} ({self.key}, project_id, codings) "
                           f"VALUES ({self.from_coding.format(row='new')}, e.project_id, 1) {self._upsert()}",
                           self.with_case_only)


def rebuild(session: Session, table: str, rebuild_sql: str, project_id: int | None = None) -> int:
    """Recompute ``table`` (one project, or all) from the codings by ``rebuild_sql`` (its ``{where}`` takes
    "AND e.project_id = :p" for one project); returns the rows written."""
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text(f"DELETE FROM {table}" + (" WHERE project_id = :p" if one else "")), params)
    return session.connection().execute(text(rebuild_sql.format(where="AND e.project_id = :p" if one else "")),
                                        params).rowcount
