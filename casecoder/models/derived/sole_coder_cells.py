"""``sole_coder_cells``: where one coder alone stands behind a pair of a case and code, kept by triggers.

Per coder, case and code *with its sub-codes*: the cell's mask (``case_code_evidence``'s pairs above 0) and
the bits of the pairs whose every evidence row of record is this coder's (``case_code_coder_evidence``'s
count for the coder equals ``case_code_evidence``'s, above 0); rows only where there is such a pair. A blind
double coder's numbers lose exactly these bits of a second coder who coded only the double-coded material
(``analysis/blind_counts.py``): one primary-key range per coder instead of each of their
``case_code_coder_evidence`` rows probed against ``case_code_evidence`` per request (issue #25).

Triggers on SQLite and PostgreSQL: every INSERT, UPDATE and DELETE of a row of ``case_code_evidence`` or
``case_code_coder_evidence`` recomputes that (case, code) cell for every coder (a change to one coder's
rows changes what the others stand alone behind): its rows are deleted and inserted again from the two
tables as they are after the change, so the last change of a statement leaves the cell exact whichever
table's trigger runs last. Both tables' own triggers remove a deleted code's or project's rows, so this
table follows. On PostgreSQL they run inside the tally's triggers, which hold the project's lock.

``rebuild_sole_coder_cells`` recomputes it from the two tables (one project, or all); migration 0032
filled it.
"""
from __future__ import annotations

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.models.base import Base
from casecoder.models.derived.coder_evidence import TABLE as CODER_EVIDENCE
from casecoder.models.derived.coder_evidence import CaseCodeCoderEvidence
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers
from casecoder.models.derived.tally_cells import BITS, COLUMNS, EVIDENCE, PAIRS, mask_of

TABLE = "sole_coder_cells"
KEY = "project_id, coder_id, case_id, code_id"


class SoleCoderCells(Base):
    """A (case, code) cell's mask and the pairs behind which one coder's evidence rows of record stand alone."""

    __tablename__ = TABLE

    # No foreign keys: rows follow case_code_evidence and case_code_coder_evidence through the triggers.
    # The key leads with the coder: a coder's rows are one range.
    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    coder_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    mask: Mapped[int] = mapped_column()   # the cell's pairs with evidence (case_code_evidence), BITS
    sole: Mapped[int] = mapped_column()   # of those, the pairs where every row is this coder's

    __table_args__ = (Index("ix_sole_coder_cells_cell", "project_id", "case_id", "code_id"),)


# the triggers find a cell's coders through this index of case_code_coder_evidence
CODER_EVIDENCE_CELL = Index("ix_case_code_coder_evidence_cell", CaseCodeCoderEvidence.project_id,
                            CaseCodeCoderEvidence.case_id, CaseCodeCoderEvidence.code_id)


def _sole(x: str, e: str) -> str:
    """SQL: the bits of the pairs where the coder's row ``x`` holds every row of ``e``'s (case_code_evidence)."""
    return "(" + " + ".join(f"(CASE WHEN {e}.{c} > 0 AND {x}.{c} >= {e}.{c} THEN {BITS[pair]} ELSE 0 END)"
                            for pair, c in zip(PAIRS, COLUMNS)) + ")"


_SELECT = (f"SELECT x.project_id, x.coder_id, x.case_id, x.code_id, {mask_of('e')}, {_sole('x', 'e')} "
           f"FROM {CODER_EVIDENCE} x JOIN {EVIDENCE} e ON e.project_id = x.project_id AND e.case_id = x.case_id "
           f"AND e.code_id = x.code_id WHERE {_sole('x', 'e')} <> 0")
_INSERT = f"INSERT INTO {TABLE} ({KEY}, mask, sole) "


def _cell(row: str, only: str = "") -> list[str]:
    """Recompute the cell of ``row`` (new or old) for every coder; ``only``: a further condition."""
    cell = f"project_id = {row}.project_id AND case_id = {row}.case_id AND code_id = {row}.code_id{only}"
    x_cell = (f" AND x.project_id = {row}.project_id AND x.case_id = {row}.case_id AND x.code_id = {row}.code_id"
              f"{only}")
    return [f"DELETE FROM {TABLE} WHERE {cell}", _INSERT + _SELECT + x_cell]


# an UPDATE that moves a row to another cell (none does today: the upserts change counts) redoes the old one too
_MOVED = " AND (old.project_id <> new.project_id OR old.case_id <> new.case_id OR old.code_id <> new.code_id)"
_TRIGGERS = [
    (f"sole_cells_{short}_a{suffix}", f"AFTER {event}", table, None, body)
    for short, table in (("evidence", EVIDENCE), ("coder", CODER_EVIDENCE))
    for event, suffix, body in (("INSERT", "i", _cell("new")), ("UPDATE", "u", _cell("new") + _cell("old", _MOVED)),
                                ("DELETE", "d", _cell("old")))
]
SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(_TRIGGERS)
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)

# Every row from the two tables (one project with ``{where}`` = "AND x.project_id = :p")
REBUILD = _INSERT + _SELECT + " {where}"


def rebuild_sole_coder_cells(session: Session, project_id: int | None = None) -> int:
    """Recompute the table (one project, or all) from case_code_evidence and case_code_coder_evidence."""
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text(f"DELETE FROM {TABLE}" + (" WHERE project_id = :p" if one else "")), params)
    return session.connection().execute(text(REBUILD.format(where="AND x.project_id = :p" if one else "")),
                                        params).rowcount
