"""The analyst's preparation of a report chapter (issue #24): excerpts marked "use in the report" in
the analyst's order, and an analysis note per code. Every change is audited; flush, never commit."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.coding import audit
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Code, Excerpt
from casecoder.models.report import AnalysisNote, ReportQuote


def _mark_state(mark: ReportQuote) -> dict[str, object]:
    return {"excerpt_id": mark.excerpt_id, "position": mark.position, "preview": mark.preview}


def mark_quote(session: Session, excerpt: Excerpt, user_id: int | None) -> ReportQuote:
    """Mark ``excerpt`` "use in the report", after the project's other marks; marking twice is a no-op."""
    found = session.scalar(select(ReportQuote).where(ReportQuote.project_id == excerpt.project_id,
                                                     ReportQuote.excerpt_id == excerpt.id))
    digest, preview = ReportQuote.digest(excerpt.text), " ".join(excerpt.text.split())[:200]
    if found is not None:
        if found.text_sha256 == digest:
            return found
        before = _mark_state(found)   # the text changed since: the mark now stands for the new text
        found.text_sha256, found.preview = digest, preview
        session.flush()
        audit.log(session, user_id, "update", "report_quote", found.id, project_id=excerpt.project_id,
                  before=before, after=_mark_state(found))
        return found
    last = session.scalar(select(func.max(ReportQuote.position)).where(ReportQuote.project_id == excerpt.project_id))
    mark = ReportQuote(project_id=excerpt.project_id, excerpt_id=excerpt.id, text_sha256=digest, preview=preview,
                       position=(last or 0) + 1, marked_by_id=user_id)
    session.add(mark)
    session.flush()
    audit.log(session, user_id, "create", "report_quote", mark.id, project_id=excerpt.project_id,
              after=_mark_state(mark))
    return mark


def is_marked(session: Session, excerpt: Excerpt) -> bool:
    """Whether ``excerpt`` is marked "use in the report" (with its text as it is now)."""
    mark = session.scalar(select(ReportQuote).where(ReportQuote.project_id == excerpt.project_id,
                                                    ReportQuote.excerpt_id == excerpt.id))
    return mark is not None and mark.marks(excerpt.text)


def unmark_quote(session: Session, project_id: int, excerpt_id: int, user_id: int | None) -> bool:
    """Take the mark off (also from a deleted excerpt); False when there was none."""
    mark = session.scalar(select(ReportQuote).where(ReportQuote.project_id == project_id,
                                                    ReportQuote.excerpt_id == excerpt_id))
    if mark is None:
        return False
    before = _mark_state(mark)
    session.delete(mark)
    session.flush()
    audit.log(session, user_id, "delete", "report_quote", mark.id, project_id=project_id, before=before)
    return True


def move_quote(session: Session, project_id: int, excerpt_id: int, step: int, user_id: int | None) -> bool:
    """Move a mark one place earlier (``step`` -1) or later (+1) in the project's order; False when the
    excerpt is not marked."""
    if step not in (-1, 1):
        raise InvalidInput("A quote moves one place up or down", "step")
    marks = list(session.scalars(select(ReportQuote).where(ReportQuote.project_id == project_id)
                                 .order_by(ReportQuote.position, ReportQuote.id)))
    index = next((i for i, m in enumerate(marks) if m.excerpt_id == excerpt_id), None)
    if index is None:
        return False
    other = index + step
    if not 0 <= other < len(marks):
        return True
    marks[index], marks[other] = marks[other], marks[index]
    for position, mark in enumerate(marks, start=1):
        if mark.position != position:
            before = _mark_state(mark)
            mark.position = position
            session.flush()
            audit.log(session, user_id, "update", "report_quote", mark.id, project_id=project_id,
                      before=before, after=_mark_state(mark))
    return True


def set_analysis_note(session: Session, code: Code, text: str, user_id: int | None) -> AnalysisNote | None:
    """Set (or, with an empty text, remove) the analysis note of ``code``."""
    text = validate.memo(text, N_("The analysis note"))
    note = session.scalar(select(AnalysisNote).where(AnalysisNote.code_id == code.id))
    before = {"code": code.key, "note": note.text} if note is not None else None
    if not text:
        if note is not None:
            session.delete(note)
            session.flush()
            audit.log(session, user_id, "delete", "analysis_note", note.id, project_id=code.project_id, before=before)
        return None
    if note is not None and note.text == text:
        return note
    if note is None:
        note = AnalysisNote(code_id=code.id, text=text, updated_by_id=user_id)
        session.add(note)
    else:
        note.text, note.updated_by_id = text, user_id
    session.flush()
    audit.log(session, user_id, "update" if before else "create", "analysis_note", note.id,
              project_id=code.project_id, before=before, after={"code": code.key, "note": text})
    return note
