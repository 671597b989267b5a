"""Bulk writes with the derived tables rebuilt once for their project instead of kept row by row (issue #25).

``paused(session, project_id)`` is a context manager for a bulk import into ONE project, inside the
caller's transaction: within it, the AFTER row triggers of every ``DERIVED`` entry that has a rebuild
(``evidence_summary``, the tally's tables, ``case_sources``, and whatever joins the registry) do nothing
in this transaction; at its end the project's rows of every such table are recomputed once
(``rebuild_all(session, project_id)``, still paused, so the rebuild's own inserts cascade nowhere) and
the triggers work again — all before the caller commits, so the import stays all or nothing. On
PostgreSQL the search vectors of transcripts copied in meanwhile are computed on a second connection and
written at the end too (``search_later.py``). The BEFORE DELETE triggers (cascades to base rows), the
full-text index's other writes, ``text_version`` and the audit guard are never paused.

How, per database, without touching other writers:

* PostgreSQL: each of those triggers' WHEN tests ``current_setting('casecoder.derived_paused', true)``
  (models/derived/summary.py, migration 0021; so does the one AFTER INSERT trigger on codings that writes
  for five of them, ``codings_insert.py``), which this sets with ``set_config(..., is_local => true)``:
  visible to this transaction only, gone at its end, whether it commits or rolls back. The project's
  transaction lock (``tally_cells.LOCK_CLASS``, which the tally triggers take) is held for the rebuild,
  so other coders' tally updates to the same project queue behind it as they queue behind each other.
* SQLite: one writer at a time. The triggers are dropped and recreated (the same DDL) inside this
  transaction, which holds the database's write lock from its first write to its commit: no other
  connection writes meanwhile, readers see the database as it was before the transaction, and a
  rollback brings the triggers back with everything else.

A rebuild restricted to the project equals a full rebuild's rows for it (tests/models/test_derived_pause.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from casecoder.models.derived import DERIVED, rebuild_all, search_later
from casecoder.models.derived.summary import PAUSE_SETTING
from casecoder.models.derived.tally_cells import LOCK_CLASS

_AFTER = re.compile(r"\s*CREATE TRIGGER (\w+) AFTER ")


def sqlite_after_triggers() -> list[tuple[str, str]]:
    """(name, CREATE statement) of the SQLite AFTER triggers of the entries that have a rebuild."""
    found = []
    for part in DERIVED:
        if part.rebuild is None:
            continue
        for sql in part.create.get("sqlite", ()):
            match = _AFTER.match(sql)
            if match:
                found.append((match.group(1), sql))
    return found


def worth_pausing(session: Session, project_id: int, codings: int) -> bool:
    """Whether writing ``codings`` new codings into the project is faster paused (one rebuild of the whole
    project's rows) than kept row by row: a rebuild costs about a tenth of the triggers per coding, so a
    small import into a large project keeps the triggers."""
    existing = session.scalar(text("SELECT coalesce(sum(n), 0) FROM evidence_summary WHERE project_id = :p"),
                              {"p": project_id}) or 0
    return codings * 10 >= existing


def _set(session: Session, on: bool) -> None:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config(:name, :value, true)"), {"name": PAUSE_SETTING, "value": "on" if on else "off"})
        return
    raw: Any = conn.connection.driver_connection
    if on and not raw.in_transaction:  # pysqlite begins only before DML: a DROP now would commit at once
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    if not raw.in_transaction:  # never change the schema outside the import's own transaction
        raise RuntimeError("the derived tables' triggers are paused only inside a transaction")
    for name, sql in sqlite_after_triggers():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" if on else sql)


@contextmanager
def maybe_paused(session: Session, project_id: int, codings: int) -> Iterator[None]:
    """``paused`` when ``worth_pausing``, else nothing (the triggers keep the rows as on any write)."""
    if worth_pausing(session, project_id, codings):
        with paused(session, project_id):
            yield
    else:
        yield


@contextmanager
def paused(session: Session, project_id: int) -> Iterator[None]:
    """Pause the derived tables' row triggers for this transaction; rebuild ``project_id``'s rows at the end.

    Write nothing of another project inside. On an exception the rebuild still runs and the triggers are put
    back when the transaction can still run statements (the caller is expected to roll back; one that commits
    anyway still leaves exact derived rows); on PostgreSQL a dead transaction's rollback ends the pause."""
    session.flush()
    _set(session, True)
    session.info[search_later.ALLOWED] = True
    try:
        yield
    except BaseException:
        session.info.pop(search_later.ALLOWED, None)
        with suppress(Exception):
            session.flush()
            _rebuild(session, project_id)
        with suppress(Exception):
            search_later.finish(session)
        search_later.drop(session)
        with suppress(Exception):
            _set(session, False)
        raise
    session.info.pop(search_later.ALLOWED, None)
    session.flush()
    _rebuild(session, project_id)
    search_later.finish(session)  # the new transcripts' search vectors, computed meanwhile on a second connection
    _set(session, False)


def rebuild_paused(session: Session, project_id: int | None = None) -> dict[str, int]:
    """``rebuild_all`` (one project, or every project) with the derived tables' row triggers paused, as at the end
    of ``paused``: the rebuild's own deletes and inserts cascade nowhere. Unpaused, deleting a table's rows fires
    its per-row triggers (``source_coder_span_versions`` checks each (source, coder) pair's remaining rows after
    every delete: quadratic in a pair's rows; 3.6 s for one transcript of 2,500 excerpts)."""
    session.flush()
    _set(session, True)
    try:
        return rebuild_all(session, project_id) if project_id is None else _rebuild(session, project_id)
    finally:
        _set(session, False)


def _rebuild(session: Session, project_id: int) -> dict[str, int]:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, :p)"), {"p": project_id})
    return rebuild_all(session, project_id)
