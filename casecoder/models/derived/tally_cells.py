"""``tally_cells``: how many cases have each mix of evidence per code, kept by database triggers.

The tally's numbers (docs/counting.md) without reading a row per case. Three tables, each kept
exact by triggers on the one before it, on SQLite and PostgreSQL alike:

* ``code_ancestry`` (ancestor, code): every code with itself and each of its ancestors — the
  sub-code roll-up as a closure table. Triggers on ``codes``: INSERT adds the new code's paths,
  UPDATE of ``parent_id`` (a merge moves sub-codes) moves the subtree's paths and its evidence,
  DELETE drops them.
* ``case_code_evidence`` (project, case, code): per case and code *with its sub-codes*, how many
  ``evidence_summary`` rows of record stand behind each of the six perspective x direction pairs.
  Triggers on ``evidence_summary`` (rows appear and vanish as codings come and go) add or take
  away 1 for the code and each of its ancestors; rows where every count is 0 are deleted.
* ``tally_cells`` (project, code, mask) -> cases: ``mask`` is the set of pairs with evidence (bit
  per pair, ``BITS``); triggers on ``case_code_evidence`` move a case from its old mask to its
  new one. A tally measure for a code is the sum of ``cases`` over the masks that satisfy it (any
  direction set), so the whole tally reads a few hundred rows whatever the number of codings.
* ``tally_default`` (project, code) -> the six measures for the default direction set (supports
  only), moved by the same triggers: the everyday tally reads one row per code.

The pairs, their bits and the measures are declared once in ``kernel/measures.py``; the SQL here is
generated from that declaration (``mask_of``, ``measure_condition``), as are the queries of
``analysis/measures.py`` that read these tables.

It serves the tally of record over all coders and all cases with sub-codes included; any other
filter is counted from ``evidence_summary`` (``analysis/evidence.py``). ``rebuild_tally_cells``
recomputes all three from ``evidence_summary`` and ``codes``; migration 0011 runs it once.
"""
from __future__ import annotations

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel import measures
from casecoder.kernel.measures import Measure
from casecoder.models.base import Base
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers

# the six pair columns and the bits of ``mask``, and the measures of ``tally_default``: from kernel/measures.py
PAIRS = list(measures.PAIRS)
COLUMNS = [f"{p}_{d}" for p, d in PAIRS]  # case_code_evidence's counts, one per pair, in bit order
BITS = measures.BITS   # (perspective, direction) -> its bit in ``mask``


class CodeAncestry(Base):
    """(ancestor, code) for every code and each of its ancestors, itself included."""

    __tablename__ = "code_ancestry"
    __table_args__ = (Index("ix_code_ancestry_code", "code_id", "ancestor_id"),)

    ancestor_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(index=True)


class CaseCodeEvidence(Base):
    """Evidence rows of record behind a case and a code with its sub-codes, per perspective x direction."""

    __tablename__ = "case_code_evidence"
    # a code's rows (the primary key leads with the case): chains, the statement graph, the overview (0024)
    __table_args__ = (Index("ix_case_code_evidence_code", "project_id", "code_id"),)

    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    family_supports: Mapped[int] = mapped_column(default=0)
    family_contradicts: Mapped[int] = mapped_column(default=0)
    family_nuances: Mapped[int] = mapped_column(default=0)
    system_supports: Mapped[int] = mapped_column(default=0)
    system_contradicts: Mapped[int] = mapped_column(default=0)
    system_nuances: Mapped[int] = mapped_column(default=0)


class TallyCell(Base):
    """The number of cases whose evidence for a code (sub-codes included) is exactly ``mask``."""

    __tablename__ = "tally_cells"

    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    mask: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cases: Mapped[int]


class TallyDefault(Base):
    """The six measures of a code for the default direction set (supports only): no sum over masks."""

    __tablename__ = "tally_default"

    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n_family: Mapped[int]        # "n_": BOTH is an SQL keyword
    n_system: Mapped[int]
    n_both: Mapped[int]
    n_either: Mapped[int]
    n_contradicts: Mapped[int]
    n_nuances: Mapped[int]


