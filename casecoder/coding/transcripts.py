"""Transcripts: import extracted text as a source, edit a transcript without breaking excerpts, change its
properties (title, date, mode, perspective, cases, interviewees), delete it.

An edit is diffed against the stored text. Excerpts before a change keep their offsets,
excerpts after it are shifted; a change that touches an excerpt's span is refused with the
list of excerpts it would break, and nothing is stored.
"""
from __future__ import annotations

from datetime import date
from difflib import SequenceMatcher
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import audit, cases, pseudonymise
from casecoder.files.extract import Extracted
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Case, Coding, Excerpt, Interviewee, InterviewMode, Perspective, Project, Source, User


def duplicate_of(session: Session, project: Project, sha256: str) -> Source | None:
    """A source of ``project`` imported from the same file bytes, if any."""
    return session.scalars(select(Source).where(Source.project_id == project.id, Source.sha256 == sha256)
                           .limit(1)).first()


def import_transcript(session: Session, project: Project, extracted: Extracted, *, user: User,
                      title: str | None, perspective: Perspective | str, cases_: Iterable[Case] = (),
                      interviewees: Iterable[Interviewee] = (), mode: InterviewMode | str | None = None,
                      interview_date: date | str | None = None, allow_duplicate: bool = False) -> Source:
    """Store an extracted file as a source. The same file twice is refused unless allowed."""
    twin = duplicate_of(session, project, extracted.sha256)
    if twin is not None and not allow_duplicate:
        raise InvalidInput("'{name}' was already imported as '{title}'", "file", name=extracted.filename,
                           title=twin.title)
    default_title = extracted.filename.rsplit(".", 1)[0]
    source = cases.create_source(
        session, project, title=(title or "").strip() or default_title, text=extracted.text,
        perspective=perspective, cases=cases_, interviewees=interviewees, mode=mode or None,
        interview_date=interview_date or None, original_filename=extracted.filename, created_by=user,
        sha256=extracted.sha256)
    audit.log(session, user, "create", "source", source.id, project_id=project.id,
              after={**snapshot(source), "original_filename": source.original_filename, "sha256": source.sha256})
    pseudonymise.detect_source(session, source, user)  # pending hits for the review screen
    return source


