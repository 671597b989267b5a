"""Double coding, the write side: mark sources (or whole cases) for double coding with two or more
coders, change the coders, open the comparison, unmark, and reconcile disagreements — each audited —
and refuse what a blind coder may not change (the rules: kernel/double_coding.py).

While a source is in double coding and its comparison is not opened, each of its coders codes it
blind (``is_blind``): an excerpt of another coder does not exist for them (``HiddenExcerpt``, a 404),
and they may not move the span or case of an excerpt others coded too; deleting such an excerpt
removes only their own codings. Reconciling a case x code writes the coding of record:
``Coding.of_record`` on the codings of that code (and its sub-codes) in the case's double-coded
sources — see docs/counting.md, "Agreement". The reads (agreement material, the disagreement list,
what a blind coder sees) are in analysis/double_coding.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.coding import audit
from casecoder.coding import excerpts as excerpt_ops
from casecoder.coding.permissions import CODE, can
from casecoder.kernel import validate
from casecoder.kernel.double_coding import MIN_CODERS, code_and_below, codes_blind, double_coded, may_see, others_coded
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import (
    Case,
    Code,
    Coding,
    Decision,
    DoubleCoding,
    Excerpt,
    Membership,
    Project,
    Reconciliation,
    Role,
    Source,
    User,
    source_cases,
)


def _audit(session: Session, user: User | None, action: str, entity: str, entity_id: int, project_id: int,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    audit.log(session, user, action, entity, entity_id, project_id=project_id, before=before, after=after)


def snapshot(assignment: DoubleCoding) -> dict[str, Any]:
    return {"source_id": assignment.source_id, "coders": [u.username for u in assignment.coders],
            "opened": assignment.opened}


def _check_coders(session: Session, project: Project, coders: Iterable[User]) -> list[User]:
    chosen = {u.id: u for u in coders}
    if len(chosen) < MIN_CODERS:
        raise InvalidInput("Double coding needs at least {n} different coders", "coders", n=MIN_CODERS)
    roles = dict(session.execute(select(Membership.user_id, Membership.role).where(
        Membership.project_id == project.id, Membership.user_id.in_(chosen))).all())
    for user in chosen.values():
        if not can(roles.get(user.id), CODE):
            raise InvalidInput("{username} is not a coder in this project", "coders", username=user.username)
    return sorted(chosen.values(), key=lambda u: u.username)


def assignment_of(session: Session, source_id: int) -> DoubleCoding | None:
    return session.scalar(select(DoubleCoding).where(DoubleCoding.source_id == source_id))


def mark_sources(session: Session, user: User, project: Project, sources: Iterable[Source],
                 coders: Iterable[User]) -> list[DoubleCoding]:
    """Put ``sources`` in double coding with ``coders`` (a marked source gets the new coders)."""
    chosen = _check_coders(session, project, coders)
    sources = list({s.id: s for s in sources}.values())
    if not sources:
        raise InvalidInput("Choose at least one transcript or case", "sources")
    out = []
    for source in sources:
        if source.project_id != project.id:
            raise InvalidInput("The transcript '{title}' belongs to another project", "sources", title=source.title)
        assignment = assignment_of(session, source.id)
        if assignment is None:
            assignment = DoubleCoding(project_id=project.id, source_id=source.id, created_by_id=user.id)
            assignment.coders = chosen
            session.add(assignment)
            session.flush()
            _audit(session, user, "create", "double_coding", assignment.id, project.id, after=snapshot(assignment))
        else:
            assign_coders(session, user, assignment, chosen)
        out.append(assignment)
    return out


def _check_case(project: Project, case: Case) -> None:
    if case.project_id != project.id:
        raise InvalidInput("Case {case} belongs to another project", "cases", case=case.key)
    if not case.sources:
        raise InvalidInput("Case {case} has no transcripts to double-code", "cases", case=case.key)


def mark_case(session: Session, user: User, project: Project, case: Case, coders: Iterable[User]) -> list[DoubleCoding]:
    """Marking a case marks each of its sources."""
    _check_case(project, case)
    return mark_sources(session, user, project, case.sources, coders)


def assign_coders(session: Session, user: User, assignment: DoubleCoding, coders: Iterable[User]) -> DoubleCoding:
    project = session.get(Project, assignment.project_id)
    chosen = _check_coders(session, project, coders)  # type: ignore[arg-type]
    before = snapshot(assignment)
    assignment.coders = chosen
    session.flush()
    if snapshot(assignment) != before:
        _audit(session, user, "update", "double_coding", assignment.id, assignment.project_id, before,
               snapshot(assignment))
    return assignment


def open_comparison(session: Session, user: User, assignment: DoubleCoding, opened: bool = True) -> DoubleCoding:
    """Open (or close again) the comparison: when opened, every coder sees every coding on the source."""
    before = snapshot(assignment)
    assignment.opened = opened
    session.flush()
    _audit(session, user, "update", "double_coding", assignment.id, assignment.project_id, before, snapshot(assignment))
    return assignment


def unmark(session: Session, user: User, assignment: DoubleCoding) -> None:
    """Take the source out of double coding; its codings (every coder's) stay."""
    _audit(session, user, "delete", "double_coding", assignment.id, assignment.project_id, before=snapshot(assignment))
    session.delete(assignment)
    session.flush()


def mark(session: Session, user: User, project: Project, sources: Iterable[Source], cases: Iterable[Case],
         coders: Iterable[User]) -> list[DoubleCoding]:
    """Put ``sources`` and every source of ``cases`` in double coding with ``coders`` (the manage page)."""
    sources = list(sources)
    for case in cases:
        _check_case(project, case)
        sources.extend(case.sources)
    return mark_sources(session, user, project, sources, coders)


# -- blind coding ----------------------------------------------------------------------------------

def is_blind(session: Session, source_id: int, user: User, role: Role | None) -> bool:
    """True when ``user`` may see only their own codings on the source: it is in double coding, the
    comparison is not opened, the user is one of its coders and not an owner of the project."""
    if role is Role.OWNER:
        return False
    assignment = assignment_of(session, source_id)
    return assignment is not None and codes_blind(role, assignment.opened, {u.id for u in assignment.coders}, user.id)


class HiddenExcerpt(InvalidInput):
    """A blind coder addressed an excerpt they may not see: for them it does not exist."""

    status = 404

    def __init__(self) -> None:
        super().__init__("There is nothing here, or you are not a member of its project.")


@dataclass(frozen=True)
class BlindEdit:
    """What the acting coder may change on one excerpt: ``blind`` when they code its source blind,
    ``others_coded`` when it then also carries other coders' codings (they must not move or vanish)."""
    blind: bool
    others_coded: bool

    def check_span_or_case(self) -> None:
        """Refuse a change of the span or the case of an excerpt others coded in blind double coding."""
        if self.others_coded:
            raise InvalidInput("This excerpt is also coded by others in blind double coding; its span and case stay")


def blind_edit(session: Session, user: User, role: Role | None, excerpt: Excerpt) -> BlindEdit:
    """What ``user`` may change on ``excerpt``; HiddenExcerpt when they code its source blind and may
    not see it. Call it before changing an excerpt for a coder."""
    if not is_blind(session, excerpt.source_id, user, role):
        return BlindEdit(False, False)
    coder_ids = [c.coder_id for c in excerpt.codings]
    if not may_see(user.id, excerpt.created_by_id, coder_ids):
        raise HiddenExcerpt()
    return BlindEdit(True, others_coded(user.id, coder_ids))


def delete_excerpt(session: Session, user: User, role: Role | None, excerpt: Excerpt) -> None:
    """Delete ``excerpt`` for ``user``; when they code blind and others coded it too, only their own
    codings go and the excerpt stays."""
    if blind_edit(session, user, role, excerpt).others_coded:
        for coding in [c for c in excerpt.codings if c.coder_id == user.id]:
            excerpt_ops.remove_coding(session, user, coding)
    else:
        excerpt_ops.delete_excerpt(session, user, excerpt)


# -- reconciliation --------------------------------------------------------------------------------

def governed_codings(session: Session, project_id: int, case_id: int, code_id: int) -> list[Coding]:
    """The codings a decision on (case, code) governs: of the code or a sub-code, on excerpts about the
    case in its double-coded sources (``kernel.double_coding.double_coded``)."""
    codes = code_and_below(code_id, session.execute(
        select(Code.id, Code.parent_id).where(Code.project_id == project_id)))
    case_sources = select(source_cases.c.source_id).where(source_cases.c.case_id == case_id)
    marked = set(session.scalars(select(DoubleCoding.source_id).where(DoubleCoding.source_id.in_(case_sources))))
    coders = session.execute(
        select(Excerpt.source_id, func.count(func.distinct(Coding.coder_id))).join(Coding, Coding.excerpt_id == Excerpt.id)
        .where(Excerpt.source_id.in_(case_sources)).group_by(Excerpt.source_id))
    sources = marked | {s for s, n in coders if double_coded(s in marked, n)}
    return list(session.scalars(
        select(Coding).join(Excerpt, Excerpt.id == Coding.excerpt_id)
        .where(Excerpt.case_id == case_id, Excerpt.source_id.in_(sources), Coding.code_id.in_(codes))
        .order_by(Coding.id)))


def reconcile(session: Session, user: User, project: Project, case: Case, code: Code, decision: Decision | str,
              chosen_coder: User | None = None, note: str = "") -> Reconciliation:
    """Decide a disagreement: accept one coder's version, merge (the union), or leave a note.

    Accept and merge set ``of_record`` on the governed codings (each change audited); a note leaves
    the coding of record as it is. A new decision on the same case and code replaces the old one."""
    decision = validate.choice(Decision, decision, N_("Decision"))
    if case.project_id != project.id or code.project_id != project.id:
        raise InvalidInput("The case and the code must belong to this project", "case")
    note = (note or "").strip()
    if decision is Decision.ACCEPT and chosen_coder is None:
        raise InvalidInput("Choose whose version to accept", "coder")
    if decision is Decision.NOTE and not note:
        raise InvalidInput("Write the note", "note")
    if decision is not Decision.ACCEPT:
        chosen_coder = None
    codings = governed_codings(session, project.id, case.id, code.id)
    if chosen_coder is not None and not any(c.coder_id == chosen_coder.id for c in codings):
        coders = {u.id for a in session.scalars(select(DoubleCoding).join(Source).join(
            source_cases, source_cases.c.source_id == Source.id).where(source_cases.c.case_id == case.id))
            for u in a.coders}
        if chosen_coder.id not in coders:
            raise InvalidInput("{username} did not code case {case}", "coder", username=chosen_coder.username,
                               case=case.key)
    row = session.scalar(select(Reconciliation).where(Reconciliation.project_id == project.id,
                                                      Reconciliation.case_id == case.id,
                                                      Reconciliation.code_id == code.id))
    before = _decision_snapshot(row) if row else None
    if row is None:
        row = Reconciliation(project_id=project.id, case_id=case.id, code_id=code.id)
        session.add(row)
    row.decision, row.chosen_coder_id, row.note, row.decided_by_id = decision, (
        chosen_coder.id if chosen_coder else None), note, user.id
    session.flush()
    _audit(session, user, "update" if before else "create", "reconciliation", row.id, project.id, before,
           _decision_snapshot(row))
    if decision is not Decision.NOTE:
        for coding in codings:
            wanted = decision is Decision.MERGE or coding.coder_id == row.chosen_coder_id
            if coding.of_record != wanted:
                state = {"excerpt_id": coding.excerpt_id, "code_id": coding.code_id, "coder_id": coding.coder_id}
                coding.of_record = wanted
                _audit(session, user, "update", "coding", coding.id, project.id, {**state, "of_record": not wanted},
                       {**state, "of_record": wanted})
        session.flush()
    return row


def _decision_snapshot(row: Reconciliation) -> dict[str, Any]:
    return {"case_id": row.case_id, "code_id": row.code_id, "decision": row.decision.value,
            "chosen_coder_id": row.chosen_coder_id, "note": row.note}
