"""Pseudonymisation, the write side: store detected hits, record the owner's decisions, apply the
accepted replacements to the stored text with every excerpt's offsets moved, and refuse exports of a
"pseudonymised only" project while hits await review. No Flask.

Hits are found by ``pseudonym_detect`` (pure functions). Detecting a source again replaces its
pending hits and keeps the decided ones (accepted or rejected, matched by span, kind and text); a new
hit that overlaps a decided one is dropped. Applying writes each accepted replacement into the text:
excerpts before a replacement keep their offsets, excerpts after it move, an excerpt whose boundary
falls inside a replaced span grows (or shrinks) to cover exactly the replacement, and every excerpt's
text snapshot is the new text under its span. Hits not applied move with the text. Everything is
audited; the audit log (owners only) therefore keeps the real text that was replaced.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.coding import audit, bulk_detect
from casecoder.coding.pseudonym_detect import Found, KeyTerm, detect, drop_overlaps
from casecoder.kernel.errors import ExportBlocked, InvalidInput
from casecoder.models import Excerpt, HitStatus, Project, PseudonymHit, PseudonymKey, Source, User

DECIDED = (HitStatus.ACCEPTED, HitStatus.REJECTED)
OPEN = (HitStatus.PENDING, HitStatus.ACCEPTED, HitStatus.REJECTED)  # not applied yet


@dataclass
class DetectSummary:
    sources: int = 0
    new: int = 0       # pending hits stored
    kept: int = 0      # decided hits kept


@dataclass
class ApplySummary:
    sources: int = 0
    hits: int = 0
    excerpts: int = 0  # excerpts whose offsets or text changed


def hit_snapshot(hit: PseudonymHit) -> dict[str, Any]:
    return {"source_id": hit.source_id, "start": hit.start_offset, "end": hit.end_offset, "found": hit.found,
            "kind": hit.kind.value, "replacement": hit.replacement, "status": hit.status.value}


def key_terms(session: Session, project_id: int) -> list[KeyTerm]:
    rows = session.scalars(select(PseudonymKey).where(PseudonymKey.project_id == project_id)).all()
    return [KeyTerm(k.id, k.real, k.pseudonym) for k in rows]


def _hits(session: Session, source: Source, statuses: Iterable[HitStatus]) -> list[PseudonymHit]:
    return list(session.scalars(select(PseudonymHit).where(PseudonymHit.source_id == source.id,
                                                           PseudonymHit.status.in_(list(statuses)))
                                .order_by(PseudonymHit.start_offset)))


def _fresh(source: Source, hit: PseudonymHit) -> bool:
    """The hit's text is still where it says it is."""
    return source.text[hit.start_offset:hit.end_offset] == hit.found


def _candidates(source: Source, decided: list[PseudonymHit], terms: list[KeyTerm],
                found: list[Found] | None = None) -> tuple[list[Found], int]:
    """New hits of ``source`` (none overlapping a decided hit) and how many decided hits they repeat;
    ``found``: ``detect``'s result for its text and ``terms`` when already computed (``bulk_detect``)."""
    found = detect(source.text, terms) if found is None else found
    same = {(h.start_offset, h.end_offset, h.kind, h.found) for h in decided}
    repeated = [f for f in found if (f.start, f.end, f.kind, f.found) in same]
    rest = [f for f in found if (f.start, f.end, f.kind, f.found) not in same]
    return drop_overlaps(rest, [(h.start_offset, h.end_offset) for h in decided]), len(repeated)


def detect_source(session: Session, source: Source, user: User | None = None,
                  terms: list[KeyTerm] | None = None, hits: list[PseudonymHit] | None = None) -> DetectSummary:
    """Detect hits in one source: its pending hits are replaced, decided ones kept. ``hits``: the source's
    hits not applied yet, when the caller has read them (``detect_project``)."""
    terms = key_terms(session, source.project_id) if terms is None else terms
    if hits is None:
        old_pending, stored = _hits(session, source, [HitStatus.PENDING]), _hits(session, source, DECIDED)
    else:
        old_pending = [h for h in hits if h.status is HitStatus.PENDING]
        stored = [h for h in hits if h.status in DECIDED]
    decided = []
    for hit in stored:
        if _fresh(source, hit):
            decided.append(hit)
        else:  # the text changed under a decision: forget it, the place is detected afresh
            session.delete(hit)
    new, kept = _candidates(source, decided, terms, bulk_detect.found(session, source.id, source.text, terms))
    unchanged = ({(h.start_offset, h.end_offset, h.kind, h.found, h.replacement, h.key_entry_id) for h in old_pending}
                 == {(f.start, f.end, f.kind, f.found, f.replacement, f.key_id) for f in new})
    if not unchanged:
        for hit in old_pending:
            session.delete(hit)
        for f in new:
            session.add(PseudonymHit(project_id=source.project_id, source_id=source.id, start_offset=f.start,
                                     end_offset=f.end, found=f.found, kind=f.kind, replacement=f.replacement,
                                     key_entry_id=f.key_id, status=HitStatus.PENDING))
        session.flush()
        audit.log(session, user, "detect", "source", source.id, project_id=source.project_id,
                  before={"pending": len(old_pending)}, after={"pending": len(new), "kept": len(decided)})
    return DetectSummary(1, len(new), len(decided))


