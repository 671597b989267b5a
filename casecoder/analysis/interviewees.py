"""Who was interviewed about the cases in the analysis, per municipality (report 4.1, Table 3).

The cases are the counts' selection (``evidence.selected_cases``: municipality and case-attribute
filters); sources pass the same source filters as the denominators (interviewee role, interview
dates). Per municipality of the cases: the number of cases; the professionals — interviewees of the
system perspective linked to a source about one of its cases — grouped by role as written, counting
**distinct interviewees** (one who covers several cases counts once in a row, and once in the total);
and the families interviewed — cases with at least one family-perspective source. Three queries.
The coder, direction and sub-code filters do not apply (``FILTERS`` are the parameters that do).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from casecoder.analysis.evidence import CountFilter, selected_cases, source_conditions
from casecoder.models import Case, Interviewee, Perspective, Project, Source, source_cases, source_interviewees

FILTERS = ("municipality", "attr", "role", "from", "to")


def relevant(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The filter parameters that change the overview (for captions and specs)."""
    return [(name, value) for name, value in params if name in FILTERS]


@dataclass(frozen=True)
class IntervieweeRow:
    municipality: str                          # "" on the total row
    cases: int
    professionals: tuple[tuple[str, int], ...]  # (role, distinct interviewees), by role
    families_interviewed: int

    def professionals_text(self, separator: str = "; ") -> str:
        """``"2 casemanager; 1 jobrådgiver"``."""
        return separator.join(f"{n} {role}" for role, n in self.professionals)

    @property
    def n_professionals(self) -> int:
        return sum(n for _role, n in self.professionals)


@dataclass
class IntervieweeOverview:
    rows: list[IntervieweeRow]                 # a row per municipality with selected cases, by name
    total: IntervieweeRow
    case_keys: dict[str, tuple[str, ...]]      # municipality -> its cases
    family_case_keys: dict[str, tuple[str, ...]]  # municipality -> its cases with a family interview


def _roles(people: dict[str, set[int]]) -> tuple[tuple[str, int], ...]:
    return tuple((role, len(ids)) for role, ids in sorted(people.items(), key=lambda item: (item[0].casefold(),
                                                                                             item[0])))


def interviewee_overview(session: Session, project: Project, f: CountFilter | None = None) -> IntervieweeOverview:
    f = f or CountFilter()
    cases_query = selected_cases(session, project.id, f)
    cases = session.execute(cases_query).all()
    municipality = {c.id: c.municipality for c in cases}
    selection = cases_query.with_only_columns(Case.id).scalar_subquery()
    # "+ 0": SQLite would otherwise probe (source, case) in source_cases' key for every selected case of
    # every transcript (3,000 x 1,000 on the large project: 123 -> 4 ms); the sources' own links instead
    linked = (select(source_cases.c.case_id).join(Source, Source.id == source_cases.c.source_id)
              .where(Source.project_id == project.id, (source_cases.c.case_id + 0).in_(selection),
                     *source_conditions(f)))

    person, link = aliased(Interviewee), source_interviewees.alias()  # the role filter's EXISTS uses the tables
    people = session.execute(
        linked.add_columns(person.role, person.id).distinct()
        .join(link, link.c.source_id == Source.id).join(person, person.id == link.c.interviewee_id)
        .where(person.perspective == Perspective.SYSTEM)).all()
    by_row: dict[str, dict[str, set[int]]] = {}
    overall: dict[str, set[int]] = {}
    for case_id, role, person_id in people:
        by_row.setdefault(municipality[case_id], {}).setdefault(role, set()).add(person_id)
        overall.setdefault(role, set()).add(person_id)

    family_cases = set(session.scalars(linked.distinct().where(Source.perspective == Perspective.FAMILY)))

    keys: dict[str, list[str]] = {}
    family_keys: dict[str, list[str]] = {}
    for c in sorted(cases, key=lambda c: c.key):
        keys.setdefault(c.municipality, []).append(c.key)
        if c.id in family_cases:
            family_keys.setdefault(c.municipality, []).append(c.key)
    rows = [IntervieweeRow(m, len(keys[m]), _roles(by_row.get(m, {})), len(family_keys.get(m, ())))
            for m in sorted(keys)]
    total = IntervieweeRow("", len(cases), _roles(overall), len(family_cases))
    return IntervieweeOverview(rows, total, {m: tuple(k) for m, k in keys.items()},
                               {m: tuple(k) for m, k in family_keys.items()})
