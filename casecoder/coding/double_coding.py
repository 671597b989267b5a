"""Double coding, the write side: mark sources (or whole cases) for double coding with two or more
coders, change the coders, open the comparison, unmark, and reconcile disagreements — each audited.

While a source is in double coding and its comparison is not opened, each of its coders sees only
their own codings on it (``is_blind``; the web layer filters pages and JSON by it). Reconciling a
case x code writes the coding of record: ``Coding.of_record`` on the codings of that code (and its
sub-codes) in the case's double-coded sources — see docs/counting.md, "Agreement".
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.coding.permissions import CODE, can
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import (
    AuditEvent,
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
    double_coding_coders,
    source_cases,
)

MIN_CODERS = 2


def _audit(session: Session, user: User | None, action: str, entity: str, entity_id: int, project_id: int,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    session.add(AuditEvent.record(project_id=project_id, user_id=user.id if user else None, action=action,
                                  entity=entity, entity_id=entity_id, before=before, after=after))


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


def mark_case(session: Session, user: User, project: Project, case: Case, coders: Iterable[User]) -> list[DoubleCoding]:
    """Marking a case marks each of its sources."""
    if case.project_id != project.id:
        raise InvalidInput("Case {case} belongs to another project", "cases", case=case.key)
    if not case.sources:
        raise InvalidInput("Case {case} has no transcripts to double-code", "cases", case=case.key)
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


def is_blind(session: Session, source_id: int, user: User, role: Role | None) -> bool:
    """True when ``user`` may see only their own codings on the source: it is in double coding, the
    comparison is not opened, the user is one of its coders and not an owner of the project."""
    if role is Role.OWNER:
        return False
    assignment = assignment_of(session, source_id)
    return (assignment is not None and not assignment.opened
            and any(u.id == user.id for u in assignment.coders))


def blind_source_ids(session: Session, project_id: int, user: User, role: Role | None) -> frozenset[int]:
    """The sources of the project ``user`` codes blind (``is_blind`` for all of them in one query)."""
    if role is Role.OWNER:
        return frozenset()
    return frozenset(session.scalars(
        select(DoubleCoding.source_id).join(double_coding_coders,
                                            double_coding_coders.c.assignment_id == DoubleCoding.id)
        .where(DoubleCoding.project_id == project_id, DoubleCoding.opened.is_(False),
               double_coding_coders.c.user_id == user.id)))


def double_coded_source_ids(session: Session, project_id: int) -> set[int]:
    """Sources in double coding, plus sources coded by two or more coders (e.g. from a project bundle)."""
    marked = set(session.scalars(select(DoubleCoding.source_id).where(DoubleCoding.project_id == project_id)))
    multi = set(session.scalars(
        select(Excerpt.source_id).join(Coding, Coding.excerpt_id == Excerpt.id)
        .where(Excerpt.project_id == project_id).group_by(Excerpt.source_id)
        .having(func.count(func.distinct(Coding.coder_id)) >= 2)))
    return marked | multi


def reconciliation_codings(session: Session, project_id: int, case_id: int, code_id: int) -> list[Coding]:
    """The codings a decision on (case, code) governs: of the code or a sub-code, on excerpts about the
    case in its double-coded sources."""
    children: dict[int | None, list[int]] = {}
    for child, parent in session.execute(select(Code.id, Code.parent_id).where(Code.project_id == project_id)):
        children.setdefault(parent, []).append(child)
    codes, todo = [], [code_id]
    while todo:  # the code and everything below it
        codes.append(todo.pop())
        todo.extend(c for c in children.get(codes[-1], ()) if c not in codes)
    sources = double_coded_source_ids(session, project_id) & set(session.scalars(
        select(source_cases.c.source_id).where(source_cases.c.case_id == case_id)))
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
    codings = reconciliation_codings(session, project.id, case.id, code.id)
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
