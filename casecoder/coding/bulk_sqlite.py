"""``BulkExcerpts.write`` on SQLite (issue #25): excerpts, codings, memos and their audit rows handed to
sqlite3's ``executemany`` (a C loop over prepared rows) instead of SQLAlchemy's multi-row INSERTs, in the
session's own transaction (all or nothing as before).

The ids are given, not returned: SQLite has one writer at a time, and this transaction holds the write
lock (it has written, or takes the lock with ``BEGIN IMMEDIATE`` first), so ``max(id) + 1, + 2, ...`` are
exactly the ids SQLite would choose and nobody can take them meanwhile. Timestamps are bound through
SQLAlchemy's own bind processor (each distinct one once), so the rows are those of the INSERT path; the
audit snapshots are written by orjson (the same values as SQLAlchemy's ``json.dumps`` writes, compact and in
UTF-8; a text orjson refuses, a lone surrogate, by ``json.dumps`` as before), read back alike
(tests/coding/test_bulk_excerpts.py compares them with the one-by-one functions).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from sqlalchemy import DateTime

from casecoder.coding.bulk_excerpts import snapshot_json
from casecoder.models import Direction
from casecoder.models.base import utcnow

if TYPE_CHECKING:
    from casecoder.coding.bulk_excerpts import BulkExcerpts, Progress

BATCH = 5000  # excerpts between two progress calls


class _Writer:
    def __init__(self, bulk: BulkExcerpts):
        self.bulk = bulk
        conn = bulk.session.connection()
        raw: Any = conn.connection.driver_connection
        self.raw = raw
        if not self.raw.in_transaction:  # pysqlite begins only before DML: take the write lock now
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        dialect = conn.dialect
        self.bind_time: Callable[[Any], Any] = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect) \
            or (lambda v: v)
        self.times: dict[Any, Any] = {}  # a file repeats its creation times: each bound once
        self.now = self.bind_time(utcnow())
        self.group = bulk.session.info.get("action_group")

    def when(self, value: Any) -> Any:
        """``value`` (a datetime) as bound, else now."""
        if not value:
            return self.now
        bound = self.times.get(value)
        if bound is None:
            bound = self.times[value] = self.bind_time(value)
        return bound

    def next_id(self, table: str) -> int:
        return int(self.raw.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]) + 1

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(columns))
        self.raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def audit(self, entity: str, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        bulk = self.bulk
        self.insert("audit_events", ("project_id", "user_id", "at", "action", "entity", "entity_id", "before", "after",
                                     "action_group"),
                    ((bulk.project_id, bulk.actor_id, self.now, "create", entity, entity_id, "null",
                      snapshot_json(after), self.group) for entity_id, after in rows))



def write_all(bulk: BulkExcerpts, progress: Progress | None) -> tuple[int, int, int]:
    w = _Writer(bulk)
    new = [e for e in bulk.excerpts if e.id is None]
    total = len(new)
    if progress:
        progress(0, total)
    for i in range(0, total, BATCH):
        batch = new[i:i + BATCH]
        first = w.next_id("excerpts")
        for n, pending in enumerate(batch):
            pending.id = first + n
        w.insert("excerpts", ("id", "project_id", "source_id", "case_id", "start_offset", "end_offset", "text",
                              "created_by_id", "created_at", "updated_at", "version"),
                 ((e.id, bulk.project_id, e.source_id, e.case_id, e.start, e.end, e.text, e.created_by_id,
                   w.when(e.created_at), w.now, 1) for e in batch))
        w.audit("excerpt", ((e.id, {"source_id": e.source_id, "case_id": e.case_id, "start": e.start,  # type: ignore[misc]
                                    "end": e.end, "text": e.text, "created_by_id": e.created_by_id}) for e in batch))
        if progress:
            progress(i + len(batch), total)
    value = {d: d.value for d in Direction}
    codings = [(e.id, code_id, coder_id, value[Direction(direction)], e.coding_times.get(n) if e.coding_times else None)
               for e in bulk.excerpts for n, (code_id, coder_id, direction) in enumerate(e.codings)]
    first = w.next_id("codings")
    w.insert("codings", ("id", "excerpt_id", "code_id", "coder_id", "direction", "of_record", "created_at"),
             ((first + n, e, c, u, d, 1, w.when(at)) for n, (e, c, u, d, at) in enumerate(codings)))
    w.audit("coding", ((first + n, {"excerpt_id": e, "code_id": c, "coder_id": u, "direction": d, "of_record": True})
                       for n, (e, c, u, d, _at) in enumerate(codings)))
    memos = [(e.id, user_id, memo) for e in bulk.excerpts for user_id, memo in e.memos]
    first = w.next_id("excerpt_memos")
    w.insert("excerpt_memos", ("id", "excerpt_id", "user_id", "text", "updated_at"),
             ((first + n, *row, w.now) for n, row in enumerate(memos)))
    w.audit("excerpt_memo", ((first + n, {"excerpt_id": e, "user_id": u, "memo": t})
                             for n, (e, u, t) in enumerate(memos)))
    return total, len(codings), len(memos)