def detect_project(session: Session, project: Project, user: User | None = None) -> DetectSummary:
    """Detect hits in every source of ``project``."""
    terms = key_terms(session, project.id)
    hits: dict[int, list[PseudonymHit]] = {}  # every source's open hits in one query, not two per source (#25)
    for hit in session.scalars(select(PseudonymHit).where(PseudonymHit.project_id == project.id,
                                                          PseudonymHit.status.in_(OPEN))
                               .order_by(PseudonymHit.source_id, PseudonymHit.start_offset, PseudonymHit.id)):
        hits.setdefault(hit.source_id, []).append(hit)
    total = DetectSummary()
    for source in session.scalars(select(Source).where(Source.project_id == project.id).order_by(Source.id)):
        one = detect_source(session, source, user, terms, hits.get(source.id, []))
        total.sources += 1
        total.new += one.new
        total.kept += one.kept
    return total


def decide(session: Session, user: User | None, project: Project, hit: PseudonymHit, status: HitStatus | str) -> None:
    """Accept or reject one hit (or take the decision back: pending). Applied hits are final."""
    status = HitStatus(status)
    if hit.project_id != project.id:
        raise InvalidInput("There is no such hit in this project", "hit")
    if hit.status is HitStatus.APPLIED or status is HitStatus.APPLIED:
        raise InvalidInput("The replacement of '{found}' is already applied", "hit", found=hit.found)
    if hit.status is status:
        return
    before = hit_snapshot(hit)
    hit.status = status
    hit.decided_by_id = user.id if user else None
    hit.decided_at = datetime.now(timezone.utc)
    session.flush()
    audit.log(session, user, "update", "pseudonym_hit", hit.id, project_id=project.id, before=before,
              after=hit_snapshot(hit))


def decide_all(session: Session, user: User | None, project: Project, status: HitStatus | str,
               source: Source | None = None) -> int:
    """Accept or reject every pending hit of the project (or of one source). Returns how many."""
    query = select(PseudonymHit).where(PseudonymHit.project_id == project.id,
                                       PseudonymHit.status == HitStatus.PENDING)
    if source is not None:
        query = query.where(PseudonymHit.source_id == source.id)
    hits = session.scalars(query.order_by(PseudonymHit.id)).all()
    for hit in hits:
        decide(session, user, project, hit, status)
    return len(hits)


def counts(session: Session, project: Project) -> dict[str, int]:
    """Hits per status (every status present, 0 when none)."""
    rows = dict(session.execute(select(PseudonymHit.status, func.count(PseudonymHit.id))
                                .where(PseudonymHit.project_id == project.id).group_by(PseudonymHit.status)).all())
    return {s.value: int(rows.get(s, 0)) for s in HitStatus}


# ---- applying -------------------------------------------------------------------------------------

Edit = tuple[int, int, str]  # old start, old end, replacement


def _map(edits: list[Edit], position: int, side: str) -> int:
    """Where ``position`` of the old text lands in the new text. Inside a replaced span a start goes to
    the replacement's start and an end to its end, so a span grows to cover the whole replacement."""
    shift = 0
    for start, end, replacement in edits:
        if position <= start:
            break
        if position >= end:
            shift += len(replacement) - (end - start)
            continue
        new_start = start + shift
        return new_start if side == "start" else new_start + len(replacement)
    return position + shift


