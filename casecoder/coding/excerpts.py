"""Excerpts and codings: create, change and delete them, each change audited.

Offsets are Unicode code points into the source text, end exclusive; the excerpt keeps a
snapshot of its text. The case of an excerpt is required when the source covers several cases.
Each coder owns their codings and their memo (``set_memo``: an empty memo is no row).
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from casecoder.coding import audit, text_cache
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, EditConflict, InvalidInput
from casecoder.models import Case, Code, Coding, Direction, Excerpt, ExcerptMemo, Source, User


def resolve_case(source: Source, case: Case | None) -> Case | None:
    """The case an excerpt of ``source`` is about: given, or the source's only case."""
    if case is not None:
        if case.id not in {c.id for c in source.cases}:
            raise InvalidInput("Case {case} is not linked to the transcript '{title}'", "case", case=case.key,
                               title=source.title)
        return case
    if len(source.cases) > 1:
        keys = ", ".join(c.key for c in source.cases)
        raise InvalidInput("The transcript covers several cases ({keys}); choose the case this excerpt is about",
                           "case", keys=keys)
    return source.cases[0] if source.cases else None


def _check_code(code: Code, project_id: int) -> None:
    if code.project_id != project_id:
        raise InvalidInput("Code {key} belongs to another project", "codes", key=code.key)
    if not code.codable or code.archived:
        if code.archived:
            raise InvalidInput("Code {key} is archived and cannot be applied", "codes", key=code.key)
        raise InvalidInput("Code {key} is a folder and cannot be applied", "codes", key=code.key)


def span_text(session: Session, source: Source, start: int, end: int,
              text_version: int | None = None) -> tuple[int, int, str]:
    """The checked span and its text; the transcript comes from ``text_cache`` unless it is loaded
    (``text_version``: the source's, read in this transaction)."""
    text = text_cache.source_text(session, source, text_version)
    start, end = validate.span(text, start, end)
    return start, end, text[start:end]


def create_excerpt(session: Session, user: User, source: Source, start: int, end: int,
                   codes: Iterable[tuple[Code, Direction | str]] = (), case: Case | None = None,
                   memo: str = "", text_version: int | None = None) -> Excerpt:
    """A new excerpt with the acting user's ``codes`` on it: one flush writes it and its codings.
    ``text_version``: the source's, when the caller read it in this transaction (saves a query)."""
    start, end, text = span_text(session, source, start, end, text_version)
    memo = validate.memo(memo)
    excerpt = Excerpt(project_id=source.project_id, source_id=source.id, case=resolve_case(source, case),
                      start_offset=start, end_offset=end, text=text, created_by_id=user.id,
                      codings=[], memos=[])  # known empty: they are never loaded
    for code, direction in codes:  # a new excerpt's only codings are these, so duplicates are checked here
        if any(c.code_id == code.id for c in excerpt.codings):
            raise _already(user, code)
        _new_coding(excerpt, code, direction, user)
    session.add(excerpt)
    session.flush()
    audit.record_created(session, user.id, [excerpt, *excerpt.codings], excerpt.project_id)
    if memo:
        set_memo(session, user, excerpt, memo)
    return excerpt


def update_excerpt(session: Session, user: User, excerpt: Excerpt, *, start: int | None = None,
                   end: int | None = None, case: Case | None = None, memo: str | None = None,
                   version: int | None = None) -> Excerpt:
    """Change span, case or the acting user's memo. ``version`` is the version the editor read; a newer
    stored one is a conflict (for span and case: a memo is its writer's alone)."""
    spans = start is not None or end is not None or case is not None
    if spans and version is not None and version != excerpt.version:
        raise _conflict(excerpt)
    if memo is not None:
        set_memo(session, user, excerpt, memo)
    if not spans:
        return excerpt
    before = audit.snapshot(excerpt)
    source = excerpt.source
    if start is not None or end is not None:
        new_start = excerpt.start_offset if start is None else start
        new_end = excerpt.end_offset if end is None else end
        excerpt.start_offset, excerpt.end_offset = validate.span(source.text, new_start, new_end)
        excerpt.text = source.text[excerpt.start_offset:excerpt.end_offset]
    if case is not None:
        excerpt.case = resolve_case(source, case)
    try:
        session.flush()
    except StaleDataError as exc:  # another save landed between our read and our UPDATE
        raise _conflict(excerpt) from exc
    audit.record(session, user.id, "update", excerpt, before=before, after=audit.snapshot(excerpt))
    return excerpt


def set_memo(session: Session, user: User, excerpt: Excerpt, text: str,
             writer: User | None = None) -> ExcerptMemo | None:
    """Make ``writer``'s (default: the acting user's) own memo on ``excerpt`` ``text`` (checked; empty
    removes it). Others' memos stay; only imports write a memo for someone else."""
    text = validate.memo(text)
    writer = writer or user
    mine = next((m for m in excerpt.memos if m.user_id == writer.id), None)
    if mine is None:
        if not text:
            return None
        mine = ExcerptMemo(excerpt=excerpt, user_id=writer.id, text=text)
        session.add(mine)
        session.flush()
        audit.record(session, user.id, "create", mine, after=audit.snapshot(mine))
        return mine
    if not text:
        remove_memo(session, user, mine)
        return None
    if mine.text != text:
        before = audit.snapshot(mine)
        mine.text = text
        session.flush()
        audit.record(session, user.id, "update", mine, before=before, after=audit.snapshot(mine))
    return mine


