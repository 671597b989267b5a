"""``source_excerpts`` and ``source_code_excerpts``: how many excerpts each source has, and how many of them
carry each code, kept by database triggers.

The project's excerpt list (``analysis/excerpt_list.py``) finds its page from a count per transcript; on the
large project (190,000 excerpts) that count was a scan of the project's excerpts, and with a code filter a
semi-join of the code's codings to the excerpts (issue #25). These tables hold the counts: one row per
source (its excerpts), one per (source, code) (its excerpts with at least one coding of that very code, by
anyone: an excerpt two coders coded with the code counts once). Rows only where the count is above 0.

* excerpts: INSERT adds 1 to ``source_excerpts``, DELETE takes it away, UPDATE of project/source moves it
  and the excerpt's codes;
* codings: INSERT adds 1 under (its excerpt's source, its code) unless the excerpt has another coding of
  that code, DELETE takes 1 away unless another remains, UPDATE of excerpt/code does both. Whether another
  coding exists is asked row by row: on SQLite in AFTER triggers (they run as each row is written), on
  PostgreSQL in BEFORE triggers, since its AFTER row triggers run once the whole statement is done, when
  two codings of one excerpt and code written by one statement would each see the other; the BEFORE
  triggers carry the bulk import's pause test as the AFTER ones do (``pause.py``);
* projects: AFTER DELETE drops the project's rows (the cascades have already counted them down).

``rebuild_source_excerpts`` recomputes both tables (one project, or all); migration 0031 filled them.
"""
from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.models.base import Base
from casecoder.models.derived.per_source import rebuild
from casecoder.models.derived.summary import PG_NOT_PAUSED, drop_triggers, sqlite_triggers

TABLE = "source_excerpts"
CODE_TABLE = "source_code_excerpts"
TABLES = (TABLE, CODE_TABLE)


class SourceExcerpts(Base):
    """The number of excerpts of ``source_id`` (rows only where it is above 0)."""

    __tablename__ = TABLE
    __table_args__ = (Index("ix_source_excerpts_project", "project_id"),)  # a project's counts in one range

    # No foreign keys: rows follow their excerpts through the triggers, not through cascades.
    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    project_id: Mapped[int]
    excerpts: Mapped[int]


class SourceCodeExcerpts(Base):
    """The number of excerpts of ``source_id`` with at least one coding of ``code_id`` (rows only above 0)."""

    __tablename__ = CODE_TABLE
    # a code's counts over the project: one range per code (the excerpt list's code filter)
    __table_args__ = (Index("ix_source_code_excerpts_code", "code_id", "project_id", "source_id", "excerpts"),
                      Index("ix_source_code_excerpts_project", "project_id"))

    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    project_id: Mapped[int]
    excerpts: Mapped[int]


def _upsert(table: str, key: str) -> str:
    return (f"ON CONFLICT ({key}) DO UPDATE SET excerpts = {table}.excerpts + excluded.excerpts, "
            "project_id = excluded.project_id")


def _source(row: str, sign: str) -> str:
    """One excerpt ``old``/``new`` added to or taken from its source's count."""
    return (f"INSERT INTO {TABLE} (source_id, project_id, excerpts) VALUES ({row}.source_id, {row}.project_id, "
            f"{sign}1) {_upsert(TABLE, 'source_id')}")


def _coding(row: str, sign: str) -> str:
    """The coding ``old``/``new`` added or taken away: its excerpt counts under its code unless another coding
    of the excerpt has the code (the coding itself left out: the same test before and after it is written)."""
    return (f"INSERT INTO {CODE_TABLE} (source_id, code_id, project_id, excerpts) "
            f"SELECT e.source_id, {row}.code_id, e.project_id, {sign}1 FROM excerpts e WHERE e.id = {row}.excerpt_id "
            f"AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = {row}.excerpt_id "
            f"AND c.code_id = {row}.code_id AND c.id <> {row}.id) {_upsert(CODE_TABLE, 'source_id, code_id')}")


def _excerpt_codes(row: str, sign: str) -> str:
    """Every code of excerpt ``old``/``new`` added to or taken from its source (once per code)."""
    return (f"INSERT INTO {CODE_TABLE} (source_id, code_id, project_id, excerpts) "
            f"SELECT {row}.source_id, c.code_id, {row}.project_id, {sign}1 FROM codings c WHERE c.excerpt_id = {row}.id "
            f"GROUP BY c.code_id {_upsert(CODE_TABLE, 'source_id, code_id')}")


