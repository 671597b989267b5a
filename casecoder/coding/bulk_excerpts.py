"""Many excerpts, codings and memos written at once, for the imports (issue #25): the rows and the
audit rows ``excerpts.create_excerpt``, ``add_coding`` and ``set_memo`` would write, each table by COPY
(PostgreSQL, ``bulk_copy``) or sqlite3's ``executemany`` (``bulk_sqlite``) instead of an ORM flush per
row. The caller has checked everything (spans, cases, codes, duplicates); this only writes, in the
caller's transaction, and the derived tables' triggers keep them exact as on any insert (or are paused by the import, which
rebuilds them once: models/derived/pause.py). Flush, never commit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import orjson
from sqlalchemy.orm import Session

from casecoder.models import Direction, Excerpt

Progress = Callable[[int, int], None]  # (excerpts written, excerpts to write)


def snapshot_json(value: dict[str, Any]) -> str:
    """An audit snapshot as JSON text for both writers (what SQLAlchemy's JSON type reads back as ``value``):
    orjson, compact and in UTF-8, half the client's time of ``json.dumps``; a text orjson refuses (a lone
    surrogate) by ``json.dumps``, escaped as the standard library does."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


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
        from casecoder.coding.bulk_sqlite import write_all  # sqlite3's executemany with the ids given
        return write_all(self, progress)
