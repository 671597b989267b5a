"""The project's register: import it from CSV (all or nothing, audited), save the selection criteria
(audited) and turn the selected families into cases. No Flask.

The file (one row per adult) has the columns ``family_id, municipality, adult_id, employed_at_entry,
employment_weeks, last_registration``; other columns are kept as text attributes. It is read by
``bundle_csv.read_table`` (UTF-8 with or without BOM, ``,`` or ``;``), every row is checked, and every
problem is reported at once with its line and column (``RegisterProblems``); nothing is stored unless
the whole file is valid. A valid file replaces the project's previous register. Which families are
selected is the read side's (analysis/selection.py): the caller passes the selection in.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Callable, Protocol, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from casecoder.coding import audit
from casecoder.coding.cases import create_case
from casecoder.files.csv_tables import Bundle, BundleProblems, Problems, read_table
from casecoder.kernel import validate, vocabulary
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.kernel.selection_criteria import CRITERIA_FIELDS, Criteria, criteria_of, parse_criteria
from casecoder.models import Case, Project, Registration, SelectionCriteria, User

COLUMNS = ("family_id", "municipality", "adult_id", "employed_at_entry", "employment_weeks", "last_registration")
WEEKS_RE = re.compile(r"^[0-9]{1,6}$")
DATE_FORMATS = (re.compile(r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})$"),
                re.compile(r"^(?P<d>[0-9]{1,2})-(?P<m>[0-9]{1,2})-(?P<y>[0-9]{4})$"),
                re.compile(r"^(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})$"))
MAX_ADULTS = 2


class RegisterProblems(BundleProblems):
    """The register file has problems; nothing was stored. ``problems`` lists every one."""

    def render(self, translate: Callable[[str], str] = str) -> str:
        head = translate(N_("The register was not imported; it has {n} problem(s):")).format(n=len(self.problems))
        return "\n".join([head, *(p.render(translate) for p in self.problems)])


@dataclass(frozen=True)
class RegisterSummary:
    adults: int
    families: int
    municipalities: int
    replaced: int                 # adults in the register this import replaced
    extra_columns: tuple[str, ...]


# -- the cells -------------------------------------------------------------------------------------

def family_id(value: str) -> str:
    return validate.key(value, N_("Family id"))  # it becomes the case key


def yes_no(value: str) -> bool:
    answer = vocabulary.yes_no(value)
    if answer is not None:
        return answer
    raise InvalidInput("'{value}' is not yes or no (also ja/nej, true/false, 1/0)", "employed_at_entry", value=value)


def weeks(value: str) -> int:
    if not WEEKS_RE.match(value):
        raise InvalidInput("Employment weeks '{value}' must be a whole number of at least 0", "employment_weeks",
                           value=value)
    return int(value)


def register_date(value: str) -> date:
    """YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY."""
    for pattern in DATE_FORMATS:
        match = pattern.match(value)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise InvalidInput("'{value}' is not a date written YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY", "last_registration",
                       value=value)


CHECKS: dict[str, Callable[[str], object]] = {
    "family_id": family_id,
    "municipality": lambda v: validate.title(v, N_("Municipality"), 100),
    "adult_id": lambda v: validate.title(v, N_("Adult id"), 64),
    "employed_at_entry": yes_no,
    "employment_weeks": weeks,
    "last_registration": register_date,
}


# -- import ----------------------------------------------------------------------------------------

def read_register(data: bytes, filename: str) -> tuple[list[Registration], tuple[str, ...]]:
    """Check the whole file; the rows as unsaved Registrations (no project yet) and the extra columns.
    Raises RegisterProblems listing every problem."""
    name = PurePath(filename or "").name or "registrations.csv"
    problems = Problems()
    table = read_table(Bundle({name: lambda: data}), name, COLUMNS, (), problems, extra_columns=True)
    extra = tuple(c for c in table.columns if c not in COLUMNS)
    adults: dict[str, int] = {}                       # adult id -> line
    families: dict[str, list[int]] = {}               # family id -> lines
    municipality_of: dict[str, tuple[str, int]] = {}  # family id -> (municipality, line)
    rows = []
    for row in table.rows:
        values: dict[str, object] = {}
        for column, check in CHECKS.items():
            raw = row.get(column)
            if not raw:
                problems.at(row, column, InvalidInput("The cell is empty; every row needs a value in {column}",
                                                      "file", column=column))
                continue
            ok, value = problems.attempt(row, column, check, raw)
            if ok:
                values[column] = value
        adult, family, municipality = values.get("adult_id"), values.get("family_id"), values.get("municipality")
        if isinstance(adult, str):
            if adult in adults:
                problems.at(row, "adult_id", InvalidInput("Adult id '{value}' appears twice (first on line {line})",
                                                          "adult_id", value=adult, line=adults[adult]))
            adults.setdefault(adult, row.line)
        if isinstance(family, str):
            lines = families.setdefault(family, [])
            if len(lines) >= MAX_ADULTS:
                problems.at(row, "family_id", InvalidInput(
                    "Family '{family}' already has two adults (lines {lines}); a family has one or two",
                    "family_id", family=family, lines=", ".join(map(str, lines))))
            lines.append(row.line)
            if isinstance(municipality, str):
                first, line = municipality_of.setdefault(family, (municipality, row.line))
                if first != municipality:
                    problems.at(row, "municipality", InvalidInput(
                        "Family '{family}' is in {first} on line {line}, but in {other} here; every row of a "
                        "family must name the same municipality", "municipality", family=family, first=first,
                        line=line, other=municipality))
        if len(values) == len(CHECKS):
            rows.append(Registration(**values, attributes={c: row.get(c) for c in extra}, line=row.line))
    if table.present and table.columns and not table.rows and not problems:
        problems.add(name, None, None, InvalidInput("The file has no rows below its first line", "file"))
    if problems:
        raise RegisterProblems(problems)
    return rows, extra


def register_counts(session: Session, project: Project) -> dict[str, int]:
    adults, families, municipalities = session.execute(
        select(func.count(Registration.id), func.count(func.distinct(Registration.family_id)),
               func.count(func.distinct(Registration.municipality)))
        .where(Registration.project_id == project.id)).one()
    return {"adults": adults, "families": families, "municipalities": municipalities}


def import_registrations(session: Session, project: Project, data: bytes, filename: str,
                         user_id: int | None) -> RegisterSummary:
    """Replace ``project``'s register by the file's rows (audited); RegisterProblems and nothing stored
    when the file has any problem."""
    rows, extra = read_register(data, filename)
    before = register_counts(session, project)
    session.execute(delete(Registration).where(Registration.project_id == project.id))
    for row in rows:
        row.project_id = project.id
    session.add_all(rows)
    session.flush()
    after = register_counts(session, project)
    audit.log(session, user_id, "replace", "registrations", project.id, project_id=project.id, before=before,
              after={**after, "file": PurePath(filename or "").name, "sha256": hashlib.sha256(data).hexdigest(),
                     "extra_columns": list(extra)})
    session.flush()
    return RegisterSummary(after["adults"], after["families"], after["municipalities"], before["adults"], extra)


# -- criteria and cases ----------------------------------------------------------------------------

def save_criteria(session: Session, project: Project, user: User | None, **values: object) -> SelectionCriteria:
    """Save the project's criteria (the values given replace the saved or default ones); audited."""
    unknown = set(values) - set(CRITERIA_FIELDS)
    if unknown:
        raise TypeError(f"unknown criteria: {', '.join(sorted(unknown))}")
    row = session.scalar(select(SelectionCriteria).where(SelectionCriteria.project_id == project.id))
    current = criteria_of(row)
    criteria = parse_criteria(values, current)
    existed = row is not None
    if row is not None and criteria == current:
        return row
    if row is None:
        row = SelectionCriteria(project_id=project.id)
        session.add(row)
    row.min_weeks, row.require_not_employed = criteria.min_weeks, criteria.require_not_employed
    row.window_from, row.window_to = criteria.window_from, criteria.window_to
    row.updated_by_id = user.id if user else None
    session.flush()
    audit.log(session, user, "update" if existed else "create", "criteria", row.id, project_id=project.id,
              before=current.as_dict() if existed else None, after=criteria.as_dict())
    session.flush()
    return row


class SelectedFamily(Protocol):
    @property
    def family_id(self) -> str: ...
    @property
    def municipality(self) -> str: ...


class SelectionResult(Protocol):
    """What ``analysis.selection.select_families`` gives: the selected families and the criteria."""
    @property
    def criteria(self) -> Criteria: ...
    @property
    def selected(self) -> Sequence[SelectedFamily]: ...


def create_cases_from_selection(session: Session, project: Project, user: User | None,
                                selection: SelectionResult) -> tuple[list[str], list[str]]:
    """A case per family of ``selection`` (``analysis.selection.select_families``: key = family id,
    municipality copied), skipping existing keys. Returns the family ids (created, skipped); one audit
    row names them and the criteria."""
    existing = set(session.scalars(select(Case.key).where(Case.project_id == project.id)))
    created, skipped = [], []
    for family in selection.selected:
        if family.family_id in existing:
            skipped.append(family.family_id)
            continue
        create_case(session, project, family.family_id, family.municipality)
        created.append(family.family_id)
    if created:
        audit.log(session, user, "create", "cases", project.id, project_id=project.id, before=None,
                  after={"cases": created, "skipped": skipped, "criteria": selection.criteria.as_dict()})
        session.flush()
    return created, skipped
