"""``tally_keys``: the cases behind each number of the everyday tally, kept by database triggers.

The tally with its case keys (the JSON API, exports, a click on a number; docs/counting.md) for the
filter ``tally_cells`` serves and the default direction set (supports only) reads one row per code and
measure instead of a row per case and code: ``case_ids`` holds the ids of the cases in which the
measure holds for the code (sub-codes rolled up), joined by ``SEP``, in no guaranteed order (the reader
maps them to keys and sorts). Ids, not keys: a renamed case changes nothing here, and a trigger never
has to look a case up.

Triggers on ``case_code_evidence`` (rows appear, change and vanish as evidence comes and goes, on every
write path; models/derived/tally_cells.py): when a case starts to satisfy a measure for a code its id
is appended, when it stops the id is cut out (``replace`` between separators; an id is in a list at
most once), and a row left empty is deleted. The measures' conditions come from their declaration
(``kernel/measures.py``, through ``tally_cells.measure_condition``). On PostgreSQL the rows are only
written under the project's transaction lock, which the triggers that change ``case_code_evidence``
take first. ``rebuild_tally_keys`` recomputes the rows (in key order, which makes the reader's sort
linear); migration 0020 runs it once.
"""
from __future__ import annotations

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casecoder.kernel import measures
from casecoder.models.base import Base
from casecoder.models.derived.summary import drop_triggers, postgres_triggers, sqlite_triggers
from casecoder.models.derived.tally_cells import EVIDENCE, mask_of, measure_condition

SEP = ","   # between the ids of ``case_ids`` (digits only)
TABLE = "tally_keys"


class TallyKeys(Base):
    """The ids of the cases in which ``measure`` holds for a code, default direction set (never empty)."""

    __tablename__ = TABLE

    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    measure: Mapped[str] = mapped_column(String(16), primary_key=True)   # a name of kernel/measures.NAMES
    case_ids: Mapped[str]


def _holds(measure: measures.Measure, row: str) -> str:
    return "(" + measure_condition(measure, row, measures.DEFAULT_DIRECTIONS) + ")"


def _add(measure: measures.Measure, row: str, unless: str | None) -> str:
    """Append ``row``'s case to the measure's list when the measure holds for it (and not for ``unless``)."""
    condition = _holds(measure, row) + (f" AND NOT {_holds(measure, unless)}" if unless else "")
    return (f"INSERT INTO {TABLE} (project_id, code_id, measure, case_ids) SELECT {row}.project_id, {row}.code_id, "
            f"'{measure.name}', CAST({row}.case_id AS TEXT) WHERE {condition} "
            f"ON CONFLICT (project_id, code_id, measure) DO UPDATE SET "
            f"case_ids = {TABLE}.case_ids || '{SEP}' || excluded.case_ids")


def _cut(measure: measures.Measure, row: str, unless: str | None) -> str:
    """Cut ``row``'s case out of the measure's list when the measure held for it (and holds not for ``unless``)."""
    condition = _holds(measure, row) + (f" AND NOT {_holds(measure, unless)}" if unless else "")
    return (f"UPDATE {TABLE} SET case_ids = trim(replace('{SEP}' || case_ids || '{SEP}', "
            f"'{SEP}' || CAST({row}.case_id AS TEXT) || '{SEP}', '{SEP}'), '{SEP}') "
            f"WHERE project_id = {row}.project_id AND code_id = {row}.code_id AND measure = '{measure.name}' "
            f"AND {condition}")


_EMPTY = f"DELETE FROM {TABLE} WHERE project_id = {{row}}.project_id AND code_id = {{row}}.code_id AND case_ids = ''"

# (name, timing and event, table, condition or None, statements) — as in summary.py
_TRIGGERS = [
    ("tally_keys_evidence_ai", "AFTER INSERT", EVIDENCE, None, [_add(m, "new", None) for m in measures.MEASURES]),
    ("tally_keys_evidence_au", "AFTER UPDATE", EVIDENCE, f"{mask_of('old')} <> {mask_of('new')}",
     [_cut(m, "old", "new") for m in measures.MEASURES] + [_EMPTY.format(row="old")]
     + [_add(m, "new", "old") for m in measures.MEASURES]),
    ("tally_keys_evidence_ad", "AFTER DELETE", EVIDENCE, None,
     [_cut(m, "old", None) for m in measures.MEASURES] + [_EMPTY.format(row="old")]),
]
SQLITE_TRIGGERS, POSTGRES_TRIGGERS = sqlite_triggers(_TRIGGERS), postgres_triggers(_TRIGGERS)
SQLITE_DROP, POSTGRES_DROP = drop_triggers(_TRIGGERS)

# Every row from case_code_evidence (one project with ``{where}`` = "AND x.project_id = :p"): the ids
# of each list in the order of the cases' keys, so that the reader's sort finds them sorted.
_CASES = " UNION ALL ".join(
    f"SELECT x.project_id AS project_id, x.code_id AS code_id, '{m.name}' AS measure, x.case_id AS case_id, "
    f"c.key AS case_key FROM {EVIDENCE} x "
    f"JOIN cases c ON c.id = x.case_id WHERE {_holds(m, 'x')} {{where}}" for m in measures.MEASURES)
REBUILD = {
    "sqlite": (f"INSERT INTO {TABLE} (project_id, code_id, measure, case_ids) "
               f"SELECT project_id, code_id, measure, group_concat(case_id, '{SEP}') FROM ({_CASES} "
               "ORDER BY project_id, code_id, measure, case_key) GROUP BY project_id, code_id, measure"),
    "postgresql": (f"INSERT INTO {TABLE} (project_id, code_id, measure, case_ids) "
                   f"SELECT project_id, code_id, measure, string_agg(CAST(case_id AS TEXT), '{SEP}' "
                   f'ORDER BY case_key COLLATE "C") FROM ({_CASES}) k GROUP BY project_id, code_id, measure'),
}


def rebuild_tally_keys(session: Session, project_id: int | None = None) -> int:
    """Recompute the rows (one project, or all) from ``case_code_evidence``; returns the rows written."""
    one = project_id is not None
    params = {"p": project_id} if one else {}
    session.execute(text(f"DELETE FROM {TABLE}" + (" WHERE project_id = :p" if one else "")), params)
    sql = REBUILD[session.connection().dialect.name].format(where="AND x.project_id = :p" if one else "")
    return session.connection().execute(text(sql), params).rowcount