EVIDENCE = "case_code_evidence"
_ADD = ", ".join(f"{c} = {EVIDENCE}.{c} + excluded.{c}" for c in COLUMNS)
_EVIDENCE_UPSERT = f"ON CONFLICT (project_id, case_id, code_id) DO UPDATE SET {_ADD}"
_CELLS_UPSERT = "ON CONFLICT (project_id, code_id, mask) DO UPDATE SET cases = tally_cells.cases + excluded.cases"
_ALL_ZERO = " AND ".join(f"{c} <= 0" for c in COLUMNS)


def _pair_counts(row: str, aggregate: str = "", sign: str = "") -> str:
    """The six 0/1 (``sign='-'``: 0/-1) columns of one evidence_summary row (summed with ``aggregate='sum'``)."""
    return ", ".join(f"{aggregate}(CASE WHEN {row}.perspective = '{p}' AND {row}.direction = '{d}' "
                     f"THEN {sign}1 ELSE 0 END)" for p, d in PAIRS)


def mask_of(row: str) -> str:
    """SQL for the mask of a case_code_evidence row ``row``."""
    return "(" + " + ".join(f"(CASE WHEN {row}.{c} > 0 THEN {BITS[pair]} ELSE 0 END)"
                            for pair, c in zip(PAIRS, COLUMNS)) + ")"


def _summary_row(row: str, sign: str) -> list[str]:
    """Add or take away one evidence_summary row for its code and every ancestor; drop rows at 0."""
    counts = _pair_counts(row, sign=sign)
    statements = [f"INSERT INTO {EVIDENCE} (project_id, case_id, code_id, {', '.join(COLUMNS)}) "
                  f"SELECT {row}.project_id, {row}.case_id, a.ancestor_id, {counts} FROM code_ancestry a "
                  f"WHERE a.code_id = {row}.code_id {_EVIDENCE_UPSERT}"]
    if sign == "-":
        statements.append(f"DELETE FROM {EVIDENCE} WHERE project_id = {row}.project_id AND case_id = {row}.case_id "
                          f"AND code_id IN (SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = {row}.code_id) "
                          f"AND {_ALL_ZERO}")
    return statements


def _subtree(sign: str) -> str:
    """Add or take away the evidence of code ``new.id``'s subtree at its strict ancestors (as they stand)."""
    sums = _pair_counts("s", "sum", sign)
    return (f"INSERT INTO {EVIDENCE} (project_id, case_id, code_id, {', '.join(COLUMNS)}) "
            f"SELECT s.project_id, s.case_id, up.ancestor_id, {sums} "
            "FROM evidence_summary s, code_ancestry down, code_ancestry up "
            "WHERE s.project_id = new.project_id AND s.of_record AND down.code_id = s.code_id "
            "AND down.ancestor_id = new.id AND up.code_id = new.id AND up.ancestor_id <> new.id "
            f"GROUP BY s.project_id, s.case_id, up.ancestor_id {_EVIDENCE_UPSERT}")


_CELL = ("INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT {row}.project_id, {row}.code_id, "
         "{mask}, {sign}1 WHERE {mask} <> 0 " + _CELLS_UPSERT)
_CELL_ZERO = "DELETE FROM tally_cells WHERE project_id = {row}.project_id AND code_id = {row}.code_id AND cases <= 0"


def _cell(row: str, sign: str) -> str:
    return _CELL.format(row=row, mask=mask_of(row), sign=sign)


def default_column(name: str) -> str:
    """The ``tally_default`` column of a measure ("n_": BOTH is an SQL keyword)."""
    return f"n_{name}"


DEFAULT_MEASURES = tuple(default_column(m.name) for m in measures.MEASURES)


def measure_condition(measure: Measure, row: str, chosen: frozenset[str]) -> str:
    """SQL: whether case_code_evidence row ``row`` satisfies ``measure`` for the direction set ``chosen``:
    a pair column > 0 in every group (pairs of a group ORed, in parentheses when more than one)."""
    groups = []
    for group in measure.groups(chosen):
        terms = [f"{row}.{p}_{d} > 0" for p, d in group] or ["1 = 0"]  # an empty group: never
        groups.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
    return " AND ".join(groups)


