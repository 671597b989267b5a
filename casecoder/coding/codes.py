"""Change the codebook of a project: edit, archive, delete and merge codes (all audited)."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from casecoder.coding import audit
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import ChainNode, Code, CodeRelation, Coding


def coding_count(session: Session, code: Code) -> int:
    return session.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == code.id)) or 0


def update_code(session: Session, code: Code, user_id: int | None, **changes: object) -> Code:
    """Change labels, descriptions, colour, memo or the archived flag of a code."""
    allowed = {"label_da", "label_en", "description_da", "description_en", "include_da", "include_en",
               "exclude_da", "exclude_en", "color", "archived", "memo", "ref"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput("These code fields cannot be changed here: {fields}", fields=", ".join(sorted(unknown)))
    before = audit.snapshot(code)
    for name, value in changes.items():
        if name in ("label_da", "label_en"):
            value = validate.title(str(value), N_("Label"))
        elif name == "color":
            value = validate.color(str(value))
        elif name == "memo":
            value = validate.memo(str(value))
        setattr(code, name, value)
    session.flush()
    audit.record(session, user_id, "update", code, before=before, after=audit.snapshot(code))
    return code


def delete_code(session: Session, code: Code, user_id: int | None) -> None:
    """Delete a code that nothing uses. A code with codings must be merged instead."""
    used = coding_count(session, code)
    if used:
        raise InvalidInput(
            "Code {key} has {n} coding(s) and cannot be deleted; merge it into another code instead",
            key=code.key, n=used)
    if session.scalar(select(func.count()).select_from(Code).where(Code.parent_id == code.id)):
        raise InvalidInput("Code {key} has sub-codes; move or delete them first", key=code.key)
    in_chains = session.scalar(select(func.count(func.distinct(ChainNode.chain_id))).where(ChainNode.code_id == code.id))
    if in_chains:
        raise InvalidInput("Code {key} is used in {n} chain(s); merge it into another code instead",
                           key=code.key, n=in_chains)
    before = audit.snapshot(code)
    audit.record(session, user_id, "delete", code, before=before)
    session.delete(code)
    session.flush()


def merge_code(session: Session, code: Code, into: Code, user_id: int | None) -> int:
    """Move every coding of ``code`` onto ``into``, then delete ``code``. Returns the codings moved.

    A coder who already put ``into`` on the same excerpt keeps that coding; the duplicate is dropped.
    """
    if code.project_id != into.project_id:
        raise InvalidInput("Codes can only be merged within one project")
    if code.id == into.id:
        raise InvalidInput("Code {key} cannot be merged into itself", key=code.key)
    children = session.scalars(select(Code).where(Code.parent_id == code.id)).all()
    if into.id in {c.id for c in children}:
        raise InvalidInput("Code {key} cannot be merged into its own sub-code {into}", key=code.key, into=into.key)
    moved = 0
    for coding in session.scalars(select(Coding).where(Coding.code_id == code.id)).all():
        before = audit.snapshot(coding)
        clash = session.scalar(select(Coding.id).where(
            Coding.excerpt_id == coding.excerpt_id, Coding.code_id == into.id, Coding.coder_id == coding.coder_id))
        if clash is not None:
            audit.record(session, user_id, "delete", coding, before=before)
            session.delete(coding)
        else:
            coding.code_id = into.id
            session.flush()
            audit.record(session, user_id, "update", coding, before=before, after=audit.snapshot(coding))
            moved += 1
    for child in children:
        child.parent_id = into.id
    for node in session.scalars(select(ChainNode).where(ChainNode.code_id == code.id)):
        node.code_id = into.id
    _move_relations(session, code, into)
    session.flush()
    audit.record(session, user_id, "merge", code, before=audit.snapshot(code), after={"merged_into": into.key})
    session.delete(code)
    session.flush()
    return moved


def _move_relations(session: Session, code: Code, into: Code) -> None:
    """Re-point relations of ``code`` to ``into``; drop those that would loop or repeat."""
    relations = session.scalars(select(CodeRelation).where(
        or_(CodeRelation.source_code_id == code.id, CodeRelation.target_code_id == code.id))).all()
    existing = {(r.source_code_id, r.target_code_id, r.type) for r in session.scalars(
        select(CodeRelation).where(CodeRelation.project_id == code.project_id))}
    for rel in relations:
        src = into.id if rel.source_code_id == code.id else rel.source_code_id
        dst = into.id if rel.target_code_id == code.id else rel.target_code_id
        if src == dst or (src, dst, rel.type) in existing:
            session.delete(rel)
        else:
            existing.add((src, dst, rel.type))
            rel.source_code_id, rel.target_code_id = src, dst
