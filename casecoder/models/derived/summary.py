"""``evidence_summary``: the distinct evidence behind the counts, kept by database triggers.

One row per (project, case, code, perspective, direction, coder, of record) that has codings, with
``n`` = the number of codings behind it (excerpts without a case give no rows). It is what
``analysis/evidence.py`` would get from codings x excerpts x sources, already made distinct, so
the tally reads a few ten thousand rows instead of joining every coding (docs/counting.md).

Triggers on SQLite and PostgreSQL keep it exact on every write path (web, CLI, bundle and REFI
imports, reconciliation, the bench's bulk loader), whatever the ORM does:

* codings: INSERT adds 1, DELETE takes 1 away, UPDATE of excerpt/code/direction/coder/of_record
  moves 1 from the old row to the new one;
* excerpts: UPDATE of project/source/case moves the excerpt's codings; BEFORE DELETE deletes the
  excerpt's codings first (their triggers still see the excerpt and its source: a cascade runs
  only after the parent row is gone, on both databases);
* sources: UPDATE of perspective moves their codings; BEFORE DELETE deletes their excerpts first;
* projects: AFTER DELETE drops the project's rows (belt and braces: the cascades already did).

Taking away is an upsert of a negative count followed by deleting rows at n <= 0, so no row
with n = 0 stays. The same statements serve both databases (SQLite trigger bodies; PostgreSQL
PL/pgSQL functions). The registry in ``models/derived/__init__.py`` attaches the DDL to
``create_all``; migration 0010 holds a frozen copy and filled the table (``REBUILD``).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel.vocabulary import Direction, Perspective
from casecoder.models.base import Base, str_enum


class EvidenceSummary(Base):
    """Distinct evidence with the number of codings behind it; written only by triggers."""

    __tablename__ = "evidence_summary"
    # which coders have evidence in a project: one index probe per user (``evidence.collect``)
    __table_args__ = (Index("ix_evidence_summary_coder", "project_id", "coder_id", "case_id"),
                      # the rare set-aside rows: "any set aside for these codes?" is one probe (migration 0030)
                      Index("ix_evidence_summary_set_aside", "project_id", "code_id",
                            sqlite_where=text("of_record = 0"), postgresql_where=text("of_record = false")))

    # No foreign keys: rows follow their codings through the triggers, not through cascades.
    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    perspective: Mapped[Perspective] = mapped_column(str_enum(Perspective, "perspective"), primary_key=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "direction"), primary_key=True)
    coder_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    of_record: Mapped[bool] = mapped_column(primary_key=True)
    n: Mapped[int]


TABLE = "evidence_summary"
KEY = "project_id, case_id, code_id, perspective, direction, coder_id, of_record"
_UPSERT = f"ON CONFLICT ({KEY}) DO UPDATE SET n = {TABLE}.n + excluded.n"


def _coding(row: str, sign: str) -> str:
    """Add (sign '+') or take away ('-') one coding, ``old`` or ``new``."""
    return (f"INSERT INTO {TABLE} ({KEY}, n) "
            f"SELECT e.project_id, e.case_id, {row}.code_id, s.perspective, {row}.direction, {row}.coder_id, "
            f"{row}.of_record, {sign}1 FROM excerpts e, sources s "
            f"WHERE e.id = {row}.excerpt_id AND s.id = e.source_id AND e.case_id IS NOT NULL {_UPSERT}")


_CODING_ZERO = (f"DELETE FROM {TABLE} WHERE n <= 0 AND code_id = old.code_id "
                f"AND project_id = (SELECT e.project_id FROM excerpts e WHERE e.id = old.excerpt_id) "
                f"AND case_id = (SELECT e.case_id FROM excerpts e WHERE e.id = old.excerpt_id)")


def _excerpt(row: str, sign: str) -> str:
    """Add or take away every coding of excerpt ``old``/``new`` (its project, source and case as in ``row``)."""
    return (f"INSERT INTO {TABLE} ({KEY}, n) "
            f"SELECT {row}.project_id, {row}.case_id, c.code_id, s.perspective, c.direction, c.coder_id, "
            f"c.of_record, {sign}count(*) FROM codings c, sources s "
            f"WHERE c.excerpt_id = {row}.id AND s.id = {row}.source_id AND {row}.case_id IS NOT NULL "
            f"GROUP BY c.code_id, s.perspective, c.direction, c.coder_id, c.of_record {_UPSERT}")


_EXCERPT_ZERO = f"DELETE FROM {TABLE} WHERE n <= 0 AND project_id = old.project_id AND case_id = old.case_id"


def _source(row: str, sign: str) -> str:
    """Add or take away every coding of source ``old``/``new`` under that row's perspective."""
    return (f"INSERT INTO {TABLE} ({KEY}, n) "
            f"SELECT e.project_id, e.case_id, c.code_id, {row}.perspective, c.direction, c.coder_id, "
            f"c.of_record, {sign}count(*) FROM codings c, excerpts e "
            f"WHERE e.source_id = {row}.id AND c.excerpt_id = e.id AND e.case_id IS NOT NULL "
            f"GROUP BY e.project_id, e.case_id, c.code_id, c.direction, c.coder_id, c.of_record {_UPSERT}")