def _default_measures(row: str) -> list[str]:
    """The default tally's six measures (0 or 1) of case_code_evidence row ``row``, default directions."""
    return [f"(CASE WHEN {measure_condition(m, row, measures.DEFAULT_DIRECTIONS)} THEN 1 ELSE 0 END)"
            for m in measures.MEASURES]


_DEFAULT_ADD = ", ".join(f"{m} = tally_default.{m} + excluded.{m}" for m in DEFAULT_MEASURES)


def _default(row: str, sign: str) -> str:
    """Add (sign '+') or take away ('-') a case's default measures for ``row``'s code."""
    values = ", ".join(f"{sign}{v}" for v in _default_measures(row))
    return (f"INSERT INTO tally_default (project_id, code_id, {', '.join(DEFAULT_MEASURES)}) "
            f"SELECT {row}.project_id, {row}.code_id, {values} WHERE {mask_of(row)} <> 0 "
            f"ON CONFLICT (project_id, code_id) DO UPDATE SET {_DEFAULT_ADD}")


_DEFAULT_ZERO = ("DELETE FROM tally_default WHERE project_id = {row}.project_id AND code_id = {row}.code_id AND "
                 + " AND ".join(f"{m} <= 0" for m in DEFAULT_MEASURES))


_MOVE = [
    _subtree("-"),
    f"DELETE FROM {EVIDENCE} WHERE project_id = new.project_id AND code_id IN "
    f"(SELECT a.ancestor_id FROM code_ancestry a WHERE a.code_id = new.id AND a.ancestor_id <> new.id) AND {_ALL_ZERO}",
    "DELETE FROM code_ancestry WHERE code_id IN (SELECT d.code_id FROM code_ancestry d WHERE d.ancestor_id = new.id) "
    "AND ancestor_id IN (SELECT u.ancestor_id FROM code_ancestry u WHERE u.code_id = new.id AND u.ancestor_id <> new.id)",
    "INSERT INTO code_ancestry (ancestor_id, code_id, project_id) SELECT up.ancestor_id, down.code_id, new.project_id "
    "FROM code_ancestry up, code_ancestry down WHERE up.code_id = new.parent_id AND down.ancestor_id = new.id",
    _subtree("+"),
]

# (name, timing and event, table, condition or None, statements) — as in summary.py
_TRIGGERS = [
    ("tally_codes_ai", "AFTER INSERT", "codes", None,
     ["INSERT INTO code_ancestry (ancestor_id, code_id, project_id) SELECT new.id, new.id, new.project_id WHERE true "
      "UNION ALL SELECT a.ancestor_id, new.id, new.project_id FROM code_ancestry a WHERE a.code_id = new.parent_id"]),
    ("tally_codes_au", "AFTER UPDATE OF parent_id", "codes", "old.parent_id IS NOT new.parent_id", _MOVE),
    ("tally_codes_ad", "AFTER DELETE", "codes", None,
     [f"DELETE FROM {EVIDENCE} WHERE project_id = old.project_id AND code_id = old.id",
      "DELETE FROM tally_cells WHERE project_id = old.project_id AND code_id = old.id",
      "DELETE FROM tally_default WHERE project_id = old.project_id AND code_id = old.id",
      "DELETE FROM code_ancestry WHERE code_id = old.id OR ancestor_id = old.id"]),
    ("tally_summary_ai", "AFTER INSERT", "evidence_summary", "new.of_record", _summary_row("new", "+")),
    ("tally_summary_ad", "AFTER DELETE", "evidence_summary", "old.of_record", _summary_row("old", "-")),
    ("tally_evidence_ai", "AFTER INSERT", EVIDENCE, None, [_cell("new", "+"), _default("new", "+")]),
    ("tally_evidence_au", "AFTER UPDATE", EVIDENCE, f"{mask_of('old')} <> {mask_of('new')}",
     [_cell("old", "-"), _CELL_ZERO.format(row="old"), _cell("new", "+"),
      _default("old", "-"), _default("new", "+"), _DEFAULT_ZERO.format(row="old")]),
    ("tally_evidence_ad", "AFTER DELETE", EVIDENCE, None,
     [_cell("old", "-"), _CELL_ZERO.format(row="old"), _default("old", "-"), _DEFAULT_ZERO.format(row="old")]),
    ("tally_projects_ad", "AFTER DELETE", "projects", None,
     [f"DELETE FROM {table} WHERE project_id = old.id"
      for table in ("tally_cells", "tally_default", EVIDENCE, "code_ancestry")]),
]