def _changes(old: str, new: str) -> list[tuple[int, int, int]]:
    """The edits turning ``old`` into ``new`` as (old_start, old_end, length_delta), in order.

    The common prefix and suffix are trimmed first, so a local edit of a long transcript is cheap. The rest
    is compared line by line, then each changed block character by character. A character diff costs up to
    len(a) * len(b) (a 5,000-character block took a minute), so a block above ``MAX_CHAR_DIFF``, or once
    ``CHAR_DIFF_BUDGET`` is spent, stays one change, as does everything when there are too many lines to
    compare (``MAX_LINE_DIFF``): coarser, so an excerpt inside it is refused rather than moved, never wrong.
    """
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    old_mid, new_mid = old[prefix:len(old) - suffix], new[prefix:len(new) - suffix]
    a, b = old_mid.splitlines(keepends=True), new_mid.splitlines(keepends=True)
    if len(a) * len(b) > MAX_LINE_DIFF:
        blocks = [(0, len(old_mid), 0, len(new_mid))]
    else:
        at_a, at_b = _line_starts(a), _line_starts(b)
        blocks = [(at_a[i1], at_a[i2], at_b[j1], at_b[j2])
                  for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b).get_opcodes() if tag != "equal"]
    changes: list[tuple[int, int, int]] = []
    budget = CHAR_DIFF_BUDGET
    for a0, a1, b0, b1 in blocks:
        cost = (a1 - a0) * (b1 - b0)
        if cost <= min(MAX_CHAR_DIFF, budget):
            budget -= cost
            matcher = SequenceMatcher(None, old_mid[a0:a1], new_mid[b0:b1], autojunk=False)
            changes += [(prefix + a0 + i1, prefix + a0 + i2, (j2 - j1) - (i2 - i1))
                        for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
        else:
            changes.append((prefix + a0, prefix + a1, (b1 - b0) - (a1 - a0)))
    return changes


MAX_LINE_DIFF = 50_000_000  # lines(old) * lines(new) still diffed line by line (autojunk keeps it near-linear)
MAX_CHAR_DIFF = 1_000_000  # chars(old) * chars(new) of one changed block still diffed character by character
CHAR_DIFF_BUDGET = 10_000_000  # ... and of all blocks of one edit together (at most a few seconds)


def _line_starts(lines: list[str]) -> list[int]:
    """The offset where each line starts, and the total length at the end."""
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _shift(changes: list[tuple[int, int, int]], start: int, end: int) -> int | None:
    """How far an excerpt [start, end) moves, or None when a change touches its text."""
    shift = 0
    for i1, i2, delta in changes:
        if i1 == i2:  # an insertion at i1
            if i1 <= start:
                shift += delta
            elif i1 < end:
                return None
        elif i2 <= start:
            shift += delta
        elif i1 < end:
            return None
    return shift


def edit_text(session: Session, user: User, source: Source, new_text: str) -> int:
    """Replace a transcript's text, moving every excerpt. Returns the number of excerpts moved."""
    new_text = new_text.replace("\r\n", "\n").replace("\r", "\n")
    if not new_text.strip():
        raise InvalidInput("The transcript must not be empty", "text")
    if new_text == source.text:
        return 0
    excerpts = session.scalars(select(Excerpt).where(Excerpt.source_id == source.id)
                               .order_by(Excerpt.start_offset)).all()
    changes = _changes(source.text, new_text)
    shifts = {e.id: _shift(changes, e.start_offset, e.end_offset) for e in excerpts}
    listed = [e for e in excerpts if shifts[e.id] is None]
    if listed:
        raise InvalidInput(
            "The edit changes text inside {n} excerpt(s), so it was not saved: {excerpts}", "text", n=len(listed),
            excerpts="; ".join(f"#{e.id} [{e.start_offset}-{e.end_offset}] “{_short(e.text)}”" for e in listed))
    moved = 0
    for excerpt in excerpts:
        shift = shifts[excerpt.id] or 0
        if shift:
            before = audit.snapshot(excerpt)
            excerpt.start_offset += shift
            excerpt.end_offset += shift
            moved += 1
            session.flush()
            audit.record(session, user.id, "update", excerpt, before=before, after=audit.snapshot(excerpt))
        if new_text[excerpt.start_offset:excerpt.end_offset] != excerpt.text:  # cannot happen; never store it
            raise RuntimeError(f"excerpt {excerpt.id} would not match the edited text")
    source.text = new_text
    session.flush()
    pseudonymise.follow_edit(session, user, source, changes)  # move hits, detect the edited text
    return moved


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def snapshot(source: Source) -> dict[str, Any]:
    """A source's properties as the audit log keeps them (keys, not ids, so a reader understands them)."""
    return {"title": source.title, "perspective": source.perspective.value,
            "mode": source.mode.value if source.mode else None,
            "interview_date": source.interview_date.isoformat() if source.interview_date else None,
            "cases": [c.key for c in source.cases], "interviewees": [p.key for p in source.interviewees]}


def set_properties(session: Session, user: User, source: Source, *, title: str, perspective: Perspective | str,
                   mode: InterviewMode | str | None, interview_date: date | str | None,
                   cases_: Iterable[Case], interviewees: Iterable[Interviewee]) -> int:
    """Change a transcript's properties; audited as one "update" of the source when anything changed.

    The counts follow at once (triggers on ``sources`` and ``source_cases``). An excerpt keeps its case while
    that case stays linked; an excerpt about a removed case has no case afterwards (not counted, and warned
    about, until its coder chooses one on the workbench): evidence about one family never moves to another.
    An excerpt without a case takes the transcript's case when it has exactly one.
    Returns the number of excerpts whose case changed (each audited as an excerpt "update").
    """
    cases_, interviewees = list(cases_), list(interviewees)
    if any(item.project_id != source.project_id for item in cases_) or any(
            item.project_id != source.project_id for item in interviewees):
        raise InvalidInput("Cases and interviewees of a source must belong to the same project", "cases")
    values: dict[str, object] = {"title": validate.title(title, N_("Title"), 300),
              "perspective": validate.choice(Perspective, perspective, N_("Perspective")),
              "mode": validate.choice(InterviewMode, mode, N_("Mode")) if mode else None}
    try:
        values["interview_date"] = validate.iso_date(interview_date) if interview_date else None
    except InvalidInput as exc:
        exc.field = "interview_date"
        raise
    before = snapshot(source)
    for name, value in values.items():
        setattr(source, name, value)
    source.cases, source.interviewees = cases_, interviewees
    session.flush()
    moved = _follow_cases(session, user, source)
    after = snapshot(source)
    if after != before:
        audit.log(session, user, "update", "source", source.id, project_id=source.project_id, before=before,
                  after=after)
    return moved


def _follow_cases(session: Session, user: User, source: Source) -> int:
    """Excerpts about a case no longer linked lose it; excerpts without a case take the source's only case
    (see set_properties)."""
    linked = {c.id for c in source.cases}
    only = source.cases[0].id if len(source.cases) == 1 else None
    moved = 0
    for excerpt in session.scalars(select(Excerpt).where(Excerpt.source_id == source.id,
                                                         Excerpt.case_id.is_(None) | Excerpt.case_id.not_in(linked))
                                   .order_by(Excerpt.start_offset)):
        target = only if excerpt.case_id is None else None
        if excerpt.case_id == target:
            continue
        before = audit.snapshot(excerpt)
        excerpt.case_id = target
        session.flush()
        audit.record(session, user.id, "update", excerpt, before=before, after=audit.snapshot(excerpt))
        moved += 1
    return moved


def delete_transcript(session: Session, user: User, source: Source) -> tuple[int, int]:
    """Delete a transcript with its excerpts and their codings (and, through the database's cascades, its
    pseudonym hits and double-coding assignments). Every coding, excerpt and the source are audited as
    "delete"; the counts follow at once. Returns (excerpts, codings) deleted."""
    excerpts = session.scalars(select(Excerpt).where(Excerpt.source_id == source.id)
                               .order_by(Excerpt.start_offset)).all()
    codings = session.scalars(select(Coding).join(Excerpt).where(Excerpt.source_id == source.id)
                              .order_by(Coding.id)).all()
    for coding in codings:
        audit.log(session, user, "delete", "coding", coding.id, project_id=source.project_id,
                  before=audit.snapshot(coding))
    for excerpt in excerpts:
        audit.record(session, user.id, "delete", excerpt, before=audit.snapshot(excerpt))
    before = {**snapshot(source), "original_filename": source.original_filename, "sha256": source.sha256,
              "chars": len(source.text), "excerpts": len(excerpts), "codings": len(codings)}
    audit.log(session, user, "delete", "source", source.id, project_id=source.project_id, before=before)
    for obj in [*codings, *excerpts]:  # the database deletes them with the source (its triggers keep the counts)
        session.expunge(obj)
    session.delete(source)
    session.flush()
    return len(excerpts), len(codings)


def new_case(session: Session, user: User, project: Project, key: str, municipality: str, *,
             reuse: bool = False) -> Case:
    """A case created from the transcript import form (audited). With ``reuse``, a case of the same key and
    municipality is taken instead (the page's script sends one file per request, and keeps the fields after an
    import, so the same "new" case comes again)."""
    if reuse:
        found = session.scalar(select(Case).where(Case.project_id == project.id, Case.key == key.strip()))
        if found is not None and found.municipality == municipality.strip():
            return found
    try:
        case = cases.add_case(session, user, project, key, municipality)  # audited there
    except InvalidInput as exc:
        exc.field = "new_case_key" if exc.field == "key" else "new_case_municipality"
        raise
    return case


def new_interviewee(session: Session, user: User, project: Project, key: str, role: str,
                    perspective: Perspective | str, *, reuse: bool = False) -> Interviewee:
    """An interviewee created from the transcript import form (audited); ``reuse`` as in ``new_case``."""
    if reuse:
        found = session.scalar(select(Interviewee).where(Interviewee.project_id == project.id,
                                                         Interviewee.key == key.strip()))
        wanted = validate.choice(Perspective, perspective, N_("Perspective"))
        if found is not None and found.role == role.strip() and found.perspective == wanted:
            return found
    try:
        person = cases.add_interviewee(session, user, project, key, role, perspective)  # audited there
    except InvalidInput as exc:
        exc.field = {"key": "new_interviewee_key", "role": "new_interviewee_role"}.get(
            exc.field or "", "new_interviewee_perspective")
        raise
    return person