_SOURCE_ZERO = f"DELETE FROM {TABLE} WHERE n <= 0 AND project_id = old.project_id"
_CODING_CHANGED = ("old.excerpt_id <> new.excerpt_id OR old.code_id <> new.code_id OR old.direction <> new.direction "
                   "OR old.coder_id <> new.coder_id OR old.of_record <> new.of_record")
_EXCERPT_CHANGED = ("old.project_id <> new.project_id OR old.source_id <> new.source_id "
                    "OR old.case_id IS NOT new.case_id")

# (name, timing and event, table, condition or None, statements)
_TRIGGERS = [
    ("evidence_summary_codings_ai", "AFTER INSERT", "codings", None, [_coding("new", "+")]),
    ("evidence_summary_codings_ad", "AFTER DELETE", "codings", None, [_coding("old", "-"), _CODING_ZERO]),
    ("evidence_summary_codings_au", "AFTER UPDATE OF excerpt_id, code_id, direction, coder_id, of_record",
     "codings", _CODING_CHANGED, [_coding("old", "-"), _CODING_ZERO, _coding("new", "+")]),
    ("evidence_summary_excerpts_bd", "BEFORE DELETE", "excerpts", None,
     ["DELETE FROM codings WHERE excerpt_id = old.id"]),
    ("evidence_summary_excerpts_au", "AFTER UPDATE OF project_id, source_id, case_id", "excerpts", _EXCERPT_CHANGED,
     [_excerpt("old", "-"), _EXCERPT_ZERO, _excerpt("new", "+")]),
    ("evidence_summary_sources_bd", "BEFORE DELETE", "sources", None,
     ["DELETE FROM excerpts WHERE source_id = old.id"]),
    ("evidence_summary_sources_au", "AFTER UPDATE OF perspective", "sources", "old.perspective <> new.perspective",
     [_source("old", "-"), _SOURCE_ZERO, _source("new", "+")]),
    ("evidence_summary_projects_ad", "AFTER DELETE", "projects", None,
     [f"DELETE FROM {TABLE} WHERE project_id = old.id"]),
]

def sqlite_triggers(spec: list) -> list[str]:
    """CREATE TRIGGER statements for SQLite from (name, timing and event, table, condition, statements)."""
    return [f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW{f' WHEN {cond}' if cond else ''} BEGIN\n"
            + "".join(f"  {sql};\n" for sql in body) + "END"
            for name, when, table, cond, body in spec]


# A bulk import pauses the AFTER triggers of its own transaction and rebuilds its project's rows once at
# the end (models/derived/pause.py). PostgreSQL: a transaction-local setting each AFTER trigger's WHEN
# tests (other transactions never see it); SQLite has one writer at a time, so pause.py drops and
# recreates the triggers inside the import's own write transaction instead.
PAUSE_SETTING = "casecoder.derived_paused"
PG_NOT_PAUSED = f"current_setting('{PAUSE_SETTING}', true) IS DISTINCT FROM 'on'"