# PostgreSQL: the triggers that change evidence or cells first take the project's transaction lock,
# so concurrent coders' changes to the shared cell rows queue up instead of deadlocking (a request
# that codes X then Y would lock cells in the opposite order to one coding Y then X). Only the first
# coding of a code by a coder in a case gets here; later ones just count up evidence_summary.
LOCK_CLASS = 31001  # pg_advisory_xact_lock(class, project id)
_LOCKED = {"tally_codes_au": "new", "tally_codes_ad": "old", "tally_summary_ai": "new", "tally_summary_ad": "old"}
_PG_TRIGGERS = [(name, when, table, cond, ([f"PERFORM pg_advisory_xact_lock({LOCK_CLASS}, {_LOCKED[name]}.project_id)"]
                                           if name in _LOCKED else []) + body)
                for name, when, table, cond, body in _TRIGGERS]
SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(_PG_TRIGGERS)
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)

# Rebuild from codes and evidence_summary (one project with ``{where}`` = "AND x.project_id = :p").
_REBUILD_ANCESTRY = (
    "INSERT INTO code_ancestry (ancestor_id, code_id, project_id) "
    "WITH RECURSIVE up(ancestor_id, code_id, project_id) AS ("
    "SELECT x.id, x.id, x.project_id FROM codes x WHERE 1 = 1 {where} "
    "UNION ALL SELECT c.parent_id, up.code_id, up.project_id FROM up JOIN codes c ON c.id = up.ancestor_id "
    "WHERE c.parent_id IS NOT NULL) SELECT ancestor_id, code_id, project_id FROM up")
_REBUILD_EVIDENCE = (
    f"INSERT INTO {EVIDENCE} (project_id, case_id, code_id, {', '.join(COLUMNS)}) "
    f"SELECT x.project_id, x.case_id, a.ancestor_id, {_pair_counts('x', 'sum')} "
    "FROM evidence_summary x JOIN code_ancestry a ON a.code_id = x.code_id WHERE x.of_record {where} "
    "GROUP BY x.project_id, x.case_id, a.ancestor_id")
_REBUILD_CELLS = (
    f"INSERT INTO tally_cells (project_id, code_id, mask, cases) SELECT x.project_id, x.code_id, {mask_of('x')}, "
    f"count(*) FROM {EVIDENCE} x WHERE 1 = 1 {{where}} GROUP BY x.project_id, x.code_id, {mask_of('x')}")
# the evidence inserts fill tally_cells through the triggers when they are on; the cells are then
# recomputed anyway, so the result is the same with the triggers off
_REBUILD_DEFAULT = (
    f"INSERT INTO tally_default (project_id, code_id, {', '.join(DEFAULT_MEASURES)}) SELECT x.project_id, x.code_id, "
    + ", ".join(f"sum{v}" for v in _default_measures("x"))
    + f" FROM {EVIDENCE} x WHERE 1 = 1 {{where}} GROUP BY x.project_id, x.code_id")
REBUILD = [_REBUILD_ANCESTRY, _REBUILD_EVIDENCE, "DELETE FROM tally_cells {plain}", _REBUILD_CELLS,
           "DELETE FROM tally_default {plain}", _REBUILD_DEFAULT]
TABLES = (EVIDENCE, "tally_cells", "tally_default", "code_ancestry")  # evidence first: its triggers touch the rest


def rebuild_tally_cells(session: Session, project_id: int | None = None) -> int:
    """Recompute the three tables (one project, or all) from codes and evidence_summary; returns the cells."""
    one = project_id is not None
    where, plain = ("AND x.project_id = :p", "WHERE project_id = :p") if one else ("", "")
    params = {"p": project_id} if one else {}
    for table in TABLES:
        session.execute(text(f"DELETE FROM {table} {plain}"), params)
    rows = 0
    for sql in REBUILD:
        rows = session.connection().execute(text(sql.format(where=where, plain=plain)), params).rowcount
    return rows
