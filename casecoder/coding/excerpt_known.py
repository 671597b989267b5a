"""The workbench's create request in one round trip (issue #25): what an earlier create saw, checked by the write.

A coder's creates in a row ask the same things: the user and their membership, the project of a slug, the
source (its project, text version and cases) and the codes. A create that succeeded the full way
(``excerpt_create.source_and_codes`` with every code of the project, and the loaded user) leaves here, per
process and database, what it read (``remember``); the next create of that user in that source takes it as a
guess (``create``) and runs ``excerpt_create.create`` with a ``Verify``: its write checks, in the same statement, that the user is still active with the session's
generation, still a member who may code, and that the source and codes are still as guessed, and writes nothing
otherwise. A guess is never trusted: a missing, stale or refused one answers None, and the caller takes the
full way, which answers every refusal as before (a removed member, a logged-out user, a changed code).

Nothing here is a permission: the membership is never kept, only ids, keys and versions that the write
compares. No Flask.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from sqlalchemy.orm import Session

from casecoder.coding import excerpt_create
from casecoder.coding.excerpt_create import CaseRef, CodeToApply, SourceToCode, Verify
from casecoder.kernel.errors import InvalidInput

MAX_ENTRIES = 10_000  # per kind: a full table is emptied (guesses are cheap to read again)
_LOCK = threading.Lock()


@dataclass
class _Known:
    """The guesses about one database (engine)."""
    projects: dict[str, int] = field(default_factory=dict)                  # slug -> project id
    users: dict[int, str] = field(default_factory=dict)                     # user id -> username
    sources: dict[int, SourceToCode] = field(default_factory=dict)          # source id -> as read (no session)
    codes: dict[tuple[int, str], CodeToApply] = field(default_factory=dict)  # (project id, key) -> as read


_BY_ENGINE: weakref.WeakKeyDictionary[Any, _Known] = weakref.WeakKeyDictionary()


def _known(session: Session) -> _Known:
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    with _LOCK:
        known = _BY_ENGINE.get(engine)
        if known is None:
            known = _BY_ENGINE[engine] = _Known()
        return known


@dataclass(frozen=True)
class Asked:
    """A create request's body, parsed: the source, the span, the codes with their directions, case and memo."""
    source_id: int
    start: int
    end: int
    codes: Sequence[tuple[str, Any]]
    case_id: int | None
    memo: str


def _put(table: dict[Any, Any], key: Any, value: Any) -> None:
    with _LOCK:
        if len(table) >= MAX_ENTRIES and key not in table:
            table.clear()
        table[key] = value


def remember(session: Session, slug: str, project_id: int, user_id: int, username: str, source: SourceToCode,
             codes: dict[str, CodeToApply]) -> None:
    """After a create the full way: what it read, as the next create's guess."""
    known = _known(session)
    _put(known.projects, slug, project_id)
    _put(known.users, user_id, username)
    _put(known.sources, source.id, replace(source, cases=list(source.cases), session=None))
    for key, code in codes.items():
        _put(known.codes, (project_id, key), code)


def create(session: Session, slug: str, user_id: int, generation: int, asked: Asked) -> dict[str, Any] | None:
    """The new excerpt's JSON, written in one statement (PostgreSQL; SQLite: the excerpt's INSERT checks), or
    None: nothing guessed, a check of ``excerpt_create.create`` refused, or the write's ``Verify`` refused."""
    guesses = _known(session)
    project_id, username = guesses.projects.get(slug), guesses.users.get(user_id)
    known = guesses.sources.get(asked.source_id)
    if project_id is None or username is None or known is None or known.project_id != project_id:
        return None
    codes = [(guesses.codes.get((project_id, key)), direction) for key, direction in asked.codes]
    if not codes or any(code is None for code, _d in codes):
        return None
    case = None
    if asked.case_id is not None:
        case = next((CaseRef(id_, key) for id_, key in known.cases if id_ == asked.case_id), None)
        if case is None:
            return None
    source = replace(known, cases=list(known.cases), session=session)
    try:
        return excerpt_create.create(session, user_id, username, source, asked.start, asked.end,
                                     codes, case=case, memo=asked.memo,  # type: ignore[arg-type]
                                     verify=Verify(slug, generation))
    except InvalidInput:  # the full way answers it (after the checks that come first there)
        return None


def forget() -> None:
    """Drop every guess (tests; a guess is never needed for a right answer)."""
    with _LOCK:
        _BY_ENGINE.clear()
