"""Many excerpts, codings and memos written at once, for the imports (issue #25): the rows and the
audit rows ``excerpts.create_excerpt``, ``add_coding`` and ``set_memo`` would write, each table in
batches of one multi-row INSERT (ids by RETURNING) instead of an ORM flush per row. The caller has
checked everything (spans, cases, codes, duplicates); this only writes, in the caller's transaction,
and the derived tables' triggers keep them exact as on any insert. Flush, never commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import insert
from sqlalchemy.orm import Session

from casecoder.models import AuditEvent, Coding, Direction, Excerpt, ExcerptMemo
from casecoder.models.base import utcnow

BATCH = 1000  # rows per INSERT ... RETURNING (and between two progress calls)
Progress = Callable[[int, int], None]  # (excerpts written, excerpts to write)


@dataclass(eq=False)
class PendingExcerpt:
    """An excerpt to write (``id`` None until written), or one that exists (``id`` given)."""

    source_id: int
    case_id: int | None
    start: int
    end: int
    text: str
    created_by_id: int | None
    id: int | None = None
    codings: list[tuple[int, int, Direction]] = field(default_factory=list)  # (code id, coder id, direction)
    memos: list[tuple[int, str]] = field(default_factory=list)  # (writer id, text)
    created_at: datetime | None = None  # kept from another tool's file (.qdpx); else now
    coding_times: dict[int, datetime] = field(default_factory=dict)  # index in ``codings`` -> its created_at


class BulkExcerpts:
    """Collect with ``new`` / ``existing``, add codings and memos to the returned objects, ``write``."""

    def __init__(self, session: Session, project_id: int, actor_id: int | None):
        self.session, self.project_id, self.actor_id = session, project_id, actor_id
        self.excerpts: list[PendingExcerpt] = []

    def new(self, source_id: int, case_id: int | None, start: int, end: int, text: str) -> PendingExcerpt:
        """An excerpt ``text`` = the source's text[start:end], created by the acting user."""
        pending = PendingExcerpt(source_id, case_id, start, end, text, self.actor_id)
        self.excerpts.append(pending)
        return pending

    def existing(self, excerpt: Excerpt) -> PendingExcerpt:
        pending = PendingExcerpt(excerpt.source_id, excerpt.case_id, excerpt.start_offset, excerpt.end_offset,
                                 excerpt.text, excerpt.created_by_id, id=excerpt.id)
        self.excerpts.append(pending)
        return pending

    def write(self, progress: Progress | None = None) -> tuple[int, int, int]:
        """Write everything collected; returns (excerpts, codings, memos) written."""
        self.session.flush()  # what the ORM holds (sources, users) goes first
        if self.session.get_bind().dialect.name == "postgresql":
            from casecoder.coding.bulk_copy import copy_all  # PostgreSQL's COPY: the same rows, faster
            return copy_all(self, progress)
        new = [e for e in self.excerpts if e.id is None]
        total, done, self.now = len(new), 0, utcnow()
        if progress:
            progress(0, total)
        for i in range(0, total, BATCH):
            batch = new[i:i + BATCH]
            self._insert_excerpts(batch)
            done += len(batch)
            if progress:
                progress(done, total)
        codings = memos = 0
        rows = [(e, (*c, e.coding_times.get(i))) for e in self.excerpts for i, c in enumerate(e.codings)]
        for i in range(0, len(rows), BATCH):
            codings += self._insert_codings(rows[i:i + BATCH])
        memo_rows = [(e, m) for e in self.excerpts for m in e.memos]
        for i in range(0, len(memo_rows), BATCH):
            memos += self._insert_memos(memo_rows[i:i + BATCH])
        return total, codings, memos

    def _audit(self, entity: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        group = self.session.info.get("action_group")
        self.session.execute(insert(AuditEvent), [
            {"project_id": self.project_id, "user_id": self.actor_id, "action": "create", "entity": entity,
             "entity_id": entity_id, "before": None, "after": after, "action_group": group}
            for entity_id, after in rows])

    def _insert_excerpts(self, batch: list[PendingExcerpt]) -> None:
        values = [{"project_id": self.project_id, "source_id": e.source_id, "case_id": e.case_id,
                   "start_offset": e.start, "end_offset": e.end, "text": e.text, "created_by_id": e.created_by_id,
                   "created_at": e.created_at or self.now, "updated_at": self.now} for e in batch]
        ids = self.session.scalars(insert(Excerpt).returning(Excerpt.id, sort_by_parameter_order=True), values).all()
        for pending, id_ in zip(batch, ids, strict=True):
            pending.id = id_
        self._audit("excerpt", [(e.id, {"source_id": e.source_id, "case_id": e.case_id, "start": e.start,  # type: ignore[misc]
                                        "end": e.end, "text": e.text, "created_by_id": e.created_by_id})
                                for e in batch])

    def _insert_codings(self, rows: list[tuple[PendingExcerpt, tuple[int, int, Direction, datetime | None]]]) -> int:
        values = [{"excerpt_id": e.id, "code_id": code_id, "coder_id": coder_id, "direction": direction,
                   "of_record": True, "created_at": at or self.now} for e, (code_id, coder_id, direction, at) in rows]
        ids = self.session.scalars(insert(Coding).returning(Coding.id, sort_by_parameter_order=True), values).all()
        self._audit("coding", [(id_, {"excerpt_id": v["excerpt_id"], "code_id": v["code_id"], "coder_id": v["coder_id"],
                                      "direction": Direction(v["direction"]).value, "of_record": True})
                               for id_, v in zip(ids, values, strict=True)])
        return len(ids)

    def _insert_memos(self, rows: list[tuple[PendingExcerpt, tuple[int, str]]]) -> int:
        values = [{"excerpt_id": e.id, "user_id": user_id, "text": text} for e, (user_id, text) in rows]
        ids = self.session.scalars(insert(ExcerptMemo).returning(ExcerptMemo.id, sort_by_parameter_order=True),
                                   values).all()
        self._audit("excerpt_memo", [(id_, {"excerpt_id": v["excerpt_id"], "user_id": v["user_id"], "memo": v["text"]})
                                     for id_, v in zip(ids, values, strict=True)])
        return len(ids)