def replace_spans(text: str, edits: list[Edit]) -> str:
    """``text`` with each [start, end) replaced; ``edits`` sorted and not overlapping."""
    parts, last = [], 0
    for start, end, replacement in edits:
        parts += [text[last:start], replacement]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def apply_source(session: Session, user: User | None, source: Source) -> ApplySummary:
    """Write the accepted replacements of one source into its text, moving excerpts and other hits."""
    accepted = _hits(session, source, [HitStatus.ACCEPTED])
    if not accepted:
        return ApplySummary()
    for previous, hit in zip(accepted, accepted[1:]):
        if hit.start_offset < previous.end_offset:  # detection never stores these; refuse rather than guess
            raise InvalidInput("Hits '{a}' and '{b}' overlap in '{title}'", "hit", a=previous.found, b=hit.found,
                               title=source.title)
    stale = [h for h in accepted if not _fresh(source, h)]
    if stale:
        raise InvalidInput("The text of '{title}' changed where '{found}' was found; detect again", "hit",
                           title=source.title, found=stale[0].found)
    edits = [(h.start_offset, h.end_offset, h.replacement) for h in accepted]
    new_text = replace_spans(source.text, edits)
    summary = ApplySummary(sources=1, hits=len(accepted))
    for excerpt in session.scalars(select(Excerpt).where(Excerpt.source_id == source.id).order_by(Excerpt.id)):
        start, end = _map(edits, excerpt.start_offset, "start"), _map(edits, excerpt.end_offset, "end")
        text = new_text[start:end]
        if (start, end, text) != (excerpt.start_offset, excerpt.end_offset, excerpt.text):
            before = audit.snapshot(excerpt)
            excerpt.start_offset, excerpt.end_offset, excerpt.text = start, end, text
            session.flush()
            audit.record(session, user.id if user else None, "update", excerpt, before=before,
                         after=audit.snapshot(excerpt))
            summary.excerpts += 1
    for hit in _hits(session, source, [HitStatus.PENDING, HitStatus.REJECTED]):
        hit.start_offset, hit.end_offset = _map(edits, hit.start_offset, "start"), _map(edits, hit.end_offset, "end")
        if new_text[hit.start_offset:hit.end_offset] != hit.found:  # cannot happen: hits do not overlap
            session.delete(hit)
    now = datetime.now(timezone.utc)
    for hit in accepted:
        before = hit_snapshot(hit)
        hit.status, hit.decided_at = HitStatus.APPLIED, now
        hit.decided_by_id = user.id if user else hit.decided_by_id
        session.flush()
        audit.log(session, user, "apply", "pseudonym_hit", hit.id, project_id=source.project_id, before=before,
                  after=hit_snapshot(hit))
    audit.log(session, user, "pseudonymise", "source", source.id, project_id=source.project_id,
              before={"length": len(source.text)}, after={"length": len(new_text), "replaced": len(accepted)})
    source.text = new_text
    session.flush()
    return summary


def apply_accepted(session: Session, user: User | None, project: Project, source: Source | None = None) -> ApplySummary:
    """Apply the accepted hits of every source of ``project`` (or of one source)."""
    if source is not None:
        sources = [source]
    else:
        ids = session.scalars(select(PseudonymHit.source_id).where(
            PseudonymHit.project_id == project.id, PseudonymHit.status == HitStatus.ACCEPTED).distinct()).all()
        sources = list(session.scalars(select(Source).where(Source.id.in_(ids)).order_by(Source.id)))
    total = ApplySummary()
    for one in sources:
        done = apply_source(session, user, one)
        total.sources += done.sources
        total.hits += done.hits
        total.excerpts += done.excerpts
    return total


# ---- following transcript edits, the project setting, the export guard -----------------------------

def follow_edit(session: Session, user: User | None, source: Source, changes: list[tuple[int, int, int]]) -> None:
    """After ``transcripts.edit_text`` (``changes``: old start, old end, length delta): move the open hits,
    forget those an edit touched, and detect the source again (the edit may add a name)."""
    for hit in _hits(session, source, OPEN):
        shift, touched = 0, False
        for i1, i2, delta in changes:
            before_hit = i1 <= hit.start_offset if i1 == i2 else i2 <= hit.start_offset  # an insertion, or not
            if before_hit:
                shift += delta
            elif i1 < hit.end_offset:
                touched = True
                break
        if touched:
            session.delete(hit)
        elif shift:
            hit.start_offset += shift
            hit.end_offset += shift
    session.flush()
    detect_source(session, source, user)


def set_pseudonymised_only(session: Session, user: User | None, project: Project, value: bool) -> None:
    if project.pseudonymised_only == bool(value):
        return
    before = {"pseudonymised_only": project.pseudonymised_only}
    project.pseudonymised_only = bool(value)
    session.flush()
    audit.log(session, user, "update", "project", project.id, project_id=project.id, before=before,
              after={"pseudonymised_only": project.pseudonymised_only})


def undetected(session: Session, project: Project) -> int:
    """Hits detection would find now that are not stored (a source imported by bundle, a new key...)."""
    terms = key_terms(session, project.id)
    missing = 0
    for source in session.scalars(select(Source).where(Source.project_id == project.id)):
        stored = [h for h in _hits(session, source, OPEN) if _fresh(source, h)]
        new, _repeated = _candidates(source, stored, terms)
        missing += len(new)
    return missing


def require_export_allowed(session: Session, project: Project | str) -> None:
    """Raise ``ExportBlocked`` when ``project`` is "pseudonymised only" and its texts are not yet.

    ``project`` may be a slug (the CLI's); an unknown slug passes, and the export itself says so.
    """
    if isinstance(project, str):
        found = session.scalar(select(Project).where(Project.slug == project))
        if found is None:
            return
        project = found
    if not project.pseudonymised_only:
        return
    n = counts(session, project)
    waiting = n[HitStatus.PENDING.value] + undetected(session, project)
    if waiting:
        raise ExportBlocked("This project exports pseudonymised texts only, and {n} pseudonymisation hit(s) "
                            "still await review. Review them (Pseudonymisation > Review) and apply the "
                            "accepted replacements, then export again.", project, n=waiting)
    if n[HitStatus.ACCEPTED.value]:
        raise ExportBlocked("This project exports pseudonymised texts only, and {n} accepted replacement(s) "
                            "are not applied yet. Apply them (Pseudonymisation > Review), then export again.",
                            project, n=n[HitStatus.ACCEPTED.value])
