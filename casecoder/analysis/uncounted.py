"""Coded excerpts that no count sees: excerpts without a case (a transcript imported without a case, or an
excerpt whose case was removed from a transcript of several cases). The counts are of cases, so their
codings never reach the tally, matrix, chains or exports; the workbench and the tally page say so.
Also what goes with a transcript when it is deleted."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from casecoder.models import Coding, Excerpt, Source, source_cases


@dataclass(frozen=True)
class UncountedSource:
    """A transcript with ``excerpts`` coded excerpts without a case; ``has_cases``: it is linked to a case."""
    source_id: int
    title: str
    excerpts: int
    has_cases: bool


@dataclass(frozen=True)
class Uncounted:
    sources: list[UncountedSource]

    @property
    def excerpts(self) -> int:
        return sum(s.excerpts for s in self.sources)

    def __bool__(self) -> bool:
        return bool(self.sources)


def uncounted(session: Session, project_id: int, source_id: int | None = None,
              coder_id: int | None = None) -> Uncounted:
    """Per transcript of the project (or only ``source_id``), its coded excerpts without a case: one query.
    ``coder_id``: only excerpts with a coding of that coder (what a blind double coder may see)."""
    coded = exists().where(Coding.excerpt_id == Excerpt.id)
    if coder_id is not None:
        coded = coded.where(Coding.coder_id == coder_id)
    linked = exists().where(source_cases.c.source_id == Source.id)
    query = (select(Source.id, Source.title, func.count(Excerpt.id), linked)
             .join(Excerpt, Excerpt.source_id == Source.id)
             .where(Source.project_id == project_id, Excerpt.case_id.is_(None), coded)
             .group_by(Source.id, Source.title).order_by(Source.title, Source.id))
    if source_id is not None:
        query = query.where(Source.id == source_id)
    return Uncounted([UncountedSource(sid, title, n, bool(has)) for sid, title, n, has in session.execute(query)])


def deletion_counts(session: Session, source_id: int) -> tuple[int, int]:
    """The excerpts and codings that go with a transcript when it is deleted: one query."""
    row = session.execute(select(func.count(func.distinct(Excerpt.id)), func.count(Coding.id))
                          .outerjoin(Coding, Coding.excerpt_id == Excerpt.id)
                          .where(Excerpt.source_id == source_id)).one()
    return int(row[0]), int(row[1])
