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

``source_coder_span_versions``: per (source, coder) that has rows here, a random version that triggers on
this table and on ``source_case_codings`` replace whenever one of the pair's rows there is added, deleted
or changes its span, case, code, direction or project (not when only its count moves). The agreement keeps
each pair's spans (``analysis/segment_spans.py``) and case-level presence (``analysis/case_presence.py``)
per process under that version and reads only the pairs whose version changed: the
version of a pair that has no rows is deleted with its last row, and a rolled-back version never comes
back (random, as ``sources.text_version``). Migration 0033 added it; the rebuild recomputes it too, and
a bulk import's pause (``pause.py``) pauses its triggers with the others of this entry.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Index, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel.vocabulary import Direction
from casecoder.models.base import Base, str_enum
from casecoder.models.derived.per_source import PerSource, rebuild
from casecoder.models.derived.source_text import POSTGRES_RANDOM, SQLITE_RANDOM
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers

TABLE = "source_coder_spans"
KEY = "source_id, coder_id, code_id, direction, start_offset, end_offset"
VERSIONS = "source_coder_span_versions"


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


class SourceCoderSpanVersions(Base):
    """A random ``version`` of ``coder_id``'s rows of ``source_id`` in ``source_coder_spans`` (a row only while
    there are some), replaced by triggers whenever one of them changes."""

    __tablename__ = VERSIONS
    __table_args__ = (Index("ix_source_coder_span_versions_project", "project_id"),)  # a project's rows: rebuild

    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    coder_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    project_id: Mapped[int]
    version: Mapped[int] = mapped_column(BigInteger)


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
_SQLITE, _POSTGRES, _SQLITE_DROP, _POSTGRES_DROP = _COUNTS.ddl()
POSTGRES_CODING_ADDED = _COUNTS.coding_added()  # its AFTER INSERT on codings on PostgreSQL: codings_insert.py


def _bump(row: str, random: str) -> str:
    """A new version for the (source, coder) of ``row`` (``old`` or ``new``), the row made if missing."""
    return (f"INSERT INTO {VERSIONS} (source_id, coder_id, project_id, version) "
            f"VALUES ({row}.source_id, {row}.coder_id, {row}.project_id, {random}) "
            "ON CONFLICT (source_id, coder_id) DO UPDATE SET version = excluded.version, project_id = excluded.project_id")


def _gone(row: str) -> str:
    """The pair of ``row``'s version goes with its last row of source_coder_spans."""
    return (f"DELETE FROM {VERSIONS} WHERE source_id = {row}.source_id AND coder_id = {row}.coder_id AND NOT EXISTS "
            f"(SELECT 1 FROM {TABLE} s WHERE s.source_id = {row}.source_id AND s.coder_id = {row}.coder_id)")


_MOVED = ("old.source_id <> new.source_id OR old.coder_id <> new.coder_id OR old.code_id <> new.code_id "
          "OR old.direction <> new.direction OR old.project_id <> new.project_id")
_SPAN_MOVED = f"{_MOVED} OR old.start_offset <> new.start_offset OR old.end_offset <> new.end_offset"
_CASE_MOVED = f"{_MOVED} OR old.case_id <> new.case_id"


def _version_triggers(random: str) -> list[tuple[str, str, str, str | None, list[str]]]:
    """(name, timing and event, table, condition, statements) of the versions' triggers (``summary.py``'s shape):
    on this table and on ``source_case_codings`` (the case-level presence; its pairs are among this table's,
    as every coding has a row here), so that a pair's version covers its rows of both. An insert only bumps: the
    pair has a row here after it (this table's own insert), or gets one from the same coding's insert here
    (``source_case_codings``' rows), so ``_gone`` after an insert never kept a pair without rows (migration 0038
    took it out of the ``_ai`` triggers)."""
    out = []
    for prefix, table, moved in (("source_coder_span_versions", TABLE, _SPAN_MOVED),
                                 ("source_case_span_versions", "source_case_codings", _CASE_MOVED)):
        out += [(f"{prefix}_ai", "AFTER INSERT", table, None, [_bump("new", random)]),
                (f"{prefix}_au", "AFTER UPDATE", table, moved,
                 [_bump("old", random), _bump("new", random), _gone("old"), _gone("new")]),
                (f"{prefix}_ad", "AFTER DELETE", table, None, [_bump("old", random), _gone("old")])]
    return out


_VERSIONS_DROP = drop_triggers(_version_triggers(""))
SQLITE_TRIGGERS = _SQLITE + sqlite_triggers(_version_triggers(SQLITE_RANDOM))
POSTGRES_TRIGGERS = _POSTGRES + postgres_triggers(_version_triggers(POSTGRES_RANDOM))
SQLITE_DROP, POSTGRES_DROP = _SQLITE_DROP + _VERSIONS_DROP[0], _POSTGRES_DROP + _VERSIONS_DROP[1]

# Every row from the codings themselves (one project with ``{where}`` = "AND e.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} ({KEY}, project_id, codings) "
           "SELECT e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset, min(e.project_id), "
           "count(*) FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE 1 = 1 {where} "
           "GROUP BY e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset")


# A new version for every (source, coder) of the rows (one project with ``{where}`` = "WHERE project_id = :p")
REBUILD_VERSIONS = {
    dialect: (f"INSERT INTO {VERSIONS} (source_id, coder_id, project_id, version) "
              f"SELECT source_id, coder_id, min(project_id), {random} FROM {TABLE} {{where}} GROUP BY source_id, coder_id")
    for dialect, random in (("sqlite", SQLITE_RANDOM), ("postgresql", POSTGRES_RANDOM))}


# Every pair's version drawn again, as a new load draws them (a copied database: tests/fresh_db.py)
RENEW_VERSIONS = {dialect: f"UPDATE {VERSIONS} SET version = {random}"
                  for dialect, random in (("sqlite", SQLITE_RANDOM), ("postgresql", POSTGRES_RANDOM))}


def rebuild_source_coder_spans(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from the codings, and new versions for its pairs; returns
    the rows written (of ``source_coder_spans``)."""
    written = rebuild(session, TABLE, REBUILD, project_id)
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text(f"DELETE FROM {VERSIONS}" + (" WHERE project_id = :p" if one else "")), params)
    sql = REBUILD_VERSIONS[session.connection().dialect.name]
    session.execute(text(sql.format(where="WHERE project_id = :p" if one else "")), params)
    return written
