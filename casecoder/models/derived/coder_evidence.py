"""``case_code_coder_evidence``: ``case_code_evidence`` per coder, kept by database triggers.

Per coder, case and code *with its sub-codes*: how many of the coder's ``evidence_summary`` rows of record
stand behind each of the six perspective x direction pairs (``case_code_evidence`` is its sum over the
coders). A blind double coder's numbers are everyone's less the cells where every row belongs to coders
whose every coding they may not see (``analysis/blind_counts.py``): such a cell loses a pair exactly when
those coders' rows here add up to ``case_code_evidence``'s, one range of this table per coder instead of
each of their summary rows probed and rolled up through ``code_ancestry`` per request (issue #25).

Triggers on SQLite and PostgreSQL:

* evidence_summary: INSERT / DELETE of a row of record adds / takes away 1 for its code and each of its
  ancestors (as ``tally_summary_ai/ad``); rows where every count is 0 are deleted;
* codes: UPDATE of ``parent_id`` (a merge moves sub-codes) takes the moved subtree's evidence away from the
  old parent and its ancestors and adds it to the new parent and its ancestors. It reads only
  ``code_ancestry`` rows the move does not change (the subtree below the moved code, and the ancestors of
  the old and new parents), so it gives the same rows whether it runs before or after ``tally_codes_au``;
  DELETE drops the code's rows;
* projects: AFTER DELETE drops the project's rows.

``rebuild_coder_evidence`` recomputes it from ``evidence_summary`` and ``code_ancestry`` (one project, or
all); migration 0028 filled it.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.models.base import Base
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers
from casecoder.models.derived.tally_cells import COLUMNS, LOCK_CLASS, PAIRS

TABLE = "case_code_coder_evidence"
KEY = "project_id, coder_id, case_id, code_id"


class CaseCodeCoderEvidence(Base):
    """A coder's evidence rows of record behind a case and a code with its sub-codes, per pair."""

    __tablename__ = TABLE

    # No foreign keys: rows follow evidence_summary through the triggers. The key leads with the coder:
    # a coder's rows are one range.
    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    coder_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    family_supports: Mapped[int] = mapped_column(default=0)
    family_contradicts: Mapped[int] = mapped_column(default=0)
    family_nuances: Mapped[int] = mapped_column(default=0)
    system_supports: Mapped[int] = mapped_column(default=0)
    system_contradicts: Mapped[int] = mapped_column(default=0)
    system_nuances: Mapped[int] = mapped_column(default=0)


_UPSERT = f"ON CONFLICT ({KEY}) DO UPDATE SET " + ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COLUMNS)
_ALL_ZERO = " AND ".join(f"{c} <= 0" for c in COLUMNS)


def _pair_counts(row: str, aggregate: str = "", sign: str = "") -> str:
    """The six 0/1 (``sign='-'``: 0/-1) columns of one evidence_summary row (summed with ``aggregate='sum'``)."""
    return ", ".join(f"{aggregate}(CASE WHEN {row}.perspective = '{p}' AND {row}.direction = '{d}' "
                     f"THEN {sign}1 ELSE 0 END)" for p, d in PAIRS)


def _summary_row(row: str, sign: str) -> list[str]:
    """Add or take away one evidence_summary row for its coder, code and every ancestor; drop rows at 0."""
    statements = [f"INSERT INTO {TABLE} ({KEY}, {', '.join(COLUMNS)}) "
                  f"SELECT {row}.project_id, {row}.coder_id, {row}.case_id, a.ancestor_id, {_pair_counts(row, sign=sign)} "
                  f"FROM code_ancestry a WHERE a.code_id = {row}.code_id {_UPSERT}"]
    if sign == "-":
        statements.append(f"DELETE FROM {TABLE} WHERE project_id = {row}.project_id AND coder_id = {row}.coder_id "
                          f"AND case_id = {row}.case_id AND code_id IN "
                          f"(SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = {row}.code_id) AND {_ALL_ZERO}")
    return statements


def _subtree(parent: str, sign: str) -> str:
    """Add or take away the evidence of code ``new.id``'s subtree at ``parent`` and each of its ancestors."""
    return (f"INSERT INTO {TABLE} ({KEY}, {', '.join(COLUMNS)}) "
            f"SELECT s.project_id, s.coder_id, s.case_id, up.ancestor_id, {_pair_counts('s', 'sum', sign)} "
            "FROM evidence_summary s, code_ancestry down, code_ancestry up "
            "WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id "
            f"AND down.ancestor_id = new.id AND up.code_id = {parent} "
            f"GROUP BY s.project_id, s.coder_id, s.case_id, up.ancestor_id {_UPSERT}")


_MOVE = [
    _subtree("old.parent_id", "-"),
    f"DELETE FROM {TABLE} WHERE project_id = new.project_id AND code_id IN "
    f"(SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = old.parent_id) AND {_ALL_ZERO}",
    _subtree("new.parent_id", "+"),
]

# (name, timing and event, table, condition or None, statements) — as in summary.py
_TRIGGERS = [
    ("coder_evidence_summary_ai", "AFTER INSERT", "evidence_summary", "new.of_record", _summary_row("new", "+")),
    ("coder_evidence_summary_ad", "AFTER DELETE", "evidence_summary", "old.of_record", _summary_row("old", "-")),
    ("coder_evidence_codes_au", "AFTER UPDATE OF parent_id", "codes", "old.parent_id IS NOT new.parent_id", _MOVE),
    ("coder_evidence_codes_ad", "AFTER DELETE", "codes", None,
     [f"DELETE FROM {TABLE} WHERE project_id = old.project_id AND code_id = old.id"]),
    ("coder_evidence_projects_ad", "AFTER DELETE", "projects", None, [f"DELETE FROM {TABLE} WHERE project_id = old.id"]),
]
# PostgreSQL: the project's transaction lock first, as the tally's triggers take it (tally_cells.LOCK_CLASS), so
# concurrent writers to the same rows queue up instead of deadlocking
_LOCKED = {"coder_evidence_summary_ai": "new", "coder_evidence_summary_ad": "old", "coder_evidence_codes_au": "new"}
_PG_TRIGGERS = [(name, when, table, cond, ([f"PERFORM pg_advisory_xact_lock({LOCK_CLASS}, {_LOCKED[name]}.project_id)"]
                                           if name in _LOCKED else []) + body)
                for name, when, table, cond, body in _TRIGGERS]
SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(_PG_TRIGGERS)
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)

# Every row from evidence_summary and code_ancestry (one project with ``{where}`` = "AND x.project_id = :p")
REBUILD = (f"INSERT INTO {TABLE} ({KEY}, {', '.join(COLUMNS)}) "
           f"SELECT x.project_id, x.coder_id, x.case_id, a.ancestor_id, {_pair_counts('x', 'sum')} "
           "FROM evidence_summary x JOIN code_ancestry a ON a.code_id = x.code_id WHERE x.of_record {where} "
           "GROUP BY x.project_id, x.coder_id, x.case_id, a.ancestor_id")


def rebuild_coder_evidence(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from evidence_summary and code_ancestry; returns the rows."""
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text(f"DELETE FROM {TABLE}" + (" WHERE project_id = :p" if one else "")), params)
    return session.connection().execute(text(REBUILD.format(where="AND x.project_id = :p" if one else "")),
                                        params).rowcount
