"""A project's key list (real name -> pseudonym): add, edit, delete and the owner's CSV export. No Flask.

The list is the one place the real names live; it is read by detection and by ``key_csv`` only, never
by bundles, reports or REFI-QDA exports. Each change is audited and detects the project's sources
again, so the review screen shows what the list finds now. A pseudonym must not contain a real name
of the list (nor a real name a pseudonym), or replacing would find the name again.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import audit, pseudonymise
from casecoder.coding.pseudonym_detect import genitive, normalise
from casecoder.files.tabular import csv_bytes
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import HitStatus, KeyKind, Project, PseudonymHit, PseudonymKey, User

MAX_LEN = 200
CSV_COLUMNS = ["real", "pseudonym", "kind"]


def snapshot(entry: PseudonymKey) -> dict[str, Any]:
    return {"real": entry.real, "pseudonym": entry.pseudonym, "kind": entry.kind.value}


def entries(session: Session, project: Project) -> list[PseudonymKey]:
    return list(session.scalars(select(PseudonymKey).where(PseudonymKey.project_id == project.id)
                                .order_by(PseudonymKey.kind, PseudonymKey.real)))


def _contains(haystack: str, word: str) -> bool:
    """``word`` occurs in ``haystack`` as whole words, case-insensitively."""
    pattern = r"\s+".join(map(re.escape, word.split()))
    return re.search(rf"(?<!\w){pattern}(?!\w)", haystack, re.IGNORECASE) is not None


def _clean(session: Session, project: Project, real: str, pseudonym: str, kind: object,
           entry: PseudonymKey | None) -> tuple[str, str, KeyKind]:
    real = validate.title(" ".join((real or "").split()), N_("Real name"), MAX_LEN)
    pseudonym = validate.title(" ".join((pseudonym or "").split()), N_("Pseudonym"), MAX_LEN)
    kind_ = validate.choice(KeyKind, kind or "name", N_("Kind"))
    if not re.search(r"\w", real):
        raise InvalidInput("'{real}' has no letters or digits to look for", "real", real=real)
    others = [e for e in entries(session, project) if entry is None or e.id != entry.id]
    twin = next((e for e in others if normalise(e.real) == normalise(real)), None)
    if twin is not None:
        raise InvalidInput("'{real}' is already on the key list (as '{pseudonym}')", "real", real=twin.real,
                           pseudonym=twin.pseudonym)
    for other_real in [real, *(e.real for e in others)]:
        if _contains(pseudonym, other_real):
            raise InvalidInput("The pseudonym '{pseudonym}' contains the real name '{real}'", "pseudonym",
                               pseudonym=pseudonym, real=other_real)
    clash = next((e for e in others if _contains(e.pseudonym, real)), None)
    if clash is not None:
        raise InvalidInput("'{real}' occurs in the pseudonym '{pseudonym}'", "real", real=real,
                           pseudonym=clash.pseudonym)
    return real, pseudonym, kind_


def add_key(session: Session, user: User | None, project: Project, real: str, pseudonym: str,
            kind: object = "name", *, detect: bool = True) -> PseudonymKey:
    real, pseudonym, kind_ = _clean(session, project, real, pseudonym, kind, None)
    entry = PseudonymKey(project_id=project.id, real=real, pseudonym=pseudonym, kind=kind_,
                         created_by_id=user.id if user else None)
    session.add(entry)
    session.flush()
    audit.log(session, user, "create", "pseudonym_key", entry.id, project_id=project.id, after=snapshot(entry))
    if detect:
        pseudonymise.detect_project(session, project, user)
    return entry


def _open_hits(session: Session, entry: PseudonymKey) -> list[PseudonymHit]:
    return list(session.scalars(select(PseudonymHit).where(PseudonymHit.key_entry_id == entry.id,
                                                           PseudonymHit.status.in_(pseudonymise.OPEN))))


def update_key(session: Session, user: User | None, project: Project, entry: PseudonymKey, real: str,
               pseudonym: str, kind: object = "name") -> PseudonymKey:
    """Change an entry. A new pseudonym updates the replacement of its open hits (decisions stay);
    a new real name forgets them and detects again."""
    if entry.project_id != project.id:
        raise InvalidInput("There is no such entry on this project's key list", "real")
    real, pseudonym, kind_ = _clean(session, project, real, pseudonym, kind, entry)
    before = snapshot(entry)
    real_changed = normalise(real) != normalise(entry.real)
    entry.real, entry.pseudonym, entry.kind = real, pseudonym, kind_
    for hit in _open_hits(session, entry):
        if real_changed:
            session.delete(hit)
        else:
            hit.replacement = genitive(pseudonym) if normalise(hit.found) != normalise(real) else pseudonym
    session.flush()
    if snapshot(entry) != before:
        audit.log(session, user, "update", "pseudonym_key", entry.id, project_id=project.id, before=before,
                  after=snapshot(entry))
    pseudonymise.detect_project(session, project, user)
    return entry


def delete_key(session: Session, user: User | None, project: Project, entry: PseudonymKey) -> None:
    """Remove an entry and its open hits; applied hits stay (without the entry) as history."""
    if entry.project_id != project.id:
        raise InvalidInput("There is no such entry on this project's key list", "real")
    for hit in _open_hits(session, entry):
        session.delete(hit)
    before = snapshot(entry)
    entry_id = entry.id
    session.delete(entry)
    session.flush()
    audit.log(session, user, "delete", "pseudonym_key", entry_id, project_id=project.id, before=before)


def key_csv(session: Session, user: User | None, project: Project) -> bytes:
    """The key list as CSV (UTF-8 with BOM, for spreadsheets): real, pseudonym, kind, written like every
    CSV casecoder writes (``files/tabular.csv_bytes``): a name a spreadsheet would run as a formula
    ("=HYPERLINK(…)") gets a leading apostrophe. Audited."""
    rows = entries(session, project)
    data = csv_bytes(CSV_COLUMNS, [[entry.real, entry.pseudonym, entry.kind.value] for entry in rows])
    audit.log(session, user, "export", "pseudonym_key", project.id, project_id=project.id,
              after={"entries": len(rows)})
    return data


def applied_or_decided(session: Session, entry: PseudonymKey) -> int:
    """How many hits of the entry were decided or applied (shown before deleting it)."""
    return len(session.scalars(select(PseudonymHit.id).where(
        PseudonymHit.key_entry_id == entry.id,
        PseudonymHit.status != HitStatus.PENDING)).all())
