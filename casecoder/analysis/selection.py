"""Which families of the register are success cases (report 4.1, Table 2). The rule is ``meets``
and ``evaluate`` — one place, documented in docs/counting.md ("Selecting success cases").

Criterion 1: at least one adult of the family was not employed at entry (unless that requirement is
switched off) and has at least ``min_weeks`` employment weeks. Criterion 2: at least one adult —
not necessarily the same — has the latest registration inside [window_from, window_to] (both days
included). A family is selected when both hold. Shares are whole percent, rounded half up. The
criteria and their parsing are kernel/selection_criteria.py (re-exported here).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.kernel.selection_criteria import CRITERIA_FIELDS as CRITERIA_FIELDS  # the criteria: kernel
from casecoder.kernel.selection_criteria import DEFAULT_CRITERIA as DEFAULT_CRITERIA
from casecoder.kernel.selection_criteria import Criteria, criteria_of
from casecoder.kernel.selection_criteria import parse_criteria as parse_criteria
from casecoder.models import Project, Registration, SelectionCriteria


def saved_row(session: Session, project_id: int) -> SelectionCriteria | None:
    """The project's saved criteria row (who saved them, when), or None."""
    return session.scalar(select(SelectionCriteria).where(SelectionCriteria.project_id == project_id))


def saved_criteria(session: Session, project: Project) -> Criteria:
    """The project's saved criteria, or the report's defaults."""
    return criteria_of(saved_row(session, project.id))


@dataclass(frozen=True)
class Adult:
    adult_id: str
    employed_at_entry: bool
    employment_weeks: int
    last_registration: date
    employment: bool   # meets criterion 1
    active: bool       # meets criterion 2


@dataclass(frozen=True)
class Family:
    family_id: str
    municipality: str
    adults: tuple[Adult, ...]

    @property
    def employment_adults(self) -> tuple[str, ...]:
        """The adults who meet criterion 1."""
        return tuple(a.adult_id for a in self.adults if a.employment)

    @property
    def active_adults(self) -> tuple[str, ...]:
        """The adults who meet criterion 2."""
        return tuple(a.adult_id for a in self.adults if a.active)

    @property
    def selected(self) -> bool:
        return bool(self.employment_adults) and bool(self.active_adults)


@dataclass(frozen=True)
class MunicipalityRow:
    municipality: str  # "" on the total row
    families_selected: int
    families_total: int

    @property
    def share_percent(self) -> int | None:
        return share_percent(self.families_selected, self.families_total)


@dataclass
class Selection:
    criteria: Criteria
    families: list[Family]                      # every family of the register, by municipality and id
    rows: list[MunicipalityRow]                 # every municipality of the register, by name
    total: MunicipalityRow
    adults: int = 0
    selected: list[Family] = field(default_factory=list)  # the gross list

    def visible_rows(self, show_empty: bool = False) -> list[MunicipalityRow]:
        """The rows of Table 2: municipalities with selected families (all with ``show_empty``)."""
        return [r for r in self.rows if show_empty or r.families_selected]


def share_percent(part: int, whole: int) -> int | None:
    """100 * part / whole as a whole number, rounded half up (1/8 -> 13); None when whole is 0."""
    if not whole:
        return None
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def meets(criteria: Criteria, employed_at_entry: bool, weeks: int, last: date) -> tuple[bool, bool]:
    """Does one adult meet criterion 1 (employment) and criterion 2 (active in the window)?"""
    employment = (not employed_at_entry or not criteria.require_not_employed) and weeks >= criteria.min_weeks
    return employment, criteria.window_from <= last <= criteria.window_to


def evaluate(registrations: Iterable[Registration], criteria: Criteria) -> Selection:
    """The selection over loaded register rows: pure, no database."""
    grouped: dict[str, list[Registration]] = {}
    for reg in registrations:
        grouped.setdefault(reg.family_id, []).append(reg)
    families = []
    for family_id, regs in grouped.items():
        adults = tuple(Adult(r.adult_id, r.employed_at_entry, r.employment_weeks, r.last_registration,
                             *meets(criteria, r.employed_at_entry, r.employment_weeks, r.last_registration))
                       for r in sorted(regs, key=lambda r: r.line))
        families.append(Family(family_id, regs[0].municipality, adults))
    families.sort(key=lambda f: (f.municipality, f.family_id))
    counts: dict[str, list[int]] = {}
    for family in families:
        selected_total = counts.setdefault(family.municipality, [0, 0])
        selected_total[0] += family.selected
        selected_total[1] += 1
    rows = [MunicipalityRow(m, s, t) for m, (s, t) in sorted(counts.items())]
    total = MunicipalityRow("", sum(r.families_selected for r in rows), len(families))
    return Selection(criteria, families, rows, total, adults=sum(len(f.adults) for f in families),
                     selected=[f for f in families if f.selected])


def select_families(session: Session, project: Project, criteria: Criteria | None = None) -> Selection:
    """The selection of ``project``'s register under ``criteria`` (default: the saved ones). One query."""
    criteria = criteria or saved_criteria(session, project)
    rows = session.scalars(select(Registration).where(Registration.project_id == project.id)
                           .order_by(Registration.line)).all()
    return evaluate(rows, criteria)
