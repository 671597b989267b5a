"""Excerpts with their codings and memos as plain rows for the exports (bundle, .qdpx). No Flask.

The exports used to load every excerpt of a project as an ORM object with its codings, codes,
coders and memos: on a project of 190,000 excerpts that took minutes and over a gigabyte (issue #25).
Here three plain queries per batch (excerpts, their codings, their memos) give light rows, batch
after batch, so the caller can write as it reads. What a blind double coder may see is decided as
``Blindness.excerpts`` and ``codings_of`` decide it for ORM objects: on their blind sources only the
excerpts they created or have a coding on, each with only their own codings and memos.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator, Sequence, TypeVar

from sqlalchemy import ColumnElement, literal, select
from sqlalchemy.orm import Session

from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.kernel.vocabulary import Direction
from casecoder.models import Coding, Excerpt, ExcerptMemo

T = TypeVar("T")
BATCH = 200  # sources or cases per batch: a few thousand excerpts, bounded memory, few queries


@dataclass(slots=True)
class CodingRow:
    id: int
    code_id: int
    coder_id: int
    direction: Direction
    created_at: datetime | None


@dataclass(slots=True)
class MemoRow:
    user_id: int
    text: str
    updated_at: datetime | None


@dataclass(slots=True)
class ExcerptRow:
    id: int
    source_id: int
    case_id: int | None
    start_offset: int
    end_offset: int
    text: str
    created_by_id: int | None
    created_at: datetime | None
    updated_at: datetime | None
    codings: list[CodingRow] = field(default_factory=list)  # those the viewer may see, by id
    memos: list[MemoRow] = field(default_factory=list)  # those the viewer may see, by user id


def batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def excerpt_rows(session: Session, where: ColumnElement[bool], order_by: Iterable[object],
                 blind: Blindness = NOT_BLIND, memos: bool = True, text: bool = True) -> list[ExcerptRow]:
    """The excerpts matching ``where`` (over ``Excerpt``) in ``order_by`` that ``blind``'s viewer may
    see, with the codings and (if ``memos``) the memos they may see; ``text``: False leaves the
    quotes out (their ``text`` is "")."""
    run = session.connection().execute  # plain rows, without the ORM's loading machinery
    excerpts = [ExcerptRow(*row) for row in run(
        select(Excerpt.id, Excerpt.source_id, Excerpt.case_id, Excerpt.start_offset, Excerpt.end_offset,
               Excerpt.text if text else literal(""), Excerpt.created_by_id, Excerpt.created_at, Excerpt.updated_at)
        .where(where).order_by(*order_by)).yield_per(10_000)]  # type: ignore[arg-type]
    if not excerpts:
        return []
    by_id = {e.id: e for e in excerpts}
    coders: dict[int, list[int]] = {}  # every coder of the excerpt, seen or not (decides whether it is seen)
    for excerpt_id, coding_id, code_id, coder_id, direction, created_at in run(
            select(Coding.excerpt_id, Coding.id, Coding.code_id, Coding.coder_id, Coding.direction, Coding.created_at)
            .join(Excerpt, Excerpt.id == Coding.excerpt_id).where(where).order_by(Coding.id)).yield_per(10_000):
        excerpt, coding = by_id[excerpt_id], CodingRow(coding_id, code_id, coder_id, direction, created_at)
        coders.setdefault(excerpt_id, []).append(coding.coder_id)
        if not blind or blind.sees_coding(excerpt.source_id, coding.coder_id):
            excerpt.codings.append(coding)
    if memos:
        for excerpt_id, user_id, memo_text, updated_at in run(
                select(ExcerptMemo.excerpt_id, ExcerptMemo.user_id, ExcerptMemo.text, ExcerptMemo.updated_at)
                .join(Excerpt, Excerpt.id == ExcerptMemo.excerpt_id).where(where)
                .order_by(ExcerptMemo.excerpt_id, ExcerptMemo.user_id)).yield_per(10_000):
            excerpt = by_id[excerpt_id]
            if not blind or blind.sees_coding(excerpt.source_id, user_id):
                excerpt.memos.append(MemoRow(user_id, memo_text, updated_at))
    if not blind:
        return excerpts
    return [e for e in excerpts if blind.sees_excerpt(e.source_id, e.created_by_id, coders.get(e.id, []))]
