"""The evidence matrix of one hypothesis: cases (rows, by municipality) x its sub-codes (columns).

Each cell says whether the code occurs in the case from the family perspective, the system
perspective or both, and whether there is contradicting or nuancing evidence — the
triangulation view: do the family and the professionals tell the same story?
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import FAMILY, SYSTEM, CountFilter
from casecoder.analysis.measures import measure_case_sets
from casecoder.analysis.tally import served_evidence
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Code, Project


class Cell(NamedTuple):
    """One case x code of the matrix (a named tuple: the matrix of a large project has tens of thousands)."""
    family: bool
    system: bool
    contradicts: bool
    nuances: bool
    has_family_source: bool
    has_system_source: bool

    @property
    def mark(self) -> str:
        """F, S, F+S or empty: where the supporting evidence comes from."""
        return "F+S" if self.family and self.system else "F" if self.family else "S" if self.system else ""


@dataclass
class Matrix:
    hypothesis_key: str
    columns: list[Code]
    rows: list[tuple[str, int, str]]               # (municipality, case id, case key), grouped and sorted
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (case id, code id) -> cell
    row_totals: dict[int, int] = field(default_factory=dict)          # case -> columns with evidence
    column_totals: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # code -> (family, system, either)
    denominators: dict[str, int] = field(default_factory=dict)
    coders: tuple[str, ...] = ()


def evidence_matrix(session: Session, project: Project, hypothesis_key: str, f: CountFilter | None = None) -> Matrix:
    f = f or CountFilter()
    top = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == hypothesis_key))
    if top is None:
        raise InvalidInput("There is no code '{key}' in this project", "code", key=hypothesis_key)
    columns = list(session.scalars(select(Code).where(Code.parent_id == top.id).order_by(Code.position, Code.id)))
    ev = served_evidence(session, project.id, f, [c.id for c in columns])   # case_code_evidence where it serves f
    rows = sorted(((ev.municipality[c], c, k) for c, k in ev.case_keys.items()), key=lambda r: (r[0], r[2]))
    matrix = Matrix(hypothesis_key, columns, rows,
                    denominators={"family": len(ev.with_source[FAMILY]), "system": len(ev.with_source[SYSTEM]),
                                  "any": len(ev.case_keys)}, coders=ev.coders)
    with_family, with_system = ev.with_source[FAMILY], ev.with_source[SYSTEM]
    for code in columns:
        sets = measure_case_sets(ev, code.id, f.directions)  # the tally's measures, per case
        family, system, contradicts, nuances = sets["family"], sets["system"], sets["contradicts"], sets["nuances"]
        matrix.column_totals[code.id] = (len(family), len(system), len(sets["either"]))
        for _m, case_id, _k in rows:
            matrix.cells[(case_id, code.id)] = Cell(
                case_id in family, case_id in system, case_id in contradicts, case_id in nuances,
                case_id in with_family, case_id in with_system)
    for _m, case_id, _k in rows:   # columns with a mark: family or system evidence
        matrix.row_totals[case_id] = sum(1 for code in columns if any(matrix.cells[(case_id, code.id)][:2]))
    return matrix
