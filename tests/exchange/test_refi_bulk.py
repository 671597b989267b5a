"""The .qdpx import writes excerpts, codings and memos in bulk (issue #25, coding/bulk_excerpts.py):
the rows and audit snapshots the one-by-one write functions would write, the file's creators and
times kept, derived tables equal to their rebuild, progress reported, nothing left after a failure
part-way. Both databases."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from casecoder.coding import accounts, audit
from casecoder.coding import excerpts as excerpt_ops
from casecoder.exchange.refi.qdpx_read import import_qdpx
from casecoder.exchange.refi.qdpx_write import write_qdpx
from casecoder.models import AuditEvent, Coding, Excerpt, ExcerptMemo, Project
from casecoder.models.derived.pause import rebuild_paused
from tests.coding.test_bulk_excerpts import derived_rows
from tests.fresh_db import demo_project


def _second(at: datetime) -> datetime:
    """``at`` as the file writes it: whole seconds, UTC."""
    return at.astimezone(timezone.utc).replace(microsecond=0)


def _rows(session, project_id: int) -> list[tuple]:  # type: ignore[type-arg]
    """Each excerpt of the project as the file carries it: span, text, creator, time, codings, memos."""
    excerpts = session.scalars(select(Excerpt).where(Excerpt.project_id == project_id)).all()
    return sorted((e.source.title, e.start_offset, e.end_offset, e.text, e.created_by_id, _second(e.created_at),
                   sorted((c.code.key, c.coder_id, c.direction.value, _second(c.created_at)) for c in e.codings),
                   sorted((m.user_id, m.text) for m in e.memos)) for e in excerpts)


def test_qdpx_rows_and_audit_match_the_write_functions(session, demo_data):
    project = demo_project(session)
    admin = accounts.get_user(session, "admin")
    excerpt = session.scalars(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id)).first()
    excerpt_ops.update_excerpt(session, admin, excerpt, memo="Et memo\nover to linjer")
    session.commit()
    calls: list[tuple[int, int]] = []
    copy, report = import_qdpx(session, write_qdpx(session, project, "da"), "demo.qdpx", user=admin, title="Kopi",
                               progress=lambda done, total: calls.append((done, total)))
    session.flush()
    n = report.imported["excerpts"]
    assert n == 60 and calls[0] == (0, n) and calls[-1] == (n, n)
    assert _rows(session, copy.id) == _rows(session, project.id)  # creators and times from the file
    events = session.scalars(select(AuditEvent).where(AuditEvent.project_id == copy.id,
                                                      AuditEvent.action == "create")).all()
    after = {(e.entity, e.entity_id): e.after for e in events}
    assert all(e.user_id == admin.id for e in events if e.entity in ("excerpt", "coding", "excerpt_memo"))
    for excerpt in session.scalars(select(Excerpt).where(Excerpt.project_id == copy.id)):
        assert after[("excerpt", excerpt.id)] == audit.snapshot(excerpt) and excerpt.version == 1
        for coding in excerpt.codings:
            assert after[("coding", coding.id)] == audit.snapshot(coding) and coding.of_record
        for memo in excerpt.memos:
            assert after[("excerpt_memo", memo.id)] == audit.snapshot(memo)
    assert report.imported["codings"] == session.scalar(
        select(func.count()).select_from(Coding).join(Excerpt).where(Excerpt.project_id == copy.id)) == 145
    assert session.scalar(select(func.count()).select_from(ExcerptMemo).join(Excerpt).where(
        Excerpt.project_id == copy.id, ExcerptMemo.text == "Et memo\nover to linjer")) == 1
    before = derived_rows(session, copy.id)
    assert before["evidence_summary"] and before["tally_cells"]
    rebuild_paused(session, copy.id)  # as an import ends (unpaused, the deletes fire every row trigger)
    assert derived_rows(session, copy.id) == before


def test_a_failure_while_writing_leaves_nothing(session, demo_data):
    project = demo_project(session)
    admin = accounts.get_user(session, "admin")
    session.commit()
    data = write_qdpx(session, project, "da")
    excerpts = session.scalar(select(func.count()).select_from(Excerpt))

    def stop(done: int, total: int) -> None:
        if total:
            raise RuntimeError("stopped half-way")

    with pytest.raises(RuntimeError):
        import_qdpx(session, data, "demo.qdpx", user=admin, title="Kopi", progress=stop)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Excerpt)) == excerpts
    assert session.scalar(select(func.count()).select_from(Project).where(Project.title == "Kopi")) == 0
