"""Transcripts: import extracted text as a source, and edit a transcript without breaking excerpts.

An edit is diffed against the stored text. Excerpts before a change keep their offsets,
excerpts after it are shifted; a change that touches an excerpt's span is refused with the
list of excerpts it would break, and nothing is stored.
"""
from __future__ import annotations

from datetime import date
from difflib import SequenceMatcher
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import audit, cases, pseudonymise
from casecoder.files.extract import Extracted
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Case, Excerpt, Interviewee, InterviewMode, Perspective, Project, Source, User


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