_CODING_ZERO = (f"DELETE FROM {CODE_TABLE} WHERE excerpts <= 0 AND code_id = old.code_id "
                "AND source_id = (SELECT e.source_id FROM excerpts e WHERE e.id = old.excerpt_id)")
_SOURCE_ZERO = f"DELETE FROM {TABLE} WHERE excerpts <= 0 AND source_id = old.source_id"
_CODES_ZERO = f"DELETE FROM {CODE_TABLE} WHERE excerpts <= 0 AND source_id = old.source_id"
_MOVED = "old.project_id <> new.project_id OR old.source_id <> new.source_id"
_RECODED = "old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id"

# (name, event, table, condition, statements); the codings' triggers are AFTER on SQLite, BEFORE on PostgreSQL
Trigger = tuple[str, str, str, "str | None", list[str]]
_EXCERPT_TRIGGERS: list[Trigger] = [
    ("source_excerpts_ai", "AFTER INSERT", "excerpts", None, [_source("new", "+")]),
    ("source_excerpts_ad", "AFTER DELETE", "excerpts", None, [_source("old", "-"), _SOURCE_ZERO]),
    ("source_excerpts_au", "AFTER UPDATE OF project_id, source_id", "excerpts", _MOVED,
     [_source("old", "-"), _SOURCE_ZERO, _source("new", "+"),
      _excerpt_codes("old", "-"), _CODES_ZERO, _excerpt_codes("new", "+")]),
    ("source_excerpts_projects_ad", "AFTER DELETE", "projects", None,
     [f"DELETE FROM {TABLE} WHERE project_id = old.id", f"DELETE FROM {CODE_TABLE} WHERE project_id = old.id"]),
]
_CODING_TRIGGERS: list[Trigger] = [
    ("source_code_excerpts_{t}i", "INSERT", "codings", None, [_coding("new", "+")]),
    ("source_code_excerpts_{t}d", "DELETE", "codings", None, [_coding("old", "-"), _CODING_ZERO]),
    ("source_code_excerpts_{t}u", "UPDATE OF excerpt_id, code_id", "codings", _RECODED,
     [_coding("old", "-"), _CODING_ZERO, _coding("new", "+")]),
]


def _sqlite_spec() -> list[Trigger]:
    return _EXCERPT_TRIGGERS + [(name.format(t="a"), f"AFTER {event}", table, cond, body)
                                for name, event, table, cond, body in _CODING_TRIGGERS]


def _pg_trigger(name: str, when: str, table: str, cond: str | None, body: list[str]) -> list[str]:
    """One PL/pgSQL function and its trigger; a BEFORE trigger hands the row on (``old`` for a DELETE)."""
    result = ("old" if when.endswith("DELETE") else "new") if when.startswith("BEFORE") else "NULL"
    cond = f"({cond}) AND {PG_NOT_PAUSED}" if cond else PG_NOT_PAUSED
    return [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN\n"
            + "".join(f"  {sql};\n" for sql in body) + f"  RETURN {result};\nEND; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW WHEN ({cond}) EXECUTE FUNCTION {name}()"]


def _pg_spec() -> list[Trigger]:
    return _EXCERPT_TRIGGERS + [(name.format(t="b"), f"BEFORE {event}", table, cond, body)
                                for name, event, table, cond, body in _CODING_TRIGGERS]


SQLITE_TRIGGERS = sqlite_triggers(_sqlite_spec())
POSTGRES_TRIGGERS = [sql for trigger in _pg_spec() for sql in _pg_trigger(*trigger)]
SQLITE_DROP = drop_triggers(_sqlite_spec())[0]
POSTGRES_DROP = drop_triggers(_pg_spec())[1]

# Every row from the excerpts and codings themselves (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} (source_id, project_id, excerpts) "
           "SELECT e.source_id, min(e.project_id), count(*) FROM excerpts e WHERE 1 = 1 {where} GROUP BY e.source_id")
REBUILD_CODES = (f"INSERT INTO {CODE_TABLE} (source_id, code_id, project_id, excerpts) "
                 "SELECT e.source_id, c.code_id, min(e.project_id), count(DISTINCT c.excerpt_id) "
                 "FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} "
                 "GROUP BY e.source_id, c.code_id")


def rebuild_source_excerpts(session: Session, project_id: int | None = None) -> int:
    """Recompute both tables (one project, or all) from the excerpts and codings; returns the rows written."""
    return rebuild(session, TABLE, REBUILD, project_id) + rebuild(session, CODE_TABLE, REBUILD_CODES, project_id)
