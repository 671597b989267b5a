"""Bulk writing of excerpts, codings and memos (issue #25, coding/bulk_excerpts.py, used by the bundle
import): the same rows and audit snapshots as the one-by-one write functions, derived tables equal to
their rebuild, progress reported, and a failure part-way leaves nothing. Both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from casecoder.coding import audit
from casecoder.coding.bulk_excerpts import BulkExcerpts
from casecoder.exchange.bundle_import import import_bundle
from casecoder.models import AuditEvent, Coding, Direction, Excerpt, ExcerptMemo
from casecoder.models.derived.pause import rebuild_paused
from tests.bundle_helpers import BASE, MB, TRANSCRIPT, bundle, counts

DERIVED_TABLES = ("evidence_summary", "code_ancestry", "case_code_evidence", "tally_cells", "tally_default",
                  "case_sources")


def derived_rows(session, project_id: int) -> dict[str, list[tuple]]:
    return {table: sorted(tuple(row) for row in session.execute(text(
        f"SELECT * FROM {table} WHERE project_id = :p"), {"p": project_id}))
        for table in DERIVED_TABLES}


def many_rows(n: int) -> dict[str, str]:
    """BASE with ``n`` more excerpts on transcript A, each with one or two codes."""
    lines, length = [BASE["excerpts.csv"].rstrip("\n")], len(TRANSCRIPT.rstrip())
    taken = TRANSCRIPT.index("Min koordinator"), TRANSCRIPT.index(" samme dag.") + len(" samme dag.")
    spans = [(a, b) for a in range(length) for b in range(a + 1, length + 1)
             if (a, b) != taken and TRANSCRIPT[a:b].strip()][:n]
    for i, (start, end) in enumerate(spans):
        codes = "H1.4;H1.1" if i % 3 else "H1.2"
        lines.append(f"A,,{start},{end},,{codes},{'nuances' if i % 2 else 'supports'},eva,"
                     f"{'memo ' + str(i) if i % 5 == 0 else ''}")
    return {**BASE, "excerpts.csv": "\n".join(lines) + "\n"}


def test_bulk_rows_and_audit_match_the_write_functions(session, target):
    project, eva = target
    calls: list[tuple[int, int]] = []
    files = many_rows(2500)  # more than two batches
    summary = import_bundle(session, project, bundle(files), user=eva, max_bytes=MB, add_coders=True,
                            progress=lambda done, total: calls.append((done, total)))
    session.flush()
    assert calls[0] == (0, summary.excerpts) and calls[-1] == (summary.excerpts, summary.excerpts)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) >= 2
    excerpts = session.scalars(select(Excerpt).where(Excerpt.project_id == project.id)).all()
    assert len(excerpts) == summary.excerpts > 1000
    after = {(e.entity, e.entity_id): e.after for e in session.scalars(
        select(AuditEvent).where(AuditEvent.project_id == project.id, AuditEvent.action == "create"))}
    for excerpt in excerpts:
        assert after[("excerpt", excerpt.id)] == audit.snapshot(excerpt)
        assert excerpt.text == excerpt.source.text[excerpt.start_offset:excerpt.end_offset]
        assert excerpt.version == 1 and excerpt.created_by_id == eva.id
    codings = session.scalars(select(Coding).join(Excerpt).where(Excerpt.project_id == project.id)).all()
    assert len(codings) == summary.codings
    for coding in codings:
        assert after[("coding", coding.id)] == audit.snapshot(coding) and coding.of_record
    memos = session.scalars(select(ExcerptMemo).join(Excerpt).where(Excerpt.project_id == project.id)).all()
    assert len(memos) == 1 + 2500 // 5
    for memo in memos:
        assert after[("excerpt_memo", memo.id)] == audit.snapshot(memo)
    before = derived_rows(session, project.id)
    assert before["evidence_summary"] and before["tally_cells"]
    rebuild_paused(session, project.id)  # as an import ends (unpaused, the deletes fire every row trigger)
    assert derived_rows(session, project.id) == before


def test_an_existing_excerpt_gets_the_new_codings(session, target):
    project, eva = target
    import_bundle(session, project, bundle(BASE), user=eva, max_bytes=MB, add_coders=True)
    session.commit()
    again = {**BASE, "codes.csv": None, "cases.csv": None, "interviewees.csv": None, "sources.csv": None,
             "excerpts.csv": "source_key,case_key,start,end,quote,code_keys,direction,coder,memo\n"
                             "A,,,,Min koordinator ringede altid tilbage samme dag.,H1.2,nuances,eva,Andet memo\n"}
    summary = import_bundle(session, project, bundle(again), user=eva, max_bytes=MB)
    assert (summary.excerpts, summary.codings) == (0, 1)
    first = session.scalar(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id))
    session.refresh(first)
    assert sorted(c.code.key for c in first.codings if c.coder_id == eva.id) == ["H1.2", "H1.4", "NY.1"]
    assert [m.text for m in first.memos] == ["Et memo"]  # a memo already there stays


def test_a_failure_while_writing_leaves_nothing(session, target):
    project, eva = target
    session.commit()
    before = counts(session)

    def stop(done: int, total: int) -> None:
        if done >= 1000:
            raise RuntimeError("stopped half-way")

    with pytest.raises(RuntimeError):
        import_bundle(session, project, bundle(many_rows(2500)), user=eva, max_bytes=MB, add_coders=True,
                      progress=stop)
    session.rollback()
    assert counts(session) == before


def test_bulk_writer_on_its_own(session, factory):
    owner = factory.user("anna")
    project = factory.project("bulk", owner)
    case = factory.case(project, "F01")
    source = factory.source(project, [case], text="Det gik godt. Det gik skidt.")
    code = factory.code(project, "H1.4")
    bulk = BulkExcerpts(session, project.id, owner.id)
    first = bulk.new(source.id, case.id, 0, 13, source.text[0:13])
    first.codings.append((code.id, owner.id, Direction.CONTRADICTS))
    first.memos.append((owner.id, "Et memo"))
    assert bulk.write() == (1, 1, 1)
    excerpt = session.get(Excerpt, first.id)
    assert excerpt.text == "Det gik godt." and [c.direction for c in excerpt.codings] == [Direction.CONTRADICTS]


def test_audit_snapshots_read_back_as_written_even_a_lone_surrogate():
    """bulk_sqlite and bulk_copy write snapshots with orjson, and a text orjson refuses with json.dumps as before."""
    import json

    from casecoder.coding.bulk_excerpts import snapshot_json
    for value in ({"text": "Æble og ø 🙂", "case_id": None, "of_record": True}, {"text": "half \ud800 a pair"}):
        assert json.loads(snapshot_json(value)) == value
