"""The reads of the coding workbench and its JSON API: an excerpt as JSON, every excerpt of a source as
JSON in two plain-column queries, and the codes a request names. What a blind coder may see of them:
analysis/double_coding.py."""
from __future__ import annotations

from typing import Any, Collection, TypeVarTuple, Unpack

from sqlalchemy import Select, any_, func, select
from sqlalchemy.orm import Session, defer, joinedload

from casecoder.models import Case, Code, Coding, Excerpt, ExcerptMemo, Source, User

CODES_BY_KEY_LIMIT = 100  # above this many keys, one query for every code of the project
Columns = TypeVarTuple("Columns")


def source_without_text(session: Session, source_id: int) -> Source | None:
    """The source, its text not loaded: a new excerpt fetches only its span (a 200-page text is 600,000
    characters)."""
    return session.get(Source, source_id, options=[defer(Source.text)])


def source_to_code(session: Session, source_id: int) -> Source | None:
    """``source_without_text`` with its cases in the same query (a new excerpt's case comes from them)."""
    return session.get(Source, source_id, options=[defer(Source.text), joinedload(Source.cases)])


def excerpt_json(excerpt: Excerpt) -> dict[str, Any]:
    """An excerpt with its codings and every coder's memo (``memos``: user name and text, by name)."""
    return {
        "id": excerpt.id, "source_id": excerpt.source_id, "start": excerpt.start_offset, "end": excerpt.end_offset,
        "text": excerpt.text, "case": excerpt.case.key if excerpt.case else None,
        "memos": sorted(({"user": m.user.username, "text": m.text} for m in excerpt.memos), key=lambda m: m["user"]),
        "case_id": excerpt.case_id, "version": excerpt.version,
        "codings": [{"id": c.id, "code": c.code.key, "code_id": c.code_id, "color": c.code.color,
                     "coder": c.coder.username, "direction": c.direction.value}
                    for c in sorted(excerpt.codings, key=lambda c: (c.code.position, c.code.key, c.coder_id))],
    }


def source_excerpt_rows(session: Session, source_id: int) -> list[tuple[int | None, dict[str, Any]]]:
    """(created_by_id, ``excerpt_json``) of every excerpt of the source, in text order.

    Three plain-column queries (excerpts with their case; codings with code and coder; memos with their
    writer; none but the first for a source without excerpts) instead of ORM objects: the workbench page and
    the excerpt list of a transcript with 1,000 excerpts are hot paths.
    The dicts are the same as ``excerpt_json`` gives (codings in code position, key, coder order).
    """
    rows: list[tuple[int | None, dict[str, Any]]] = []
    by_id: dict[int, dict[str, Any]] = {}
    for (id_, start, end, text, case_key, case_id, version, created_by_id) in session.execute(
            select(Excerpt.id, Excerpt.start_offset, Excerpt.end_offset, Excerpt.text, Case.key,
                   Excerpt.case_id, Excerpt.version, Excerpt.created_by_id)
            .outerjoin(Case, Case.id == Excerpt.case_id).where(Excerpt.source_id == source_id)
            .order_by(Excerpt.start_offset, Excerpt.id)):
        data = {"id": id_, "source_id": source_id, "start": start, "end": end, "text": text, "memos": [],
                "case": case_key, "case_id": case_id, "version": version, "codings": []}
        by_id[id_] = data
        rows.append((created_by_id, data))
    if not rows:
        return rows
    codings = select(Coding.id, Coding.excerpt_id, Code.key, Coding.code_id, Code.color, User.username,
                     Coding.direction).join(Code, Code.id == Coding.code_id).join(User, User.id == Coding.coder_id)
    for (id_, excerpt_id, key, code_id, color, username, direction) in session.execute(
            _of_source(session, codings, Coding.excerpt_id, source_id)
            .order_by(Code.position, Code.key, Coding.coder_id)):
        by_id[excerpt_id]["codings"].append({"id": id_, "code": key, "code_id": code_id, "color": color,
                                             "coder": username, "direction": direction.value})
    memos = select(ExcerptMemo.excerpt_id, User.username, ExcerptMemo.text).join(User, User.id == ExcerptMemo.user_id)
    for (excerpt_id, username, memo) in session.execute(
            _of_source(session, memos, ExcerptMemo.excerpt_id, source_id).order_by(User.username)):
        by_id[excerpt_id]["memos"].append({"user": username, "text": memo})
    return rows


def _of_source(session: Session, query: Select[Unpack[Columns]], excerpt_id: Any,
               source_id: int) -> Select[Unpack[Columns]]:
    """``query`` limited to the rows whose ``excerpt_id`` is an excerpt of the source. PostgreSQL: ``= ANY(ARRAY(the
    source's excerpt ids))``, which it reads by the excerpt-id index (#25): joined to the excerpts, its planner
    scanned all 290,000 codings of the large project for the 1,000 of a transcript (22 ms instead of 2). SQLite
    keeps the join (it looks each excerpt's codings up by the index already)."""
    if session.get_bind().dialect.name == "postgresql":
        ids = select(Excerpt.id).where(Excerpt.source_id == source_id).scalar_subquery()
        return query.where(excerpt_id == any_(func.array(ids)))
    return query.join(Excerpt, Excerpt.id == excerpt_id).where(Excerpt.source_id == source_id)


def codes_by_key(session: Session, project_id: int, keys: Collection[str]) -> dict[str, Code]:
    """The project's codes among ``keys``, by key: only those asked for (a codebook can have thousands),
    or, for more than ``CODES_BY_KEY_LIMIT`` keys, every code in one query."""
    query = select(Code).where(Code.project_id == project_id)
    if len(keys) <= CODES_BY_KEY_LIMIT:
        query = query.where(Code.key.in_(keys))
    return {c.key: c for c in session.scalars(query)}