def _pg(name: str, when: str, table: str, cond: str | None, body: list[str]) -> list[str]:
    result = "old" if when.startswith("BEFORE DELETE") else "NULL"
    cond = cond.replace(" IS NOT ", " IS DISTINCT FROM ") if cond else cond  # "IS NOT NULL" means the same
    if when.startswith("AFTER"):
        cond = f"({cond}) AND {PG_NOT_PAUSED}" if cond else PG_NOT_PAUSED
    return [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN\n"
            + "".join(f"  {sql};\n" for sql in body) + f"  RETURN {result};\nEND; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW{f' WHEN ({cond})' if cond else ''} "
            f"EXECUTE FUNCTION {name}()"]


def postgres_triggers(spec: list) -> list[str]:
    """The same triggers for PostgreSQL: one PL/pgSQL function per trigger."""
    return [sql for trigger in spec for sql in _pg(*trigger)]


def without_codings_insert(spec: list) -> list:
    """``spec`` without its AFTER INSERT trigger on codings: on PostgreSQL one trigger writes every table's rows
    of a new coding (``codings_insert.py``, from each table's ``CodingAdded``)."""
    return [trigger for trigger in spec if trigger[1:3] != ("AFTER INSERT", "codings")]


@dataclass(frozen=True)
class CodingAdded:
    """What one table gets for a new coding on PostgreSQL, in the one AFTER INSERT trigger on codings
    (``codings_insert.py``): ``sql`` reads the coding as ``new`` and its excerpt's project_id, case_id, source_id,
    start_offset and end_offset from the record ``e`` (read once for every table); ``with_case_only``: only when
    ``e.case_id`` is not NULL. The same rows as the table's SQLite AFTER INSERT trigger on codings."""

    sql: str
    with_case_only: bool = False


def drop_triggers(spec: list) -> tuple[list[str], list[str]]:
    """DROP statements for (SQLite, PostgreSQL)."""
    return ([f"DROP TRIGGER IF EXISTS {name}" for name, *_ in spec],
            [sql for name, _, table, *_ in spec
             for sql in (f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()")])


SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(without_codings_insert(_TRIGGERS))
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)[0], drop_triggers(without_codings_insert(_TRIGGERS))[1]
# evidence_summary_codings_ai on PostgreSQL (its excerpt as the record ``e``): codings_insert.py
POSTGRES_CODING_ADDED = CodingAdded(
    f"INSERT INTO {TABLE} ({KEY}, n) SELECT e.project_id, e.case_id, new.code_id, s.perspective, new.direction, "
    f"new.coder_id, new.of_record, 1 FROM sources s WHERE s.id = e.source_id {_UPSERT}", with_case_only=True)

# Every row from the codings themselves; the migration runs it once, ``rebuild_summary`` on demand.
REBUILD = (f"INSERT INTO {TABLE} ({KEY}, n) "
           "SELECT e.project_id, e.case_id, c.code_id, s.perspective, c.direction, c.coder_id, c.of_record, count(*) "
           "FROM codings c JOIN excerpts e ON e.id = c.excerpt_id JOIN sources s ON s.id = e.source_id "
           "WHERE e.case_id IS NOT NULL {where}"
           "GROUP BY e.project_id, e.case_id, c.code_id, s.perspective, c.direction, c.coder_id, c.of_record")


def rebuild_summary(session: Session, project_id: int | None = None) -> int:
    """Recompute the summary from the codings (one project, or all); returns the rows written.

    Only needed if rows were written with the triggers off (e.g. a data-only restore with triggers
    disabled); the triggers keep it exact otherwise.
    """
    if project_id is None:
        session.execute(text(f"DELETE FROM {TABLE}"))
        return session.connection().execute(text(REBUILD.format(where=""))).rowcount
    session.execute(text(f"DELETE FROM {TABLE} WHERE project_id = :p"), {"p": project_id})
    return session.connection().execute(text(REBUILD.format(where="AND e.project_id = :p ")), {"p": project_id}).rowcount