def remove_memo(session: Session, user: User, memo: ExcerptMemo) -> None:
    audit.record(session, user.id, "delete", memo, before=audit.snapshot(memo))
    memo.excerpt.memos.remove(memo)  # delete-orphan
    session.flush()


def _conflict(excerpt: Excerpt) -> EditConflict:
    return EditConflict("Someone else saved this excerpt while you were editing it, so your change was not saved. "
                        "The excerpt now shows their version; your text is still in the form: check it and "
                        "save again to replace theirs.", "version")


def who_loses(excerpt: Excerpt, user: User, everyone: bool) -> dict[str, list[str]]:
    """Per coder (user name) the code keys a delete by ``user`` removes: only theirs unless ``everyone``."""
    lost: dict[str, list[str]] = {}
    for coding in sorted(excerpt.codings, key=lambda c: (c.coder.username, c.code.key)):
        if everyone or coding.coder_id == user.id:
            lost.setdefault(coding.coder.username, []).append(coding.code.key)
    return lost


def memo_writers(excerpt: Excerpt) -> list[str]:
    """The user names of everyone with a memo on ``excerpt`` (a delete of the whole excerpt removes them)."""
    return sorted(m.user.username for m in excerpt.memos)


def delete_for(session: Session, user: User, excerpt: Excerpt, *, everyone: bool = False,
               may_remove_others: bool = False) -> bool:
    """Each coder owns their codings: remove ``user``'s codings, and the excerpt too when nobody else's
    remain. ``everyone`` (owners only, ``may_remove_others``) removes the excerpt with every coder's
    codings. True when the excerpt went."""
    others = [c for c in excerpt.codings if c.coder_id != user.id]
    others_memos = [m for m in excerpt.memos if m.user_id != user.id]  # their memos are their work too
    if everyone and (others or others_memos) and not may_remove_others:
        raise InvalidInput("Only an owner may remove other coders' codings", "everyone")
    if everyone or not (others or others_memos):
        delete_excerpt(session, user, excerpt)
        return True
    mine = [c for c in excerpt.codings if c.coder_id == user.id]
    if not mine:
        who = {c.coder.username for c in others} | {m.user.username for m in others_memos}
        raise InvalidInput("This excerpt carries only other coders' codings ({who}); you have none to remove",
                           "codes", who=", ".join(sorted(who)))
    for coding in mine:
        remove_coding(session, user, coding)
    return False


def delete_excerpt(session: Session, user: User, excerpt: Excerpt) -> None:
    """Delete the excerpt with every coding and memo on it (callers decide who may: ``delete_for``)."""
    for coding in list(excerpt.codings):
        remove_coding(session, user, coding)
    for memo in list(excerpt.memos):
        remove_memo(session, user, memo)
    audit.record(session, user.id, "delete", excerpt, before=audit.snapshot(excerpt))
    session.delete(excerpt)
    session.flush()


def add_coding(session: Session, user: User, excerpt: Excerpt, code: Code,
               direction: Direction | str = Direction.SUPPORTS, coder: User | None = None) -> Coding:
    """Put ``code`` on ``excerpt`` for ``coder`` (default: the acting user)."""
    coder = coder or user
    exists = session.scalar(select(Coding.id).where(
        Coding.excerpt_id == excerpt.id, Coding.code_id == code.id, Coding.coder_id == coder.id))
    if exists is not None:
        raise _already(coder, code)
    coding = _new_coding(excerpt, code, direction, coder)
    session.add(coding)
    session.flush()
    audit.record(session, user.id, "create", coding, after=audit.snapshot(coding))
    return coding


def _new_coding(excerpt: Excerpt, code: Code, direction: Direction | str, coder: User) -> Coding:
    """A checked coding, not yet flushed (it joins ``excerpt.codings``)."""
    _check_code(code, excerpt.project_id)
    direction = validate.choice(Direction, direction, N_("Direction"))
    return Coding(excerpt=excerpt, code_id=code.id, coder_id=coder.id, direction=direction)


def _already(coder: User, code: Code) -> InvalidInput:
    return InvalidInput("{coder} has already put code {key} on this excerpt", "codes", coder=coder.username,
                        key=code.key)


def set_direction(session: Session, user: User, coding: Coding, direction: Direction | str) -> Coding:
    before = audit.snapshot(coding)
    coding.direction = validate.choice(Direction, direction, N_("Direction"))
    session.flush()
    audit.record(session, user.id, "update", coding, before=before, after=audit.snapshot(coding))
    return coding


def remove_coding(session: Session, user: User, coding: Coding) -> None:
    audit.record(session, user.id, "delete", coding, before=audit.snapshot(coding))
    coding.excerpt.codings.remove(coding)  # delete-orphan: removing it from the excerpt deletes it
    session.flush()


def set_codings(session: Session, user: User, excerpt: Excerpt,
                wanted: Iterable[tuple[Code, Direction | str]]) -> None:
    """Make the acting user's codings on ``excerpt`` exactly ``wanted``; other coders' codings stay."""
    mine = {c.code_id: c for c in excerpt.codings if c.coder_id == user.id}
    target = {code.id: (code, validate.choice(Direction, direction, N_("Direction"))) for code, direction in wanted}
    for code_id, coding in list(mine.items()):
        if code_id not in target:
            remove_coding(session, user, coding)
    for code_id, (code, direction) in target.items():
        if code_id not in mine:
            add_coding(session, user, excerpt, code, direction)
        elif mine[code_id].direction != direction:
            set_direction(session, user, mine[code_id], direction)
